/* test_diag_util: helpers shared by the diagnose unit tests (static inline,
 * header only): writing a rule file into the scratch dir and loading it. */
#ifndef TEST_DIAG_UTIL_H
#define TEST_DIAG_UTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "diagnose/diagnose.h"

/* Writes text to <tmpdir>/name and returns the path (static storage). */
static inline const char *diag_write(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads one rule file; returns the ruleset or NULL, errors in err. */
static inline struct ruleset *diag_load(const char *path, struct buf *err)
{
    struct ruleset *rs = NULL;
    buf_init(err, 1 << 20);
    ruleset_load(&rs, &path, 1, err);
    return rs;
}

#define UNIT_RULES "tests/data/rules-unit/basic.yaml"

/* One valid rule with `extra` lines added to it (for error tests). */
#define RULE_HEAD                                                              \
    "- id: t.one\n  category: framework\n  type: runtime_error\n  role: root\n" \
    "  action: restart\n  explain: x\n"

#endif
