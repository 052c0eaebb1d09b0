/* marks: fixed strings (case-sensitive) found in a line in one pass, for
 * the per-line checks outside the rules (the last activity of a log, the
 * culprit of last resort). Built on the rules' Aho-Corasick automaton
 * (diagnose/ac.c), whose walk folds case and whose check of a found anchor
 * compares a mark in its exact case (AC_CASE), so the result is that of one
 * memmem per mark at the cost of one walk over the line. */
#ifndef ENDURE_DIAGNOSE_MARKS_H
#define ENDURE_DIAGNOSE_MARKS_H
#include <stddef.h>
#include <stdint.h>

#define MARKS_MAX 256

struct marks;

/* The set of the n marks mark[i] (at most MARKS_MAX, each non-empty), each
 * standing for the bits bits[i]; or NULL (no memory, too many, an empty
 * mark). The automaton keeps its own copies of the strings. */
struct marks *marks_new(const char *const *mark, const uint32_t *bits, size_t n);
void marks_free(struct marks *m);
/* The OR of the bits of every mark that occurs in line. */
uint32_t marks_scan(const struct marks *m, const char *line, size_t len);
/* The OR of the bits of the marks cand[0..n) (mark indices that another
 * automaton found in their exact case, AC_CASE). */
uint32_t marks_bits(const struct marks *m, const uint32_t *cand, size_t n);

#endif
