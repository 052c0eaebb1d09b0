/* text: log lines made fit for JSON: a capped copy that is valid UTF-8
 * (jansson rejects anything else) with invalid bytes and NULs replaced by
 * U+FFFD (see text.h). */
#include "common/text.h"
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need;
    unsigned min;
    if (c < 0x80)
        return c ? 1 : 0;
    if (c >= 0xc2 && c <= 0xdf)
        need = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        need = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 4, min = 0x10000;
    else
        return 0;
    if (need > n)
        return 0;
    unsigned cp = c & (0x7f >> need);
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need;
}

size_t utf8_char_len(const char *s, size_t n)
{
    return n ? utf8_seq((const unsigned char *)s, n) : 0;
}

size_t utf8_sanitize(const char *in, size_t len, char *out, size_t max)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq(s + i, len - i);
        const char *src = k ? (const char *)s + i : "\xef\xbf\xbd";
        size_t n = k ? k : 3;
        if (o + n > max)
            break;
        memcpy(out + o, src, n);
        o += n;
        i += k ? k : 1;
    }
    out[o] = '\0';
    return o;
}

json_t *json_text(const char *s, size_t len)
{
    char tmp[TEXT_MAX + 4];
    size_t n = utf8_sanitize(s, len, tmp, TEXT_MAX);
    return json_stringn(tmp, n);
}

void text_fputs_escaped(const char *in, FILE *f, int keep_newline)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t len = strlen(in);
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq(s + i, len - i);
        if (k == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0) /* C1 controls: U+0080..U+009F */
            fprintf(f, "\\u%04x", s[i + 1]);
        else if (!k)
            fprintf(f, "\\x%02x", s[i]);
        else if ((s[i] < 0x20 && s[i] != '\t' && !(keep_newline && s[i] == '\n')) || s[i] == 0x7f)
            fprintf(f, "\\x%02x", s[i]);
        else
            fwrite(s + i, 1, k, f);
        i += k ? k : 1;
    }
}
