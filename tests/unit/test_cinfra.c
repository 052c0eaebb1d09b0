/* Unit tests of group cinfra: a chained Python exception whose later
 * traceback is cut off (a truncated paste) is still reported from the
 * earlier exception, which is the only conclusive line left. */
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

static void keep_ev(void *ctx, json_t *ev)
{
    json_array_append((json_t *)ctx, ev);
}

/* Feeds n lines to a fresh classifier over the unit rules; returns the events. */
static json_t *classify_lines(const char *const *lines, size_t n)
{
    struct buf err;
    struct ruleset *rs = diag_load(UNIT_RULES, &err);
    struct classifier *c = rs ? classifier_new(rs) : NULL;
    json_t *events = json_array();
    for (size_t i = 0; c && i < n; i++)
        classifier_line(c, lines[i], strlen(lines[i]), (long)i + 1, keep_ev, events);
    if (c)
        classifier_finish(c, keep_ev, events);
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
    return events;
}

TEST(cinfra_chained_cause_decides_when_chain_is_cut_off)
{
    static const char *const lines[] = {
        "Traceback (most recent call last):",
        "  File \"c10d_rendezvous_backend.py\", line 155, in _create_tcp_store",
        "RuntimeError: connect() timed out. Original timeout was 60000 ms.",
        "",
        "The above exception was the direct cause of the following exception:",
        "",
        "Traceback (most recent call last):",
        "  File \"run.py\", line 719, in main",
        "    run(args)",
        "  File \"launcher/api.py\", line 131, in __call__",
    };
    json_t *ev = classify_lines(lines, sizeof lines / sizeof *lines);
    CHECK(json_array_size(ev) == 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(ev, 0), "rule")), "test.runtime");
    json_decref(ev);
}

TEST(cinfra_chained_cause_decides_when_paste_ends_at_marker)
{
    static const char *const lines[] = {
        "Traceback (most recent call last):",
        "  File \"cfg.py\", line 3, in get",
        "RuntimeError: config incomplete",
        "",
        "During handling of the above exception, another exception occurred:",
    };
    json_t *ev = classify_lines(lines, sizeof lines / sizeof *lines);
    CHECK(json_array_size(ev) == 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(ev, 0), "rule")), "test.runtime");
    json_decref(ev);
}

TEST(cinfra_complete_chain_reports_only_the_last_exception)
{
    static const char *const lines[] = {
        "Traceback (most recent call last):",
        "  File \"a.py\", line 1, in f",
        "RuntimeError: first",
        "",
        "The above exception was the direct cause of the following exception:",
        "",
        "Traceback (most recent call last):",
        "  File \"b.py\", line 2, in g",
        "CUDA error: uncorrectable ECC error encountered",
    };
    json_t *ev = classify_lines(lines, sizeof lines / sizeof *lines);
    CHECK(json_array_size(ev) == 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(ev, 0), "rule")), "test.ecc");
    json_decref(ev);
}
