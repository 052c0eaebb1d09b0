/* ansi: a log line without its terminal escape sequences. Colored loggers
 * (Ray's worker prefixes, rich, loguru, colorlog) and progress bars put
 * ESC sequences around the words the rules read ("\x1b[31mKeyError:
 * 'x'\x1b[0m"), so that an anchored or look-behind pattern no longer
 * matches; a log pasted into an issue keeps them without their ESC byte
 * ("[36m(RayTrainWorker pid=1)[0m"). The classifier reads lines with both
 * taken out; the rank logs keep the bytes as written. Pure functions, no
 * allocation. */
#ifndef ENDURE_ANSI_H
#define ENDURE_ANSI_H
#include <stddef.h>
#include "common/buf.h"

/* Whether text (the first chunk of a file) is a paste that lost its ESC
 * bytes: it holds a bare SGR reset ("[0m", "[39m", "[49m") with no ESC
 * byte before it. Only then are the lines of that file searched for bare
 * sequences: a per-line search costs the classifier about 5%. */
int ansi_pasted(const char *text, size_t n);

/* Whether line s[0..n) has anything ansi_strip would remove: an ESC byte,
 * or, when pasted, a bare reset. */
int ansi_present(const char *s, size_t n, int pasted);

/* Writes s[0..n) to out (n bytes available) without its escape sequences:
 * CSI (ESC '[' parameters, intermediates, a final byte), OSC (ESC ']' up to
 * BEL or ESC '\'), character-set designations (ESC '(' X), other two-byte
 * ESC sequences; and, when pasted and the line has a bare reset, every
 * bare SGR sequence ('[' digits and ';' 'm': "[36m", "[1;31m", "[0m"). A
 * sequence cut by the line's end is dropped. out may be s (the text only
 * shrinks). Returns the length written. */
size_t ansi_strip(const char *s, size_t n, char *out, int pasted);

/* The line to classify: line itself when it has no escape sequence, else
 * its copy without them in b (reset first; b owns the bytes until its next
 * use) with *len updated. A copy that does not fit b's cap: line as is. */
const char *ansi_clean(struct buf *b, const char *line, size_t *len, int pasted);

#endif
