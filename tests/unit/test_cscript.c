/* Unit tests of group cscript: a Python exception followed by the chain
 * marker ("During handling of the above exception ...") in a log that ends
 * there (a truncated paste) is still reported; a chained traceback that does
 * follow still replaces it. */
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

struct got {
    json_t *events;
};

static void keep(void *ctx, json_t *ev)
{
    json_array_append(((struct got *)ctx)->events, ev);
}

static void feed_all(struct classifier *c, const char *const *lines, size_t n, struct got *g)
{
    for (size_t i = 0; i < n; i++)
        classifier_line(c, lines[i], strlen(lines[i]), (long)i + 1, keep, g);
    classifier_finish(c, keep, g);
}

static const char *first_rule(struct got *g)
{
    return json_string_value(json_object_get(json_array_get(g->events, 0), "rule"));
}

TEST(cscript_chain_marker_at_end_keeps_exception)
{
    struct buf err;
    struct ruleset *rs = diag_load(UNIT_RULES, &err);
    CHECK(rs != NULL);
    struct classifier *c = classifier_new(rs);
    struct got g = {json_array()};
    static const char *const lines[] = {
        "Traceback (most recent call last):",
        "  File \"cfg.py\", line 3, in get",
        "KeyError: 'lr'",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
    };
    feed_all(c, lines, sizeof lines / sizeof *lines, &g);
    CHECK(json_array_size(g.events) == 1);
    CHECK_STR(first_rule(&g), "test.keyerror");
    json_decref(g.events);
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
}

TEST(cscript_chain_marker_then_other_output_keeps_exception)
{
    struct buf err;
    struct ruleset *rs = diag_load(UNIT_RULES, &err);
    CHECK(rs != NULL);
    struct classifier *c = classifier_new(rs);
    struct got g = {json_array()};
    static const char *const lines[] = {
        "Traceback (most recent call last):",
        "  File \"cfg.py\", line 3, in get",
        "KeyError: 'lr'",
        "The above exception was the direct cause of the following exception:",
        "launcher: worker 0 exited with status 1",
    };
    feed_all(c, lines, sizeof lines / sizeof *lines, &g);
    CHECK(json_array_size(g.events) == 1);
    CHECK_STR(first_rule(&g), "test.keyerror");
    json_decref(g.events);
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
}

TEST(cscript_chained_traceback_still_replaces)
{
    struct buf err;
    struct ruleset *rs = diag_load(UNIT_RULES, &err);
    CHECK(rs != NULL);
    struct classifier *c = classifier_new(rs);
    struct got g = {json_array()};
    static const char *const lines[] = {
        "Traceback (most recent call last):",
        "  File \"cfg.py\", line 3, in get",
        "KeyError: 'lr'",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        "Traceback (most recent call last):",
        "  File \"train.py\", line 9, in <module>",
        "RuntimeError: config incomplete",
    };
    feed_all(c, lines, sizeof lines / sizeof *lines, &g);
    CHECK(json_array_size(g.events) == 1);
    CHECK_STR(first_rule(&g), "test.runtime");
    json_decref(g.events);
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
}
