/* Unit tests of the classifier: match limits against a hostile pattern, the
 * Aho-Corasick prefilter (candidates, case folding, always-run rules),
 * tracebacks and chained exceptions, progress, noise, event fields. */
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

struct got {
    json_t *events;
};

static void keep(void *ctx, json_t *ev)
{
    json_array_append(((struct got *)ctx)->events, ev);
}

static int feed(struct classifier *c, const char *line, long n, struct got *g)
{
    return classifier_line(c, line, strlen(line), n, keep, g);
}

static const char *ev_str(json_t *ev, const char *key)
{
    return json_string_value(json_object_get(ev, key));
}

TEST(diag_classify_backtracking_pattern_hits_limit)
{
    const char *p = diag_write("evil.yaml",
                               "- id: evil\n  category: framework\n  type: runtime_error\n"
                               "  role: root\n  action: restart\n  match: '(a+)+$'\n"
                               "  explain: x\n  examples: ['aaa']\n");
    struct buf err;
    struct ruleset *rs = diag_load(p, &err);
    CHECK(rs != NULL);
    CHECK(ruleset_always_count(rs) == 1);
    struct classifier *c = classifier_new(rs);
    char line[4001];
    memset(line, 'a', 4000);
    line[3999] = 'b';
    line[4000] = '\0';
    /* Without limits this is 2^3999 steps; with them it returns "no match". */
    CHECK(classifier_match(c, line, 4000) == NULL);
    struct classifier_stats st;
    classifier_stats(c, &st);
    CHECK(st.limit_hits == 1);
    CHECK(classifier_match(c, "aaaa", 4) != NULL);
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
}

TEST(diag_classify_prefilter_candidates_and_case_folding)
{
    struct buf err;
    struct ruleset *rs = diag_load(UNIT_RULES, &err);
    struct classifier *c = classifier_new(rs);
    struct classifier_stats st;
    CHECK(rs && c);
    /* A routine line: no literal of any rule, only the always-run rule. */
    CHECK(classifier_match(c, "epoch 3 batch 17 lr 0.001", 25) == NULL);
    classifier_stats(c, &st);
    CHECK(st.candidates == 1 && st.regex_runs == 1);
    /* Declared literal, found with different case by the automaton. */
    const char *ib = "host:1:2 [0] NCCL WARN net/ib : link down";
    CHECK(classifier_match(c, ib, strlen(ib)) == NULL); /* pattern is case-sensitive */
    classifier_stats(c, &st);
    CHECK(st.candidates == 1 + 2); /* test.alt (literal "net/ib") and the always-run rule */
    const char *ib2 = "host:1:2 [0] NCCL WARN NET/IB : link down";
    CHECK_STR(classifier_match(c, ib2, strlen(ib2)), "test.alt");
    /* Caseless rule: literal folded, line in upper case. */
    CHECK_STR(classifier_match(c, "SYNTAXERROR: INVALID SYNTAX", 27), "test.syntax");
    /* Priority: ECC (priority 10) beats the connection-reset symptom. */
    const char *both = "Connection reset by peer after uncorrectable ECC error";
    CHECK_STR(classifier_match(c, both, strlen(both)), "test.ecc");
    /* The always-run rule (no literal) is tried on every line. */
    CHECK_STR(classifier_match(c, "x stalled y", 11), "test.noalt");
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
}

/* `requires`: a rule is a candidate only when one of its literals AND one
 * of its requires occur; the regex never runs on the others. */
TEST(diag_classify_requires_gates_the_candidate)
{
    const char *p = diag_write("req.yaml", RULE_HEAD "  match: 'loss[ :=]+(?:nan|inf)'\n"
                                                     "  literals: ['loss']\n  requires: ['nan', ': inf']\n"
                                                     "  examples: ['loss: nan', 'Loss: Inf']\n");
    struct buf err;
    struct ruleset *rs = diag_load(p, &err);
    CHECK(rs != NULL);
    struct rule_info ri;
    ruleset_rule(rs, 0, &ri);
    CHECK(ri.nrequires == 2 && !strcmp(ri.requires[1], ": inf")); /* folded */
    struct classifier *c = classifier_new(rs);
    struct classifier_stats st;
    CHECK(classifier_match(c, "step 3 loss: 2.5", 16) == NULL); /* 'loss' alone */
    classifier_stats(c, &st);
    CHECK(st.candidates == 0 && st.regex_runs == 0);
    CHECK(classifier_match(c, "step 3 LOSS: NAN x", 18) == NULL); /* the regex is case-sensitive */
    classifier_stats(c, &st);
    CHECK(st.candidates == 1 && st.regex_runs == 1); /* both found, folded */
    CHECK_STR(classifier_match(c, "step 3 loss: nan", 16), "t.one");
    CHECK(classifier_rule_check(c, 0, "nan only", 8) == -1);
    CHECK(classifier_rule_check(c, 0, "loss inf", 8) == -1); /* ' inf' is not a require */
    CHECK(classifier_rule_check(c, 0, "loss: inf", 9) == 1);
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
}

TEST(diag_classify_events_progress_noise)
{
    struct buf err;
    struct ruleset *rs = diag_load(UNIT_RULES, &err);
    struct classifier *c = classifier_new(rs);
    struct got g = {json_array()};
    classifier_set_source(c, "n1", 3, "attempt-0/n1/rank-3.log");
    classifier_set_ts(c, 100.5);
    classifier_report_noise(c, 1);
    CHECK(feed(c, "node1:1:2 [0] NCCL INFO Channel 00", 1, &g) == CLS_NOISE);
    CHECK(feed(c, "step 42 loss 1.25", 2, &g) == CLS_PROGRESS);
    CHECK(classifier_progress_step(c) == 42);
    CHECK(feed(c, "uncorrectable ECC error on node7 gpu 3 \xff\xfe", 3, &g) == (CLS_EVENT | CLS_FAILURE));
    CHECK(json_array_size(g.events) == 1);
    json_t *ev = json_array_get(g.events, 0);
    CHECK_STR(ev_str(ev, "rule"), "test.ecc");
    CHECK_STR(ev_str(ev, "failure_type"), "ecc_error");
    CHECK_STR(ev_str(ev, "role"), "root");
    CHECK_STR(ev_str(ev, "node"), "n1");
    CHECK_STR(ev_str(ev, "file"), "attempt-0/n1/rank-3.log");
    CHECK(json_integer_value(json_object_get(ev, "rank")) == 3);
    CHECK(json_integer_value(json_object_get(ev, "line")) == 3);
    CHECK(json_real_value(json_object_get(ev, "ts")) == 100.5);
    json_t *gr = json_object_get(ev, "groups");
    CHECK_STR(ev_str(gr, "host"), "node7");
    CHECK_STR(ev_str(gr, "gpu"), "3");
    CHECK(strstr(ev_str(ev, "text"), "\xef\xbf\xbd\xef\xbf\xbd") != NULL); /* U+FFFD twice */
    char *dump = json_dumps(ev, 0);
    CHECK(dump != NULL); /* jansson accepts the sanitised text */
    free(dump);
    json_decref(g.events);
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
}

TEST(diag_classify_traceback_evidence)
{
    struct buf err;
    struct ruleset *rs = diag_load(UNIT_RULES, &err);
    struct classifier *c = classifier_new(rs);
    struct got g = {json_array()};
    static const char *const lines[] = {
        "starting",
        "Traceback (most recent call last):",
        "  File \"train.py\", line 10, in <module>",
        "    main()",
        "  File \"train.py\", line 5, in main",
        "    raise RuntimeError(\"something broke\")",
        "RuntimeError: something broke",
    };
    for (size_t i = 0; i < 7; i++)
        feed(c, lines[i], (long)i + 1, &g);
    CHECK(json_array_size(g.events) == 0); /* held until no chain follows */
    CHECK(feed(c, "next line", 8, &g) == CLS_EVENT);
    CHECK(json_array_size(g.events) == 1);
    json_t *ev = json_array_get(g.events, 0);
    CHECK_STR(ev_str(ev, "rule"), "test.runtime");
    CHECK(json_integer_value(json_object_get(ev, "line")) == 7);
    json_t *evid = json_object_get(ev, "evidence");
    CHECK(json_array_size(evid) == 5);
    CHECK_STR(json_string_value(json_array_get(evid, 0)), "Traceback (most recent call last):");
    CHECK_STR(json_string_value(json_array_get(evid, 4)), lines[5]);
    json_decref(g.events);
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
}

TEST(diag_classify_chained_exception_keeps_last)
{
    struct buf err;
    struct ruleset *rs = diag_load(UNIT_RULES, &err);
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
    for (size_t i = 0; i < 9; i++)
        feed(c, lines[i], (long)i + 1, &g);
    classifier_finish(c, keep, &g);
    CHECK(json_array_size(g.events) == 1);
    json_t *ev = json_array_get(g.events, 0);
    CHECK_STR(ev_str(ev, "rule"), "test.runtime");
    json_t *evid = json_object_get(ev, "evidence");
    int saw_key = 0;
    for (size_t i = 0; i < json_array_size(evid); i++)
        saw_key |= !strcmp(json_string_value(json_array_get(evid, i)), "KeyError: 'lr'");
    CHECK(saw_key);
    json_decref(g.events);
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
}

TEST(diag_classify_unchained_exceptions_both_reported)
{
    struct buf err;
    struct ruleset *rs = diag_load(UNIT_RULES, &err);
    struct classifier *c = classifier_new(rs);
    struct got g = {json_array()};
    feed(c, "Traceback (most recent call last):", 1, &g);
    feed(c, "  File \"a.py\", line 1", 2, &g);
    feed(c, "KeyError: 'x'", 3, &g);
    feed(c, "uncorrectable ECC error", 4, &g);
    CHECK(json_array_size(g.events) == 2);
    CHECK_STR(ev_str(json_array_get(g.events, 0), "rule"), "test.keyerror");
    CHECK_STR(ev_str(json_array_get(g.events, 1), "rule"), "test.ecc");
    json_decref(g.events);
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
}

TEST(diag_classify_prefilter_finds_literals_at_every_cut)
{
    /* Long lines are scanned as interleaved segments: a literal must be found
     * wherever it lies, across every segment boundary. */
    struct buf err;
    struct ruleset *rs = diag_load(UNIT_RULES, &err);
    struct classifier *c = classifier_new(rs);
    static const char lit[] = "SyntaxError: invalid syntax";
    char line[800];
    CHECK(rs && c);
    for (size_t len = sizeof lit - 1; len < sizeof line; len += 3)
        for (size_t pos = 0; pos + sizeof lit - 1 <= len; pos++) {
            memset(line, 'x', len);
            memcpy(line + pos, lit, sizeof lit - 1);
            const char *id = classifier_match(c, line, len);
            if (!id || strcmp(id, "test.syntax"))
                fprintf(stderr, "  missed at len %zu pos %zu\n", len, pos);
            CHECK(id && !strcmp(id, "test.syntax"));
        }
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
}

TEST(diag_classify_exception_ignored_is_not_a_failure)
{
    /* Python prints "Exception ignored in: ..." and a traceback for errors
     * in __del__ and the like, then carries on. */
    struct buf err;
    struct ruleset *rs = diag_load(UNIT_RULES, &err);
    struct classifier *c = classifier_new(rs);
    struct got g = {json_array()};
    feed(c, "Exception ignored in: <function _MultiProcessingDataLoaderIter.__del__ at 0x7f>", 1, &g);
    feed(c, "Traceback (most recent call last):", 2, &g);
    feed(c, "  File \"dataloader.py\", line 1479, in __del__", 3, &g);
    CHECK(feed(c, "KeyError: 'workers'", 4, &g) == CLS_NOISE);
    feed(c, "done", 5, &g);
    CHECK(json_array_size(g.events) == 0);
    /* The next traceback counts again. */
    feed(c, "Traceback (most recent call last):", 6, &g);
    feed(c, "KeyError: 'lr'", 7, &g);
    classifier_finish(c, keep, &g);
    CHECK(json_array_size(g.events) == 1);
    /* asyncio's loop logs a callback's exception and goes on ("Exception
     * in callback X", its "handle: <Handle ...>" line, the traceback) */
    feed(c, "Exception in callback _ProactorBasePipeTransport._call_connection_lost(None)", 8, &g);
    feed(c, "handle: <Handle _ProactorBasePipeTransport._call_connection_lost(None)>", 9, &g);
    feed(c, "Traceback (most recent call last):", 10, &g);
    feed(c, "  File \"asyncio\\proactor_events.py\", line 162, in _call_connection_lost", 11, &g);
    CHECK(feed(c, "KeyError: 'workers'", 12, &g) == CLS_NOISE);
    classifier_finish(c, keep, &g);
    CHECK(json_array_size(g.events) == 1);
    json_decref(g.events);
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
}
