/* test_chained: a chained Python exception whose later part is cut off
 * (inside the second traceback, or right at the chain marker), missing or
 * unrecognised keeps the earlier recognised exception (a real-log paste
 * often ends inside the second traceback of a chain); a recognised later
 * exception still replaces it (diagnose/classifier.c). */
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

struct chain_got {
    json_t *events;
};

static void chain_keep(void *ctx, json_t *ev)
{
    json_array_append(((struct chain_got *)ctx)->events, ev);
}

/* Feeds lines 1..n, then ends the stream; returns the events delivered. */
static json_t *chain_run(const char *const *lines, size_t n)
{
    struct buf err;
    struct ruleset *rs = diag_load(UNIT_RULES, &err);
    struct classifier *c = rs ? classifier_new(rs) : NULL;
    struct chain_got g = {json_array()};
    for (size_t i = 0; c && i < n; i++)
        classifier_line(c, lines[i], strlen(lines[i]), (long)i + 1, chain_keep, &g);
    if (c)
        classifier_finish(c, chain_keep, &g);
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
    return g.events;
}

static const char *chain_rule(json_t *events, size_t i)
{
    return json_string_value(json_object_get(json_array_get(events, i), "rule"));
}

TEST(chained_chain_cut_inside_second_traceback_keeps_first)
{
    static const char *const lines[] = {
        "Traceback (most recent call last):",
        "  File \"loader.py\", line 66, in handler",
        "RuntimeError: worker died",
        "",
        "The above exception was the direct cause of the following exception:",
        "",
        "Traceback (most recent call last):",
        "  File \"train.py\", line 131, in <module>",
        "    batch = next(it)",
    };
    json_t *ev = chain_run(lines, sizeof lines / sizeof *lines);
    CHECK(json_array_size(ev) == 1);
    CHECK_STR(chain_rule(ev, 0), "test.runtime");
    CHECK(json_integer_value(json_object_get(json_array_get(ev, 0), "line")) == 3);
    json_decref(ev);
}

TEST(chained_chain_unrecognised_last_exception_keeps_first)
{
    static const char *const lines[] = {
        "Traceback (most recent call last):",
        "  File \"cfg.py\", line 3, in get",
        "KeyError: 'lr'",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        "Traceback (most recent call last):",
        "  File \"train.py\", line 9, in <module>",
        "SomethingOdd: no rule knows this",
        "next line",
    };
    json_t *ev = chain_run(lines, sizeof lines / sizeof *lines);
    CHECK(json_array_size(ev) == 1);
    CHECK_STR(chain_rule(ev, 0), "test.keyerror");
    json_decref(ev);
}

TEST(chained_paste_ending_at_the_marker_keeps_first)
{
    static const char *const lines[] = {
        "Traceback (most recent call last):",
        "  File \"cfg.py\", line 3, in get",
        "RuntimeError: config incomplete",
        "",
        "During handling of the above exception, another exception occurred:",
    };
    json_t *ev = chain_run(lines, sizeof lines / sizeof *lines);
    CHECK(json_array_size(ev) == 1);
    CHECK_STR(chain_rule(ev, 0), "test.runtime");
    json_decref(ev);
}

TEST(chained_chain_marker_without_traceback_keeps_first)
{
    static const char *const lines[] = {
        "Traceback (most recent call last):",
        "  File \"cfg.py\", line 3, in get",
        "KeyError: 'lr'",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        "epoch 3 done",
    };
    json_t *ev = chain_run(lines, sizeof lines / sizeof *lines);
    CHECK(json_array_size(ev) == 1);
    CHECK_STR(chain_rule(ev, 0), "test.keyerror");
    json_decref(ev);
}

TEST(chained_chain_recognised_last_exception_still_wins)
{
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
    json_t *ev = chain_run(lines, sizeof lines / sizeof *lines);
    CHECK(json_array_size(ev) == 1);
    CHECK_STR(chain_rule(ev, 0), "test.runtime");
    json_decref(ev);
}
