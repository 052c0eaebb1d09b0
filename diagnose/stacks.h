/* stacks: the Python stacks CPython's faulthandler prints when a rank gets
 * SIGABRT with PYTHONFAULTHANDLER=1 (what endure does to a hung job before
 * stopping it), read back from the end of each rank's log, and the odd rank
 * out of a hang: the ranks whose innermost frame differs from the majority
 * (all ranks in all_reduce, rank 5 in the data loader). Pure functions over
 * lines; the controller feeds them the ranks' exit tails (ctl_diag.c).
 *
 * Ownership: a stack_dump copies what it keeps; stacks_free releases. */
#ifndef ENDURE_STACKS_H
#define ENDURE_STACKS_H
#include <jansson.h>

#define STACK_MAX_FRAMES 64
#define STACK_FRAME_MAX 300

struct stack_dump {
    int found;                              /* a faulthandler dump was in the lines */
    long first;                             /* index of its first line ("Fatal Python error") */
    long top;                               /* index of the innermost frame's line, -1: none */
    int nframes;                            /* of the thread that got the signal, innermost first */
    char frames[STACK_MAX_FRAMES][STACK_FRAME_MAX];
};

/* Finds the last faulthandler dump in lines (a JSON array of strings) and
 * the stack of the thread that got the signal ("Current thread", else the
 * first thread listed). 0 when one was found, -1 when none. */
int stack_parse(const json_t *lines, struct stack_dump *out);

/* The signature a rank is compared by: its innermost frame without the
 * leading blanks ("File \"x.py\", line 12 in f"); "" when none. */
const char *stack_signature(const struct stack_dump *d);

/* The odd ranks out among n dumps (those with found set take part): the
 * ranks whose signature differs from the most common one, when that one is
 * shared by at least two ranks and by more ranks than differ. odd[] gets
 * their indices (at most max); returns how many, 0 when none stands out, and
 * majority points at the common signature (or "" when none). */
int stacks_odd_out(const struct stack_dump *d, int n, int *odd, int max, const char **majority);

#endif
