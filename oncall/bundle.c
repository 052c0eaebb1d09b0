/* bundle: `endure bundle`'s archive, what an engineer attaches to a ticket:
 * the journal, the run's configuration (from its last run_start), every
 * attempt's failure.json and health.json, `endure diagnose --compress` of
 * every failed attempt and the last 500 lines of every failing rank; a
 * MANIFEST.txt says what is in and what did not fit. Every member is
 * scrubbed first (bundle_scrub): 64-hex tokens, the path and query of
 * URLs, and the values of secret-looking environment variables. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "oncall/bundle.h"
#include <errno.h>
#include <fcntl.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include "common/buf.h"
#include "common/layout.h"
#include "common/util.h"
#include "diagnose/input.h"
#include "oncall/runview.h"
#include "oncall/tarball.h"

#define TAIL_LINES 500
#define TAIL_BYTES (1u << 20)
#define DIAG_BYTES (4u << 20)
#define JOURNAL_BYTES (256u << 20)
#define MAX_FAILING 64 /* ranks per attempt */

extern char **environ;

static char *substitute(const char *pat, const char *repl, const char *in, size_t n, size_t *outlen)
{
    int e;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &e, &off, NULL);
    if (!re)
        return NULL;
    PCRE2_SIZE cap = n + n / 2 + 256;
    char *out = NULL;
    for (int tries = 0; tries < 4; tries++) {
        free(out);
        out = malloc(cap);
        PCRE2_SIZE len = cap;
        if (!out)
            break;
        int rc = pcre2_substitute(re, (PCRE2_SPTR)in, n, 0, PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH,
                                  NULL, NULL, (PCRE2_SPTR)repl, PCRE2_ZERO_TERMINATED, (PCRE2_UCHAR *)out, &len);
        if (rc >= 0) {
            *outlen = len;
            pcre2_code_free(re);
            return out;
        }
        if (rc != PCRE2_ERROR_NOMEMORY)
            break;
        cap = len + 1;
    }
    free(out);
    pcre2_code_free(re);
    return NULL;
}

static int secret_name(const char *name, size_t n)
{
    static const char *const words[] = {"KEY", "TOKEN", "SECRET", "PASSW", "CREDENTIAL", "AUTH", "WEBHOOK"};
    char up[256];
    if (n >= sizeof up)
        n = sizeof up - 1;
    for (size_t i = 0; i < n; i++)
        up[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    up[n] = 0;
    for (size_t k = 0; k < sizeof words / sizeof *words; k++)
        if (strstr(up, words[k]))
            return 1;
    return 0;
}

/* Replaces every occurrence of the value of each secret-looking environment
 * variable (at least 8 bytes) in b. */
static void scrub_env(char *p, size_t len)
{
    for (char **e = environ; *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || strlen(eq + 1) < 8 || !secret_name(*e, (size_t)(eq - *e)))
            continue;
        const char *v = eq + 1;
        size_t vl = strlen(v);
        char *hit;
        while ((hit = memmem(p, len, v, vl)))
            memset(hit, '*', vl); /* the same length: nothing moves */
    }
}

char *bundle_scrub(const char *in, size_t n, size_t *outlen)
{
    size_t l1, l2;
    char *a = substitute("(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])", "[redacted-hex]", in, n, &l1);
    char *b = a ? substitute("\\b([A-Za-z][A-Za-z0-9+.-]{0,15}://)(?:[^@/\\s\"'<>]*@)?([^/\\s\"'<>?#]+)[^\\s\"'<>]*",
                             "${1}${2}/[redacted]", a, l1, &l2)
                : NULL;
    free(a);
    if (!b)
        return NULL;
    scrub_env(b, l2);
    *outlen = l2;
    return b;
}

struct bundle {
    struct tarball t;
    const char *run_dir;
    struct buf manifest;
    json_t *config;
    json_t *failing; /* "attempt" -> [{"node","rank"}] */
};

static void add(struct bundle *bd, const char *name, const char *data, size_t len)
{
    size_t sl;
    char *s = bundle_scrub(data, len, &sl);
    int rc = s ? tarball_add(&bd->t, name, s, sl) : -1;
    buf_printf(&bd->manifest, "%-60s %s\n", name, rc == 0 ? "included" : rc == 1 ? "left out (--max-size)" : "error");
    free(s);
}

static void add_file(struct bundle *bd, const char *name, const char *path, size_t max)
{
    size_t len;
    char *d = read_regular_capped(path, max, &len, O_NOFOLLOW);
    if (d)
        add(bd, name, d, len);
    free(d);
}

/* The journal's run_start config and the failing ranks of each attempt:
 * a non-zero exit, or a signal before the attempt's stop began. */
static void scan_journal(struct bundle *bd, const char *text, size_t n)
{
    json_t *stopped = json_object();
    for (size_t pos = 0; pos < n;) {
        const char *nl = memchr(text + pos, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - (text + pos)) : n - pos;
        json_t *ev = json_loadb(text + pos, len, 0, NULL);
        pos += len + 1;
        const char *name = json_string_value(json_object_get(ev, "event"));
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(ev, "attempt")));
        if (name && !strcmp(name, "run_start")) {
            json_decref(bd->config);
            bd->config = json_incref(json_object_get(ev, "config"));
        } else if (name && !strcmp(name, "stop_begin")) {
            json_object_set_new(stopped, key, json_true());
        } else if (name && !strcmp(name, "rank_exit")) {
            json_t *code = json_object_get(ev, "code");
            int bad = json_is_integer(code) ? json_integer_value(code) != 0 : !json_object_get(stopped, key);
            json_t *list = json_object_get(bd->failing, key);
            if (!list)
                json_object_set_new(bd->failing, key, list = json_array());
            if (bad && json_array_size(list) < MAX_FAILING)
                json_array_append_new(list, json_pack("{s:O,s:O}", "node", json_object_get(ev, "node"), "rank",
                                                      json_object_get(ev, "rank")));
        }
        json_decref(ev);
    }
    json_decref(stopped);
}

/* The last TAIL_BYTES of the file open as fd into d (2 * TAIL_BYTES):
 * a plain file is read from there, a gzipped one through to its end. */
static ssize_t read_tail(int fd, int gz, char *d)
{
    if (!gz) {
        off_t size = lseek(fd, 0, SEEK_END), from = size > (off_t)TAIL_BYTES ? size - (off_t)TAIL_BYTES : 0;
        return pread(fd, d, TAIL_BYTES, from);
    }
    gzFile g = gzdopen(dup(fd), "rb");
    size_t len = 0;
    int k;
    while (g && (k = gzread(g, d + len, (unsigned)(2 * TAIL_BYTES - len))) > 0) {
        len += (size_t)k;
        if (len == 2 * TAIL_BYTES) { /* keep the newest half */
            memmove(d, d + TAIL_BYTES, TAIL_BYTES);
            len = TAIL_BYTES;
        }
    }
    if (g)
        gzclose(g);
    if (len > TAIL_BYTES) {
        memmove(d, d + len - TAIL_BYTES, TAIL_BYTES);
        len = TAIL_BYTES;
    }
    return (ssize_t)len;
}

/* The newest part of rank log path: the live file, else (an attempt that
 * is not its node's last, or rotated away) its highest closed segment,
 * plain or gzipped, as diagnose finds them. Returns an fd, or -1. */
static int open_newest_part(const char *ndir, int rank, int *gz)
{
    char path[4200];
    *gz = 0;
    if (layout_rank_log(path, sizeof path, ndir, rank) < 0)
        return -1;
    int fd = open_regular(AT_FDCWD, path, O_RDONLY | O_NOFOLLOW, 0);
    if (fd >= 0 || errno != ENOENT)
        return fd;
    struct input in = {.path = path, .display = path, .rank = rank};
    input_attach_segments(&in);
    if (in.nsegs) {
        const char *last = in.segs[in.nsegs - 1];
        size_t n = strlen(last);
        *gz = n > 3 && !strcmp(last + n - 3, ".gz");
        fd = open_regular(AT_FDCWD, last, O_RDONLY | O_NOFOLLOW, 0);
    }
    input_free_segments(&in);
    return fd;
}

/* The last TAIL_LINES lines of a rank log (from its last TAIL_BYTES). */
static void add_tail(struct bundle *bd, const char *name, const char *ndir, int rank)
{
    int gz;
    int fd = open_newest_part(ndir, rank, &gz);
    if (fd < 0)
        return;
    char *d = malloc(2 * TAIL_BYTES + 1);
    ssize_t k = d ? read_tail(fd, gz, d) : -1;
    close(fd);
    if (k > 0) {
        size_t start = (size_t)k;
        int lines = 0;
        if (start && d[start - 1] == '\n')
            start--;
        while (start > 0 && lines < TAIL_LINES)
            if (d[--start] == '\n' && ++lines == TAIL_LINES)
                start++;
        add(bd, name, d + start, (size_t)k - start);
    }
    free(d);
}

/* `endure diagnose --compress ATTEMPT_DIR` as a child (the binary we are). */
static void add_diagnosis(struct bundle *bd, const char *name, const char *attempt_dir)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(p[1], 1);
        if (null >= 0)
            dup2(null, 2);
        execl("/proc/self/exe", "endure", "diagnose", "--compress", "--", attempt_dir, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    struct buf out;
    buf_init(&out, DIAG_BYTES);
    char chunk[65536];
    ssize_t k;
    while (pid > 0 && (k = read(p[0], chunk, sizeof chunk)) != 0) {
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            break;
        buf_append_some(&out, chunk, (size_t)k);
    }
    close(p[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    if (out.len)
        add(bd, name, out.p, out.len);
    buf_free(&out);
}

static void attempt_members(struct bundle *bd, const struct rv_attempt *a)
{
    char adir[4096], path[4200], name[512];
    if (layout_attempt_dir(adir, sizeof adir, bd->run_dir, a->n) < 0)
        return;
    static const char *const files[] = {"failure.json", LAYOUT_HEALTH_JSON};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", adir, files[i]);
        snprintf(name, sizeof name, "endure-bundle/attempt-%d/%s", a->n, files[i]);
        add_file(bd, name, path, DIAG_BYTES);
    }
    if (a->ok != 0)
        return;
    snprintf(name, sizeof name, "endure-bundle/attempt-%d/diagnose-compress.txt", a->n);
    add_diagnosis(bd, name, adir);
    char key[32];
    snprintf(key, sizeof key, "%d", a->n);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(bd->failing, key), i, r) {
        const char *node = json_string_value(json_object_get(r, "node"));
        long rank = (long)json_integer_value(json_object_get(r, "rank"));
        char ndir[4096];
        if (!node || !safe_component(node) || layout_node_dir(ndir, sizeof ndir, bd->run_dir, a->n, node) < 0 ||
            rank < 0 || rank > 1000000)
            continue;
        snprintf(name, sizeof name, "endure-bundle/attempt-%d/%s/rank-%ld.log.tail", a->n, node, rank);
        add_tail(bd, name, ndir, (int)rank);
    }
}

int bundle_write(const char *run_dir, const char *out, uint64_t max, struct buf *err)
{
    char jpath[4096];
    struct bundle bd = {.run_dir = run_dir, .failing = json_object()};
    struct runview rv;
    rv_init(&rv);
    buf_init(&bd.manifest, 32u << 10);
    size_t jlen = 0;
    char *journal = NULL;
    int rc = -1;
    if (layout_run_file(jpath, sizeof jpath, run_dir, LAYOUT_EVENTS) < 0 || rv_load(&rv, jpath) < 0 ||
        !(journal = read_regular_capped(jpath, JOURNAL_BYTES, &jlen, O_NOFOLLOW))) {
        buf_printf(err, "cannot read %s: %s", jpath, file_strerror(errno));
        goto out;
    }
    if (tarball_open(&bd.t, out, max) < 0) {
        buf_printf(err, "cannot create %s: %s", out, file_strerror(errno));
        goto out;
    }
    buf_printf(&bd.manifest, "endure bundle of run %s (%s)\nsecrets scrubbed: 64-hex tokens, URL paths and queries, "
                             "values of secret-looking environment variables\n\n", rv.run_id, run_dir);
    scan_journal(&bd, journal, jlen);
    add(&bd, "endure-bundle/events.jsonl", journal, jlen);
    char *cfg = bd.config ? json_dumps(bd.config, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (cfg)
        add(&bd, "endure-bundle/config.json", cfg, strlen(cfg));
    free(cfg);
    for (int i = 0; i < rv.natt; i++)
        attempt_members(&bd, &rv.att[i]);
    buf_printf(&bd.manifest, "\n%d member(s), %d left out by --max-size\n", bd.t.members, bd.t.skipped);
    rc = tarball_close(&bd.t, "endure-bundle/MANIFEST.txt", bd.manifest.p);
    if (rc < 0)
        buf_printf(err, "cannot write %s: %s", out, file_strerror(errno));
out:
    free(journal);
    json_decref(bd.config);
    json_decref(bd.failing);
    buf_free(&bd.manifest);
    rv_free(&rv);
    return rc;
}
