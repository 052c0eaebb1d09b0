/* internal: the structures shared by the files of the diagnose module
 * (ruleset layout, taxonomy tables, literal derivation, the Aho-Corasick
 * index). Not for other modules: they use diagnose.h. */
#ifndef ENDURE_DIAGNOSE_INTERNAL_H
#define ENDURE_DIAGNOSE_INTERNAL_H
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "common/text.h"
#include "diagnose/diagnose.h"

#define RULE_MATCH_LIMIT 100000 /* pcre2 match limit per line and rule */
#define RULE_DEPTH_LIMIT 2000   /* pcre2 depth limit (interpreter only) */
#define RULE_MIN_LITERAL 3      /* shorter derived literals are not used */
#define RULE_MAX_LITERAL 32     /* literals are cut to this many bytes */
#define RULE_REASON_MAX 300     /* bytes of an action_reason */
#define EVENT_TEXT_MAX TEXT_MAX

enum role { ROLE_ROOT, ROLE_SYMPTOM, ROLE_NOISE, ROLE_PROGRESS };
enum { GROUP_HOST, GROUP_RANK, GROUP_GPU, GROUP_STEP, GROUP_LOSS, NGROUPS };
extern const char *const group_names[NGROUPS];

struct rule {
    char *id, *category, *type, *action, *pattern, *explain, *file;
    long line, column;
    int role, priority, cat_rank;
    pcre2_code *re;        /* compiled at load; JIT-compiled on first use (ruleset_jit) */
    int groups[NGROUPS];   /* capture numbers of the named groups, 0 if absent */
    char **examples, **counter;
    size_t nexamples, ncounter;
    char **literals;       /* folded (lower-case ASCII) */
    size_t nliterals;
    char **requires;       /* folded; one of them must occur too (AND), or none */
    size_t nrequires;
    uint32_t req_owner;    /* the automaton owner of the requires (n + nmarks + k) */
    uint32_t order;        /* position in the candidate order (lower runs first) */
    char *plain;           /* the pattern when it is a plain case-sensitive literal */
    char *status;          /* learned rules: "candidate" or "accepted"; NULL otherwise */
    char *action_reason;   /* why the action differs from the type's default, or NULL */
    char *setup_action;    /* `setup_action:` the action when the failure comes before any
                            * training step, or NULL (offline.c, ctl_diag.c) */
    int vague;             /* `vague:` a root that only says something failed: a nearby
                            * symptom of a known category decides (verdict.c) */
    int teardown;          /* a launcher tearing down the other workers (symptom): never
                            * opens the verdict window (verdict.c) */
    char *frame;           /* `frame:` pattern the innermost frame of the traceback the
                            * line ends must match, or NULL (cls_traceback.c) */
    pcre2_code *frame_re;  /* frame compiled, or NULL */
    char **frame_examples; /* innermost frame lines frame must match */
    size_t nframe_examples;
    size_t plain_len;
};

struct ac; /* Aho-Corasick automaton over folded literals */

struct ruleset {
    struct rule *rules;
    size_t n;
    uint32_t *always;      /* rules without literals, by order */
    size_t nalways;
    uint32_t *by_order;    /* rule index for each order position */
    uint32_t max_captures;
    struct ac *ac;         /* the rules' literals, then the linemarks (owners n..n+nmarks-1),
                            * then the requires of rules (owners n+nmarks..n+nmarks+nreq-1),
                            * then the plain-ASCII localized forms (owner l10n_owner) */
    size_t nmarks;
    size_t nreq;           /* rules with requires */
    uint32_t l10n_owner;   /* n+nmarks+nreq: a line may hold a plain localized form (l10n.h) */
    _Atomic unsigned char *jit; /* per rule: 0 not JIT-compiled yet, RULE_JIT, RULE_INTERP */
    pthread_mutex_t *jit_lock;  /* serializes the first-use JIT compiles */
};

/* Whether rule i runs JIT code (RULE_JIT) or the interpreter (RULE_INTERP,
 * its JIT compile failed). The JIT compile happens the first time a rule
 * runs, not at load: most rules never run in a process (the prefilter
 * rules them out) and compiling all of them was a fifth of endure's
 * start-up. Thread-safe: the first caller compiles under the ruleset's
 * lock (ruleset_jit_compile, ruleset.c), later ones read the state here,
 * inline, as it is read before every match. */
enum { RULE_JIT = 1, RULE_INTERP = 2 };
int ruleset_jit_compile(const struct ruleset *rs, size_t i);
static inline int ruleset_jit(const struct ruleset *rs, size_t i)
{
    int st = atomic_load_explicit(&rs->jit[i], memory_order_acquire);
    return st ? st : ruleset_jit_compile(rs, i);
}

/* taxonomy.c */
const char *role_name(int role);
int role_parse(const char *s);                 /* -1 if unknown */
int action_valid(const char *s);
int category_valid(const char *s);
int type_in_category(const char *category, const char *type);
int category_rank(const char *category);       /* infrastructure 0, framework 1, ... */
int type_known(const char *type);               /* any taxonomy type (policy) */
/* The default action of a type (docs/diagnose.md, "Actions by principle"),
 * NULL for an unknown type. */
const char *type_default_action(const char *type);

/* verdict.c: a verdict skeleton (null culprit, rule, key line; no evidence) */
json_t *verdict_base(const char *cat, const char *type, const char *action, double conf, const char *explain);
/* kill_verdict.c: first_failure died of SIGKILL (or exit 137), and its verdict from the agent's facts */
int verdict_is_kill(const json_t *first_failure);
json_t *verdict_for_kill(const json_t *first_failure);

/* literal.c: derives the longest required literal of a pattern into out
 * (folded), or returns 0 when there is none of at least RULE_MIN_LITERAL. */
size_t literal_derive(const char *pattern, char *out, size_t outlen);

/* ac.c: builds the automaton; lits[i] belongs to rule rule_of[i]; exact[i]
 * is 0: a hit of its anchor marks the rule without comparing the rest of
 * the literal (a superset: the rule's regex decides); 1: the whole literal
 * (folded, lower case) is compared, case folded; AC_CASE: the literal is
 * given in its own case and found only in that case. */
#define AC_CASE 2
struct ac *ac_build(char *const *lits, const uint32_t *rule_of, const uint8_t *exact, size_t n);
void ac_free(struct ac *a);
/* Candidate collection: a rule r is added to cand once per line (gen[r] is
 * set to now when it is added). */
struct ac_hits {
    uint32_t *gen, now, *cand;
    size_t n;
};
/* Scans text once, adding every rule whose literal occurs to h. */
void ac_scan(const struct ac *a, const char *text, size_t len, struct ac_hits *h);
size_t ac_states(const struct ac *a);

/* classifier.c: whether rule (index) is selected by the prefilter and
 * matches line, or else the line's English (l10n.h), as the classifier
 * reads it: 1 yes, 0 selected but no match, -1 not selected. */
struct classifier;
int classifier_rule_check(struct classifier *c, size_t rule, const char *line, size_t len);
/* classifier.c: whether a traceback's innermost frame line matches the
 * `frame:` pattern of rule (index): 1 yes, 0 no, -1 the rule has none. */
int classifier_frame_check(struct classifier *c, size_t rule, const char *line, size_t len);

/* utf8_sanitize, json_text: common/text.h */

#endif
