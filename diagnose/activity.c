/* activity: the last activity of a log with no failure found, and the
 * honest verdict for it (activity.h); and a person's stop that tells of a
 * stuck job (after setup or connect retries, or raised in a wait).
 * Literal markers only: this runs on every line, and the markers are
 * fixed strings printed by NCCL, PyTorch
 * and the usual trainers (the table of diagnose/linemarks.c), found in the
 * rules' own walk over the line (or one walk of their own), so the cost
 * does not grow with their number. The forms it reads on a line (error
 * words, frames, gradient norms, epochs, short completion lines) are in
 * actforms.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/activity.h"
#include "diagnose/actforms.h"
#include "diagnose/culprit.h"
#include "diagnose/linemarks.h"
#include "diagnose/prefix.h"

void activity_init(struct activity *a)
{
    a->last = ACT_NONE;
    a->step = -1;
    a->trained = 0;
    a->done = 0;
    a->final_epoch = 0;
    a->unreachable = 0;
    a->since_error = -1;
    a->error_frame = 0;
    a->grad_nan = 0;
    memset(&a->grad, 0, sizeof a->grad);
    memset(&a->error, 0, sizeof a->error);
    a->error_rank = -1;
    a->error_host[0] = '\0';
    a->rank = -1;
    a->host = NULL;
    memset(&a->setup, 0, sizeof a->setup);
    memset(&a->start, 0, sizeof a->start);
    memset(&a->spike, 0, sizeof a->spike);
    losstrack_init(&a->loss);
    a->file = NULL;
    a->lineno = 0;
}

/* Copies s[0..n) into dst (cap bytes), cut to fit, NUL-terminated. */
static void copy_cut(char *dst, size_t cap, const char *s, size_t n)
{
    if (n > cap - 1)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Keeps line[0..len) as k, with where the caller is. On the line path (every
 * setup line): bounded copies, no formatting. */
static void keep(const struct activity *a, struct kept_line *k, const char *line, size_t len)
{
    copy_cut(k->text, sizeof k->text, line, len);
    copy_cut(k->file, sizeof k->file, a->file ? a->file : "", a->file ? strnlen(a->file, sizeof k->file) : 0);
    k->no = a->file ? a->lineno : 0;
}

/* The culprit fields still null in v from the prefix of the kept error
 * line (a traceback's "[rank8]:   File ...", cut off before its exception). */
static void error_prefix_culprit(const struct activity *a, json_t *v)
{
    json_t *cul = json_object_get(v, "culprit");
    if (!json_is_object(cul))
        return;
    if (a->error_rank >= 0 && json_is_null(json_object_get(cul, "rank")))
        json_object_set_new(cul, "rank", json_integer(a->error_rank));
    if (a->error_host[0] && json_is_null(json_object_get(cul, "host")))
        json_object_set_new(cul, "host", json_string(a->error_host));
}

/* Lines after an error-level line within which the log's end counts as
 * ending with it. */
#define ERROR_TAIL 10

/* Tracks the last error report (a glog or c10d E line, or an error word
 * of its own on a line that is no W or I line, or a traceback's frame)
 * and the non-blank lines after it. */
static void track_error(struct activity *a, const char *line, size_t len, uint32_t k, int progress)
{
    size_t lead = act_blanks(line, len);
    int level = act_glog_level(line + lead, len - lead), frame = 0;
    if (!progress && level != 'W' && level != 'I' &&
        (level == 'E' || ((k & LM_ERROR) && (act_error_word(line, len, lead) || (frame = act_frame_line(line, len, lead)))))) {
        if (!frame || !a->error_frame || a->since_error < 0) { /* a traceback is kept by its first frame */
            keep(a, &a->error, line, len);
            a->error_rank = a->rank; /* its prefix: the culprit of a suspected failure */
            copy_cut(a->error_host, sizeof a->error_host, a->host ? a->host : "",
                     a->host ? strnlen(a->host, sizeof a->error_host) : 0);
        }
        a->since_error = 0;
        a->error_frame = frame;
    } else if (a->error_frame && lead == 0 && len > 0) {
        /* an unindented line after frames: the traceback's exception line
         * (the rules judged it, and a known harmless one is no failure) */
        a->since_error = -1;
        a->error_frame = 0;
    } else if (a->since_error >= 0 && a->since_error < ERROR_TAIL && lead < len) {
        a->since_error++;
    }
}

/* Counts the gradient norms printed as nan or inf (k: the line's marks,
 * LM_GRAD on such a line) since the last progress line that printed a
 * finite one, keeping the first of the run. Only progress lines are read
 * for a finite norm: the marks find the non-finite ones alone, since
 * "grad_norm" itself is on every step line of many trainers. */
static void track_grad(struct activity *a, const char *line, size_t len, uint32_t k, int progress)
{
    if ((k & LM_GRAD) && act_grad_norm(line, len) == 1) {
        if (a->grad_nan++ == 0)
            keep(a, &a->grad, line, len);
    } else if (progress && a->grad_nan && act_grad_norm(line, len) == 0) {
        a->grad_nan = 0;
    }
}

int activity_line_marks(struct activity *a, const char *line, size_t len, long step, uint32_t k,
                        int progress)
{
    /* a completion mark on a progress line reports one step of a run that
     * goes on (DLRM's "Finished training it 1024/4096 of epoch 0") */
    int done = ((k & LM_DONE) && !(k & LM_NOT_DONE) && (!progress || (k & LM_FINAL))) || act_done_line(line, len) ||
               act_final_epoch(&a->final_epoch, line, len, k);
    if (done)
        a->done = 1;
    track_error(a, line, len, k, progress);
    track_grad(a, line, len, k, progress);
    /* a progress bar's first render (tqdm's "0/N [00:00<?, ?it/s]", at
     * each epoch's start): the loop starts, no step is done yet */
    if (progress && step == 0 && memmem(line, len, "[00:00<?", 8)) {
        a->step = 0; /* the stream's step from now on: not a step taken on the lines after */
        progress = 0;
        step = -1;
        k |= LM_START | LM_AGAIN;
    }
    /* the loop's start announced with the step it starts from (torchtitan's
     * "Training starts at step 26, ..." after a resume): where the loop
     * begins, not a step done */
    if ((k & LM_START) && !(k & LM_AGAIN) && (progress || step >= 0)) {
        if (step >= 0)
            a->step = step;
        progress = 0;
        step = -1;
    }
    if ((step >= 0 && step != a->step) || progress) {
        if (step >= 0)
            a->step = step;
        a->trained = 1;
        a->last = ACT_STEP;
    } else if (k & (LM_SETUP | LM_RETRY)) { /* a retry is checked first: NCCL's is an INFO line */
        a->last = (k & LM_RETRY) ? ACT_RETRY : ACT_SETUP;
        a->unreachable = (k & LM_RETRY) && (memmem(line, len, "No route to host", 16) ||
                                             memmem(line, len, "etwork is unreachable", 21));
        keep(a, &a->setup, line, len);
    } else if (k & LM_START) {
        /* the loop starts now: a bar before it (a cache check, a
         * tokenizer) was not training; a mark printed again each epoch or
         * each fit call (LM_AGAIN) says nothing of what came before */
        if (!(k & LM_AGAIN))
            a->trained = 0;
        a->last = ACT_START;
        keep(a, &a->start, line, len);
    }
    return done;
}

void activity_line(struct activity *a, const char *line, size_t len, long step)
{
    activity_line_marks(a, line, len, step, linemarks_scan(line, len), 0);
}

void activity_loss(struct activity *a, double loss, const char *line, size_t len, long step)
{
    if (losstrack_add(&a->loss, loss, step))
        keep(a, &a->spike, line, len);
}

/* The start of NCCL's "host:pid:tid [gpu] NCCL" inside a setup line, past
 * any label in front of it (pdsh's "host: ", a pager's "│ ", "stdout: "):
 * the token before " [gpu] NCCL". s itself when there is no such token. */
static const char *nccl_token(const char *s)
{
    const char *m = strstr(s, "] NCCL"), *p = m;
    while (p && p > s && p[-1] >= '0' && p[-1] <= '9')
        p--;
    if (!p || p == m || p - s < 3 || p[-1] != '[' || p[-2] != ' ')
        return s;
    p -= 2;
    const char *t = p;
    while (t > s && t[-1] != ' ' && t[-1] != '\t')
        t--;
    return t < p ? t : s;
}

/* The host of the last NCCL setup line ("host:pid:tid [gpu] NCCL"; a pasted
 * log may indent it or label it), before a label's host (pdsh's
 * "worker-3: "), which is only the launcher's name for the node. */
static void setup_host(const struct activity *a, json_t *v)
{
    struct prefix_info p;
    const char *s = a->setup.text + strspn(a->setup.text, " \t"), *t = nccl_token(s);
    prefix_parse(t, strlen(t), &p);
    if (!p.host[0] && t != s)
        prefix_parse(s, strlen(s), &p);
    if (p.host[0])
        json_object_set_new(json_object_get(v, "culprit"), "host", json_string(p.host));
}

/* Whether the log ends in setup or at the training loop's start with no
 * progress ever printed. */
static int hung_at_start(const struct activity *a)
{
    return !a->trained && (a->last == ACT_SETUP || a->last == ACT_START);
}

/* The key line of a suspicion: the line the log's end is judged by (when
 * the caller said where it was; text: its first bytes as kept). */
static void key_line_at(json_t *v, const struct kept_line *k)
{
    if (!k->file[0] || k->no <= 0 || !k->text[0])
        return;
    json_object_set_new(v, "key_line", json_pack("{s:s,s:I,s:s%}", "file", k->file, "line", (json_int_t)k->no,
                                                 "text", k->text, strlen(k->text)));
}

/* The fields every suspected verdict of this file shares: what the log
 * showed last, the category and type suspected, a restart. */
static void suspect(json_t *v, const char *last, const char *category, const char *type)
{
    json_object_set_new(v, "last_activity", json_string(last));
    json_object_set_new(v, "category", json_string(category));
    json_object_set_new(v, "type", json_string(type));
    json_object_set_new(v, "action", json_string("restart"));
    json_object_set_new(v, "suspected", json_true());
}

/* Makes v the suspected hang of such a log; stopped_by: the rule of a stop
 * by a person or the scheduler that came after it, or NULL. */
static void suspected_hang(const struct activity *a, json_t *v, const char *stopped_by)
{
    int setup = a->last == ACT_SETUP;
    suspect(v, setup ? "NCCL init" : "training start", "hang", "hang");
    if (setup)
        setup_host(a, v);
    if (!stopped_by) /* a stop keeps its own line as the key */
        key_line_at(v, setup ? &a->setup : &a->start);
    json_object_set_new(v, "confidence", json_real(0.4));
    char msg[512];
    if (stopped_by)
        snprintf(msg, sizeof msg,
                 "The log ends %s with no training step printed, and then someone or the "
                 "scheduler stopped the job (%s): suspected hang %s; the stop is what was done "
                 "about it, not its cause.",
                 setup ? "in collective setup (last activity: NCCL init)"
                       : "where the training loop starts (last activity: training start)",
                 stopped_by, setup ? "in the first collective" : "in the first step");
    else
        snprintf(msg, sizeof msg, "%s",
                 setup ? "No failure found, but the log ends in collective setup (last activity: "
                         "NCCL init) and no training step was printed: suspected hang in the "
                         "first collective (a rank that never joined, or a network that does "
                         "not connect)."
                       : "No failure found, but the log ends where the training loop starts "
                         "(last activity: training start) and no training step was printed: "
                         "suspected hang in the first step (its first collective, its data "
                         "loader, or a JIT build of its kernels waiting for a lock that a "
                         "killed build left in the extensions directory).");
    json_object_set_new(v, "explanation", json_string(msg));
}

/* The peer that a retried connect names (NCCL's "connect to
 * 10.0.0.5<52333> returned Connection refused, retrying", gRPC's
 * "ipv4:10.0.0.5:2222"): the one not answering, so the culprit before the
 * node that printed the line. Returns 1 when it set v's culprit host. */
static int retried_peer(const struct activity *a, json_t *v)
{
    struct culprit_x *x = culprit_x_new();
    json_t *c = json_object(); /* culprit_x_fill fills the members it finds */
    int found = 0;
    if (x && c) {
        const char *s = a->setup.text + strspn(a->setup.text, " \t");
        culprit_x_fill(x, c, s, strlen(s), CX_LINE);
        json_t *h = json_object_get(c, "host");
        if ((found = json_is_string(h)))
            json_object_set(json_object_get(v, "culprit"), "host", h);
    }
    culprit_x_free(x);
    json_decref(c);
    return found;
}

/* Makes v the suspected connection failure of a log that ends while a
 * connect is retried: no route or an unreachable network is the network's
 * fault (network_error), a refused or timed-out connect or a closed RPC
 * channel the endpoint's (connection_error); stopped_by as above. */
static void connect_retried(const struct activity *a, json_t *v, const char *stopped_by)
{
    suspect(v, "retrying a connection", "infrastructure", a->unreachable ? "network_error" : "connection_error");
    if (!retried_peer(a, v))
        setup_host(a, v);
    if (!stopped_by)
        key_line_at(v, &a->setup);
    json_object_set_new(v, "confidence", json_real(0.4));
    char stop[200] = "";
    if (stopped_by)
        snprintf(stop, sizeof stop, ", and then someone or the scheduler stopped the job (%s)", stopped_by);
    char msg[640];
    snprintf(msg, sizeof msg,
             "No failure line, but the log ends while a connection is being retried (last "
             "activity: \"%.160s\")%s: suspected %s. The peer or server it connects to may be "
             "down or not listening yet, or a firewall or a route keeps it out: check the address "
             "it tries, restart, and if it repeats test the network between the nodes.",
             a->setup.text + strspn(a->setup.text, " \t"), stop,
             a->unreachable ? "network failure (no route to the peer)" : "connection failure");
    json_object_set_new(v, "explanation", json_string(msg));
}

/* Makes v the suspected failure of a log that ends within ERROR_TAIL
 * lines of an error-level line that no rule knows: something reported an
 * error and the log stops there, which is no clean end. */
static void ended_in_error(const struct activity *a, json_t *v)
{
    suspect(v, "an error report", "unknown", "unknown");
    key_line_at(v, &a->error);
    error_prefix_culprit(a, v);
    json_object_set_new(v, "confidence", json_real(0.3));
    char msg[512];
    if (a->error_frame)
        snprintf(msg, sizeof msg,
                 "No rule knows the failure, but the log ends inside a Python traceback whose "
                 "exception line is cut off (first frame: \"%.160s\"): an exception was raised, "
                 "so suspected failure of unknown cause. Find the rest of the output for the "
                 "exception; restart if it is lost.",
                 a->error.text + strspn(a->error.text, " \t"));
    else
        snprintf(msg, sizeof msg,
                 "No rule knows the failure, but the log ends with an error report (\"%.160s\"): "
                 "suspected failure of unknown cause. Read that line and the ones before it; "
                 "restart, and if it repeats, consider a rule for it.",
                 a->error.text + strspn(a->error.text, " \t"));
    json_object_set_new(v, "explanation", json_string(msg));
}

/* Makes v the suspected loss spike of a log whose loss jumped and stayed
 * up; stopped_by: the rule of a stop that came after it, or NULL. */
static void diverged(const struct activity *a, json_t *v, const char *stopped_by)
{
    const struct losstrack *t = &a->loss;
    char last[64], at[48] = "";
    snprintf(last, sizeof last, "training at step %ld", a->step);
    suspect(v, a->step >= 0 ? last : "training", "framework", "loss_spike");
    json_object_set_new(v, "action", json_string("rollback"));
    if (!stopped_by)
        key_line_at(v, &a->spike);
    json_object_set_new(v, "confidence", json_real(0.5));
    if (t->step >= 0)
        snprintf(at, sizeof at, " at step %ld", t->step);
    char msg[640];
    snprintf(msg, sizeof msg,
             "The loss jumped from a median of %.4g (the losses before it) to %.4g%s and was "
             "still %.4g when the log ends%s%s%s: suspected loss spike the run did not recover "
             "from (numerical divergence). Roll back to a checkpoint from before the jump and "
             "skip the data since (ENDURE_SKIP_STEPS), or lower the learning rate.",
             t->base, t->spike, at, t->last, stopped_by ? " and the job was stopped (" : "",
             stopped_by ? stopped_by : "", stopped_by ? ")" : "");
    json_object_set_new(v, "explanation", json_string(msg));
}

/* Gradient norms printed as nan or inf in a row, with no finite one
 * after them, that make a suspected NaN loss: one or two are a mixed-
 * precision step the loss scaler skips, which training gets past. */
#define GRAD_NAN_RUN 3

/* Makes v the suspected NaN loss of a log whose last gradient norms are
 * nan or inf: the gradients went non-finite and did not come back, even
 * where the loss printed is still finite (or 0.0, its updates skipped). */
static void grad_diverged(const struct activity *a, json_t *v)
{
    char last[64];
    snprintf(last, sizeof last, "training at step %ld", a->step);
    suspect(v, a->step >= 0 ? last : "training", "framework", "nan_loss");
    json_object_set_new(v, "action", json_string("rollback"));
    key_line_at(v, &a->grad);
    json_object_set_new(v, "confidence", json_real(0.5));
    char msg[512];
    snprintf(msg, sizeof msg,
             "The gradient norm is nan or inf on the last %d lines that print one, from \"%.160s\" "
             "on, and never finite again: the gradients diverged (suspected NaN loss), even if "
             "the loss printed still looks finite. Roll back to a checkpoint from before it and "
             "skip the data since (ENDURE_SKIP_STEPS), or lower the learning rate.",
             a->grad_nan, a->grad.text + strspn(a->grad.text, " \t"));
    json_object_set_new(v, "explanation", json_string(msg));
}

void activity_verdict(const struct activity *a, json_t *v)
{
    const char *type = json_string_value(json_object_get(v, "type"));
    if (!type || strcmp(type, "success") || !json_is_null(json_object_get(v, "rule")) || a->done)
        return;
    if (a->last == ACT_RETRY) {
        connect_retried(a, v, NULL);
        return;
    }
    if (hung_at_start(a)) {
        suspected_hang(a, v, NULL);
        return;
    }
    if (losstrack_diverged(&a->loss)) {
        diverged(a, v, NULL);
        return;
    }
    if (a->grad_nan >= GRAD_NAN_RUN) {
        grad_diverged(a, v);
        return;
    }
    if (a->since_error >= 0 && a->since_error < ERROR_TAIL) {
        ended_in_error(a, v);
        return;
    }
    char last[64]; /* trained: the last activity is progress or a setup line after it */
    if (a->trained && a->step >= 0)
        snprintf(last, sizeof last, "training at step %ld", a->step);
    else
        snprintf(last, sizeof last, "%s", a->trained ? "training" : "none recognised");
    json_object_set_new(v, "last_activity", json_string(last));
    char msg[256];
    snprintf(msg, sizeof msg,
             "No failure found, and no evidence of success either (no completion line, no exit "
             "status): the log simply stops. Last activity: %s.",
             last);
    json_object_set_new(v, "type", json_string("no_failure"));
    json_object_set_new(v, "confidence", json_real(0.5));
    json_object_set_new(v, "explanation", json_string(msg));
}

static int is(const json_t *v, const char *key, const char *want)
{
    const char *s = json_string_value(json_object_get(v, key));
    return s && !strcmp(s, want);
}

/* Calls that block until another process, thread or rank does something:
 * a KeyboardInterrupt raised in one interrupted a wait. Matched on the
 * innermost frame's source line: a thread's or process's join() (not
 * str.join(...), which computes), select.select (not index_select). */
static const char *const wait_calls[] = {
    "waitpid(", ".wait(", "wait_for_tstate_lock", ".acquire(", "_semlock.__enter__", ".join()",
    ".join(timeout", "select.select(", ".poll(", ".recv(", "recv_into(", "_recv_bytes(", "barrier(",
    "synchronize(", "all_reduce(", "allreduce(", "all_gather", "broadcast(", "_sync_module_buffers(",
    "._recv(", "data_queue.get(", /* multiprocessing's pipe, a DataLoader waiting for its workers */
    "read(handle, remaining)", /* the pipe's os.read in Connection._recv */
    "broadcast_coalesced(", "_sync_params_and_buffers(", /* DDP's first broadcast from rank 0 */
    "_sync_buffers(", "reduce_scatter(", ".accept(", "wait_for_workers", "_wait_for", NULL};

/* The innermost frame of the interrupted traceback (the frames before the
 * evidence's last KeyboardInterrupt line; a paste may go on with another
 * traceback), when its source line is a wait: its "File ..., in FUNC" line
 * into frame; 1 if so. */
static int interrupted_in_wait(const json_t *v, char *frame, size_t cap)
{
    const json_t *ev = json_object_get(v, "evidence");
    size_t n = json_array_size(ev);
    for (size_t i = n; i-- > 0;) {
        const char *l = json_string_value(json_array_get(ev, i));
        if (l && strstr(l, "KeyboardInterrupt")) {
            n = i;
            break;
        }
    }
    for (size_t i = n; i-- > 1;) {
        const char *src = json_string_value(json_array_get(ev, i));
        const char *file = json_string_value(json_array_get(ev, i - 1));
        if (!src || !file || !strstr(file, "File \"") || !strstr(file, ", in "))
            continue;
        for (const char *const *w = wait_calls; *w; w++)
            if (strstr(src, *w)) {
                snprintf(frame, cap, "%s", file + strspn(file, " \t"));
                return 1;
            }
        return 0; /* the innermost frame is not a wait */
    }
    return 0;
}

void activity_interrupted_wait(const struct activity *a, json_t *v)
{
    char frame[256];
    int cut = is(v, "rule", "py.traceback_cut_off");
    if (!(cut || is(v, "rule", "py.keyboard_interrupt")) || !is(v, "category", "unknown") ||
        !is(v, "type", "unknown") || !is(v, "action", cut ? "restart" : "stop") || a->done ||
        !interrupted_in_wait(v, frame, sizeof frame))
        return;
    char msg[512];
    suspect(v, "waiting", "hang", "hang");
    if (cut)
        snprintf(msg, sizeof msg,
                 "A traceback is cut off before its exception line, and its innermost frame waits "
                 "for another process, thread or rank (%.200s): what was raised there stopped a "
                 "wait (an interrupt, a timeout), so suspected hang there.",
                 frame);
    else
        snprintf(msg, sizeof msg,
                 "Someone interrupted the job (KeyboardInterrupt) while it waited for another "
                 "process, thread or rank (innermost frame: %.200s): suspected hang there; the "
                 "interrupt is what was done about it, not its cause.",
                 frame);
    json_object_set_new(v, "explanation", json_string(msg));
}

void activity_interrupted(const struct activity *a, json_t *v)
{
    int spike = losstrack_diverged(&a->loss);
    if (!is(v, "category", "unknown") || !is(v, "type", "unknown") || !is(v, "action", "stop") ||
        a->done || (!hung_at_start(a) && a->last != ACT_RETRY && !spike))
        return;
    const char *rule = json_string_value(json_object_get(v, "rule"));
    if (spike)
        diverged(a, v, rule ? rule : "a stop");
    else if (a->last == ACT_RETRY)
        connect_retried(a, v, rule ? rule : "a stop");
    else
        suspected_hang(a, v, rule ? rule : "a stop");
}

void activity_proven(json_t *v, const char *why)
{
    const char *type = json_string_value(json_object_get(v, "type"));
    int suspicion = json_is_true(json_object_get(v, "suspected")) && json_is_null(json_object_get(v, "rule"));
    if (!suspicion && (!type || strcmp(type, "no_failure")))
        return;
    if (suspicion) { /* what the log's end suggested, proven wrong by the exit statuses */
        json_object_del(v, "suspected");
        json_object_set_new(v, "category", json_string("none"));
        json_object_set_new(v, "action", json_string("none"));
        json_object_set_new(v, "culprit", json_pack("{s:n,s:n,s:n}", "host", "rank", "gpu"));
        json_object_set_new(v, "key_line", json_null()); /* and the line it was judged by */
        json_object_set_new(v, "evidence", json_array());
    }
    json_object_set_new(v, "type", json_string("success"));
    json_object_set_new(v, "confidence", json_real(0.9));
    json_object_set_new(v, "explanation", json_string(why));
}
