/* Unit tests of the policy file: overrides by type then category, and
 * validation errors with line:column. */
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

static json_t *verdict(const char *cat, const char *type, const char *action)
{
    return json_pack("{s:s,s:s,s:s}", "category", cat, "type", type, "action", action);
}

TEST(diag_policy_overrides)
{
    struct policy *p = NULL;
    struct buf err;
    buf_init(&err, 4096);
    CHECK(policy_load(&p, "tests/data/rules-unit/policy.yaml", &err) == 0);
    json_t *v = verdict("infrastructure", "nccl_timeout", "restart");
    CHECK_STR(policy_action(p, v), "stop"); /* type beats category */
    json_decref(v);
    v = verdict("infrastructure", "ecc_error", "restart");
    CHECK_STR(policy_action(p, v), "exclude_node"); /* category */
    json_decref(v);
    v = verdict("script", "syntax_error", "stop");
    CHECK_STR(policy_action(p, v), "restart");
    json_decref(v);
    v = verdict("script", "key_error", "stop");
    CHECK_STR(policy_action(p, v), "stop"); /* no override */
    json_decref(v);
    v = verdict("none", "success", "none");
    CHECK_STR(policy_action(p, v), "none");
    CHECK_STR(policy_action(NULL, v), "none");
    json_decref(v);
    policy_free(p);
    buf_free(&err);
}

static int policy_rejects(const char *text, const char *want)
{
    struct policy *p = NULL;
    struct buf err;
    buf_init(&err, 4096);
    int rc = policy_load(&p, diag_write("p.yaml", text), &err);
    int ok = rc < 0 && p == NULL && err.p && strstr(err.p, want);
    if (!ok)
        fprintf(stderr, "  wanted '%s' in: %s\n", want, err.p ? err.p : "(none)");
    buf_free(&err);
    policy_free(p);
    return ok;
}

TEST(diag_policy_rejects_bad_values)
{
    CHECK(policy_rejects("overrides:\n  nccl_timeout: reboot\n",
                         "p.yaml:2:17: unknown action 'reboot'"));
    CHECK(policy_rejects("overrides:\n  typo_error: stop\n", "p.yaml:2:3: unknown type 'typo_error'"));
    CHECK(policy_rejects("categories: {cosmic: stop}\n", "p.yaml:1:14: unknown category 'cosmic'"));
    CHECK(policy_rejects("retries: 3\n", "p.yaml:1:1: unknown key 'retries'"));
    CHECK(policy_rejects("- stop\n", "p.yaml:1:1: a policy must be a mapping"));
    CHECK(policy_rejects("overrides: [stop]\n", "'overrides' must be a mapping"));
}
