/* compress: the condensed log of `endure diagnose --compress`: noise lines
 * dropped; other lines grouped (numbers and hex addresses templated, so
 * "step 12" and "step 13" are one group) and printed once, in order of first
 * appearance, with a count and the range of ranks that printed them; root
 * and symptom lines are grouped only with identical lines, so none is lost.
 * Memory is bounded (COMPRESS_MAX_GROUPS groups, capped texts). */
#ifndef ENDURE_DIAGNOSE_COMPRESS_H
#define ENDURE_DIAGNOSE_COMPRESS_H
#include <stddef.h>
#include <stdio.h>

#define COMPRESS_MAX_GROUPS 50000
#define COMPRESS_TEXT_MAX 512

struct compressor;
struct compressor *compressor_new(void);
void compressor_free(struct compressor *z);
/* Adds one (prefix-stripped) line of rank (-1: unknown); failure: it
 * matched a root or symptom rule; raw_len: its size in the input. */
void compressor_line(struct compressor *z, const char *text, size_t len, long rank, int failure,
                     size_t raw_len);
/* Counts a dropped (noise) line of raw_len bytes. */
void compressor_drop(struct compressor *z, size_t raw_len);
/* Noise lines dropped so far. */
size_t compressor_dropped(const struct compressor *z);
/* Prints the condensed log to out; returns the bytes printed and the input
 * bytes seen in *in_bytes. */
size_t compressor_print(struct compressor *z, FILE *out, size_t *in_bytes);

#endif
