/* prefix_ts: the leading timestamps of log lines (prefix_int.h): ISO
 * 8601, syslog and ctime, turned into seconds since the epoch without a
 * libc time conversion per line. Every read is bounds-checked through
 * at()/digits() (fuzzed with the rest of the prefix parser). */
#include "diagnose/prefix_int.h"
#include <string.h>

/* hh:mm:ss at offset k; returns seconds of the day or -1. */
static long hms(const struct cur *c, size_t k)
{
    long h = digits(c, k, 2), m = digits(c, k + 3, 2), s = digits(c, k + 6, 2);
    if (h < 0 || m < 0 || s < 0 || at(c, k + 2) != ':' || at(c, k + 5) != ':' || h > 23 ||
        m > 59 || s > 60)
        return -1;
    return h * 3600 + m * 60 + s;
}

/* Days from 1970-01-01 to y-mo-d (proleptic Gregorian; a day past the end
 * of its month runs on into the next, as with timegm): H. Hinnant's
 * days_from_civil, so that no libc time conversion runs per line. */
static long days_from_civil(long y, long mo, long d)
{
    y -= mo <= 2;
    long era = y / 400, yoe = y - era * 400;                 /* y >= 1969: no negative era */
    long doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* ISO 8601 date and time (or with slashes, as Go's log prints it), optionally in brackets. */
size_t prefix_iso_ts(const struct cur *c, double *ts)
{
    size_t k = at(c, 0) == '[' ? 1 : 0;
    long y = digits(c, k, 4), mo = digits(c, k + 5, 2), d = digits(c, k + 8, 2);
    int sep = at(c, k + 10), dash = at(c, k + 4); /* 2024-01-02, or 2024/01/02 (Go's log) */
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || (dash != '-' && dash != '/') ||
        at(c, k + 7) != dash || (sep != 'T' && sep != ' '))
        return 0;
    long sec = hms(c, k + 11);
    if (sec < 0)
        return 0;
    k += 19;
    double frac = 0, scale = 0.1;
    if (at(c, k) == '.' || at(c, k) == ',')
        for (k++; at(c, k) >= '0' && at(c, k) <= '9'; k++, scale /= 10)
            frac += (at(c, k) - '0') * scale;
    long off = 0;
    if (at(c, k) == 'Z')
        k++;
    else if ((at(c, k) == '+' || at(c, k) == '-') && digits(c, k + 1, 2) >= 0) {
        size_t mk = at(c, k + 3) == ':' ? k + 4 : k + 3;
        long oh = digits(c, k + 1, 2), om = digits(c, mk, 2);
        if (om >= 0) {
            off = (oh * 3600 + om * 60) * (at(c, k) == '-' ? -1 : 1);
            k = mk + 2;
        }
    }
    if (c->s[c->i] == '[') {
        if (at(c, k) != ']')
            return 0;
        k++;
    }
    *ts = (double)days_from_civil(y, mo, d) * 86400 + (double)sec + frac - (double)off;
    return k;
}

/* syslog: "Jan  2 03:04:05 host " (the year is unknown: 1970 is assumed, so
 * the times order lines within a log but not across logs). */
size_t prefix_syslog_ts(const struct cur *c, double *ts, char *host, size_t hostlen)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (c->n - c->i < 16)
        return 0;
    const char *m = NULL;
    for (int j = 0; j < 12 && !m; j++)
        if (months[3 * j] == c->s[c->i] && !memcmp(c->s + c->i, months + 3 * j, 3))
            m = months + 3 * j;
    if (!m || at(c, 3) != ' ')
        return 0;
    size_t k = at(c, 4) == ' ' ? 5 : 4;
    long day;
    size_t nd = number(c, k, 2, &day);
    if (!nd || day < 1 || day > 31 || at(c, k + nd) != ' ')
        return 0;
    k += nd + 1;
    long sec = hms(c, k);
    if (sec < 0)
        return 0;
    k += 8;
    long frac; /* journalctl's short-precise ".123456", a "Z" for UTC */
    if (at(c, k) == '.')
        k += 1 + number(c, k + 1, 9, &frac);
    k += at(c, k) == 'Z';
    if (at(c, k) != ' ')
        return 0;
    k++;
    size_t h = 0;
    while (name_char(at(c, k + h)))
        h++;
    if (h == 0 || h >= hostlen || at(c, k + h) != ' ')
        return 0;
    memcpy(host, c->s + c->i + k, h);
    host[h] = '\0';
    *ts = (double)((m - months) / 3 * 31 + day - 1) * 86400 + (double)sec;
    return k + h + 1;
}

/* ctime's "Thu Aug 29 21:45:09 2019", as horovodrun (Gloo) stamps each
 * line before its "[rank]<stream>:" label, which may follow with no space. */
size_t prefix_ctime_ts(const struct cur *c, double *ts)
{
    static const char days[] = "MonTueWedThuFriSatSun", months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int wd = -1, mo = -1;
    for (int j = 0; j < 7 && wd < 0; j++)
        if (c->n - c->i >= 24 && !memcmp(c->s + c->i, days + 3 * j, 3))
            wd = j;
    for (int j = 0; j < 12 && wd >= 0 && mo < 0; j++)
        if (!memcmp(c->s + c->i + 4, months + 3 * j, 3))
            mo = j + 1;
    if (mo < 0 || at(c, 3) != ' ' || at(c, 7) != ' ')
        return 0;
    size_t k = at(c, 8) == ' ' ? 9 : 8;
    long day, y;
    size_t nd = number(c, k, 2, &day);
    if (!nd || day < 1 || day > 31 || at(c, k + nd) != ' ')
        return 0;
    k += nd + 1;
    long sec = hms(c, k);
    if (sec < 0 || at(c, k + 8) != ' ' || (y = digits(c, k + 9, 4)) < 1970)
        return 0;
    *ts = (double)days_from_civil(y, mo, day) * 86400 + (double)sec;
    return k + 13;
}
