/* test_setup_action: a rule's `setup_action` (docs/rules.md), the action
 * its failure takes when the log shows no training step before it: a
 * RuntimeError at start-up stops, the same after training steps keeps the
 * rule's action; the loader refuses a setup_action that is not an action
 * a failure can take. */
#include <string.h>
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

static const char *const setup_rules =
    "- id: t.rt\n  category: framework\n  type: runtime_error\n  role: root\n"
    "  action: restart\n  action_reason: 'ambiguous'\n  setup_action: stop\n"
    "  match: 'RuntimeError: '\n  explain: 'x'\n  examples: ['RuntimeError: x']\n"
    "- id: t.step\n  category: progress\n  type: progress\n  role: progress\n"
    "  action: ignore\n  match: '^step (?<step>\\d+)'\n  explain: 'x'\n  examples: ['step 3']\n";

/* The verdict's action on lines (NULL-terminated), "" when none. */
static const char *action_of(const char *const *lines, char *out, size_t n, int *said)
{
    json_t *v = diag_offline_lines(setup_rules, lines, 0);
    const char *a = json_string_value(json_object_get(v, "action"));
    const char *ex = json_string_value(json_object_get(v, "explanation"));
    snprintf(out, n, "%s", a ? a : "");
    *said = ex && strstr(ex, "setup_action") != NULL;
    json_decref(v);
    return out;
}

TEST(setup_action_applies_before_any_training_step)
{
    char o[32];
    int said = 0;
    static const char *const start[] = {"loading model", "RuntimeError: shapes do not match", NULL};
    CHECK_STR(action_of(start, o, sizeof o, &said), "stop");
    CHECK(said); /* the explanation says why */
    static const char *const later[] = {"step 1", "step 2", "RuntimeError: shapes do not match", NULL};
    CHECK_STR(action_of(later, o, sizeof o, &said), "restart");
    CHECK(!said);
}

TEST(setup_action_leaves_other_rules_and_verdicts)
{
    struct buf err;
    struct ruleset *rs = diag_load(diag_write("s.yaml", setup_rules), &err);
    CHECK(rs != NULL);
    buf_free(&err);
    CHECK_STR(ruleset_setup_action(rs, "t.rt"), "stop");
    CHECK(ruleset_setup_action(rs, "t.step") == NULL);
    CHECK(ruleset_setup_action(rs, "no.such") == NULL);
    json_t *v = json_pack("{s:s,s:s,s:s}", "rule", "t.step", "action", "restart", "explanation", "x");
    CHECK(verdict_setup_action(v, rs) == 0);
    CHECK_STR(json_string_value(json_object_get(v, "action")), "restart");
    json_object_set_new(v, "rule", json_string("t.rt"));
    CHECK(verdict_setup_action(v, rs) == 1);
    CHECK_STR(json_string_value(json_object_get(v, "action")), "stop");
    CHECK(verdict_setup_action(v, rs) == 0); /* already that action */
    json_decref(v);
    ruleset_free(rs);
}

TEST(setup_action_must_be_an_action_of_a_failure)
{
    static const char *const bad[] = {"none", "ignore", "maybe"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "- id: t.rt\n  category: framework\n  type: runtime_error\n  role: root\n"
                 "  action: stop\n  setup_action: %s\n  match: 'RuntimeError: '\n  explain: 'x'\n"
                 "  examples: ['RuntimeError: x']\n",
                 bad[i]);
        struct buf err;
        struct ruleset *rs = diag_load(diag_write("b.yaml", text), &err);
        CHECK(rs == NULL);
        CHECK(err.p && strstr(err.p, "setup_action") != NULL);
        buf_free(&err);
        ruleset_free(rs);
    }
}
