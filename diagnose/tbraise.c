/* tbraise: the exception a Python `raise` or `assert` source line raises
 * (tbraise.h), for tracebacks cut off after their innermost frame. */
#include "diagnose/tbraise.h"
#include <stdio.h>
#include <string.h>

static int ident_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* The string literal that starts at s[i] (after an optional f/r/b/u
 * prefix): its text up to the closing quote or the line's end. */
static size_t literal_at(const char *s, size_t len, size_t i, const char **text)
{
    size_t k = i;
    while (k < len && k - i < 2 && strchr("frbuFRBU", s[k]))
        k++;
    if (k >= len || (s[k] != '"' && s[k] != '\''))
        return 0;
    char q = s[k++];
    size_t e = k;
    while (e < len && s[e] != q)
        e++;
    *text = s + k;
    return e - k;
}

/* The message of `assert expr, "msg"`: the literal after the first ", "
 * that opens one. */
static size_t assert_message(const char *s, size_t len, size_t i, const char **text)
{
    for (; i + 1 < len; i++)
        if (s[i] == ',' && s[i + 1] == ' ') {
            size_t n = literal_at(s, len, i + 2, text);
            if (n)
                return n;
        }
    return 0;
}

size_t tb_raised_exception(const char *src, size_t len, char *out, size_t n)
{
    size_t i = 0, nlen = 0, mlen = 0;
    const char *name = NULL, *msg = "";
    while (i < len && (src[i] == ' ' || src[i] == '\t'))
        i++;
    if (len - i > 7 && !memcmp(src + i, "assert", 6) && (src[i + 6] == ' ' || src[i + 6] == '(')) {
        name = "AssertionError";
        nlen = strlen(name);
        mlen = assert_message(src, len, i + 6, &msg);
    } else if (len - i > 6 && !memcmp(src + i, "raise ", 6)) {
        i += 6;
        while (i < len && src[i] == ' ')
            i++;
        size_t start = i, last = i;
        while (i < len && (ident_char(src[i]) || src[i] == '.')) {
            if (src[i] == '.')
                last = i + 1;
            i++;
        }
        if (i == start || last >= i || src[last] < 'A' || src[last] > 'Z' ||
            (i < len && src[i] != '(' && src[i] != ' '))
            return 0;
        name = src + start;
        nlen = i - start;
        if (i < len && src[i] == '(')
            mlen = literal_at(src, len, i + 1, &msg);
    }
    if (!name || !n)
        return 0;
    int w = snprintf(out, n, "%.*s: %.*s", (int)nlen, name, (int)mlen, msg);
    return w < 0 ? 0 : (size_t)w < n ? (size_t)w : n - 1;
}
