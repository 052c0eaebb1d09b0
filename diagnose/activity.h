/* activity: what a log shows last, for logs in which no rule found a
 * failure. A log that simply stops is not a success: only a completion line
 * proves one. The tracker sees every line (after its prefixes) and the
 * progress step of the classifier; activity_verdict turns a "no failure"
 * verdict into "success" (completion seen), a suspected hang (the log ends
 * in collective setup or at the training loop's start, with no step ever
 * printed), a suspected connection failure (the log ends while a connect
 * is being retried), a suspected failure (the log ends within a few lines
 * of an error-level line no rule knows), a suspected loss spike (the loss
 * jumped and stayed up to the log's end: losstrack.h), a suspected NaN
 * loss (the gradient norm printed as nan or inf on the last few lines that
 * print one) or "no failure found" with the last activity. */
#ifndef ENDURE_DIAGNOSE_ACTIVITY_H
#define ENDURE_DIAGNOSE_ACTIVITY_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "diagnose/losstrack.h"

/* ACT_SETUP: collective or launcher setup; ACT_START: the training loop's
 * start (linemarks.h's LM_START); ACT_RETRY: a failed connect being
 * retried (LM_RETRY) */
enum activity_kind { ACT_NONE, ACT_SETUP, ACT_START, ACT_STEP, ACT_RETRY };

/* A line kept for the verdict: its first bytes, and where it was (the
 * key line of a suspicion; file "" and no 0 when the caller gave none). */
struct kept_line {
    char text[160];
    char file[256];
    long no;
};

struct activity {
    enum activity_kind last; /* the last recognised activity */
    long step;               /* the last training step seen, or -1 */
    int trained;             /* a progress line was seen (with a step or not) */
    int done;                /* a completion line was seen (not on a progress line) */
    int final_epoch;         /* the last "Epoch N/N" header seen was the run's last epoch (Keras) */
    int unreachable;         /* the last retry line says the network is (no route, unreachable) */
    int since_error;         /* non-blank lines after the last error-level line, -1: none */
    int error_frame;         /* that line is a traceback's frame (its exception line not seen yet) */
    struct kept_line error;  /* that line */
    long error_rank;         /* the rank its prefix named (-1: none) */
    char error_host[64];     /* and the host ("": none) */
    struct kept_line setup;  /* the last setup or retry line (its NCCL prefix
                              * names the host: up to 63 bytes, as Kubernetes
                              * pod names, behind a label), parsed only at
                              * the end */
    struct kept_line start;  /* the last training-start line */
    int grad_nan;            /* gradient norms printed as nan or inf since the last progress line without one */
    struct kept_line grad;   /* the first of them */
    struct losstrack loss;   /* the progress lines' losses */
    struct kept_line spike;  /* the line of their jump */
    const char *file;        /* where the caller is: set before each line */
    long lineno;             /* (file not owned, may be NULL) */
    long rank;               /* the rank and host the line's prefix named */
    const char *host;        /* (-1, NULL: none; host not owned) */
};

void activity_init(struct activity *a);
/* One line (prefixes stripped) and the stream's current step (-1: none). */
void activity_line(struct activity *a, const char *line, size_t len, long step);
/* The loss of a progress line (NAN: it printed none) at step (-1: none);
 * after activity_line_marks, with the same line and place. */
void activity_loss(struct activity *a, double loss, const char *line, size_t len, long step);
/* The same when the line's linemarks bits (linemarks.h) are known: from the
 * classifier's walk over the line (classifier_line_marks); progress: a
 * progress rule matched the line (training went on, with or without a step
 * number: a loss dict, a validation epoch). Returns 1 when the line is a
 * completion line, else 0. */
int activity_line_marks(struct activity *a, const char *line, size_t len, long step, uint32_t marks,
                         int progress);
/* Rewrites verdict v in place when it is the rules' "no failure" verdict
 * (type success with no rule); leaves every other verdict alone. */
void activity_verdict(const struct activity *a, json_t *v);
/* Rewrites verdict v in place when it is a stop by a human or the
 * scheduler (the rules' unknown/unknown/stop: KeyboardInterrupt, scancel,
 * an LSF kill) of a log that ends in setup or at the loop's start with no
 * progress: the job was stuck, and the stop is what someone did about it
 * (a suspected hang that names the stop; after a connect being retried,
 * the suspected connection failure); or of a log whose loss jumped and
 * stayed up (the suspected loss spike). Leaves every other verdict. */
void activity_interrupted(const struct activity *a, json_t *v);
/* Rewrites verdict v in place when it is a KeyboardInterrupt
 * (py.keyboard_interrupt's unknown/unknown/stop) raised in a wait (the
 * innermost frame of its evidence waits for a process, a thread, a lock,
 * a socket or a collective: waitpid, join, acquire, recv, barrier,
 * all_reduce...): someone interrupted a stuck job, a suspected hang there.
 * Likewise a traceback cut off before its exception line
 * (py.traceback_cut_off's unknown/unknown/restart) whose innermost frame
 * waits: what was raised there is what stopped a wait (an interrupt, a
 * timeout), and no frame says what else failed. Needs the verdict's
 * evidence (called after the context is added). */
void activity_interrupted_wait(const struct activity *a, json_t *v);

/* Positive evidence of success found elsewhere (every rank exited 0):
 * turns a "no failure found" verdict, or a suspicion no rule made (a
 * suspected hang, connect failure or error report from the log's end),
 * into none/success, why as its explanation. */
void activity_proven(json_t *v, const char *why);

#endif
