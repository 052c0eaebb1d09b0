/* rules_load: reads one rule file with libyaml's event parser (so every
 * problem has a line and column) into struct rule entries, validating keys,
 * vocabulary, examples and compiling the pattern (PCRE2, JIT). Aliases are
 * rejected (no alias bombs); sizes are capped. Errors go to the caller's
 * buffer as "file:line:column: message" lines. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "common/util.h"
#include "diagnose/rules_load.h"
#include "diagnose/yamlev.h"

#define RULE_FILE_MAX (4u << 20)
#define SCALAR_MAX 65536
#define LIST_MAX 1000

struct loader {
    struct yev y;
    const char *file;
    struct rules_acc *acc;
};

void rules_error(struct rules_acc *acc, const char *file, size_t line, size_t col,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    errors_vadd(acc->err, &acc->nerrors, file, line, col, fmt, ap);
    va_end(ap);
}

#define lerr(L, m, ...) yev_error(&(L)->y, m, __VA_ARGS__)
#define next(L) yev_next(&(L)->y)
#define skip_node(L) yev_skip(&(L)->y)

static char *scalar_dup(struct loader *L)
{
    if (L->y.ev.data.scalar.length > SCALAR_MAX) {
        lerr(L, L->y.ev.start_mark, "%s", "value too long (over 64 KiB)");
        return NULL;
    }
    return strndup((const char *)L->y.ev.data.scalar.value, L->y.ev.data.scalar.length);
}

/* Reads a list of strings (the current event starts it). */
static int read_list(struct loader *L, const char *key, char ***out, size_t *nout)
{
    if (L->y.ev.type != YAML_SEQUENCE_START_EVENT) {
        lerr(L, L->y.ev.start_mark, "'%s' must be a list of strings", key);
        return skip_node(L);
    }
    for (;;) {
        int more = yev_item(&L->y);
        if (more <= 0)
            return more;
        if (L->y.ev.type != YAML_SCALAR_EVENT) {
            lerr(L, L->y.ev.start_mark, "items of '%s' must be strings", key);
            if (skip_node(L) < 0)
                return -1;
            continue;
        }
        if (*nout >= LIST_MAX) {
            lerr(L, L->y.ev.start_mark, "too many items in '%s'", key);
            continue;
        }
        char *s = scalar_dup(L);
        char **np = s ? realloc(*out, (*nout + 1) * sizeof *np) : NULL;
        if (!np) {
            free(s);
            continue;
        }
        *out = np;
        np[(*nout)++] = s;
    }
}

static const char *const keys[] = {"id", "category", "type", "role", "action", "match",
                                   "explain", "priority", "examples", "counter_examples",
                                   "literals", "requires", "frame_examples", NULL};

/* The index of `frame` in rule_marks (past keys[]): read_rule stores it. */
#define MARK_FRAME 13

/* Stores one scalar field; returns -1 for an unknown key. */
static int set_scalar(struct loader *L, struct rule *r, struct rule_marks *m, int k)
{
    char **slot[] = {&r->id, &r->category, &r->type, NULL, &r->action, &r->pattern, &r->explain};
    if (k == 7) { /* priority */
        long v;
        char *s = scalar_dup(L);
        if (!s || parse_long(s, -1000, 1000, &v) < 0)
            lerr(L, L->y.ev.start_mark, "%s", "priority must be an integer in -1000..1000");
        else
            r->priority = (int)v;
        free(s);
        return 0;
    }
    if (k == 3) {
        char *s = scalar_dup(L);
        r->role = s ? role_parse(s) : -1;
        if (r->role < 0)
            lerr(L, L->y.ev.start_mark, "unknown role '%s' (root, symptom, noise, progress)",
                 s ? s : "");
        free(s);
        m->has_role = 1;
        return 0;
    }
    free(*slot[k]);
    *slot[k] = scalar_dup(L);
    m->marks[k] = L->y.ev.start_mark;
    m->quoted[k] = L->y.ev.data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                   L->y.ev.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    return 0;
}

/* The keys of learned rules (llm_learn.c): `status: candidate|accepted`
 * and `provenance`, a mapping kept for the reader (skipped here). */
static int read_learned_key(struct loader *L, struct rule *r, const char *key)
{
    int status = !strcmp(key, "status");
    if (next(L) < 0)
        return -1;
    if (!status) {
        if (L->y.ev.type != YAML_MAPPING_START_EVENT)
            lerr(L, L->y.ev.start_mark, "%s", "'provenance' must be a mapping");
        return skip_node(L);
    }
    char *s = L->y.ev.type == YAML_SCALAR_EVENT ? scalar_dup(L) : NULL;
    if (!s || (strcmp(s, "candidate") && strcmp(s, "accepted"))) {
        lerr(L, L->y.ev.start_mark, "%s", "status must be 'candidate' or 'accepted'");
        free(s);
        return L->y.ev.type == YAML_SCALAR_EVENT ? 0 : skip_node(L);
    }
    free(r->status);
    r->status = s;
    return 0;
}

/* Moves to the value of `key`: 1 when it is a scalar, 0 when it is not
 * (reported as "'key' must be what" and skipped), -1 on a read error. */
static int value_scalar(struct loader *L, const char *key, const char *what)
{
    if (next(L) < 0)
        return -1;
    if (L->y.ev.type == YAML_SCALAR_EVENT)
        return 1;
    lerr(L, L->y.ev.start_mark, "'%s' must be %s", key, what);
    return skip_node(L) < 0 ? -1 : 0;
}

/* `action_reason: ...`: why the rule's action differs from its type's
 * default (docs/rules.md); a non-empty string of at most RULE_REASON_MAX
 * bytes, once per rule. */
static int read_reason(struct loader *L, struct rule *r, yaml_mark_t km)
{
    int s = value_scalar(L, "action_reason", "a string");
    if (s <= 0)
        return s;
    size_t n = L->y.ev.data.scalar.length;
    if (r->action_reason)
        lerr(L, km, "%s", "duplicate key 'action_reason'");
    else if (n == 0 || n > RULE_REASON_MAX)
        lerr(L, L->y.ev.start_mark, "action_reason must be 1..%d bytes", RULE_REASON_MAX);
    else
        r->action_reason = scalar_dup(L);
    return 0;
}

/* `setup_action: ACTION`: the action the rule's failure takes when the
 * log (or the attempt) shows no training step before it (docs/rules.md):
 * an action other than none, once per rule. */
static int read_setup_action(struct loader *L, struct rule *r, yaml_mark_t km)
{
    int s = value_scalar(L, "setup_action", "a string");
    if (s <= 0)
        return s;
    const char *v = (const char *)L->y.ev.data.scalar.value;
    if (r->setup_action)
        lerr(L, km, "%s", "duplicate key 'setup_action'");
    else if (!action_valid(v) || !strcmp(v, "none") || !strcmp(v, "ignore"))
        lerr(L, L->y.ev.start_mark, "setup_action '%s' is not restart, exclude_node, stop or rollback", v);
    else
        r->setup_action = scalar_dup(L);
    return 0;
}

/* The bits of read_rule's seen keys for teardown, frame and vague, past those of keys[]. */
#define SEEN_TEARDOWN (1u << 31)
#define SEEN_FRAME (1u << 30)
#define SEEN_VAGUE (1u << 29)

/* `frame: PATTERN`: the rule decides an exception line only when the
 * innermost frame of the traceback it ends matches PATTERN (docs/rules.md);
 * a string, once per rule (ruleset.c compiles it). */
static int read_frame(struct loader *L, struct rule *r, struct rule_marks *m, yaml_mark_t km, unsigned *seen)
{
    int s = value_scalar(L, "frame", "a string");
    if (s <= 0)
        return s;
    if (*seen & SEEN_FRAME) {
        lerr(L, km, "%s", "duplicate key 'frame'");
        return 0;
    }
    *seen |= SEEN_FRAME;
    r->frame = scalar_dup(L);
    m->marks[MARK_FRAME] = L->y.ev.start_mark;
    m->quoted[MARK_FRAME] = L->y.ev.data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                            L->y.ev.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    return 0;
}

/* A `true|false` key into *flag, once per rule (seen: read_rule's keys
 * seen so far, bit this key's): `teardown` (the rule's line is a launcher
 * tearing down the other workers after one failed) and `vague` (the
 * rule's root says only that something failed, so a nearby symptom of a
 * known category decides instead; docs/rules.md). key: a string that
 * outlives the key's event. */
static int read_flag(struct loader *L, const char *key, int *flag, yaml_mark_t km, unsigned *seen, unsigned bit)
{
    int s = value_scalar(L, key, "true or false");
    if (s <= 0)
        return s;
    const char *v = (const char *)L->y.ev.data.scalar.value;
    if (*seen & bit)
        lerr(L, km, "duplicate key '%s'", key);
    else if (!strcmp(v, "true") || !strcmp(v, "false"))
        *flag = !strcmp(v, "true");
    else
        lerr(L, L->y.ev.start_mark, "'%s' must be true or false", key);
    *seen |= bit;
    return 0;
}

/* Reads one rule mapping (the current event is MAPPING_START). */
static int read_rule(struct loader *L, struct rule *r, struct rule_marks *m)
{
    unsigned seen = 0;
    r->role = -1;
    m->start = L->y.ev.start_mark;
    r->line = (long)L->y.ev.start_mark.line + 1;
    r->column = (long)L->y.ev.start_mark.column + 1;
    for (;;) {
        int more = yev_item(&L->y);
        if (more <= 0)
            return more;
        if (L->y.ev.type != YAML_SCALAR_EVENT) {
            lerr(L, L->y.ev.start_mark, "%s", "rule keys must be plain strings");
            if (skip_node(L) < 0 || next(L) < 0 || skip_node(L) < 0)
                return -1;
            continue;
        }
        const char *key = (const char *)L->y.ev.data.scalar.value;
        yaml_mark_t km = L->y.ev.start_mark;
        if (!strcmp(key, "action_reason")) {
            if (read_reason(L, r, km) < 0)
                return -1;
            continue;
        }
        if (!strcmp(key, "setup_action")) {
            if (read_setup_action(L, r, km) < 0)
                return -1;
            continue;
        }
        if (!strcmp(key, "teardown") || !strcmp(key, "vague")) {
            int td = !strcmp(key, "teardown"); /* key dies with the next event: pass the literal */
            if (read_flag(L, td ? "teardown" : "vague", td ? &r->teardown : &r->vague, km, &seen,
                          td ? SEEN_TEARDOWN : SEEN_VAGUE) < 0)
                return -1;
            continue;
        }
        if (!strcmp(key, "frame")) {
            if (read_frame(L, r, m, km, &seen) < 0)
                return -1;
            continue;
        }
        if (!strcmp(key, "status") || !strcmp(key, "provenance")) { /* learned rules */
            if (read_learned_key(L, r, key) < 0)
                return -1;
            continue;
        }
        int k = 0;
        while (keys[k] && strcmp(keys[k], key))
            k++;
        if (!keys[k])
            lerr(L, km, "unknown key '%s'", key);
        else if (seen & (1u << k))
            lerr(L, km, "duplicate key '%s'", key);
        int known = keys[k] != NULL;
        if (known)
            seen |= 1u << k;
        char kcopy[32];
        snprintf(kcopy, sizeof kcopy, "%s", known ? keys[k] : "?");
        if (next(L) < 0)
            return -1;
        if (!known) {
            if (skip_node(L) < 0)
                return -1;
        } else if (k >= 8) {
            char ***lists[] = {&r->examples, &r->counter, &r->literals, &r->requires, &r->frame_examples};
            size_t *counts[] = {&r->nexamples, &r->ncounter, &r->nliterals, &r->nrequires, &r->nframe_examples};
            m->marks[k] = L->y.ev.start_mark;
            if (read_list(L, kcopy, lists[k - 8], counts[k - 8]) < 0)
                return -1;
        } else if (L->y.ev.type != YAML_SCALAR_EVENT) {
            lerr(L, L->y.ev.start_mark, "'%s' must be a string", kcopy);
            if (skip_node(L) < 0)
                return -1;
        } else
            set_scalar(L, r, m, k);
    }
}

/* The document's top-level node, a sequence of rule mappings (yev_parse's
 * callback). */
static int read_doc(struct yev *y, void *arg)
{
    struct loader *L = arg;
    (void)y; /* L->y */
    if (L->y.ev.type != YAML_SEQUENCE_START_EVENT) {
        lerr(L, L->y.ev.start_mark, "%s", "a rule file must be a list of rules");
        return -1;
    }
    for (;;) {
        int more = yev_item(&L->y);
        if (more < 0)
            return -1;
        if (!more)
            break;
        if (L->y.ev.type != YAML_MAPPING_START_EVENT) {
            lerr(L, L->y.ev.start_mark, "%s", "each rule must be a mapping");
            if (skip_node(L) < 0)
                return -1;
            continue;
        }
        struct rule_marks m;
        struct rule *r = rules_acc_new(L->acc, &m);
        if (!r)
            return -1;
        r->file = strdup(L->file);
        if (read_rule(L, r, &m) < 0)
            return -1;
        rules_validate(L->acc, r, &m);
    }
    if (next(L) < 0 || next(L) < 0) /* document end, stream end */
        return -1;
    if (L->y.ev.type != YAML_STREAM_END_EVENT) {
        lerr(L, L->y.ev.start_mark, "%s", "only one YAML document per rule file");
        return -1;
    }
    return 0;
}

int rules_load_text(struct rules_acc *acc, const char *name, const char *text, size_t len)
{
    struct loader L = {.file = name, .acc = acc};
    if (len > RULE_FILE_MAX) {
        rules_error(acc, name, 0, 0, "file too large (over 4 MiB)");
        return -1;
    }
    return yev_parse(&L.y, name, text, len, acc->err, &acc->nerrors, read_doc, &L);
}

int rules_load_file(struct rules_acc *acc, const char *path)
{
    size_t len = 0;
    char *text = read_file_capped(path, RULE_FILE_MAX, &len);
    if (!text) {
        rules_error(acc, path, 0, 0, "cannot read: %s",
                    errno == EFBIG ? "file too large (over 4 MiB)" : file_strerror(errno));
        return -1;
    }
    int rc = rules_load_text(acc, path, text, len);
    free(text);
    return rc;
}
