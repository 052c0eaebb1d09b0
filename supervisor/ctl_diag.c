/* ctl_diag: the controller's side of failure diagnosis. It loads and checks
 * the rules at start (the agents classify with the same files), collects the
 * agents' match events of the attempt, and when the attempt failed picks the
 * root cause (verdict_pick), writes attempt-<N>/failure.json, journals and
 * prints the verdict, and turns it into an action with the policy: restart,
 * exclude the culprit node, or stop (not worth retrying; also a crash loop:
 * the same root cause twice with no progress in between). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/log.h"
#include "common/text.h"
#include "common/util.h"
#include "diagnose/diagnose.h"
#include "supervisor/ctl_int.h"

#define MAX_EVENTS 10000
#define MAX_TAILS 256   /* failed ranks whose log tails failure.json keeps */

static int add_path(struct ctl *c, const char *p, struct buf *err)
{
    char abs[PATH_MAX];
    if (!realpath(p, abs)) {
        buf_printf(err, "--rules %s: cannot read it", p);
        return -1;
    }
    json_array_append_new(c->rule_paths, json_string(abs));
    return 0;
}

/* Loads the rules the agents will use (so that a bad rule file is a usage
 * error here, not a failure on every node) and the policy. */
int ctl_diag_setup(struct ctl *c, struct buf *err)
{
    const struct run_config *cfg = c->cfg;
    char dir[PATH_MAX];
    c->rule_paths = json_array();
    c->events = json_array();
    c->tails = json_array();
    c->local_logs = cfg->no_shared_fs;
    if (!cfg->no_default_rules) {
        if (ruleset_default_dir(dir, sizeof dir) == 0)
            add_path(c, dir, err);
        else if (!cfg->nrules)
            log_warn("no shipped rules found (set ENDURE_RULES_DIR or --rules): failures are not "
                     "diagnosed, progress is the default regex");
    }
    for (int i = 0; i < cfg->nrules; i++)
        if (add_path(c, cfg->rules[i], err) < 0)
            return -1;
    size_t n = json_array_size(c->rule_paths);
    if (n) {
        const char **p = calloc(n, sizeof *p);
        if (!p)
            return -1;
        for (size_t i = 0; i < n; i++)
            p[i] = json_string_value(json_array_get(c->rule_paths, i));
        int rc = ruleset_load(&c->rs, p, n, err);
        free(p);
        if (rc < 0)
            return -1;
    } else {
        json_decref(c->rule_paths);
        c->rule_paths = NULL;
    }
    if (cfg->policy && policy_load(&c->policy, cfg->policy, err) < 0)
        return -1;
    return 0;
}

void ctl_diag_attempt_reset(struct ctl *c)
{
    json_array_clear(c->events);
    json_array_clear(c->tails);
    json_decref(c->first_failure);
    c->first_failure = NULL;
    c->ckpt_completed = 0;
}

void ctl_diag_event(struct ctl *c, json_t *ev)
{
    if (!json_is_object(ev) || json_array_size(c->events) >= MAX_EVENTS)
        return;
    json_t *e = json_deep_copy(ev);
    json_object_set_new(e, "arrival", json_real(wall_time()));
    json_array_append_new(c->events, e);
}

/* The first rank to fail: its log's last lines are the evidence when no
 * rule matched. */
void ctl_diag_note_tail(struct ctl *c, struct node *n, const struct msg_exit *m)
{
    if (m->code != 0 && m->tail && json_array_size(c->tails) < MAX_TAILS)
        json_array_append_new(c->tails, json_pack("{s:s,s:i,s:s,s:O,s:I}", "node", n->name, "rank", m->rank, "file",
                                                  m->file, "tail", m->tail, "lines", (json_int_t)m->lines));
}

void ctl_diag_note_exit(struct ctl *c, struct node *n, const struct msg_exit *m)
{
    ctl_diag_note_tail(c, n, m);
    if (c->first_failure || m->code == 0)
        return;
    c->first_failure = json_pack("{s:s,s:i,s:s,s:O?,s:I}", "node", n->name, "rank", m->rank, "file", m->file, "tail",
                                 m->tail, "lines", (json_int_t)m->lines);
    /* what the agent knows about the exit (see verdict_pick) */
    json_object_set_new(c->first_failure, m->code >= 0 ? "code" : "signal",
                        json_integer(m->code >= 0 ? m->code : m->signal));
    const char *facts[][2] = {{"killer", m->killer}, {"kernel_log", m->kernel_log}, {"cgroup", m->cgroup}};
    for (size_t i = 0; i < sizeof facts / sizeof *facts; i++)
        if (facts[i][1])
            json_object_set_new(c->first_failure, facts[i][0], json_string(facts[i][1]));
    if (m->oom)
        json_object_set(c->first_failure, "oom", m->oom);
}

void ctl_note_shared_fs(struct ctl *c, struct node *n, int shared)
{
    n->shared_fs = shared;
    if (shared || c->local_logs)
        return;
    c->local_logs = 1;
    log_warn("node %s does not see the run directory %s (no shared filesystem): its logs stay on the node "
             "under the same path, and each attempt's failure.json here keeps the failed ranks' last lines and "
             "every event", n->name, c->run_dir);
    journal_event(&c->j, "no_shared_fs", json_pack("{s:s}", "node", n->name));
}

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int undiagnosed(const json_t *v)
{
    return !strcmp(jstr(v, "category"), "unknown") || !strcmp(jstr(v, "category"), "none");
}

/* A communication error of the surviving ranks after a node was lost: the
 * loss's cascade (its peers' sockets reset), not a root cause of its own. */
static int loss_cascade(const struct ctl *c, const json_t *v)
{
    static const char *const comm[] = {"connection_error", "network_error", "nccl_error", "nccl_timeout",
                                       "dist_barrier"};
    const char *type = jstr(v, "type");
    if (c->fail.kind != F_AGENT)
        return 0;
    for (size_t i = 0; i < sizeof comm / sizeof *comm; i++)
        if (!strcmp(type, comm[i]))
            return 1;
    return 0;
}

/* What the controller itself saw, for failures no rule explains (and for a
 * lost node whose peers only report the broken connections). */
static void own_knowledge(struct ctl *c, json_t *v)
{
    if (c->fail.kind == F_AGENT && (undiagnosed(v) || loss_cascade(c, v))) {
        json_object_set_new(v, "category", json_string("infrastructure"));
        json_object_set_new(v, "type", json_string("node_failure"));
        json_object_set_new(v, "action", json_string("exclude_node"));
        json_object_set_new(v, "culprit", json_pack("{s:s,s:n,s:n}", "host", c->fail.node, "rank", "gpu"));
        json_object_set_new(v, "confidence", json_real(0.6));
        char ex[700];
        snprintf(ex, sizeof ex, "%s. The node's agent stopped answering or died, so its ranks are gone and "
                 "the node is excluded from this run. Check the node's health (kernel log, memory, network) "
                 "before returning it to the pool.", c->fail.what);
        json_object_set_new(v, "explanation", json_string(ex));
        json_object_set_new(v, "_own", json_true());
    } else if (c->fail.kind == F_SPIKE) { /* endure's own measurement decides */
        json_object_set_new(v, "category", json_string("framework"));
        json_object_set_new(v, "type", json_string("loss_spike"));
        json_object_set_new(v, "action", json_string("rollback"));
        json_object_set_new(v, "confidence", json_real(0.7));
        json_object_set_new(v, "rule", json_null());
        char ex[800];
        snprintf(ex, sizeof ex, "%s. The loss jumped far above its recent level: the model is diverging (a bad "
                 "batch, a learning-rate or precision problem). The job rolls back to a checkpoint before the "
                 "spike and tells the trainer which steps to skip (ENDURE_SKIP_STEPS).", c->fail.what);
        json_object_set_new(v, "explanation", json_string(ex));
    } else if (c->fail.kind == F_HANG && undiagnosed(v)) {
        json_object_set_new(v, "category", json_string("hang"));
        json_object_set_new(v, "type", json_string("hang"));
        json_object_set_new(v, "action", json_string("restart"));
        json_object_set_new(v, "confidence", json_real(0.5));
        char ex[700];
        snprintf(ex, sizeof ex, "%s. No rank printed a progress line or touched its heartbeat file; "
                 "a collective waiting on a dead peer, a deadlock or a stuck filesystem are the usual "
                 "causes. The ranks were stopped and the job restarts%s", c->fail.what,
                 c->dump_attempt == c->attempt ? "." : "; dump stacks (py-spy, faulthandler) if it repeats.");
        json_object_set_new(v, "explanation", json_string(ex));
        ctl_stacks_verdict(c, v);
    }
}

/* Appends what follows to an explanation written here (a lost node): a
 * spare, a smaller restart, or the end of the run; never a guess. */
static void explain_outcome(struct ctl *c, json_t *v, const char *act, const char *why)
{
    if (!json_is_true(json_object_get(v, "_own")))
        return;
    json_object_del(v, "_own");
    char next[300], ex[1100];
    if (!strcmp(act, "stop"))
        snprintf(next, sizeof next, "The run ends: %s.", why);
    else
        ctl_next_step(c, next, sizeof next);
    snprintf(ex, sizeof ex, "%s %s", jstr(v, "explanation"), next);
    json_object_set_new(v, "explanation", json_string(ex));
}

static void to_log(void *arg, const char *piece)
{
    (void)arg;
    log_text("%s", piece);
}

/* The diagnosis on the console, through the non-blocking log; text from
 * rank output is escaped when stderr is a terminal. */
static void print_verdict(struct ctl *c, const json_t *v, const char *act)
{
    struct verdict_print_opts o = {.style = VERDICT_PRINT_BRIEF, .escape = isatty(STDERR_FILENO),
                                   .attempt = c->attempt, .action = act, .write = to_log};
    verdict_print(v, &o);
}

/* The node to exclude for a verdict: the culprit host when it names a node
 * of the pool, else the node that printed the key line (the deciding
 * event's own "node", carried on the key line by verdict_pick). */
static struct node *culprit_node(struct ctl *c, const json_t *v)
{
    struct node *n = node_by_name(c, json_string_value(json_object_get(json_object_get(v, "culprit"), "host")));
    return n ? n : node_by_name(c, json_string_value(json_object_get(json_object_get(v, "key_line"), "node")));
}

/* The verdict of the failed attempt, picked from the attempt's events. */
void ctl_diag_pick(struct ctl *c)
{
    json_decref(c->diag_v);
    c->diag_v = verdict_pick(c->events, c->first_failure, c->rs);
    if (c->diag_v)
        own_knowledge(c, c->diag_v);
}

/* "category/type (rule R)" or "(source: llm)", for messages and the summary. */
static void verdict_label(struct ctl *c, const json_t *v, int by_llm)
{
    if (by_llm)
        snprintf(c->fail.verdict, sizeof c->fail.verdict, "%s/%s (source: llm)", jstr(v, "category"),
                 jstr(v, "type"));
    else
        snprintf(c->fail.verdict, sizeof c->fail.verdict, "%s/%s (rule %s)", jstr(v, "category"),
                 jstr(v, "type"), json_is_string(json_object_get(v, "rule")) ? jstr(v, "rule") : "none");
}

/* The verdict's action after the run's history: a quarantine rolls back
 * past the checkpoint, the same root cause twice with no progress between
 * is a crash loop (stop); why is filled in for a stop or such a rollback. */
static const char *history_action(struct ctl *c, const char *act, const char *sig, char *why, size_t whylen)
{
    const char *asked = act;
    act = ctl_rollback_decide(c, act, sig);
    if (act != asked && !strcmp(act, "rollback")) {
        snprintf(why, whylen, "the same failure (%s) followed every resume from %s: quarantined, rolling back",
                 c->fail.verdict, json_string_value(json_object_get(c->resume, "tag")) ?: "?");
    } else if (strcmp(act, "stop") && sig[0] && !strcmp(sig, c->last_signature) && !c->progressed &&
               !c->ckpt_completed) {
        act = "stop";
        snprintf(why, whylen, "crash loop: the same root cause (%s) twice with no progress in between",
                 c->fail.verdict);
    } else if (!strcmp(act, "stop")) {
        snprintf(why, whylen, "not worth retrying: %s", c->fail.verdict);
    }
    snprintf(c->last_signature, sizeof c->last_signature, "%s", sig);
    return act;
}

/* The verdict in the journal and in attempt-N/failure.json (with the
 * events and log tails when they live on the nodes), and on the console. */
static void record_verdict(struct ctl *c, json_t *v, const char *act, int by_llm)
{
    json_t *copy = json_deep_copy(v);
    json_object_set_new(copy, "decided_action", json_string(act));
    json_t *ev = json_pack("{s:i,s:o}", "attempt", c->attempt, "verdict", copy);
    if (c->fail.llm_waited)
        json_object_set_new(ev, "llm_wait_ms", json_integer((json_int_t)c->fail.llm_wait_ms));
    journal_event(&c->j, "verdict", ev);
    char adir[PATH_MAX], path[PATH_MAX];
    layout_attempt_dir(adir, sizeof adir, c->run_dir, c->attempt);
    layout_failure_json(path, sizeof path, c->run_dir, c->attempt);
    if (c->local_logs) { /* the evidence lives on the nodes: keep it here */
        json_object_set(v, "events", c->events);
        json_object_set(v, "tails", c->tails);
    }
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!s || mkdir_p(adir, 0755) < 0 || write_file_durable(path, s, strlen(s)) < 0)
        log_warn("cannot write %s", path);
    free(s);
    print_verdict(c, v, act);
    if (by_llm)
        log_text("  (source: llm, the rules said %s/%s)\n", jstr(json_object_get(v, "rule_verdict"), "category"),
                 jstr(json_object_get(v, "rule_verdict"), "type"));
}

/* The action for the failed attempt ("restart", "exclude_node" with
 * *exclude set, "rollback", or "stop" with why filled in): the picked
 * verdict's, through the LLM, the policy file and the run's history. */
const char *ctl_diag_decide(struct ctl *c, struct node **exclude, char *why, size_t whylen)
{
    int by_llm;
    *exclude = NULL;
    json_t *v = c->diag_v;
    c->diag_v = NULL;
    if (!v)
        return "restart";
    v = ctl_llm_apply(c, v, &by_llm);
    if (!by_llm && !c->progressed && !c->ckpt_completed) /* failed before any progress */
        verdict_setup_action(v, c->rs);
    const char *act = c->policy ? policy_action(c->policy, v) : jstr(v, "action");
    if (!act || !*act || !strcmp(act, "ignore") || !strcmp(act, "none"))
        act = "restart";
    if (by_llm)
        act = ctl_llm_guard(v, act);
    char sig[512] = "";
    verdict_signature(v, sig, sizeof sig);
    verdict_label(c, v, by_llm);
    act = history_action(c, act, sig, why, whylen);
    explain_outcome(c, v, act, why);
    if (!strcmp(act, "exclude_node"))
        *exclude = culprit_node(c, v);
    record_verdict(c, v, act, by_llm);
    /* the policy's strings may live in v: return a static one */
    const char *ret = !strcmp(act, "stop")           ? "stop"
                      : !strcmp(act, "exclude_node") ? "exclude_node"
                      : !strcmp(act, "rollback")     ? "rollback"
                                                     : "restart";
    json_decref(v);
    return ret;
}

void ctl_diag_free(struct ctl *c)
{
    ruleset_free(c->rs);
    policy_free(c->policy);
    json_decref(c->rule_paths);
    json_decref(c->events);
    json_decref(c->tails);
    json_decref(c->first_failure);
}
