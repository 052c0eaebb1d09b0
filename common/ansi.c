/* ansi: terminal escape sequences taken out of a log line (ansi.h). */
#include "common/ansi.h"
#include <string.h>

/* Where a bare reset ("[0m", "[39m", "[49m") is in s[0..n), NULL when
 * none; with unescaped, only one that no ESC byte comes before (the rest
 * of a real "\x1b[0m" is no paste's remnant). */
static const char *reset_at(const char *s, size_t n, int unescaped)
{
    const char *end = s + n;
    for (const char *p = memchr(s, '[', n); p && end - p >= 3; p = memchr(p + 1, '[', (size_t)(end - p - 1))) {
        int reset = (p[1] == '0' && p[2] == 'm') ||
                    (end - p >= 4 && (p[1] == '3' || p[1] == '4') && p[2] == '9' && p[3] == 'm');
        if (reset && !(unescaped && p > s && p[-1] == 0x1b))
            return p;
    }
    return NULL;
}

int ansi_pasted(const char *text, size_t n)
{
    return reset_at(text, n, 1) != NULL;
}

int ansi_present(const char *s, size_t n, int pasted)
{
    return memchr(s, 0x1b, n) || (pasted && reset_at(s, n, 0));
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

/* ansi_strip with the bare-sequence question answered (bare: the line is
 * of a paste and has a bare reset). */
static size_t strip(const char *s, size_t n, char *out, int bare)
{
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

size_t ansi_strip(const char *s, size_t n, char *out, int pasted)
{
    return strip(s, n, out, pasted && reset_at(s, n, 0));
}

const char *ansi_clean(struct buf *b, const char *line, size_t *len, int pasted)
{
    int bare = *len && pasted && reset_at(line, *len, 0); /* searched once, not again by the strip */
    if (!*len || (!bare && !memchr(line, 0x1b, *len)))
        return line;
    buf_reset(b);
    if (buf_append(b, line, *len) < 0)
        return line;
    *len = strip(b->p, *len, b->p, bare);
    b->len = *len;
    b->p[*len] = '\0';
    return b->p;
}
