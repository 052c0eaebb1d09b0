/* prefix_int: what the prefix scanners (prefix.c) and the timestamp
 * scanners (prefix_ts.c) share: the cursor over a line, its bounds-checked
 * reads, and the timestamp scanners' entry points. Private to diagnose/. */
#ifndef ENDURE_DIAGNOSE_PREFIX_INT_H
#define ENDURE_DIAGNOSE_PREFIX_INT_H
#include <stddef.h>

struct cur {
    const char *s;
    size_t n, i;
};

/* Bytes allowed in host and node names: [A-Za-z0-9._-]. */
static inline int name_char(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.' || ch == '_';
}

static inline int at(const struct cur *c, size_t k)
{
    return c->i + k < c->n ? (unsigned char)c->s[c->i + k] : -1;
}

/* Reads exactly w digits at offset k; -1 if not digits. */
static inline long digits(const struct cur *c, size_t k, int w)
{
    long v = 0;
    for (int j = 0; j < w; j++) {
        int ch = at(c, k + (size_t)j);
        if (ch < '0' || ch > '9')
            return -1;
        v = v * 10 + (ch - '0');
    }
    return v;
}

/* Reads 1..maxw digits at offset k into *v; returns the count (0: none). */
static inline size_t number(const struct cur *c, size_t k, size_t maxw, long *v)
{
    size_t j = 0;
    *v = 0;
    while (j < maxw && at(c, k + j) >= '0' && at(c, k + j) <= '9')
        *v = *v * 10 + (at(c, k + j++) - '0');
    return j;
}

static inline size_t skip_spaces(const struct cur *c, size_t k)
{
    while (at(c, k) == ' ' || at(c, k) == '\t')
        k++;
    return k;
}

/* The timestamp scanners (prefix_ts.c): each returns the bytes of the
 * stamp at the cursor and its time in *ts (seconds since the epoch, UTC),
 * or 0. ISO 8601 (also with slashes, as Go's log prints it), optionally
 * in brackets; syslog's "Jan  2 03:04:05 host " (its host into host);
 * ctime's "Thu Aug 29 21:45:09 2019". */
size_t prefix_iso_ts(const struct cur *c, double *ts);
size_t prefix_syslog_ts(const struct cur *c, double *ts, char *host, size_t hostlen);
size_t prefix_ctime_ts(const struct cur *c, double *ts);

#endif
