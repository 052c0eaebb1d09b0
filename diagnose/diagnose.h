/* diagnose: the rule-based failure classifier of endure.
 * A ruleset is loaded once from YAML rule files (rules/NAME.yaml), validated
 * and compiled (PCRE2 with JIT, one Aho-Corasick literal index over all
 * rules). A classifier is one per stream (one per rank): it classifies lines
 * one at a time and reports matches as JSON events. verdict_pick turns the
 * events of all streams into one verdict; a policy may override its action.
 * See docs/diagnose.md and docs/rules.md for the rule format, ordering and confidence. */
#ifndef ENDURE_DIAGNOSE_H
#define ENDURE_DIAGNOSE_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "common/buf.h"

/* ---- rule sets ---------------------------------------------------------- */

struct ruleset; /* immutable after load (a rule's first run JIT-compiles its pattern
                  * under the ruleset's own lock); shareable between threads */

/* Loads rule files. paths: files or directories (every *.yaml / *.yml in a
 * directory, sorted by name); npaths == 0 loads the shipped set
 * (ruleset_default_dir). Every problem is appended to err as one line
 * "file:line:column: message"; returns 0, or -1 (and *out = NULL) when any
 * rule is invalid. The caller owns *out (ruleset_free). */
int ruleset_load(struct ruleset **out, const char *const *paths, size_t npaths, struct buf *err);
/* ruleset_load that leaves out the learned rules still of status
 * `candidate` (llm.h) unless candidates is 1 (`--learned auto`). */
int ruleset_load_ex(struct ruleset **out, const char *const *paths, size_t npaths, int candidates,
                    struct buf *err);
/* Finds the shipped rules directory: $ENDURE_RULES_DIR, <exe dir>/../share/
 * endure/rules, <exe dir>/../rules, <exe dir>/../../rules. Writes it into
 * out and returns 0, or -1 when none exists. */
int ruleset_default_dir(char *out, size_t outlen);
void ruleset_free(struct ruleset *rs);
/* Number of rules, and of rules that have no literal (always run). */
size_t ruleset_count(const struct ruleset *rs);
size_t ruleset_always_count(const struct ruleset *rs);

/* Read-only view of one rule (index < ruleset_count), for the commands. */
struct rule_info {
    const char *id, *category, *type, *role, *action, *pattern, *explain, *file;
    long line, column; /* where the rule starts in its file (1-based) */
    int priority;
    const char *const *examples;
    size_t nexamples;
    const char *const *counter_examples;
    size_t ncounter_examples;
    const char *const *literals; /* folded literals used by the prefilter */
    size_t nliterals;            /* 0: the rule always runs */
    const char *const *requires; /* folded: one of them must occur too, or none */
    size_t nrequires;
    const char *status;          /* learned rules: "candidate", "accepted"; else NULL */
    const char *action_reason;   /* why the action differs from the type's default, or NULL */
    const char *default_action;  /* the type's default action (taxonomy), or NULL */
    const char *setup_action;    /* the action before any training step, or NULL */
    int teardown;                /* a launcher's teardown line: never opens the verdict window */
    int vague;                   /* a root that only says something failed (verdict.c, vague_root) */
    const char *frame;           /* the innermost frame the exception's traceback must have, or NULL */
    const char *const *frame_examples;
    size_t nframe_examples;
};
void ruleset_rule(const struct ruleset *rs, size_t i, struct rule_info *out);
/* Index of the rule with this id, or -1. */
long ruleset_find(const struct ruleset *rs, const char *id);
/* The `setup_action` of the rule with this id (the action its failure
 * takes when it comes before any training step), or NULL; the string
 * lives in rs. */
const char *ruleset_setup_action(const struct ruleset *rs, const char *id);

/* ---- classifier --------------------------------------------------------- */

struct classifier; /* one per stream; owns its match data and traceback state */

/* Creates a classifier over rs (which must outlive it); NULL on no memory. */
struct classifier *classifier_new(const struct ruleset *rs);
void classifier_free(struct classifier *c);
/* Fills the "node", "rank" and "file" fields of later events (strings are
 * copied; NULL / rank < 0 give null). */
void classifier_set_source(struct classifier *c, const char *node, long rank, const char *file);
/* Sets the "ts" of events found on the next lines: ts >= 0 is used as is
 * (e.g. a timestamp parsed from the log), ts < 0 means "the wall clock when
 * the line is seen" (the default), ts == -2 means null (no time known). */
void classifier_set_ts(struct classifier *c, double ts);

/* CLS_NOISE: the line matched a noise rule (reported only after
 * classifier_report_noise(c, 1): otherwise noise rules run only on lines
 * where a root or symptom rule is a candidate too); CLS_FAILURE: the line
 * matched a root or symptom rule (its event may be delivered later). */
enum { CLS_PROGRESS = 1, CLS_EVENT = 2, CLS_NOISE = 4, CLS_FAILURE = 8 };
void classifier_report_noise(struct classifier *c, int on);
/* Receives one event. The event is borrowed: json_incref to keep it. The
 * callback may add or replace fields before keeping it. */
typedef void (*cls_event_cb)(void *ctx, json_t *event);
/* Classifies one line (no line end; any bytes). lineno is its 1-based
 * position in its file. Returns CLS_* flags: CLS_EVENT when an event was
 * delivered during this call (possibly of an earlier line: an exception
 * that ended a traceback is delivered once the next line shows that no
 * chained exception follows), CLS_PROGRESS when a progress rule matched.
 * No allocation unless an event is produced. */
int classifier_line(struct classifier *c, const char *line, size_t len, long lineno,
                    cls_event_cb cb, void *ctx);
/* End of stream: delivers a pending traceback event and resets the state. */
void classifier_finish(struct classifier *c, cls_event_cb cb, void *ctx);
/* Like classifier_line but only returns the id of the rule that wins on this
 * line in isolation (no traceback state, no event), or NULL. For tests,
 * `rules test` and benchmarks. */
const char *classifier_match(struct classifier *c, const char *line, size_t len);

/* The step captured by the last progress rule that had a `step` group, or -1. */
/* The linemarks bits (linemarks.h) of the last line given, found in the
 * rules' walk over it: 0, or -1 when that line was not walked (a traceback
 * frame, which the classifier keeps for later): the caller then finds them
 * itself (linemarks_scan). */
int classifier_line_marks(const struct classifier *c, uint32_t *marks);
long classifier_progress_step(const struct classifier *c);
/* The loss of the last progress line (its "loss" group), NaN when it had
 * none. */
double classifier_progress_loss(const struct classifier *c);

struct classifier_stats {
    unsigned long lines, candidates, regex_runs, matches, events, limit_hits;
};
void classifier_stats(const struct classifier *c, struct classifier_stats *out);

/* ---- verdict ------------------------------------------------------------ */

/* Picks the root cause. events: array of events in arrival order (from any
 * number of streams); first_failure: {"node","rank","file","tail":[lines]}
 * of the first rank to fail, or NULL when no rank is known to have failed;
 * with "signal"/"code" 9/137 and no root event, the verdict comes from the
 * agent's facts ("killer", "oom", "kernel_log", "cgroup"), see kill_verdict.c.
 * Returns a new verdict object (caller owns), never NULL except on no
 * memory. rs may be NULL (then explanations are taken from the events'
 * "explain" field when present). The ordering rules are in docs/diagnose.md and docs/rules.md. */
json_t *verdict_pick(const json_t *events, const json_t *first_failure, const struct ruleset *rs);
/* Applies the `setup_action` of verdict v's rule (docs/rules.md) when the
 * failure came before any training step (the caller knows: the log showed
 * no step, the attempt made no progress): sets v's action and says why in
 * its explanation. Returns 1 when it changed v, 0 otherwise. */
int verdict_setup_action(json_t *v, const struct ruleset *rs);
/* The root-cause signature of a verdict for crash-loop detection:
 * "type|rule|host|rank|gpu" (empty fields for nulls; the location counts
 * for infrastructure faults only: a script or framework error that moves
 * between ranks is the same failure). Returns 0, or -1 when it does not
 * fit in out. */
int verdict_signature(const json_t *verdict, char *out, size_t outlen);

/* The human text of a verdict (verdict_print.c), one printer for both forms:
 * VERDICT_PRINT_FULL is `endure diagnose`'s block ("category:    ...",
 * culprit, action, rule and confidence, key line, evidence, explanation);
 * VERDICT_PRINT_BRIEF is the controller's "endure: attempt N diagnosis:
 * category/type, culprit ..., action A (rule R, confidence C)" followed by
 * "  why:", "  key line:" and at most 8 evidence lines. The text goes to
 * write(arg, piece) in pieces of whole lines (in the brief form exactly one
 * line each), so each caller keeps its own sink. */
enum verdict_print_style { VERDICT_PRINT_FULL, VERDICT_PRINT_BRIEF };
struct verdict_print_opts {
    enum verdict_print_style style;
    int escape;          /* escape control characters of log text (a terminal) */
    int attempt;         /* BRIEF: the attempt's number */
    const char *action;  /* BRIEF: the action decided (after the policy) */
    void (*write)(void *arg, const char *piece);
    void *arg;
};
void verdict_print(const json_t *verdict, const struct verdict_print_opts *o);
/* The window (seconds) in which root events count as simultaneous. */
#define VERDICT_WINDOW_S 2.0

/* ---- policy ------------------------------------------------------------- */

struct policy;
/* Loads a policy YAML: a mapping with optional keys `overrides` (failure
 * type -> action) and `categories` (category -> action). Errors are
 * "file:line:column: message" lines in err; returns 0 or -1. */
int policy_load(struct policy **out, const char *path, struct buf *err);
/* The action for a verdict: its type's override, else its category's
 * override, else the verdict's own "action". The string is static or owned
 * by p or the verdict. */
const char *policy_action(const struct policy *p, const json_t *verdict);
void policy_free(struct policy *p);

/* The commands of this module: argv[0] is the command name, the result is
 * the exit code. `endure diagnose PATH...` (cmd_diagnose.c) and `endure
 * rules check|test|export` (cmd_rules.c). */
int cmd_diagnose(int argc, char **argv);
int cmd_rules(int argc, char **argv);

#endif
