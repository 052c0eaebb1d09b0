/* Unit tests of verdict_pick: a root beats louder symptoms, the earliest
 * root wins outside the window, priority and category decide inside it,
 * clock skew within the window, culprits, unknown with tail evidence, clean
 * logs give success, a symptom of a known category just before a vague root
 * decides instead of it. */
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

static json_t *ev(const char *rule, const char *cat, const char *type, const char *role,
                  int prio, double ts, const char *node, int rank)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:{},s:s,s:i,s:s,s:i,s:s,s:i,s:f}", "rule", rule,
                     "category", cat, "failure_type", type, "role", role, "action", "restart",
                     "priority", prio, "groups", "node", node, "rank", rank, "file", "log",
                     "line", 1, "text", rule, "seq", 0, "ts", ts);
}

static const char *vs(json_t *v, const char *k)
{
    return json_string_value(json_object_get(v, k));
}

TEST(diag_verdict_root_beats_louder_symptoms)
{
    json_t *evs = json_array();
    for (int r = 0; r < 50; r++)
        json_array_append_new(evs, ev("nccl.timeout", "infrastructure", "nccl_timeout",
                                      "symptom", 5, 90.0 + r, "n1", r));
    json_array_append_new(evs, ev("ecc", "infrastructure", "ecc_error", "root", 0, 100.0, "n3",
                                  17));
    json_t *v = verdict_pick(evs, NULL, NULL);
    CHECK_STR(vs(v, "type"), "ecc_error");
    json_t *c = json_object_get(v, "culprit");
    CHECK_STR(json_string_value(json_object_get(c, "host")), "n3"); /* infra: node and rank */
    CHECK(json_integer_value(json_object_get(c, "rank")) == 17);
    CHECK(json_real_value(json_object_get(v, "confidence")) == 0.9);
    json_decref(v);
    json_decref(evs);
}

/* A root that says only that something failed (unknown/unknown: an
 * exception no rule knows) yields to a symptom of a known category up to 30
 * lines before it in the same file; one further up (a start-up warning,
 * training after it) does not. */
TEST(diag_verdict_vague_root_yields_to_a_near_symptom)
{
    json_t *evs = json_array();
    json_t *s = ev("nccl.unhandled_system_error", "infrastructure", "nccl_error", "symptom", 0, 100.0, "n1", 0);
    json_t *r = ev("py.generic_exception", "unknown", "unknown", "root", -60, 100.5, "n1", 0);
    json_object_set_new(s, "line", json_integer(1));
    json_object_set_new(r, "line", json_integer(13));
    json_array_append_new(evs, s);
    json_array_append_new(evs, r);
    json_t *v = verdict_pick(evs, NULL, NULL);
    CHECK_STR(vs(v, "type"), "nccl_error");
    CHECK(json_real_value(json_object_get(v, "confidence")) < 0.5); /* a symptom, and competing */
    json_decref(v);
    json_object_set_new(r, "line", json_integer(57)); /* the symptom is 56 lines above */
    v = verdict_pick(evs, NULL, NULL);
    CHECK_STR(vs(v, "type"), "unknown");
    json_decref(v);
    json_object_set_new(r, "line", json_integer(13));
    json_object_set_new(r, "failure_type", json_string("killed")); /* not vague: a kill says what */
    v = verdict_pick(evs, NULL, NULL);
    CHECK_STR(vs(v, "type"), "killed");
    json_decref(v);
    /* a root of a known category whose rule is marked `vague` yields too */
    json_object_set_new(r, "category", json_string("framework"));
    json_object_set_new(r, "failure_type", json_string("runtime_error"));
    json_object_set_new(r, "vague", json_true());
    v = verdict_pick(evs, NULL, NULL);
    CHECK_STR(vs(v, "type"), "nccl_error");
    json_decref(v);
    json_object_del(r, "vague");
    v = verdict_pick(evs, NULL, NULL);
    CHECK_STR(vs(v, "type"), "runtime_error");
    json_decref(v);
    json_decref(evs);
}

TEST(diag_verdict_earliest_root_wins_outside_window)
{
    json_t *evs = json_array();
    json_array_append_new(evs, ev("late", "infrastructure", "ecc_error", "root", 50, 110.0, "n1", 0));
    json_array_append_new(evs, ev("early", "script", "key_error", "root", 0, 100.0, "n2", 1));
    json_t *v = verdict_pick(evs, NULL, NULL);
    CHECK_STR(vs(v, "rule"), "early");
    /* A script error does not blame the node. */
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "host")));
    json_decref(v);
    json_decref(evs);
}

TEST(diag_verdict_clock_skew_window_ranks_by_priority_then_category)
{
    json_t *evs = json_array();
    /* The script error looks 1.5 s earlier (skewed clock): within the window
     * the infrastructure root wins on category. */
    json_array_append_new(evs, ev("script", "script", "key_error", "root", 0, 100.0, "n2", 1));
    json_array_append_new(evs, ev("infra", "infrastructure", "ecc_error", "root", 0, 101.5, "n1", 0));
    json_t *v = verdict_pick(evs, NULL, NULL);
    CHECK_STR(vs(v, "rule"), "infra");
    CHECK(json_real_value(json_object_get(v, "confidence")) < 0.9); /* competing types */
    json_decref(v);
    /* Priority beats category inside the window. */
    json_array_append_new(evs, ev("prio", "framework", "cuda_oom", "root", 9, 101.0, "n1", 0));
    v = verdict_pick(evs, NULL, NULL);
    CHECK_STR(vs(v, "rule"), "prio");
    json_decref(v);
    /* The controller's arrival order overrides node clocks. */
    json_object_set_new(json_array_get(evs, 0), "arrival", json_real(5.0));
    json_object_set_new(json_array_get(evs, 1), "arrival", json_real(9.0));
    json_object_set_new(json_array_get(evs, 2), "arrival", json_real(9.5));
    v = verdict_pick(evs, NULL, NULL);
    CHECK_STR(vs(v, "rule"), "script");
    json_decref(v);
    json_decref(evs);
}

TEST(diag_verdict_symptoms_only_and_group_culprit)
{
    json_t *evs = json_array();
    json_t *e = ev("nccl", "infrastructure", "nccl_timeout", "symptom", 0, 1.0, "n1", 4);
    json_object_set_new(json_object_get(e, "groups"), "host", json_string("gpu-9"));
    json_object_set_new(json_object_get(e, "groups"), "gpu", json_string("0000:3b:00"));
    json_array_append_new(evs, e);
    json_t *v = verdict_pick(evs, NULL, NULL);
    CHECK_STR(vs(v, "type"), "nccl_timeout");
    json_t *c = json_object_get(v, "culprit");
    CHECK_STR(json_string_value(json_object_get(c, "host")), "gpu-9");
    CHECK_STR(json_string_value(json_object_get(c, "gpu")), "0000:3b:00");
    CHECK(json_real_value(json_object_get(v, "confidence")) == 0.5);
    json_decref(v);
    json_decref(evs);
}

/* torchrun stops the other workers ("Sending process N closing signal
 * SIGTERM") before it reports the worker that failed ("failed (exitcode:
 * -9)"), seconds later: the teardown line does not open the window, so the
 * report decides on its priority. Without the mark, the earlier teardown
 * line opens the window and the report falls outside it. */
TEST(diag_verdict_teardown_line_does_not_open_the_window)
{
    for (int marked = 0; marked <= 1; marked++) {
        json_t *evs = json_array();
        json_t *td = ev("pt.sending_closing_signal", "unknown", "unknown", "symptom", -40, 100.0, "n1", -1);
        if (marked)
            json_object_set_new(td, "teardown", json_true());
        json_array_append_new(evs, td);
        json_array_append_new(evs, ev("pt.signal_sigkill", "unknown", "killed", "symptom", -20, 102.4, "n1", 0));
        json_t *v = verdict_pick(evs, NULL, NULL);
        CHECK_STR(vs(v, "type"), marked ? "killed" : "unknown");
        json_decref(v);
        json_decref(evs);
    }
    /* Teardown lines alone still decide (and still open the window). */
    json_t *evs = json_array();
    json_t *td = ev("pt.sending_closing_signal", "unknown", "unknown", "symptom", -40, 100.0, "n1", -1);
    json_object_set_new(td, "teardown", json_true());
    json_array_append_new(evs, td);
    json_t *v = verdict_pick(evs, NULL, NULL);
    CHECK_STR(vs(v, "rule"), "pt.sending_closing_signal");
    json_decref(v);
    json_decref(evs);
}

TEST(diag_verdict_unknown_and_success)
{
    json_t *evs = json_array();
    json_t *ff = json_pack("{s:s,s:i,s:s,s:[s,s]}", "node", "n1", "rank", 2, "file", "r2.log",
                           "tail", "loading shard 7", "Segmentation fault (core dumped)");
    json_t *v = verdict_pick(evs, ff, NULL);
    CHECK_STR(vs(v, "category"), "unknown");
    CHECK_STR(vs(v, "action"), "restart");
    CHECK(json_array_size(json_object_get(v, "evidence")) == 2);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "key_line"), "text")),
              "Segmentation fault (core dumped)");
    CHECK(json_real_value(json_object_get(v, "confidence")) == 0.0);
    json_decref(v);
    v = verdict_pick(evs, NULL, NULL);
    CHECK_STR(vs(v, "category"), "none");
    CHECK_STR(vs(v, "type"), "success");
    CHECK_STR(vs(v, "action"), "none");
    CHECK(json_is_null(json_object_get(v, "rule")));
    json_decref(v);
    json_decref(ff);
    json_decref(evs);
}

TEST(diag_verdict_explanation_from_ruleset)
{
    struct buf err;
    struct ruleset *rs = diag_load(UNIT_RULES, &err);
    CHECK(rs != NULL);
    json_t *evs = json_array();
    json_array_append_new(evs, ev("test.ecc", "infrastructure", "ecc_error", "root", 10, 1.0, "n1", 0));
    json_t *v = verdict_pick(evs, NULL, rs);
    CHECK_STR(vs(v, "explanation"), "The GPU reported an uncorrectable ECC error.");
    json_decref(v);
    json_decref(evs);
    ruleset_free(rs);
    buf_free(&err);
}

TEST(diag_verdict_signature)
{
    json_t *evs = json_array();
    json_array_append_new(evs, ev("ecc", "infrastructure", "ecc_error", "root", 0, 1.0, "n3", 17));
    json_t *v = verdict_pick(evs, NULL, NULL);
    char sig[256], small[8];
    CHECK(verdict_signature(v, sig, sizeof sig) == 0);
    CHECK_STR(sig, "ecc_error|ecc|n3|17|");
    CHECK(verdict_signature(v, small, sizeof small) == -1);
    json_decref(v);
    json_decref(evs);
}
