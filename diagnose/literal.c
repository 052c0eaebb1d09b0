/* literal: derives a literal that every match of a PCRE2 pattern must
 * contain, for the Aho-Corasick prefilter. Conservative by construction: only
 * runs of plain characters at the top level (outside groups, classes and
 * alternations) are used, a character made optional by a quantifier is
 * dropped, and any construct not understood ends the run. A pattern with a
 * top-level '|' or the extended flag (x) has no literal. */
#include <ctype.h>
#include <string.h>
#include "diagnose/internal.h"

struct run {
    char cur[256], best[256];
    size_t ncur, nbest;
};

static void run_break(struct run *r)
{
    if (r->ncur > r->nbest) {
        memcpy(r->best, r->cur, r->ncur);
        r->nbest = r->ncur;
    }
    r->ncur = 0;
}

static void run_add(struct run *r, unsigned char c, int caseless)
{
    if (caseless && c >= 0x80) {
        run_break(r);
        return;
    }
    if (r->ncur < sizeof r->cur)
        r->cur[r->ncur++] = (char)tolower(c);
}

/* Skips a bracketed argument ({..} or <..>) at p[i]; returns the new index. */
static size_t skip_braced(const char *p, size_t i)
{
    char close = p[i] == '{' ? '}' : p[i] == '<' ? '>' : p[i] == '\'' ? '\'' : 0;
    if (!close)
        return p[i] ? i + 1 : i;
    const char *e = strchr(p + i + 1, close);
    return e ? (size_t)(e - p) + 1 : strlen(p);
}

/* Skips an escape whose letter is at p[i] (after the backslash). */
static size_t skip_escape(const char *p, size_t i)
{
    char e = p[i];
    if (e == 'x' || e == 'o') {
        i++;
        if (p[i] == '{')
            return skip_braced(p, i);
        for (int n = 0; n < 2 && e == 'x' && isxdigit((unsigned char)p[i]); n++)
            i++;
        return i;
    }
    if (strchr("pPNkgu", e) && p[i + 1] && strchr("{<'", p[i + 1]))
        return skip_braced(p, i + 1);
    if (e == 'p' || e == 'P' || e == 'c' || e == 'g')
        return p[i + 1] ? i + 2 : i + 1;
    if (e == 'Q') {
        const char *q = strstr(p + i, "\\E");
        return q ? (size_t)(q - p) + 2 : strlen(p);
    }
    if (isdigit((unsigned char)e)) {
        while (isdigit((unsigned char)p[i]))
            i++;
        return i;
    }
    return i + 1;
}

/* Skips a character class starting at p[i] == '['. */
static size_t skip_class(const char *p, size_t i)
{
    i++;
    if (p[i] == '^')
        i++;
    if (p[i] == ']')
        i++;
    while (p[i] && p[i] != ']') {
        if (p[i] == '\\' && p[i + 1])
            i += 2;
        else if (p[i] == '[' && p[i + 1] == ':') {
            const char *e = strstr(p + i + 2, ":]");
            i = e ? (size_t)(e - p) + 2 : i + 1;
        } else
            i++;
    }
    return p[i] ? i + 1 : i;
}

/* A quantifier {n}, {n,}, {n,m} at p[i]: returns its length, *min = n. */
static size_t brace_quant(const char *p, size_t i, long *min)
{
    size_t j = i + 1;
    if (!isdigit((unsigned char)p[j]))
        return 0;
    *min = 0;
    while (isdigit((unsigned char)p[j]))
        *min = *min < 1000 ? *min * 10 + (p[j++] - '0') : (j++, *min);
    if (p[j] == ',')
        while (isdigit((unsigned char)p[++j]))
            ;
    return p[j] == '}' ? j - i + 1 : 0;
}

/* Inside a group: skips one element, tracking the nesting depth. */
static size_t group_step(const char *p, size_t i, int *depth)
{
    if (p[i] == '\\' && p[i + 1])
        return skip_escape(p, i + 1);
    if (p[i] == '[')
        return skip_class(p, i);
    *depth += p[i] == '(' ? 1 : p[i] == ')' ? -1 : 0;
    return i + 1;
}

/* A top-level escape at p[i]: an escaped punctuation character is a
 * literal character, anything else (\d, \b, \x41...) ends the run. */
static size_t top_escape(struct run *r, const char *p, size_t i, int caseless)
{
    unsigned char e = (unsigned char)p[i + 1];
    if (isalnum(e)) {
        run_break(r);
        return skip_escape(p, i + 1);
    }
    run_add(r, e, caseless);
    return i + 2;
}

/* Scans inline option settings "(?flags)" for i and x. */
static void scan_flags(const char *p, int *caseless, int *extended)
{
    for (const char *q = strstr(p, "(?"); q; q = strstr(q + 2, "(?")) {
        const char *f = q + 2;
        while (*f && (isalpha((unsigned char)*f) || *f == '-' || *f == '^')) {
            if (*f == 'i')
                *caseless = 1;
            if (*f == 'x')
                *extended = 1;
            f++;
        }
    }
}

size_t literal_derive(const char *p, char *out, size_t outlen)
{
    struct run r = {.ncur = 0, .nbest = 0};
    int caseless = 0, extended = 0, depth = 0;
    scan_flags(p, &caseless, &extended);
    if (extended)
        return 0;
    for (size_t i = 0; p[i];) {
        unsigned char c = (unsigned char)p[i];
        long min = 1;
        size_t q = 0;
        if (depth > 0) {
            i = group_step(p, i, &depth);
            continue;
        }
        if (c == '\\' && p[i + 1]) {
            i = top_escape(&r, p, i, caseless);
            continue;
        }
        if (c == '|' || c == ')')
            return 0;
        if (c == '[') {
            run_break(&r);
            i = skip_class(p, i);
        } else if (c == '(') {
            run_break(&r);
            depth = 1;
            i++;
        } else if (c == '.' || c == '^' || c == '$') {
            run_break(&r);
            i++;
        } else if (c == '*' || c == '?' || c == '+' ||
                   (c == '{' && (q = brace_quant(p, i, &min)) > 0)) {
            if ((c == '*' || c == '?' || min == 0) && r.ncur > 0)
                r.ncur--;
            run_break(&r);
            i += c == '{' ? q : 1;
            if (p[i] == '+' || p[i] == '?')
                i++;
        } else {
            run_add(&r, c, caseless);
            i++;
        }
    }
    run_break(&r);
    if (r.nbest < RULE_MIN_LITERAL || outlen == 0)
        return 0;
    size_t n = r.nbest < RULE_MAX_LITERAL ? r.nbest : RULE_MAX_LITERAL;
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, r.best, n);
    out[n] = '\0';
    return n;
}
