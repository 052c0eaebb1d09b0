/* rules_load: the internal interface between the YAML reader of rule files
 * (rules_load.c) and the ruleset builder (ruleset.c). */
#ifndef ENDURE_DIAGNOSE_RULES_LOAD_H
#define ENDURE_DIAGNOSE_RULES_LOAD_H
#include <yaml.h>
#include "diagnose/internal.h"

/* Rules being accumulated over several files, and the errors so far. */
struct rules_acc {
    struct buf *err;
    int nerrors;
    struct rule *rules;
    size_t n, cap;
    int no_candidates; /* leave out learned rules of status candidate */
    uint32_t *ids;     /* hash of the ids seen (rule index + 1; 0 empty), or NULL */
};

/* Where each field's value started (indexes as in the key table:
 * id category type role action match explain priority examples
 * counter_examples literals), and whether it was quoted. */
struct rule_marks {
    yaml_mark_t start;
    yaml_mark_t marks[14]; /* one per key of rules_load.c's keys[], then frame's */
    int quoted[14];
    int has_role;
};

/* Appends "file:line:col: message\n" to acc->err (line 0: no position). */
void rules_error(struct rules_acc *acc, const char *file, size_t line, size_t col,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Reads one file into acc; -1 when the file could not be parsed at all. */
int rules_load_file(struct rules_acc *acc, const char *path);
/* Reads rules from memory (name is used in messages). */
int rules_load_text(struct rules_acc *acc, const char *name, const char *text, size_t len);
/* A whole ruleset from one text in memory (for the fuzz target). */
int ruleset_load_text(struct ruleset **out, const char *name, const char *text, size_t len,
                      struct buf *err);
/* A new zeroed rule at the end of acc (NULL on no memory); m is cleared. */
struct rule *rules_acc_new(struct rules_acc *acc, struct rule_marks *m);
/* Validates a rule just read and compiles its pattern; errors go to acc. */
void rules_validate(struct rules_acc *acc, struct rule *r, const struct rule_marks *m);
/* Frees the fields of one rule. */
void rule_clear(struct rule *r);

#endif
