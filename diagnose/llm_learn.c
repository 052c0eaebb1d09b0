/* llm_learn: a rule proposed by an LLM is checked before it is kept (see
 * llm.h and docs/notes-llm.md): it must load like any rule (PCRE2 with the
 * shipped limits, taxonomy, group names), have a prefilter literal, match
 * the key line through the real classifier path, match no generic probe
 * line ("error", "Traceback ...": a catch-all), stay under the match limit
 * on hostile 64 KiB lines, match no line of the benign corpus (the clean
 * logs under tests/data/diagnose) nor a line of the failing logs from
 * before the key line, and match at most a few lines of the failing logs
 * that do not look like the key line. A kept rule is appended to the
 * learned file with `status: candidate` and its provenance. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common/util.h"
#include "diagnose/internal.h"
#include "diagnose/llm.h"
#include "diagnose/prefix.h"
#include "diagnose/rules_load.h"

#define HOSTILE_LEN 65536
#define MAX_OTHER_MATCHES 3   /* lines not like the key line the rule may match */
#define LEARNED_MAX (4u << 20)
#define PATTERN_MAX 1024

struct checker {
    struct ruleset *rs;
    struct classifier *c;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    const char *key;
    char key_templ[1024];
    struct buf *why;
    int refused;
};

/* The line through the classifier path (prefix stripped, prefilter, regex). */
static int cls_match(struct checker *k, const char *line, size_t len)
{
    struct prefix_info p;
    prefix_parse(line, len, &p);
    return classifier_rule_check(k->c, 0, line + p.skip, len - p.skip) == 1;
}

/* The regex alone: 1 match, 0 none, -2 a limit was hit. */
static int re_match(struct checker *k, const char *line, size_t len)
{
    int rc = pcre2_match(k->rs->rules[0].re, (PCRE2_SPTR)line, len, 0, 0, k->md, k->mc);
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
        return -2;
    return rc >= 0;
}

/* Digits templated, for "a line like the key line". */
static void templ(const char *s, size_t n, char *out, size_t max)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < max; i++)
        if (s[i] >= '0' && s[i] <= '9') {
            if (!o || out[o - 1] != '#')
                out[o++] = '#';
        } else
            out[o++] = s[i];
    out[o] = '\0';
}

static int refuse(struct checker *k, const char *fmt, const char *a, long n)
{
    if (!k->refused)
        buf_printf(k->why, fmt, a, n);
    k->refused = 1;
    return -1;
}

static int probes(struct checker *k)
{
    static const char *const generic[] = {"", "x", "error", "Error", "ERROR", "failed", "warning",
                                          "Exception", "RuntimeError: error", "Traceback (most recent call last):",
                                          "ValueError: x", "step 1 loss 2.0", NULL};
    for (size_t i = 0; generic[i]; i++)
        if (re_match(k, generic[i], strlen(generic[i])) == 1)
            return refuse(k, "a catch-all: it matches the generic line '%s'%.0ld", generic[i], 0);
    size_t kl = strlen(k->key);
    char *h = malloc(HOSTILE_LEN + 1);
    static const char fills[] = "a 0.";
    int rc = 0;
    for (size_t f = 0; h && !rc && f <= sizeof fills - 1; f++) {
        size_t n = kl < HOSTILE_LEN / 2 ? kl : HOSTILE_LEN / 2;
        memcpy(h, k->key, n);
        for (size_t i = n; i < HOSTILE_LEN; i++) /* the fill, or the key line again */
            h[i] = f < sizeof fills - 1 ? fills[f] : k->key[(i - n) % (kl ? kl : 1)];
        h[HOSTILE_LEN - 1] = '!';
        if (re_match(k, h, HOSTILE_LEN) == -2)
            rc = refuse(k, "backtracks too much: a hostile 64 KiB line hits the match limit%s%.0ld", "", 0);
    }
    free(h);
    return rc;
}

struct corpus {
    struct checker *k;
    const char *display;
    int key_seen;
    size_t others;
};

static void on_benign(void *ctx, const char *line, size_t len, long lineno, unsigned flags)
{
    struct corpus *cp = ctx;
    (void)flags;
    if (!cp->k->refused && cls_match(cp->k, line, len)) {
        char where[PATH_MAX + 40];
        snprintf(where, sizeof where, "%s:%ld", cp->display, lineno);
        refuse(cp->k, "it matches a line of the benign corpus (%s)%.0ld", where, 0);
    }
}

static void on_failing(void *ctx, const char *line, size_t len, long lineno, unsigned flags)
{
    struct corpus *cp = ctx;
    struct checker *k = cp->k;
    char t[1024];
    (void)flags;
    int is_key = memmem(line, len, k->key, strlen(k->key)) != NULL;
    if (k->refused || !cls_match(k, line, len)) {
        cp->key_seen |= is_key;
        return;
    }
    if (!is_key && !cp->key_seen) {
        char where[PATH_MAX + 40];
        snprintf(where, sizeof where, "%s:%ld", cp->display, lineno);
        refuse(k, "it matches a line from before the failure (%s)%.0ld", where, 0);
    }
    cp->key_seen |= is_key;
    struct prefix_info p;
    prefix_parse(line, len, &p);
    templ(line + p.skip, len - p.skip, t, sizeof t);
    if (!is_key && strcmp(t, k->key_templ) && ++cp->others > MAX_OTHER_MATCHES)
        refuse(k, "a catch-all: it matches %s%ld lines of the failing logs unlike the key line", "more than ",
               MAX_OTHER_MATCHES);
}

/* The benign corpus: the clean_* logs of dir. */
static void benign(struct checker *k, const char *dir)
{
    char found[PATH_MAX];
    static const char *const rel[] = {"../share/endure/benign", "../tests/data/diagnose", "../../tests/data/diagnose"};
    if (!dir && find_data_dir("ENDURE_BENIGN_DIR", rel, 3, "", found, sizeof found) == 0)
        dir = found;
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    struct buf err;
    buf_init(&err, 4096);
    while (d && !k->refused && (e = readdir(d))) {
        char path[PATH_MAX];
        size_t bytes;
        if (strncmp(e->d_name, "clean_", 6) || strstr(e->d_name, ".expect"))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct input in = {.path = path, .display = e->d_name, .rank = -1, .regular = 2};
        struct corpus cp = {.k = k, .display = e->d_name};
        input_read(&in, on_benign, &cp, &err, 64u << 20, &bytes);
    }
    if (d)
        closedir(d);
    buf_free(&err);
}

static void failing(struct checker *k, const struct llm_learn_ctx *ctx)
{
    struct buf err;
    struct corpus cp = {.k = k};
    buf_init(&err, 4096);
    for (size_t i = 0; ctx->in && !k->refused && i < ctx->in->n; i++) {
        size_t bytes;
        cp.display = ctx->in->v[i].display;
        cp.key_seen = 0;
        input_read(&ctx->in->v[i], on_failing, &cp, &err, ctx->max_bytes, &bytes);
    }
    buf_free(&err);
}

int llm_rule_check(const char *yaml_rule, const char *key_line, const struct llm_learn_ctx *ctx,
                   struct buf *why)
{
    struct checker k = {.key = key_line, .why = why};
    struct buf err;
    int rc = -1;
    buf_init(&err, 8192);
    if (ruleset_load_text(&k.rs, "proposed rule", yaml_rule, strlen(yaml_rule), &err) < 0) {
        char *nl = err.p ? strchr(err.p, '\n') : NULL;
        buf_printf(why, "it does not load: %.*s", nl ? (int)(nl - err.p) : 200, err.p ? err.p : "?");
        goto out;
    }
    k.c = classifier_new(k.rs);
    k.md = pcre2_match_data_create(16, NULL);
    k.mc = pcre2_match_context_create(NULL);
    if (!k.c || !k.md || !k.mc)
        goto out;
    pcre2_set_match_limit(k.mc, RULE_MATCH_LIMIT);
    pcre2_set_depth_limit(k.mc, RULE_DEPTH_LIMIT);
    templ(key_line, strlen(key_line), k.key_templ, sizeof k.key_templ);
    if (!k.rs->rules[0].nliterals)
        refuse(&k, "no prefilter literal can be derived from the pattern (and none given)%s%.0ld", "", 0);
    else if (!cls_match(&k, key_line, strlen(key_line)))
        refuse(&k, "it does not match the key line (or its literals do not occur in it)%s%.0ld", "", 0);
    if (!k.refused)
        probes(&k);
    if (!k.refused)
        benign(&k, ctx->benign_dir);
    if (!k.refused)
        failing(&k, ctx);
    rc = k.refused ? -1 : 0;
out:
    classifier_free(k.c);
    pcre2_match_data_free(k.md);
    pcre2_match_context_free(k.mc);
    ruleset_free(k.rs);
    buf_free(&err);
    return rc;
}

/* A YAML single-quoted scalar; -1 when s holds control characters or
 * invalid UTF-8 (clean: they become spaces instead). */
static int yq(struct buf *b, const char *s, int clean)
{
    size_t n = strlen(s);
    char *u = malloc(n + 1);
    if (!u || utf8_sanitize(s, n, u, n) != n || memcmp(u, s, n)) {
        free(u);
        if (!clean)
            return -1;
        u = malloc(n * 3 + 1); /* U+FFFD for bad bytes */
        if (!u)
            return -1;
        utf8_sanitize(s, n, u, n * 3);
    }
    buf_puts(b, "'");
    for (const char *p = u; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f) {
            if (!clean) {
                free(u);
                return -1;
            }
            c = ' ';
        }
        if (c == '\'')
            buf_puts(b, "'");
        buf_append(b, &c, 1);
    }
    free(u);
    return buf_puts(b, "'");
}

static uint32_t fnv32(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

/* The YAML entry of the proposed rule; -1 with why. */
static int entry(const json_t *rule, const json_t *v, const char *key, const struct llm_learn_ctx *ctx,
                 struct buf *b, char *id, size_t idlen, struct buf *why)
{
    const char *pat = json_string_value(json_object_get(rule, "match"));
    const json_t *lits = json_object_get(rule, "literals");
    const char *type = json_string_value(json_object_get(v, "type"));
    char ts[64];
    size_t i;
    json_t *l;
    if (!pat || !*pat || strlen(pat) > PATTERN_MAX)
        return buf_puts(why, "the rule has no match pattern (or one over 1024 bytes)"), -1;
    snprintf(id, idlen, "learned.%s_%08x", type, fnv32(pat));
    format_time(wall_time(), ts, sizeof ts);
    buf_printf(b, "- id: %s\n  status: candidate\n  category: %s\n  type: %s\n  role: root\n  action: %s\n"
               "  priority: 10\n  match: ", id, json_string_value(json_object_get(v, "category")), type,
               json_string_value(json_object_get(v, "action")));
    if (yq(b, pat, 0) < 0)
        return buf_puts(why, "the pattern holds control characters or invalid UTF-8"), -1;
    if (json_is_array(lits) && json_array_size(lits) > 0 && json_array_size(lits) <= 8) {
        buf_puts(b, "\n  literals: [");
        json_array_foreach(lits, i, l)
        {
            if (!json_is_string(l) || json_string_length(l) > RULE_MAX_LITERAL || yq(b, json_string_value(l), 0) < 0)
                return buf_puts(why, "a literal is not a short plain string"), -1;
            buf_puts(b, i + 1 < json_array_size(lits) ? ", " : "");
        }
        buf_puts(b, "]");
    }
    buf_puts(b, "\n  explain: ");
    yq(b, json_string_value(json_object_get(v, "explanation")) ?: "", 1);
    buf_puts(b, "\n  examples:\n    - ");
    if (yq(b, key, 0) < 0)
        return buf_puts(why, "the key line holds control characters or invalid UTF-8"), -1;
    buf_puts(b, "\n  provenance: {source: llm, run: ");
    yq(b, ctx->run_id ? ctx->run_id : "", 1);
    buf_printf(b, ", attempt: %ld, model: ", ctx->attempt);
    yq(b, ctx->model ? ctx->model : "", 1);
    buf_printf(b, ", time: '%s', key_file: ", ts);
    yq(b, json_string_value(json_object_get(json_object_get(v, "key_line"), "file")) ?: "", 1);
    return buf_puts(b, "}\n");
}

/* The existing rule of f (text) with this pattern, into id_out: 1, else 0. */
static int has_pattern(const char *text, size_t len, const char *pat, char *id_out, size_t idlen)
{
    struct ruleset *rs = NULL;
    struct buf err;
    int found = 0;
    buf_init(&err, 1 << 16);
    if (len && ruleset_load_text(&rs, "learned", text, len, &err) == 0)
        for (size_t i = 0; i < rs->n && !found; i++)
            if (!strcmp(rs->rules[i].pattern, pat)) {
                snprintf(id_out, idlen, "%s", rs->rules[i].id);
                found = 1;
            }
    ruleset_free(rs);
    buf_free(&err);
    return found;
}

/* Appends e to the learned file under an exclusive lock, when the result
 * still loads. */
static int append(const char *path, const char *e, const char *pat, char *id_out, size_t idlen,
                  struct buf *why)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        mkdir_p(dir, 0700);
    }
    int fd = open_regular(AT_FDCWD, path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) < 0) {
        buf_printf(why, "%s: %s", path, file_strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct buf all, err;
    buf_init(&all, LEARNED_MAX);
    buf_init(&err, 1 << 16);
    char chunk[65536];
    ssize_t n;
    int rc = -1;
    while ((n = pread(fd, chunk, sizeof chunk, (off_t)all.len)) > 0 && buf_append(&all, chunk, (size_t)n) == 0)
        ;
    if (has_pattern(all.p, all.len, pat, id_out, idlen)) {
        rc = 1;
        goto out;
    }
    size_t old = all.len;
    struct ruleset *rs = NULL;
    if (buf_puts(&all, e) < 0 || ruleset_load_text(&rs, path, all.p, all.len, &err) < 0) {
        buf_printf(why, "%s would not load with the rule: %.200s", path, err.p ? err.p : "too large");
        goto out;
    }
    ruleset_free(rs);
    if (write_all(fd, all.p + old, all.len - old) < 0 || fsync(fd) < 0)
        buf_printf(why, "%s: %s", path, strerror(errno));
    else
        rc = 0;
out:
    buf_free(&all);
    buf_free(&err);
    close(fd);
    return rc;
}

int llm_learn(const json_t *reply, const json_t *llm_verdict, const struct llm_learn_ctx *ctx,
              const char *path, char *id_out, size_t idlen, struct buf *why)
{
    const json_t *rule = json_object_get(reply, "rule");
    const char *key = json_string_value(json_object_get(json_object_get(llm_verdict, "key_line"), "text"));
    struct buf e;
    int rc = -1;
    if (!json_is_object(rule))
        return buf_puts(why, "no rule proposed"), -1;
    buf_init(&e, 1 << 16);
    if (key && entry(rule, llm_verdict, key, ctx, &e, id_out, idlen, why) == 0 &&
        llm_rule_check(e.p, key, ctx, why) == 0)
        rc = append(path, e.p, json_string_value(json_object_get(rule, "match")), id_out, idlen, why);
    buf_free(&e);
    return rc;
}
