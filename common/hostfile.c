/* hostfile: the DeepSpeed/Open MPI hostfile of --hostfile (see hostlist.h):
 * `HOST [slots=N]` per line, '#' comments, blank lines. HOST is one plain
 * host name (DeepSpeed's rule), checked like the names of a hostlist; a
 * repeated host is refused here, where both line numbers are known. */
#include "common/hostlist.h"
#include "common/util.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Next whitespace-separated field of [*p, end): its start and length. */
static size_t next_field(const char **p, const char *end, const char **start)
{
    while (*p < end && ws(**p))
        (*p)++;
    *start = *p;
    while (*p < end && !ws(**p))
        (*p)++;
    return (size_t)(*p - *start);
}

/* Appends the field (len bytes at s) shortened to 60 bytes, with bytes
 * that are not printable as '?' (a hostfile may hold anything). */
static void put_field(struct buf *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len && i < 60; i++) {
        char c = isprint((unsigned char)s[i]) ? s[i] : '?';
        buf_append(b, &c, 1);
    }
    if (len > 60)
        buf_puts(b, "...");
}

/* Parses one line (comment already cut) into e; host NULL for a blank
 * line. On -1 the problem is in why. */
static int parse_line(const char *p, const char *end, struct hostfile_entry *e, struct buf *why)
{
    const char *f;
    size_t len = next_field(&p, end, &f);
    e->host = NULL;
    e->slots = -1;
    if (len == 0)
        return 0;
    if (memchr(f, '[', len) || memchr(f, ',', len)) {
        buf_puts(why, "'");
        put_field(why, f, len);
        buf_puts(why, "' is not one plain host name (a hostfile takes no hostlist expressions: "
                      "one host per line)");
        return -1;
    }
    if (hostlist_check_name(f, len, why) < 0)
        return -1;
    const char *host = f;
    size_t hostlen = len;
    while ((len = next_field(&p, end, &f)) > 0) {
        char num[16];
        long v;
        if (len < 6 || strncmp(f, "slots=", 6) != 0) {
            buf_puts(why, "unexpected '");
            put_field(why, f, len);
            buf_puts(why, "' (expected HOST [slots=N])");
            return -1;
        }
        if (e->slots != -1)
            return buf_puts(why, "slots= given twice"), -1;
        if (len - 6 >= sizeof num || (memcpy(num, f + 6, len - 6), num[len - 6] = '\0',
                                      parse_long(num, 1, HOSTFILE_SLOTS_MAX, &v) < 0)) {
            buf_puts(why, "'");
            put_field(why, f, len);
            buf_printf(why, "': slots must be a number from 1 to %d", HOSTFILE_SLOTS_MAX);
            return -1;
        }
        e->slots = (int)v;
    }
    if (!(e->host = strndup(host, hostlen)))
        return buf_puts(why, "out of memory"), -1;
    return 0;
}

/* 0 when no host of v[0..n) repeats; else -1 with the message (both
 * lines; lines[i] is the line of v[i]). */
static int check_repeats(struct hostfile_entry *v, const int *lines, size_t n, int *lineno,
                         struct buf *why)
{
    char **names = malloc((n ? n : 1) * sizeof *names);
    if (!names)
        return buf_puts(why, "out of memory"), -1;
    for (size_t i = 0; i < n; i++)
        names[i] = v[i].host;
    int d = hostlist_find_dup(names, n);
    free(names);
    if (d < 0)
        return 0;
    size_t first = 0;
    while (strcmp(v[first].host, v[d].host))
        first++;
    *lineno = lines[d];
    return buf_printf(why, "host %s repeated (first on line %d)", v[d].host, lines[first]), -1;
}

/* Parses the text of a hostfile into v, lines and n (at most max hosts).
 * On -1, *lineno is the line at fault (0: the file) and why says why. */
static int parse_text(const char *text, size_t len, size_t max, struct hostfile_entry **v,
                      int **lines, size_t *n, int *lineno, struct buf *why)
{
    *lineno = 0;
    for (const char *p = text, *end = text + len; p < end; p++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end, *hash = memchr(p, '#', (size_t)(eol - p));
        struct hostfile_entry e;
        ++*lineno;
        if (parse_line(p, hash ? hash : eol, &e, why) < 0)
            return -1;
        p = eol;
        if (!e.host)
            continue;
        struct hostfile_entry *nv = *n < max ? realloc(*v, (*n + 1) * sizeof *nv) : NULL;
        int *nl2 = nv ? realloc(*lines, (*n + 1) * sizeof *nl2) : NULL;
        *v = nv ? nv : *v;
        *lines = nl2 ? nl2 : *lines;
        if (!nv || !nl2) {
            free(e.host);
            return buf_printf(why, *n < max ? "out of memory" : "more than %zu hosts", max), -1;
        }
        (*v)[*n] = e;
        (*lines)[(*n)++] = *lineno;
    }
    if (*n == 0) {
        *lineno = 0;
        return buf_puts(why, "no hosts"), -1;
    }
    return check_repeats(*v, *lines, *n, lineno, why);
}

int hostfile_load(const char *path, size_t max, struct hostfile_entry **out, size_t *n,
                  struct buf *err)
{
    struct hostfile_entry *v = NULL;
    int *lines = NULL, lineno = 0;
    size_t cnt = 0, len = 0;
    int rc = -1;
    struct buf why;
    buf_init(&why, 512);
    *out = NULL;
    *n = 0;
    char *text = read_regular_capped(path, HOSTFILE_MAX_BYTES, &len, 0);
    if (!text) {
        buf_printf(err, "cannot read hostfile %s: %s", path,
                   errno == EFBIG ? "larger than 1 MiB" : file_strerror(errno));
        goto out;
    }
    if (memchr(text, '\0', len)) {
        buf_printf(err, "hostfile %s: not a text file (holds a NUL byte)", path);
        goto out;
    }
    if (parse_text(text, len, max, &v, &lines, &cnt, &lineno, &why) < 0) {
        if (lineno > 0)
            buf_printf(err, "hostfile %s line %d: %s", path, lineno, why.p ? why.p : "malformed");
        else
            buf_printf(err, "hostfile %s: %s", path, why.p ? why.p : "malformed");
        goto out;
    }
    *out = v;
    *n = cnt;
    v = NULL;
    rc = 0;
out:
    hostfile_free(v, cnt);
    free(lines);
    free(text);
    buf_free(&why);
    return rc;
}

void hostfile_free(struct hostfile_entry *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i].host);
    free(v);
}
