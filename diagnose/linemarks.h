/* linemarks: the fixed strings that the offline per-line checks look for
 * besides the rules: collective setup, connect retries and completion
 * lines (activity.c: what a log shows last) and the words that select the
 * patterns of the culprit of last resort (lastresort.c). They are in one table so that
 * the rules' automaton finds them in its own walk over each line (ruleset.c
 * adds them as literals of no rule; classifier_line_marks reads the line's
 * bits): one walk per line however many there are. linemarks_scan finds
 * them without a classifier, in one walk of their own. */
#ifndef ENDURE_DIAGNOSE_LINEMARKS_H
#define ENDURE_DIAGNOSE_LINEMARKS_H
#include <stddef.h>
#include <stdint.h>

enum linemark_bits {
    LM_SETUP = 1,     /* collective or launcher setup */
    LM_DONE = 2,      /* a completion line */
    LM_NOT_DONE = 4,  /* a completion mark that reports one unit of a run that goes on */
    LM_RANK = 8,      /* "local_rank" ...: a launcher's failed-rank report may follow */
    LM_ENDPOINT = 16, /* a rendezvous or master address may be named */
    LM_START = 32,    /* the training loop's start, before its first step */
    LM_AGAIN = 64,    /* a start mark printed again once training runs (with LM_START) */
    LM_RETRY = 128,   /* a connection attempt that failed and is being retried */
    LM_ERROR = 256,   /* an error-level word ("ERROR", "error:"...; activity.c checks its bounds) */
    LM_NODE = 512,    /* "ray::", "srun: error: ", mpirun's report: a launcher may name the node of a failed process */
    LM_GRAD = 1024,   /* "grad_norm: nan", "grad norm is inf": a gradient norm printed non-finite (activity.c) */
    LM_EPOCHS = 2048, /* "Epoch: 100%|": a tqdm bar over the epochs at its end may be on the line */
    LM_FINAL = 4096,  /* a completion mark (with LM_DONE) that counts on a progress line too */
    LM_GPU = 8192,    /* "cuda:", "GPU", "Device:" ...: a GPU index may be named (lastresort.c) */
};

/* The most marks the table holds (a caller's buffer of table indices can
 * be this long). */
#define LINEMARKS_MAX 224

/* The table: *mark[i] (case-sensitive, non-empty, static) stands for
 * (*bits)[i]; returns the number of entries. */
size_t linemarks_table(const char *const **mark, const uint32_t **bits);
/* The OR of the bits of every mark in line (exact case). */
uint32_t linemarks_scan(const char *line, size_t len);
/* The OR of the bits of the marks cand[0..n) (table indices that the rules'
 * automaton found in their exact case). */
uint32_t linemarks_bits(const uint32_t *cand, size_t n);

#endif
