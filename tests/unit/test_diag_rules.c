/* Unit tests of the rule loader: every kind of rejection with its
 * file:line:column, the pattern limits, literal derivation. */
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"
#include "diagnose/internal.h"

/* Loads text and expects failure with `want` in the errors. */
static int rejects(const char *text, const char *want)
{
    struct buf err;
    const char *p = diag_write("r.yaml", text);
    struct ruleset *rs = diag_load(p, &err);
    int ok = rs == NULL && err.p && strstr(err.p, want) != NULL;
    if (!ok)
        fprintf(stderr, "  wanted '%s' in: %s\n", want, err.p ? err.p : "(no errors)");
    ruleset_free(rs);
    buf_free(&err);
    return ok;
}

TEST(diag_rules_load_shipped_unit_set)
{
    struct buf err;
    struct ruleset *rs = diag_load(UNIT_RULES, &err);
    if (!rs)
        fprintf(stderr, "%s", err.p);
    CHECK(rs != NULL);
    CHECK(ruleset_count(rs) == 10);
    CHECK(ruleset_always_count(rs) == 1); /* test.noalt: top-level alternation */
    struct rule_info ri;
    ruleset_rule(rs, (size_t)ruleset_find(rs, "test.syntax"), &ri);
    CHECK(ri.nliterals == 1);
    CHECK_STR(ri.literals[0], "syntaxerror: invalid syntax");
    ruleset_rule(rs, (size_t)ruleset_find(rs, "test.alt"), &ri);
    CHECK_STR(ri.literals[0], "net/ib");
    CHECK(ri.line == 60 && ri.column == 3);
    ruleset_free(rs);
    buf_free(&err);
}

TEST(diag_rules_unknown_key)
{
    CHECK(rejects(RULE_HEAD "  match: 'x'\n  examples: ['x']\n  colour: red\n",
                  "r.yaml:9:3: unknown key 'colour'"));
}

/* `teardown:` is a boolean, once, and only on symptom rules (RULE_HEAD is a
 * root); a symptom rule takes it and exports it. */
TEST(diag_rules_teardown_key)
{
    CHECK(rejects(RULE_HEAD "  match: 'x'\n  examples: ['x']\n  teardown: yes\n",
                  "r.yaml:9:13: 'teardown' must be true or false"));
    CHECK(rejects(RULE_HEAD "  match: 'x'\n  examples: ['x']\n  teardown: true\n  teardown: true\n",
                  "r.yaml:10:3: duplicate key 'teardown'"));
    CHECK(rejects(RULE_HEAD "  match: 'x'\n  examples: ['x']\n  teardown: true\n",
                  "'teardown' is for symptom rules"));
    struct buf err;
    const char *p = diag_write("r.yaml", "- id: t.td\n  category: unknown\n  type: unknown\n"
                                         "  role: symptom\n  action: restart\n  explain: x\n"
                                         "  match: 'closing'\n  examples: ['closing']\n  teardown: true\n");
    struct ruleset *rs = diag_load(p, &err);
    CHECK(rs != NULL);
    if (rs) {
        struct rule_info ri;
        ruleset_rule(rs, 0, &ri);
        CHECK(ri.teardown == 1);
    }
    ruleset_free(rs);
    buf_free(&err);
}

/* `frame:` is a pattern with frame_examples of its own, once, on root and
 * symptom rules only; frame_examples need a frame. */
TEST(diag_rules_frame_key)
{
    CHECK(rejects(RULE_HEAD "  match: 'x'\n  examples: ['x']\n  frame: 'ckpt\\['\n",
                  "'frame' needs at least one of 'frame_examples'"));
    CHECK(rejects(RULE_HEAD "  match: 'x'\n  examples: ['x']\n  frame_examples: ['a']\n",
                  "'frame_examples' without 'frame'"));
    CHECK(rejects(RULE_HEAD "  match: 'x'\n  examples: ['x']\n  frame: 'a('\n  frame_examples: ['a']\n",
                  "invalid frame pattern"));
    CHECK(rejects(RULE_HEAD "  match: 'x'\n  examples: ['x']\n  frame: a\n  frame: b\n  frame_examples: ['a']\n",
                  "r.yaml:10:3: duplicate key 'frame'"));
    CHECK(rejects(RULE_HEAD "  match: 'x'\n  examples: ['x']\n  frame: [a]\n  frame_examples: ['a']\n",
                  "'frame' must be a string"));
    CHECK(rejects("- id: t.n\n  category: noise\n  type: noise\n  role: noise\n  action: ignore\n  explain: x\n"
                  "  match: 'x'\n  examples: ['x']\n  frame: a\n  frame_examples: ['a']\n",
                  "'frame' is for root and symptom rules"));
    struct buf err;
    const char *p = diag_write("r.yaml", RULE_HEAD "  match: 'x'\n  examples: ['x']\n  frame: 'ckpt\\['\n"
                                                   "  frame_examples: ['    a = ckpt[1]']\n");
    struct ruleset *rs = diag_load(p, &err);
    CHECK(rs != NULL);
    if (rs) {
        struct rule_info ri;
        ruleset_rule(rs, 0, &ri);
        CHECK_STR(ri.frame, "ckpt\\[");
        CHECK(ri.nframe_examples == 1);
    }
    ruleset_free(rs);
    buf_free(&err);
}

TEST(diag_rules_requires_must_not_be_empty)
{
    CHECK(rejects(RULE_HEAD "  match: 'x'\n  examples: ['x']\n  requires: ['']\n",
                  "r.yaml:9:13: requires must not be empty"));
}

TEST(diag_rules_duplicate_id)
{
    CHECK(rejects(RULE_HEAD "  match: 'abc'\n  examples: ['abc']\n" RULE_HEAD
                            "  match: 'abc'\n  examples: ['abc']\n",
                  "r.yaml:9:7: duplicate id 't.one' (first at"));
}

TEST(diag_rules_unknown_category_type_role_action)
{
    CHECK(rejects("- id: a\n  category: cosmic\n  type: ray\n  role: root\n  action: restart\n"
                  "  match: 'x'\n  explain: x\n  examples: ['x']\n",
                  "r.yaml:2:13: unknown category 'cosmic'"));
    CHECK(rejects("- id: a\n  category: script\n  type: ray\n  role: root\n  action: restart\n"
                  "  match: 'x'\n  explain: x\n  examples: ['x']\n",
                  "r.yaml:3:9: unknown type 'ray' for category 'script'"));
    CHECK(rejects("- id: a\n  category: script\n  type: key_error\n  role: cause\n"
                  "  action: restart\n  match: 'x'\n  explain: x\n  examples: ['x']\n",
                  "r.yaml:4:9: unknown role 'cause'"));
    CHECK(rejects("- id: a\n  category: script\n  type: key_error\n  role: root\n"
                  "  action: reboot\n  match: 'x'\n  explain: x\n  examples: ['x']\n",
                  "r.yaml:5:11: unknown action 'reboot'"));
}

TEST(diag_rules_missing_examples_and_fields)
{
    CHECK(rejects(RULE_HEAD "  match: 'x'\n", "r.yaml:1:3: rule t.one: needs at least one example"));
    CHECK(rejects("- id: a\n  examples: ['x']\n", "r.yaml:1:3: rule a: missing 'category'"));
    CHECK(rejects("- id: a\n  examples: ['x']\n", "missing 'match'"));
}

TEST(diag_rules_invalid_pattern_has_pcre2_message)
{
    /* PCRE2 reports the end of the pattern (offset 7); the value starts at
     * column 10, plus the quote. */
    CHECK(rejects(RULE_HEAD "  match: 'abc(def'\n  examples: ['x']\n",
                  "r.yaml:7:18: invalid pattern: missing closing parenthesis"));
}

TEST(diag_rules_yaml_syntax_and_shape)
{
    CHECK(rejects("- id: [\n", "r.yaml:"));
    CHECK(rejects("id: a\n", "r.yaml:1:1: a rule file must be a list of rules"));
    CHECK(rejects("- just a string\n", "r.yaml:1:3: each rule must be a mapping"));
    CHECK(rejects("- &a {id: x}\n- *a\n", "YAML aliases are not supported"));
    CHECK(rejects(RULE_HEAD "  match: 'x'\n  examples: 'x'\n", "'examples' must be a list"));
    CHECK(rejects(RULE_HEAD "  match: 'x'\n  examples: ['x']\n  priority: high\n",
                  "r.yaml:9:13: priority must be an integer"));
}

TEST(diag_rules_noise_rules_are_consistent)
{
    CHECK(rejects("- id: a\n  category: noise\n  type: noise\n  role: root\n  action: ignore\n"
                  "  match: 'x'\n  explain: x\n  examples: ['x']\n",
                  "category 'noise' needs role 'noise'"));
}

TEST(diag_rules_missing_file)
{
    struct buf err;
    struct ruleset *rs = diag_load("/nonexistent/rules.yaml", &err);
    CHECK(rs == NULL);
    CHECK(strstr(err.p, "/nonexistent/rules.yaml:0:0: cannot read") != NULL);
    buf_free(&err);
}

TEST(diag_rules_literal_derivation)
{
    char out[64];
    CHECK(literal_derive("foo(bar)bazqux", out, sizeof out) && !strcmp(out, "bazqux"));
    CHECK(literal_derive("(?i)Out Of Memory", out, sizeof out) && !strcmp(out, "out of memory"));
    CHECK(literal_derive("abc|defgh", out, sizeof out) == 0);
    CHECK(literal_derive("x[abcdefgh]y", out, sizeof out) == 0);
    CHECK(literal_derive("errors?: fatal", out, sizeof out) && !strcmp(out, ": fatal"));
    CHECK(literal_derive("NET\\/IB : \\d+ done", out, sizeof out) && !strcmp(out, "net/ib : "));
    CHECK(literal_derive("\\x41BCD\\x{42}", out, sizeof out) && !strcmp(out, "bcd"));
    CHECK(literal_derive("Xid.{0,20}: 79", out, sizeof out) && !strcmp(out, ": 79"));
    CHECK(literal_derive("ab{0,3}cdef", out, sizeof out) && !strcmp(out, "cdef"));
    CHECK(literal_derive("(?x) a b c d", out, sizeof out) == 0);
}

/* A directory without rule files (an empty --rules DIR, a site directory
 * not filled yet) loads as an empty set, with no error and no sort of a
 * null list (UBSan in `make asan` saw an agent abort on one). */
TEST(diag_rules_empty_directory)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/empty-rules", test_tmpdir());
    CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST);
    struct buf err;
    struct ruleset *rs = diag_load(dir, &err);
    CHECK(rs != NULL);
    CHECK(rs && ruleset_count(rs) == 0);
    ruleset_free(rs);
    buf_free(&err);
}
