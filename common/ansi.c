/* ansi: terminal escape sequences taken out of a log line (ansi.h). */
#include "common/ansi.h"
#include <string.h>

/* A bare reset: the paste's trace of "\x1b[0m" and friends. */
static int bare_reset(const char *s, size_t n)
{
    return memmem(s, n, "[0m", 3) || memmem(s, n, "[39m", 4) || memmem(s, n, "[49m", 4);
}

int ansi_present(const char *s, size_t n)
{
    return memchr(s, 0x1b, n) || (memchr(s, '[', n) && bare_reset(s, n));
}

/* The length of the escape sequence at s[0] == ESC (at least 1). */
static size_t esc_len(const char *s, size_t n)
{
    size_t k = 2;
    if (n < 2)
        return n;
    if (s[1] == '[') { /* CSI: parameters 0x30-0x3F, intermediates 0x20-0x2F, final 0x40-0x7E */
        while (k < n && (unsigned char)s[k] >= 0x20 && (unsigned char)s[k] <= 0x3f)
            k++;
        return k < n && (unsigned char)s[k] >= 0x40 && (unsigned char)s[k] <= 0x7e ? k + 1 : k;
    }
    if (s[1] == ']') { /* OSC: up to BEL or ST (ESC '\') */
        while (k < n && s[k] != 0x07 && !(s[k] == 0x1b && k + 1 < n && s[k + 1] == '\\'))
            k++;
        return k >= n ? n : s[k] == 0x07 ? k + 1 : k + 2;
    }
    if (s[1] == '(' || s[1] == ')')
        return n < 3 ? n : 3;
    return 2;
}

/* The length of a bare SGR sequence at s[0] == '[' ("[36m", "[1;31m"),
 * 0 when there is none: 1 to 15 digits and ';', then 'm'. */
static size_t bare_sgr_len(const char *s, size_t n)
{
    size_t k = 1;
    while (k < n && k <= 15 && ((s[k] >= '0' && s[k] <= '9') || s[k] == ';'))
        k++;
    return k > 1 && k < n && s[k] == 'm' ? k + 1 : 0;
}

size_t ansi_strip(const char *s, size_t n, char *out)
{
    int bare = memchr(s, '[', n) && bare_reset(s, n);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = s[i] == 0x1b ? esc_len(s + i, n - i) : bare && s[i] == '[' ? bare_sgr_len(s + i, n - i) : 0;
        if (k) {
            i += k;
            continue;
        }
        out[o++] = s[i++];
    }
    return o;
}

const char *ansi_clean(struct buf *b, const char *line, size_t *len)
{
    if (!*len || !ansi_present(line, *len))
        return line;
    buf_reset(b);
    if (buf_append(b, line, *len) < 0)
        return line;
    *len = ansi_strip(b->p, *len, b->p);
    b->len = *len;
    b->p[*len] = '\0';
    return b->p;
}
