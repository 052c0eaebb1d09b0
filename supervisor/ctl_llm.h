/* ctl_llm: the LLM in `endure run --llm` (issue 11). When a failed
 * attempt's rule verdict is unknown or below --llm-min-confidence (every
 * failure with --llm-mode observe), the LLM's worker thread condenses the
 * attempt's logs and asks the server (diagnose/llm.h); the controller's loop
 * never blocks on it: the worker's eventfd is in its epoll set. In advise
 * mode the decision waits in C_LLM_WAIT until the answer or --llm-wait
 * (ctl_state.h), whichever comes first; a later answer is journaled as
 * llm_late. A validated verdict decides only when the rules had none or a
 * weak one (source: llm). Learned rules reach the agents through the start
 * message (--learned auto: candidates too).
 *
 * Ownership: struct llm_job belongs to the worker while a step runs and to
 * the loop in the done callbacks; ctl_llm.c keeps the newest unfinished job
 * (c->llm_cur) only to cancel it. */
#ifndef ENDURE_CTL_LLM_H
#define ENDURE_CTL_LLM_H
#include <limits.h>
#include <stdint.h>
#include <jansson.h>
#include "diagnose/diagnose.h"
#include "diagnose/input.h"
#include "diagnose/llm.h"

#define CTL_LLM_MAX_BYTES ((size_t)256 << 20) /* of each rank log read for the prompt */

struct llm_job {
    int seq, attempt;
    int observe;                 /* ask, change nothing */
    int ran;                     /* 1: prepare ran, 2: ask ran (0: dropped at the end) */
    int cancel_fd;               /* eventfd: the client gives up when it is readable */
    int cancelled;               /* a newer failure or the end of the run */
    int64_t asked_ms;            /* when the decision began to wait (now_ms) */
    char adir[PATH_MAX];         /* the attempt's directory: logs in, llm-*.json out */
    const struct ruleset *rs;    /* the controller's (immutable, shared) */
    json_t *rule_verdict;        /* a copy */
    json_t *tails;               /* the failed ranks' tails when the logs are not here, else NULL */
    struct llm_run run;          /* strings owned by the config and struct ctl */
    size_t max_bytes;
    /* filled by the steps */
    struct input_list in;
    char *condensed;
    size_t prompt_bytes, log_bytes;
    char error[512];             /* prepare's failure */
    json_t *result;              /* llm_diagnose's */
};

/* The worker steps (ctl_llm_job.c). */
void llm_job_prepare(void *arg);
void llm_job_ask(void *arg);
void llm_job_free(struct llm_job *j);

#endif
