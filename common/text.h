/* text: log lines made fit for JSON. Rank output is arbitrary bytes; JSON
 * strings must be valid UTF-8, so every line that goes into an event, a
 * verdict or the journal passes through here. */
#ifndef ENDURE_TEXT_H
#define ENDURE_TEXT_H
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#define TEXT_MAX 1024 /* bytes of a line kept in events and verdicts */

/* Copies at most max bytes of valid UTF-8 from s into out (U+FFFD for
 * invalid bytes and NULs; a sequence that would not fit is left out), NUL
 * terminates it and returns its length. out must hold max + 1 bytes. */
size_t utf8_sanitize(const char *s, size_t len, char *out, size_t max);
/* Length (1..4) of the valid UTF-8 character at s (n bytes available), or
 * 0 when the bytes there are not valid UTF-8 (or a NUL). */
size_t utf8_char_len(const char *s, size_t n);
/* A new JSON string of the sanitised, capped (TEXT_MAX) copy of s. */
json_t *json_text(const char *s, size_t len);
/* Writes s to f for a terminal: control characters (C0 but tab, and
 * newline when keep_newline; DEL; C1 U+0080..U+009F) and invalid UTF-8 are
 * written as \xHH or \u00HH, so that text from logs cannot move the
 * cursor, retitle the window or otherwise drive the terminal. */
void text_fputs_escaped(const char *s, FILE *f, int keep_newline);

#endif
