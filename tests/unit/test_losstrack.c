/* test_losstrack: the offline loss-spike check (diagnose/losstrack.c) and
 * its verdict (diagnose/activity.c): a loss that jumps above 4x the median
 * of the losses before it (and by at least 1.0) and is still up when the
 * log ends is a suspected loss spike, rolled back; a jump that comes back
 * down, small losses moving by large factors, a falling loss and
 * non-finite values are not; a person's stop after the jump names it;
 * gradient norms that stay nan are a suspected NaN loss. */
#include <math.h>
#include <string.h>
#include "diagnose/activity.h"
#include "diagnose/linemarks.h"
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

/* Gradient norms printed as nan or inf on the last three or more lines
 * that print one (mmdet's "grad_norm: nan", ESPnet's "The grad norm is
 * nan. Skipping updating the model.") are a suspected NaN loss, rolled
 * back, keyed on the first of them; fewer, or a progress line with a
 * finite norm after them (a mixed-precision step the scaler skipped), are
 * training going on (twenty-seventh session). */
TEST(losstrack_gradient_norm_that_stays_nan)
{
    static const char *const mmdet[] = {"Epoch [12][650/3953] loss: 4.21, grad_norm: 31.5",
                                        "Epoch [12][700/3953] loss: 4.35, grad_norm: nan",
                                        "Epoch [12][750/3953] loss: 4.30, grad_norm: nan",
                                        "Epoch [12][800/3953] loss: 4.33, grad_norm: nan", NULL};
    static const char *const espnet[] = {"(trainer:581) WARNING: The grad norm is nan. Skipping updating the model.",
                                         "(trainer:581) WARNING: The grad norm is inf. Skipping updating the model.",
                                         "(trainer:581) WARNING: The grad norm is nan. Skipping updating the model.",
                                         NULL};
    static const char *const *const bad[] = {mmdet, espnet};
    for (size_t i = 0; i < 2; i++) {
        json_t *v = diag_activity_verdict(bad[i], NULL);
        CHECK_STR(json_string_value(json_object_get(v, "type")), "nan_loss");
        CHECK_STR(json_string_value(json_object_get(v, "action")), "rollback");
        CHECK(json_is_true(json_object_get(v, "suspected")));
        CHECK(strstr(json_string_value(json_object_get(v, "explanation")), bad[i] == mmdet ? "700/3953" : "is nan") !=
              NULL);
        json_decref(v);
    }
    /* a parameter named grad_norm_clip; two nan norms only */
    static const char *const names[] = {"grad_norm_clip: nan", "grad_norm_clip: nan", "grad_norm_clip: nan", NULL};
    static const char *const two[] = {"grad norm: 0.5", "grad norm: nan", "grad norm: nan", NULL};
    static const char *const *const good[] = {names, two};
    for (size_t i = 0; i < 2; i++) {
        json_t *v = diag_activity_verdict(good[i], NULL);
        CHECK_STR(json_string_value(json_object_get(v, "type")), "no_failure");
        json_decref(v);
    }
    /* three nan norms, then a progress line with a finite one: training
     * went on (the classifier flags progress lines; fed here as such) */
    static const char *const skipped[] = {"{'loss': 1.2, 'grad_norm': nan}", "{'loss': 1.2, 'grad_norm': inf}",
                                          "{'loss': 1.1, 'grad_norm': nan}", "{'loss': 1.1, 'grad_norm': 0.87}"};
    json_t *v = diag_activity_progress_verdict(skipped, 4);
    CHECK(strcmp(json_string_value(json_object_get(v, "type")), "nan_loss") != 0);
    json_decref(v);
    /* the same three without the finite line: a suspected NaN loss */
    v = diag_activity_progress_verdict(skipped, 3);
    CHECK_STR(json_string_value(json_object_get(v, "type")), "nan_loss");
    json_decref(v);
}

/* A NaN or Inf loss that a progress line with a finite loss follows is a
 * step the loss scaler skipped, and training went on: no failure (mmdet's
 * fp16 "loss: inf" once, then "loss: 1.1786"; twenty-eighth session). A
 * NaN loss with no finite loss after it is still the rule's. */
TEST(losstrack_nan_loss_that_training_goes_past_is_no_failure)
{
    static const char *const rules =
        "- id: t.progress\n  category: progress\n  type: progress\n  role: progress\n  action: ignore\n"
        "  match: 'Epoch \\[\\d+\\]\\[(?<step>\\d+)/\\d+\\](?:.*?[\\s,]loss: (?<loss>\\d+(?:\\.\\d+)?)\\b)?'\n"
        "  explain: 'x'\n  examples: ['Epoch [1][50/152] loss: 1.2']\n"
        "- id: t.nan\n  category: framework\n  type: nan_loss\n  role: symptom\n  action: rollback\n"
        "  priority: 15\n  match: 'loss: (?:nan|inf)\\b'\n  explain: 'x'\n  examples: ['loss: nan']\n";
    static const char *const recovered[] = {"Epoch [1][50/152] loss_bbox: inf, loss: inf",
                                            "Epoch [1][100/152] loss_bbox: 0.51, loss: 1.1786", NULL};
    json_t *v = diag_offline_lines(rules, recovered, 0);
    CHECK(v != NULL);
    CHECK(!strcmp(json_string_value(json_object_get(v, "type")), "no_failure"));
    json_decref(v);
    static const char *const diverged[] = {"Epoch [1][50/152] loss: 1.2", "Epoch [1][100/152] loss: nan",
                                           "Epoch [1][150/152] loss: nan", NULL};
    v = diag_offline_lines(rules, diverged, 0);
    CHECK(v != NULL);
    CHECK(!strcmp(json_string_value(json_object_get(v, "type")), "nan_loss"));
    json_decref(v);
}
