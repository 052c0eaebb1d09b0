/* tbraise: the exception a Python `raise` or `assert` source line raises,
 * and the one IPython's traceback header, Ray's RayTaskError or a
 * platform's one-line traceback names, or a built-in exception's name cut
 * short (tbraise.h), for tracebacks cut off before or inside their
 * exception line or joined into one line. */
#include "diagnose/tbraise.h"
#include <ctype.h>
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

/* The length of the class name at s[i..len) (dotted, its last part
 * capitalised), 0 when there is none. */
static size_t class_name(const char *s, size_t len, size_t i)
{
    size_t start = i, last = i;
    while (i < len && (ident_char(s[i]) || s[i] == '.')) {
        if (s[i] == '.')
            last = i + 1;
        i++;
    }
    return i == start || last >= i || s[last] < 'A' || s[last] > 'Z' ? 0 : i - start;
}

/* Writes "Name: message" to out (n bytes, cut to fit, NUL-terminated);
 * returns its length, 0 when n is 0. */
static size_t exc_line(char *out, size_t n, const char *name, size_t nlen, const char *msg, size_t mlen)
{
    int w = n ? snprintf(out, n, "%.*s: %.*s", (int)nlen, name, (int)mlen, msg) : -1;
    return w < 0 ? 0 : (size_t)w < n ? (size_t)w : n - 1;
}

size_t tb_ipython_header(const char *line, size_t len, char *out, size_t n)
{
    static const char tail[] = "Traceback (most recent call last)";
    size_t k = sizeof tail - 1, i = 0;
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\r'))
        len--;
    if (!n || len <= k || memcmp(line + len - k, tail, k)) /* most lines stop here */
        return 0;
    while (i < len && line[i] == ' ')
        i++;
    size_t nlen = class_name(line, len, i), j = i + nlen;
    if (!nlen || len < j + 2 + k)
        return 0;
    for (size_t s = j; s < len - k; s++) /* only spaces, two or more, between */
        if (line[s] != ' ')
            return 0;
    return exc_line(out, n, line + i, nlen, "", 0);
}

size_t tb_ray_task_error(const char *line, size_t len, char *out, size_t n)
{
    static const char head[] = "RayTaskError(";
    const char *p = n && len > 20 ? memmem(line, len, head, sizeof head - 1) : NULL;
    if (!p)
        return 0;
    size_t i = (size_t)(p - line) + sizeof head - 1, nlen = class_name(line, len, i), j = i + nlen;
    if (!nlen || len < j + 3 || line[j] != ')' || line[j + 1] != ':' || line[j + 2] != ' ')
        return 0;
    return exc_line(out, n, line + i, nlen, line + j + 3, len - j - 3);
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
        nlen = class_name(src, len, i);
        name = src + i;
        i += nlen;
        if (!nlen || (i < len && src[i] != '(' && src[i] != ' '))
            return 0;
        if (i < len && src[i] == '(')
            mlen = literal_at(src, len, i + 1, &msg);
    }
    return name ? exc_line(out, n, name, nlen, msg, mlen) : 0;
}

/* Whether name[0..nlen) (a class name) ends like an exception's. */
static int exception_name(const char *name, size_t nlen)
{
    static const char *const ends[] = {"Error", "Exception", "Exit", "Interrupt"};
    for (size_t e = 0; e < sizeof ends / sizeof *ends; e++) {
        size_t k = strlen(ends[e]);
        if (nlen >= k && !memcmp(name + nlen - k, ends[e], k))
            return 1;
    }
    return 0;
}

/* The length of s's first sentence: up to ". " before a capital letter
 * (the platform's own text goes on after the exception's message: "... .
 * The replica worker 0 exited ..."), or all of s. */
static size_t first_sentence(const char *s, size_t len)
{
    for (size_t k = 0; k + 2 < len; k++)
        if (s[k] == '.' && s[k + 1] == ' ' && s[k + 2] >= 'A' && s[k + 2] <= 'Z')
            return k + 1;
    return len;
}

size_t tb_inline_exception(const char *line, size_t len, char *out, size_t n)
{
    static const char head[] = "Traceback (most recent call last): File \"";
    const char *p = n && len > 60 ? memmem(line, len, head, sizeof head - 1) : NULL;
    if (!p || p == line) /* a header first on its line opens an ordinary traceback */
        return 0;
    /* the first exception after the header: the traceback's own (a second
     * replica's report may follow on the same line) */
    for (size_t i = (size_t)(p - line) + sizeof head - 1; i + 2 < len; i++) {
        if (line[i] != ' ' || !(line[i + 1] >= 'A' && line[i + 1] <= 'Z'))
            continue;
        size_t nlen = class_name(line, len, i + 1), j = i + 1 + nlen;
        if (nlen && j + 1 < len && line[j] == ':' && line[j + 1] == ' ' && exception_name(line + i + 1, nlen))
            return exc_line(out, n, line + i + 1, nlen, line + j + 2, first_sentence(line + j + 2, len - j - 2));
    }
    return 0;
}

size_t tb_cut_exception_name(const char *line, size_t len, char *out, size_t n)
{
    static const char *const names[] = {
        "ArithmeticError", "AssertionError", "AttributeError", "BlockingIOError", "BrokenPipeError",
        "BufferError", "ChildProcessError", "ConnectionAbortedError", "ConnectionError",
        "ConnectionRefusedError", "ConnectionResetError", "FileExistsError", "FileNotFoundError",
        "FloatingPointError", "ImportError", "IndentationError", "IndexError", "InterruptedError",
        "IsADirectoryError", "KeyboardInterrupt", "LookupError", "MemoryError", "ModuleNotFoundError",
        "NotADirectoryError", "NotImplementedError", "OverflowError", "PermissionError",
        "ProcessLookupError", "RecursionError", "ReferenceError", "RuntimeError", "StopIteration",
        "SyntaxError", "SystemError", "TimeoutError", "TypeError", "UnboundLocalError",
        "UnicodeDecodeError", "UnicodeEncodeError", "ValueError", "ZeroDivisionError", NULL};
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        len--;
    while (len && (*line == ' ' || *line == '\t'))
        line++, len--;
    if (len < 8 || !n)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalpha((unsigned char)line[i]))
            return 0;
    const char *hit = NULL;
    for (size_t k = 0; names[k]; k++)
        if (strlen(names[k]) > len && !memcmp(names[k], line, len)) {
            if (hit)
                return 0; /* a prefix of two names says neither */
            hit = names[k];
        }
    return hit ? exc_line(out, n, hit, strlen(hit), "", 0) : 0;
}
