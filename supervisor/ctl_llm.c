/* ctl_llm: the loop side of `endure run --llm` (see ctl_llm.h): set-up
 * (the key, the learned file, the worker), asking when a failed attempt's
 * rule verdict needs it, the wait in C_LLM_WAIT, the answers (journaled as
 * llm_request, llm_verdict, llm_rejected, llm_error, or llm_late after the
 * wait), and the verdict that decides (source: llm or rules). */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/log.h"
#include "common/util.h"
#include "common/worker.h"
#include "diagnose/offline.h"
#include "supervisor/ctl_int.h"
#include "supervisor/ctl_llm.h"

#define LLM_STOP_CONFIDENCE 0.8 /* an LLM stop below it restarts */

int ctl_llm_setup(struct ctl *c, struct buf *err)
{
    const struct run_config *cfg = c->cfg;
    char parent[PATH_MAX];
    c->llm_cancel_seq = 0;
    if (cfg->learned != LEARNED_OFF) {
        if (cfg->learned_rules)
            snprintf(c->learned_path, sizeof c->learned_path, "%s", cfg->learned_rules);
        else if (mkdir_p(cfg->log_dir, 0755) == 0 && realpath(cfg->log_dir, parent))
            snprintf(c->learned_path, sizeof c->learned_path, "%s/learned-rules/learned.yaml", parent);
    }
    if (cfg->llm_mode == LLM_MODE_OFF) {
        unsetenv("ENDURE_LLM_API_KEY"); /* never to the agents and ranks */
        return 0;
    }
    if (llm_key_load(cfg->llm_key_file, &c->llm_key, err) < 0)
        return -1;
    unsetenv("ENDURE_LLM_API_KEY"); /* loaded: never to the agents and ranks */
    char *tmpl = llm_template_load(NULL, err);
    if (!tmpl)
        return -1;
    free(tmpl);
    /* before any thread: curl_global_init is not thread-safe */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || worker_start(&c->llmw) < 0) {
        buf_printf(err, "cannot start the LLM's thread: %s", strerror(errno));
        return -1;
    }
    c->llm_curl = 1;
    return 0;
}

const char *ctl_llm_learned(const struct ctl *c, int *candidates)
{
    struct stat st;
    *candidates = c->cfg->learned == LEARNED_AUTO;
    if (!c->learned_path[0] || stat(c->learned_path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
        return NULL;
    return c->learned_path;
}

static void cancel(struct llm_job *j)
{
    uint64_t one = 1;
    j->cancelled = 1;
    if (j->cancel_fd >= 0 && write(j->cancel_fd, &one, sizeof one) < 0)
        log_debug("llm: cannot cancel: %s", strerror(errno));
}

static void forget(struct ctl *c, struct llm_job *j)
{
    if (c->llm_cur == j)
        c->llm_cur = NULL;
    llm_job_free(j);
}

static struct llm_job *job_new(struct ctl *c, int observe)
{
    const struct run_config *cfg = c->cfg;
    struct llm_job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    j->seq = ++c->llm_cancel_seq;
    j->attempt = c->attempt;
    j->observe = observe;
    j->asked_ms = now_ms();
    j->rs = c->rs;
    j->rule_verdict = json_deep_copy(c->diag_v);
    json_object_del(j->rule_verdict, "_own");
    j->tails = c->local_logs ? json_deep_copy(c->tails) : NULL;
    j->max_bytes = CTL_LLM_MAX_BYTES;
    layout_attempt_dir(j->adir, sizeof j->adir, c->run_dir, c->attempt);
    j->run = (struct llm_run){.cfg = {.url = cfg->llm_url, .model = cfg->llm_model, .cacert = cfg->llm_cacert,
                                      .timeout_ms = (long)cfg->llm_timeout_ms,
                                      .connect_timeout_ms = LLM_DEFAULT_CONNECT_MS,
                                      .max_tokens = LLM_DEFAULT_MAX_TOKENS, .cancel_fd = j->cancel_fd},
                              .key = c->llm_key, .save_dir = j->adir,
                              .learned_path = c->learned_path[0] && !observe ? c->learned_path : NULL,
                              .max_prompt = (size_t)cfg->llm_max_prompt,
                              .min_confidence = cfg->llm_min_confidence, .observe = observe,
                              .run_id = cfg->run_id, .attempt = c->attempt};
    if (j->cancel_fd < 0 || !j->rule_verdict) {
        llm_job_free(j);
        return NULL;
    }
    return j;
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "?";
}

/* Journals and prints one answer: llm_verdict, llm_rejected, llm_error,
 * or llm_late (advise, after the wait) with the same fields. */
static void journal_answer(struct ctl *c, const struct llm_job *j, int late)
{
    const json_t *r = j->result, *v = json_object_get(r, "verdict");
    const char *kind = json_is_object(v) ? "llm_verdict" : json_is_string(json_object_get(r, "rejected"))
                                                               ? "llm_rejected" : "llm_error";
    json_t *ev = json_pack("{s:i,s:s,s:I}", "attempt", j->attempt, "mode", j->observe ? "observe" : "advise",
                           "ms", (json_int_t)json_integer_value(json_object_get(r, "ms")));
    if (json_is_object(v))
        json_object_set(ev, "verdict", (json_t *)v);
    else if (!strcmp(kind, "llm_rejected"))
        json_object_set_new(ev, "reason", json_string(str(r, "rejected")));
    else
        json_object_set_new(ev, "error", json_string(json_is_string(json_object_get(r, "error"))
                                                         ? str(r, "error") : "no answer"));
    if (json_is_object(json_object_get(r, "rule")))
        json_object_set(ev, "rule", json_object_get(r, "rule"));
    if (late) {
        json_object_set_new(ev, "outcome", json_string(kind + 4));
        json_object_set_new(ev, "after_wait_ms", json_integer((json_int_t)(now_ms() - j->asked_ms)));
    }
    journal_event(&c->j, late ? "llm_late" : kind, ev);
    const char *what = late ? "late, after --llm-wait; journaled only" : j->observe ? "observe: changes nothing"
                                                                                  : "in time";
    if (json_is_object(v))
        log_info("attempt %d: the LLM says %s/%s, action %s, confidence %.2f (%s): %s", j->attempt,
                 str(v, "category"), str(v, "type"), str(v, "action"),
                 json_number_value(json_object_get(v, "confidence")), what, str(v, "explanation"));
    else
        log_warn("attempt %d: the LLM's answer is not used (%s): %s", j->attempt, kind + 4,
                 json_is_string(json_object_get(r, "rejected")) ? str(r, "rejected") : str(r, "error"));
    if (json_is_string(json_object_get(json_object_get(r, "rule"), "id")))
        log_info("attempt %d: learned rule %s (%s) in %s", j->attempt, str(json_object_get(r, "rule"), "id"),
                 str(json_object_get(r, "rule"), "status"), str(json_object_get(r, "rule"), "file"));
}

/* The decision of the attempt, once the answer or the wait is over. */
static void leave_wait(struct ctl *c, enum ctl_event e, const char *outcome, const json_t *verdict)
{
    c->fail.llm_waited = 1;
    c->fail.llm_wait_ms = now_ms() - c->llm_wait_start;
    json_decref(c->llm_info);
    c->llm_info = json_pack("{s:s,s:s,s:I}", "mode", "advise", "outcome", outcome, "waited_ms",
                            (json_int_t)c->fail.llm_wait_ms);
    json_decref(c->llm_verdict);
    c->llm_verdict = verdict ? json_deep_copy(verdict) : NULL;
    ctl_on(c, e);
    attempt_decide(c);
}

static void on_answer(struct ctl *c, struct llm_job *j)
{
    if (j->ran < 1 || j->cancelled || c->state == C_DONE)
        return forget(c, j);
    int waiting = c->state == C_LLM_WAIT && c->llm_wait_seq == j->seq;
    journal_answer(c, j, !waiting && !j->observe);
    if (waiting) {
        const json_t *r = j->result, *v = json_object_get(r, "verdict");
        leave_wait(c, CE_LLM_DONE, json_is_object(v) ? "verdict" : json_is_string(json_object_get(r, "rejected"))
                                                                       ? "rejected" : "error",
                   json_is_object(v) ? v : NULL);
    }
    forget(c, j);
}

static void answered(void *ctx, void *arg)
{
    on_answer(ctx, arg);
}

/* The prompt is ready: journaled, then the request (or the reason why not). */
static void prepared(void *ctx, void *arg)
{
    struct ctl *c = ctx;
    struct llm_job *j = arg;
    if (j->ran < 1 || j->cancelled || c->state == C_DONE)
        return forget(c, j);
    journal_event(&c->j, "llm_request", json_pack("{s:i,s:s,s:s,s:I,s:I}", "attempt", j->attempt, "mode",
                                                     j->observe ? "observe" : "advise", "model",
                                                     c->cfg->llm_model ? c->cfg->llm_model : "default",
                                                     "prompt_bytes", (json_int_t)j->prompt_bytes, "log_bytes",
                                                     (json_int_t)j->log_bytes));
    if (!j->error[0] && worker_submit(c->llmw, llm_job_ask, answered, c, j) == 0)
        return;
    j->result = json_pack("{s:b,s:s}", "asked", 0, "error", j->error[0] ? j->error : "cannot queue the request");
    j->ran = 2;
    on_answer(c, j);
}

int ctl_llm_begin(struct ctl *c)
{
    const struct run_config *cfg = c->cfg;
    json_decref(c->llm_info);
    json_decref(c->llm_verdict);
    c->llm_info = c->llm_verdict = NULL;
    int observe = cfg->llm_mode == LLM_MODE_OBSERVE;
    if (!c->llmw || !c->diag_v || !llm_wanted(c->diag_v, cfg->llm_min_confidence, observe))
        return 0;
    struct llm_job *j = job_new(c, observe);
    if (c->llm_cur) /* an older question still out: the new failure matters more */
        cancel(c->llm_cur);
    if (!j || worker_submit(c->llmw, llm_job_prepare, prepared, c, j) < 0) {
        journal_event(&c->j, "llm_error", json_pack("{s:i,s:s}", "attempt", c->attempt, "error",
                                                       "cannot start the request"));
        llm_job_free(j);
        return 0;
    }
    c->llm_cur = j;
    c->llm_info = json_pack("{s:s,s:s}", "mode", observe ? "observe" : "advise", "outcome", "asked");
    if (observe)
        return 0;
    c->llm_wait_seq = j->seq;
    c->llm_wait_start = now_ms();
    c->llm_wait_until = c->llm_wait_start + cfg->llm_wait_ms;
    log_info("attempt %d: the rules give %s/%s (confidence %.2f): asking the LLM, the decision waits at most "
             "%.1fs", c->attempt, str(c->diag_v, "category"), str(c->diag_v, "type"),
             json_number_value(json_object_get(c->diag_v, "confidence")), (double)cfg->llm_wait_ms / 1000.0);
    ctl_on(c, CE_LLM_ASKED);
    return 1;
}

int64_t ctl_llm_deadline(const struct ctl *c)
{
    return c->state == C_LLM_WAIT ? c->llm_wait_until : -1;
}

void ctl_llm_interrupt(struct ctl *c)
{
    if (c->state != C_LLM_WAIT)
        return;
    log_warn("attempt %d: a signal ends the wait for the LLM: the rule verdict is recorded", c->attempt);
    leave_wait(c, CE_LLM_WAIT_OVER, "interrupted", NULL);
}

void ctl_llm_timers(struct ctl *c)
{
    if (c->state != C_LLM_WAIT || now_ms() < c->llm_wait_until)
        return;
    log_warn("attempt %d: no answer from the LLM within --llm-wait (%.1fs): the rule verdict decides; a later "
             "answer is journaled (llm_late)", c->attempt, (double)c->cfg->llm_wait_ms / 1000.0);
    leave_wait(c, CE_LLM_WAIT_OVER, "pending", NULL);
}

json_t *ctl_llm_apply(struct ctl *c, json_t *v, int *by_llm)
{
    json_t *info = c->llm_info, *lv = c->llm_verdict;
    c->llm_info = c->llm_verdict = NULL;
    *by_llm = 0;
    if (!info)
        return v;
    if (json_is_object(lv) && c->cfg->llm_mode == LLM_MODE_ADVISE && llm_wanted(v, c->cfg->llm_min_confidence, 0)) {
        json_t *d = lv;
        json_object_set_new(d, "source", json_string("llm"));
        json_object_set_new(d, "rule_verdict", verdict_brief(v));
        json_object_set_new(d, "llm", info);
        if (!json_is_array(json_object_get(d, "evidence")))
            json_object_set_new(d, "evidence", json_array());
        json_decref(v);
        *by_llm = 1;
        return d;
    }
    json_object_set_new(v, "source", json_string("rules"));
    json_object_set_new(v, "llm", info);
    json_decref(lv);
    return v;
}

const char *ctl_llm_guard(const json_t *v, const char *act)
{
    if (!strcmp(act, "stop") && json_number_value(json_object_get(v, "confidence")) < LLM_STOP_CONFIDENCE)
        return "restart"; /* a guess does not end an unattended run */
    return act;
}

void ctl_llm_dispatch(struct ctl *c)
{
    worker_dispatch(c->llmw);
}

void ctl_llm_free(struct ctl *c)
{
    if (c->llm_cur)
        cancel(c->llm_cur); /* the client polls it: the thread ends soon */
    if (c->llmw) {
        ctl_unwatch(c, worker_fd(c->llmw));
        worker_stop(c->llmw); /* the done callbacks free the jobs (C_DONE: nothing journaled) */
        c->llmw = NULL;
    }
    if (c->llm_curl)
        curl_global_cleanup();
    llm_key_free(c->llm_key);
    c->llm_key = NULL;
    json_decref(c->llm_info);
    json_decref(c->llm_verdict);
    json_decref(c->diag_v);
    c->llm_info = c->llm_verdict = c->diag_v = NULL;
}
