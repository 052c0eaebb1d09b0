/* test_losstrack: the offline loss-spike check (diagnose/losstrack.c) and
 * its verdict (diagnose/activity.c): a loss that jumps above 4x the median
 * of the losses before it (and by at least 1.0) and is still up when the
 * log ends is a suspected loss spike, rolled back; a jump that comes back
 * down, small losses moving by large factors, a falling loss and
 * non-finite values are not; a person's stop after the jump names it. */
#include <math.h>
#include <string.h>
#include "diagnose/activity.h"
#include "diagnose/losstrack.h"
#include "diagnose/internal.h"
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

/* Whether the n losses of v (steps 1..n) end diverged. */
static int diverges(const double *v, int n)
{
    struct losstrack t;
    losstrack_init(&t);
    for (int i = 0; i < n; i++)
        losstrack_add(&t, v[i], i + 1);
    return losstrack_diverged(&t);
}

TEST(losstrack_jump_that_stays_up)
{
    static const double one_before[] = {2.275809, 11.05449};
    static const double stays[] = {1.7019, 11.463, 11.7545, 10.022, 10.5513};
    static const double recovers[] = {2.1, 2.0, 12.3, 2.2, 2.0};
    static const double small[] = {0.05, 0.06, 0.3, 0.31};    /* 6x, but a rise of 0.25 */
    static const double falling[] = {10.8, 9.1, 7.5, 6.2};
    static const double nonfinite[] = {2.0, NAN, INFINITY, 2.1};
    static const double negative[] = {-0.5, -0.4, 3.0};       /* no positive baseline */
    CHECK(diverges(one_before, 2));
    CHECK(diverges(stays, 5));
    CHECK(!diverges(recovers, 5));
    CHECK(!diverges(small, 4));
    CHECK(!diverges(falling, 4));
    CHECK(!diverges(nonfinite, 4));
    CHECK(!diverges(negative, 3));
    /* the baseline is the median of the window, not the last loss */
    struct losstrack t;
    losstrack_init(&t);
    static const double w[] = {2.0, 2.2, 1.8, 2.1, 9.0};
    for (int i = 0; i < 4; i++)
        CHECK(losstrack_add(&t, w[i], i) == 0);
    CHECK(losstrack_add(&t, w[4], 40) == 1);
    CHECK(fabs(t.base - 2.05) < 1e-9);
    CHECK(t.step == 40);
    /* a long run: the window slides (its least loss leaves it) */
    losstrack_init(&t);
    for (int i = 0; i < 30; i++)
        CHECK(losstrack_add(&t, 3.0 - i * 0.05, i) == 0);
    CHECK(losstrack_add(&t, 7.0, 30) == 0); /* the median of the last ten is 1.775: 4x is 7.1 */
    CHECK(losstrack_add(&t, 7.5, 31) == 1);
    CHECK(fabs(t.base - 1.775) < 1e-9);
}

TEST(losstrack_verdict_of_a_log_that_ends_diverged)
{
    struct activity a;
    activity_init(&a);
    a.file = "train.log";
    static const char *const lines[] = {"step 100 loss 2.1", "step 110 loss 2.0", "step 120 loss 12.3",
                                        "step 130 loss 11.9"};
    static const double losses[] = {2.1, 2.0, 12.3, 11.9};
    for (int i = 0; i < 4; i++) {
        a.lineno = i + 1;
        activity_line(&a, lines[i], strlen(lines[i]), 100 + 10 * i);
        activity_loss(&a, losses[i], lines[i], strlen(lines[i]), 100 + 10 * i);
    }
    json_t *v = json_pack("{s:s,s:s,s:s,s:n}", "category", "none", "type", "success", "action", "none", "rule");
    activity_verdict(&a, v);
    CHECK_STR(json_string_value(json_object_get(v, "type")), "loss_spike");
    CHECK_STR(json_string_value(json_object_get(v, "action")), "rollback");
    CHECK(json_is_true(json_object_get(v, "suspected")));
    CHECK(json_integer_value(json_object_get(json_object_get(v, "key_line"), "line")) == 3);
    CHECK(strstr(json_string_value(json_object_get(v, "explanation")), "at step 120") != NULL);
    json_decref(v);
    /* a person's stop after the jump: the spike, naming the stop */
    v = json_pack("{s:s,s:s,s:s,s:s}", "category", "unknown", "type", "unknown", "action", "stop", "rule",
                  "py.keyboard_interrupt");
    activity_interrupted(&a, v);
    CHECK_STR(json_string_value(json_object_get(v, "type")), "loss_spike");
    CHECK(strstr(json_string_value(json_object_get(v, "explanation")), "py.keyboard_interrupt") != NULL);
    json_decref(v);
}
