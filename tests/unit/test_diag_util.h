/* test_diag_util: helpers shared by the diagnose unit tests (static inline,
 * header only): writing a rule file into the scratch dir and loading it,
 * an offline diagnosis of a few lines, the activity verdict of lines, and
 * feeding lines to the culprits of last resort, the culprit field one
 * line gives. */
#ifndef TEST_DIAG_UTIL_H
#define TEST_DIAG_UTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "diagnose/activity.h"
#include "diagnose/culprit.h"
#include "diagnose/diagnose.h"
#include "diagnose/internal.h"
#include "diagnose/lastresort.h"
#include "diagnose/linemarks.h"
#include "diagnose/offline.h"

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

/* The offline verdict (caller frees) of lines[0..n), or of the lines up to
 * a NULL when n is 0, under the rule text rules; NULL on a load error. */
static inline json_t *diag_offline_lines(const char *rules, const char *const *lines, size_t n)
{
    struct buf err;
    struct ruleset *rs = diag_load(diag_write("r.yaml", rules), &err);
    if (!rs)
        fprintf(stderr, "  %s", err.p ? err.p : "");
    buf_free(&err);
    if (!rs)
        return NULL;
    struct offline o;
    json_t *arr = json_array(), *v = NULL;
    for (size_t i = 0; n ? i < n : lines[i] != NULL; i++)
        json_array_append_new(arr, json_string(lines[i]));
    struct input_list in = {0};
    if (offline_init(&o, rs, 0) == 0 && offline_read_lines(&o, "log", NULL, -1, arr) == 0)
        v = offline_verdict(&o, &in);
    offline_free(&o);
    json_decref(arr);
    ruleset_free(rs);
    return v;
}

/* The verdict (caller frees) that activity_verdict makes of a log with no
 * failure: the lines up to a NULL, each with its step (steps NULL: none). */
static inline json_t *diag_activity_verdict(const char *const *lines, const long *steps)
{
    struct activity a;
    activity_init(&a);
    for (size_t i = 0; lines[i]; i++)
        activity_line(&a, lines[i], strlen(lines[i]), steps ? steps[i] : -1);
    json_t *v = verdict_base("none", "success", "none", 0.7, "No failure was found in the logs.");
    activity_verdict(&a, v);
    return v;
}

/* The same for the first n lines, each flagged a progress line of step
 * i + 1 (as the classifier flags a progress rule's match), with the marks
 * the linemarks walk finds on it. */
static inline json_t *diag_activity_progress_verdict(const char *const *lines, size_t n)
{
    struct activity a;
    activity_init(&a);
    for (size_t i = 0; i < n; i++)
        activity_line_marks(&a, lines[i], strlen(lines[i]), (long)i + 1, linemarks_scan(lines[i], strlen(lines[i])),
                            1);
    json_t *v = verdict_base("none", "success", "none", 0.7, "No failure was found in the logs.");
    activity_verdict(&a, v);
    return v;
}

/* Feeds the lines up to a NULL to the culprits of last resort. */
static inline void diag_last_resort_feed(struct last_resort *p, const char *const *lines)
{
    for (; *lines; lines++)
        last_resort_line(p, *lines, strlen(*lines));
}

#define UNIT_RULES "tests/data/rules-unit/basic.yaml"

/* One valid rule with `extra` lines added to it (for error tests). */
#define RULE_HEAD                                                              \
    "- id: t.one\n  category: framework\n  type: runtime_error\n  role: root\n" \
    "  action: restart\n  explain: x\n"

/* The culprit field key culprit_x_fill finds on s in scope sc ("" when
 * none; a number printed in decimal). */
static inline const char *diag_culprit_field(struct culprit_x *x, const char *s, enum culprit_scope sc, const char *key,
                                              char *out, size_t n)
{
    json_t *c = json_pack("{s:n,s:n,s:n}", "host", "rank", "gpu"), *g;
    culprit_x_fill(x, c, s, strlen(s), sc);
    g = json_object_get(c, key);
    if (json_is_integer(g))
        snprintf(out, n, "%lld", (long long)json_integer_value(g));
    else
        snprintf(out, n, "%s", json_is_string(g) ? json_string_value(g) : "");
    json_decref(c);
    return out;
}

#endif
