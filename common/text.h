/* text: log lines made fit for JSON. Rank output is arbitrary bytes; JSON
 * strings must be valid UTF-8, so every line that goes into an event, a
 * verdict or the journal passes through here. */
#ifndef ENDURE_TEXT_H
#define ENDURE_TEXT_H
#include <stddef.h>
#include <jansson.h>

#define TEXT_MAX 1024 /* bytes of a line kept in events and verdicts */

/* Copies at most max bytes of valid UTF-8 from s into out (U+FFFD for
 * invalid bytes and NULs; a sequence that would not fit is left out), NUL
 * terminates it and returns its length. out must hold max + 1 bytes. */
size_t utf8_sanitize(const char *s, size_t len, char *out, size_t max);
/* A new JSON string of the sanitised, capped (TEXT_MAX) copy of s. */
json_t *json_text(const char *s, size_t len);

#endif
