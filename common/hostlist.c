/* hostlist: Slurm hostlist expansion (see hostlist.h). A hand-written
 * scanner of Slurm's small grammar: an expression is tokens separated by
 * ',' or whitespace; a token is literal text and '[...]' groups of
 * comma-separated numbers or lo-hi ranges, nothing after the last group.
 * Zero padding: a range is printed with as many digits as its lo has
 * (n[01-3] is n01..n03, n[1-010] is n1..n10). Order with several groups is
 * Slurm's: the last group varies fastest, then the first, the second, ...,
 * the one before the last slowest (a[1-2]b[1-2]c[1-2]: a1b1c1 a1b1c2 a2b1c1
 * ...). The count is computed and bounded before any name is built. */
#include "common/hostlist.h"
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROUPS_MAX 64   /* '[...]' groups in one token */
#define DIGITS_MAX 18   /* digits of one number (fits in uint64_t) */
#define SHOW_MAX 100    /* bytes of the expression quoted in a message */

struct range {
    uint64_t lo, hi;
    int width;
};

struct group {
    size_t first, count; /* its ranges in token.r */
    uint64_t size;       /* hosts it stands for */
};

/* One token, parsed: lit[0] group[0] lit[1] ... group[ng-1] (the text after
 * the last group must be empty, as in Slurm). */
struct token {
    const char *text; /* the whole token, checked characters only */
    size_t textlen;
    const char *lit[GROUPS_MAX + 1];
    size_t litlen[GROUPS_MAX + 1];
    struct group g[GROUPS_MAX];
    size_t ng;
    struct range *r;
    size_t nr, rcap;
};

static int is_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t' || c == '\n';
}

static int name_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

/* Appends "bad hostlist 'EXPR': " with EXPR shortened and made printable. */
static void bad_prefix(struct buf *err, const char *expr)
{
    size_t len = strlen(expr);
    buf_puts(err, "bad hostlist '");
    for (size_t i = 0; i < len && i < SHOW_MAX; i++) {
        char c = isprint((unsigned char)expr[i]) ? expr[i] : '?';
        buf_append(err, &c, 1);
    }
    buf_puts(err, len > SHOW_MAX ? "...': " : "': ");
}

static void bad(struct buf *err, const char *expr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void bad(struct buf *err, const char *expr, const char *fmt, ...)
{
    va_list ap;
    bad_prefix(err, expr);
    va_start(ap, fmt);
    buf_vprintf(err, fmt, ap);
    va_end(ap);
}

/* "character 'x'" or "byte 0x01" for an unexpected byte. */
static void describe_char(struct buf *b, char c)
{
    if (isprint((unsigned char)c))
        buf_printf(b, "character '%c'", c);
    else
        buf_printf(b, "byte 0x%02x", (unsigned char)c);
}

int hostlist_check_name(const char *s, size_t len, struct buf *why)
{
    if (len == 0)
        return buf_puts(why, "empty host name"), -1;
    for (size_t i = 0; i < len; i++) {
        if (!name_char(s[i])) {
            describe_char(why, s[i]);
            buf_puts(why, " is not allowed in a host name (letters, digits, '-', '.', '_')");
            return -1;
        }
    }
    if (len > HOSTLIST_NAME_MAX)
        return buf_printf(why, "host name '%.40s...' is longer than %d characters", s,
                          HOSTLIST_NAME_MAX),
               -1;
    if (s[0] == '-' || s[0] == '.')
        return buf_printf(why, "host name '%.*s' starts with '%c'", (int)(len > 40 ? 40 : len), s,
                          s[0]),
               -1;
    return 0;
}

/* Parses the decimal number of len bytes at s (1..DIGITS_MAX digits). */
static int parse_num(const char *s, size_t len, uint64_t *v)
{
    if (len == 0 || len > DIGITS_MAX)
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    *v = x;
    return 0;
}

/* One "lo" or "lo-hi" of len bytes at s into t->r. */
static int parse_range(const char *expr, const char *s, size_t len, struct token *t, struct buf *err)
{
    if (len == 0)
        return bad(err, expr, "empty range in '[...]' (as in '[]', '[1,,2]' or '[1,]')"), -1;
    const char *dash = memchr(s, '-', len);
    size_t lolen = dash ? (size_t)(dash - s) : len;
    struct range r;
    if (parse_num(s, lolen, &r.lo) < 0 ||
        (dash && parse_num(dash + 1, len - lolen - 1, &r.hi) < 0)) {
        if (lolen > DIGITS_MAX || (dash && len - lolen - 1 > DIGITS_MAX))
            return bad(err, expr, "a number in '%.*s' has more than %d digits", (int)len, s,
                       DIGITS_MAX),
                   -1;
        return bad(err, expr, "'%.*s' is not a number or a range lo-hi", (int)len, s), -1;
    }
    if (!dash)
        r.hi = r.lo;
    if (r.hi < r.lo)
        return bad(err, expr, "range %.*s goes down", (int)len, s), -1;
    if (r.hi - r.lo >= HOSTLIST_RANGE_MAX)
        return bad(err, expr, "range %.*s holds more than %d hosts", (int)len, s,
                   HOSTLIST_RANGE_MAX),
               -1;
    r.width = (int)lolen;
    if (t->nr == t->rcap) {
        size_t ncap = t->rcap ? t->rcap * 2 : 8;
        struct range *nr = realloc(t->r, ncap * sizeof *nr);
        if (!nr)
            return bad(err, expr, "out of memory"), -1;
        t->r = nr;
        t->rcap = ncap;
    }
    t->r[t->nr++] = r;
    return 0;
}

/* The group "[...]" whose text (without brackets) is len bytes at s. */
static int parse_group(const char *expr, const char *s, size_t len, struct token *t,
                       struct buf *err)
{
    if (t->ng == GROUPS_MAX)
        return bad(err, expr, "more than %d '[...]' groups in one name", GROUPS_MAX), -1;
    struct group *g = &t->g[t->ng++];
    g->first = t->nr;
    g->size = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != ',')
            continue;
        if (parse_range(expr, s + start, i - start, t, err) < 0)
            return -1;
        const struct range *r = &t->r[t->nr - 1];
        g->size += r->hi - r->lo + 1; /* <= 64K per range, ranges <= strlen */
        start = i + 1;
    }
    g->count = t->nr - g->first;
    return 0;
}

/* Scans the token that starts at expr[*pos] into t; *pos ends after it. */
static int parse_token(const char *expr, size_t *pos, struct token *t, struct buf *err)
{
    const char *p = expr + *pos;
    t->text = p;
    t->ng = 0;
    t->nr = 0;
    t->lit[0] = p;
    while (*p && !is_sep(*p)) {
        if (*p == ']')
            return bad(err, expr, "']' without '['"), -1;
        if (*p != '[') {
            if (!name_char(*p)) {
                bad_prefix(err, expr);
                describe_char(err, *p);
                buf_puts(err, " is not allowed in a host name (letters, digits, '-', '.', '_')");
                return -1;
            }
            p++;
            continue;
        }
        t->litlen[t->ng] = (size_t)(p - t->lit[t->ng]);
        const char *open = p++;
        while (*p && *p != ']') {
            if (*p == '[')
                return bad(err, expr, "'[' inside '[...]'"), -1;
            if (isspace((unsigned char)*p))
                return bad(err, expr, "whitespace inside '[...]'"), -1;
            if (!isdigit((unsigned char)*p) && *p != '-' && *p != ',') {
                bad_prefix(err, expr);
                describe_char(err, *p);
                buf_puts(err, " inside '[...]' (only digits, '-' and ',')");
                return -1;
            }
            p++;
        }
        if (!*p)
            return bad(err, expr, "'[' without ']'"), -1;
        if (parse_group(expr, open + 1, (size_t)(p - open - 1), t, err) < 0)
            return -1;
        t->lit[t->ng] = ++p;
    }
    t->litlen[t->ng] = (size_t)(p - t->lit[t->ng]);
    if (t->ng > 0 && t->litlen[t->ng] > 0)
        return bad(err, expr, "text '%.*s' after the last ']' (Slurm allows none)",
                   (int)(t->litlen[t->ng] > 40 ? 40 : t->litlen[t->ng]), t->lit[t->ng]),
               -1;
    if (t->litlen[0] > 0 && (t->lit[0][0] == '-' || t->lit[0][0] == '.'))
        return bad(err, expr, "a host name may not start with '%c'", t->lit[0][0]), -1;
    t->textlen = (size_t)(p - t->text);
    *pos = (size_t)(p - expr);
    return 0;
}

/* Where one group stands while a token is expanded. */
struct cursor {
    size_t r;   /* range index in token.r */
    uint64_t v; /* current value */
};

/* Moves c to the next value of g; 1 when it wrapped around to the first. */
static int cursor_next(const struct token *t, const struct group *g, struct cursor *c)
{
    if (c->v < t->r[c->r].hi) {
        c->v++;
        return 0;
    }
    c->r = c->r + 1 < g->first + g->count ? c->r + 1 : g->first;
    c->v = t->r[c->r].lo;
    return c->r == g->first;
}

/* Builds the current name of t at cur into name; -1 when too long. */
static int build_name(const struct token *t, const struct cursor *cur, char *name)
{
    size_t len = 0;
    for (size_t i = 0; i <= t->ng; i++) {
        if (t->litlen[i] > HOSTLIST_NAME_MAX - len)
            return -1;
        memcpy(name + len, t->lit[i], t->litlen[i]);
        len += t->litlen[i];
        if (i == t->ng)
            break;
        char num[64];
        int k = snprintf(num, sizeof num, "%0*" PRIu64, t->r[cur[i].r].width, cur[i].v);
        if (k < 0 || (size_t)k > HOSTLIST_NAME_MAX - len)
            return -1;
        memcpy(name + len, num, (size_t)k);
        len += (size_t)k;
    }
    name[len] = '\0';
    return len ? 0 : -1;
}

/* Appends the count names of t to v[*n...] (room already there). */
static int expand_token(const char *expr, const struct token *t, uint64_t count, char **v,
                        size_t *n, struct buf *err)
{
    struct cursor cur[GROUPS_MAX];
    for (size_t i = 0; i < t->ng; i++)
        cur[i] = (struct cursor){t->g[i].first, t->r[t->g[i].first].lo};
    for (uint64_t k = 0; k < count; k++) {
        char name[HOSTLIST_NAME_MAX + 1];
        if (build_name(t, cur, name) < 0)
            return bad(err, expr, "'%.*s%s' makes a host name longer than %d characters",
                       (int)(t->textlen > 40 ? 40 : t->textlen), t->text,
                       t->textlen > 40 ? "..." : "", HOSTLIST_NAME_MAX),
                   -1;
        if (!(v[*n] = strdup(name)))
            return bad(err, expr, "out of memory"), -1;
        (*n)++;
        /* Slurm's order: the last group fastest, then the first, second, ... */
        for (size_t j = 0; j < t->ng; j++) {
            size_t gi = j == 0 ? t->ng - 1 : j - 1;
            if (!cursor_next(t, &t->g[gi], &cur[gi]))
                break;
        }
    }
    return 0;
}

int hostlist_expand(const char *expr, size_t max, char ***out, size_t *n, struct buf *err)
{
    struct token t = {0};
    char **v = NULL;
    size_t cnt = 0, pos = 0;
    int rc = -1;
    *out = NULL;
    *n = 0;
    for (;;) {
        while (is_sep(expr[pos]))
            pos++;
        if (!expr[pos])
            break;
        if (parse_token(expr, &pos, &t, err) < 0)
            goto out;
        uint64_t count = 1, room = max - cnt;
        int over = room < 1;
        for (size_t i = 0; i < t.ng && !over; i++) {
            over = count > room / t.g[i].size; /* count * size > room, without overflow */
            count *= over ? 1 : t.g[i].size;
        }
        if (over) {
            bad(err, expr, "more than %zu host names", max);
            goto out;
        }
        char **nv = realloc(v, (cnt + (size_t)count) * sizeof *nv);
        if (!nv) {
            bad(err, expr, "out of memory");
            goto out;
        }
        v = nv;
        if (expand_token(expr, &t, count, v, &cnt, err) < 0)
            goto out;
    }
    if (cnt == 0) {
        bad(err, expr, "no host names");
        goto out;
    }
    *out = v;
    *n = cnt;
    v = NULL;
    rc = 0;
out:
    hostlist_free(v, cnt);
    free(t.r);
    return rc;
}

void hostlist_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

struct dup_item {
    const char *s;
    size_t i;
};

static int dup_cmp(const void *a, const void *b)
{
    const struct dup_item *x = a, *y = b;
    int c = strcmp(x->s, y->s);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

int hostlist_find_dup(char **v, size_t n)
{
    if (n < 2 || n > INT_MAX)
        return -1;
    struct dup_item *a = malloc(n * sizeof *a);
    if (!a) { /* fall back to the quadratic scan */
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (!strcmp(v[i], v[j]))
                    return (int)i;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        a[i] = (struct dup_item){v[i], i};
    qsort(a, n, sizeof *a, dup_cmp);
    size_t best = n;
    for (size_t i = 1; i < n; i++)
        if (!strcmp(a[i].s, a[i - 1].s) && a[i].i < best)
            best = a[i].i; /* the second of a run has the smallest repeat index */
    free(a);
    return best < n ? (int)best : -1;
}
