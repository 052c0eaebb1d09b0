/* test_cstart: the training loop's start in the activity tracker
 * (diagnose/activity.c, linemarks.c's start marks) and progress lines
 * without a step. A log that ends where the training loop starts (mmcv's
 * workflow line, the Trainer's banner, TensorFlow's checkpoint of step 0, a
 * JIT build of the job's kernels) with no step printed is a suspected hang
 * in the first step; a progress line with no step number (a loss dict, a
 * validation epoch) is training, so a log that shows one is not. A log
 * that ends with an error report no rule knows is a suspected failure; a
 * suspicion names the line it was judged by as its key line. */
#include <string.h>
#include "diagnose/activity.h"
#include "diagnose/internal.h"
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

static const char *str_of(json_t *v, const char *key)
{
    return json_string_value(json_object_get(v, key));
}

TEST(cstart_training_start_with_no_step_is_a_suspected_hang)
{
    static const char *const starts[] = {
        "2020-01-14 09:01:53,683 - INFO - workflow: [('train', 1)], max: 12 epochs",
        "2020-01-14 09:01:53,682 - mmdet - INFO - Start running, host: user@node3, work_dir: /w",
        "[INFO|trainer.py:1812] 2024-01-01 10:00:00,000 >> ***** Running training *****",
        "INFO:tensorflow:Saving checkpoints for 0 into asr-model/model.ckpt.",
        "[1,0]<stderr>:INFO:tensorflow:Calling checkpoint listeners after saving checkpoint 0...",
        "Using /root/.cache/torch_extensions/py310_cu121 as PyTorch extensions root...",
        "No pre-built kernel is found, build and load the cpu_adam kernel during runtime now",
        "> compiling and loading fused kernels ...",
        "[before the start of training step] datetime: 2024-01-01 10:00:00 ",
        "All distributed processes registered. Starting with 8 processes",
        "All DDP processes registered. Starting ddp with 2 processes",
        "[01/02 10:00:00 d2.engine.train_loop]: Starting training from iteration 0",
        "[titan] 2025-01-01 10:00:00,000 - root - INFO - Training starts at step 1, with local batch size 8",
        "done with setup ...",
        "Loading extension module utils...",
        "12/01 10:00:00 - mmengine - INFO - Checkpoints will be saved to /work_dirs/faster-rcnn.",
    };
    for (size_t i = 0; i < sizeof starts / sizeof *starts; i++) {
        const char *log[] = {"loading the model", starts[i], "some unmarked line after it", NULL};
        json_t *v = diag_activity_verdict(log, NULL);
        CHECK_STR(str_of(v, "type"), "hang");
        CHECK_STR(str_of(v, "action"), "restart");
        CHECK(json_is_true(json_object_get(v, "suspected")));
        CHECK_STR(str_of(v, "last_activity"), "training start");
        CHECK(strstr(str_of(v, "explanation"), "first step") != NULL);
        /* mmcv's "host: user@node3" is the launching host, not a culprit */
        CHECK(!json_is_string(json_object_get(json_object_get(v, "culprit"), "host")));
        json_decref(v);
    }
}

/* The checkpoints of later steps and the lines after a step are not the
 * start: "Saving checkpoints for 100" is training. */
TEST(cstart_later_saves_and_steps_after_the_start_are_training)
{
    static const char *const later[] = {"INFO:tensorflow:Saving checkpoints for 100 into m/model.ckpt.",
                                        "Calling checkpoint listeners after saving checkpoint 10...", NULL};
    json_t *v = diag_activity_verdict(later, NULL);
    CHECK_STR(str_of(v, "type"), "no_failure");
    json_decref(v);
    /* a mark printed again each epoch or each fit call: the steps before
     * it were training */
    static const char *const epoch[] = {"| INFO | fairseq_cli.train | begin training epoch 1", "step 3 loss 2.1",
                                        "| INFO | fairseq_cli.train | begin training epoch 2", NULL};
    static const long steps[] = {-1, 3, 3};
    v = diag_activity_verdict(epoch, steps);
    CHECK_STR(str_of(v, "type"), "no_failure");
    CHECK_STR(str_of(v, "last_activity"), "training at step 3");
    json_decref(v);
}

/* A one-time start mark after a bar: the bar was not training (kohya's
 * cache check before its banner, a tokenizer's bar before the Trainer's),
 * so a log that stops after the banner is a suspected hang at the start;
 * so is a second attempt that prints the banner and no step. */
TEST(cstart_banner_after_a_bar_forgets_the_bar)
{
    static const char *const kohya[] = {
        "checking cache validity...", "100%|##########| 76/76 [00:00<00:00, 4300.93it/s]",
        "running training / \xe5\xad\xa6\xe7\xbf\x92\xe9\x96\x8b\xe5\xa7\x8b",
        "  num train images * repeats / \xe5\xad\xa6\xe7\xbf\x92\xe7\x94\xbb\xe5\x83\x8f\xe3\x81\xae\xe6\x95\xb0: 76",
        NULL};
    static const long bar[] = {-1, 76, 76, 76};
    json_t *v = diag_activity_verdict(kohya, bar);
    CHECK_STR(str_of(v, "type"), "hang");
    CHECK_STR(str_of(v, "last_activity"), "training start");
    json_decref(v);
    static const char *const again[] = {"***** Running training *****", "step 3 loss 2.1",
                                        "***** Running training *****", NULL};
    static const long steps[] = {-1, 3, 3};
    v = diag_activity_verdict(again, steps);
    CHECK_STR(str_of(v, "type"), "hang");
    json_decref(v);
}

/* A progress line with no step: training went on. After it, neither a
 * start nor collective setup makes the log a suspected hang. */
TEST(cstart_progress_without_a_step_is_training)
{
    struct activity a;
    activity_init(&a);
    const char *start = "workflow: [('train', 1)], max: 20 epochs", *val = "Epoch(val) [1][240]\tmAP: 10.6",
               *nccl = "node1:12:12 [0] NCCL INFO Init COMPLETE";
    activity_line(&a, start, strlen(start), -1);
    activity_line_marks(&a, val, strlen(val), -1, 0, 1);
    activity_line(&a, nccl, strlen(nccl), -1);
    json_t *v = verdict_base("none", "success", "none", 0.7, "No failure was found in the logs.");
    activity_verdict(&a, v);
    CHECK_STR(str_of(v, "type"), "no_failure");
    CHECK_STR(str_of(v, "last_activity"), "training");
    json_decref(v);
}

/* The offline verdict of lines under rules: its type and, when last is
 * not NULL, its last activity. */
static void check_offline(const char *rules, const char *const *lines, const char *type, const char *last)
{
    json_t *v = diag_offline_lines(rules, lines, 0);
    CHECK(v != NULL);
    CHECK_STR(str_of(v, "type"), type);
    if (last)
        CHECK_STR(str_of(v, "last_activity"), last);
    json_decref(v);
}

/* Through the offline reader: a progress rule without a step group marks
 * the log as training (offline.c passes the classifier's progress flag). */
TEST(cstart_offline_stepless_progress_rule_is_training)
{
    static const char *const rules =
        "- id: t.loss\n  category: progress\n  type: progress\n  role: progress\n  action: ignore\n"
        "  match: '\\{''loss'': [\\d.]+'\n  literals: ['{''loss'': ']\n  explain: x\n"
        "  examples: ['{''loss'': 1.5}']\n";
    static const char *const trained[] = {"***** Running training *****", "{'loss': 1.83, 'epoch': 0.1}",
                                          NULL};
    check_offline(rules, trained, "no_failure", "training");
    static const char *const started[] = {"{'train_samples': 10}", "***** Running training *****", NULL};
    check_offline(rules, started, "hang", "training start");
}

/* A progress bar's first render ("0/65 [00:00<?, ?it/s]") is the loop's
 * start, not a step: a log that ends there, or on the lines after it, is a
 * suspected hang in the first step; the same bar at a later epoch's start
 * (after steps) leaves the log training. */
TEST(cstart_progress_bar_at_zero_is_the_start)
{
    static const char *const rules =
        "- id: t.bar\n  category: progress\n  type: progress\n  role: progress\n  action: ignore\n"
        "  match: '\\| *(?<step>\\d+)/\\d+ \\[\\d+:\\d\\d<'\n  literals: ['it/s']\n  explain: x\n"
        "  examples: [' 12%|#  | 120/1000 [02:13<16:17,  1.11it/s]']\n";
    static const char *const stuck[] = {"Using 4 GPUs", "  0%|          | 0/65 [00:00<?, ?it/s]", "Epoch 0/64", NULL};
    check_offline(rules, stuck, "hang", "training start");
    static const char *const later[] = {"  0%|          | 0/65 [00:00<?, ?it/s]",
                                        "100%|##########| 65/65 [01:05<00:00,  1.00it/s]",
                                        "  0%|          | 0/65 [00:00<?, ?it/s]", NULL};
    check_offline(rules, later, "no_failure", "training at step 0");
}

/* The Trainer's train_runtime row (log_metrics, after train() returned) is
 * a completion line, also in a paste that starts below its header and has
 * lost its indentation; the wandb summary's "train/train_runtime" is not.
 * WeNet's per-rank "training on multiple gpus, this gpu N" is setup. */
TEST(cstart_metrics_row_and_wenet_setup)
{
    static const char *const row[] = {"epoch                       =        2.0",
                                      "train_runtime               = 0:01:23.76", NULL};
    json_t *v = diag_activity_verdict(row, NULL);
    CHECK_STR(str_of(v, "type"), "success");
    json_decref(v);
    static const char *const wandb[] = {"wandb:            train/train_runtime ▁", NULL};
    v = diag_activity_verdict(wandb, NULL);
    CHECK_STR(str_of(v, "type"), "no_failure");
    json_decref(v);
    static const char *const wenet[] = {"2021-11-24 08:11:55,954 INFO training on multiple gpus, this gpu 2",
                                        "2021-11-24 08:11:55,957 INFO training on multiple gpus, this gpu 3", NULL};
    v = diag_activity_verdict(wenet, NULL);
    CHECK_STR(str_of(v, "type"), "hang");
    CHECK_STR(str_of(v, "last_activity"), "NCCL init");
    json_decref(v);
    /* the SageMaker SDK's job status while the image is set up; Megatron's
     * sample index being built before the first step */
    static const char *const sagemaker[] = {"2020-10-27 16:32:19 Downloading - Downloading input data...",
                                            "2020-10-27 16:33:09 Training - Downloading the training image..",
                                            "bash: no job control in this shell", NULL};
    v = diag_activity_verdict(sagemaker, NULL);
    CHECK_STR(str_of(v, "type"), "hang");
    json_decref(v);
    static const char *const index[] = {" > building sapmles index mapping for train ...", "    using:", NULL};
    v = diag_activity_verdict(index, NULL);
    CHECK_STR(str_of(v, "type"), "hang");
    CHECK_STR(str_of(v, "last_activity"), "training start");
    json_decref(v);
}

/* XLA's slow-compile alarm and ColossalAI's trainer hooks are the loop's
 * start, printed again later (a log with steps before them stays
 * training). */
TEST(cstart_slow_compile_and_trainer_hooks)
{
    static const char *const xla[] = {
        "2025-01-16 18:44:38.791223: E external/xla/xla/service/slow_operation_alarm.cc:73] ",
        "[Compiling module jit_generate_eval_unroll] Very slow compile? If you want to file a bug, run with "
        "envvar XLA_FLAGS=--xla_dump_to=/tmp/foo and attach the results.",
        NULL};
    json_t *v = diag_activity_verdict(xla, NULL);
    CHECK_STR(str_of(v, "type"), "hang");
    CHECK_STR(str_of(v, "last_activity"), "training start");
    json_decref(v);
    static const char *const hooks[] = {
        "INFO colossalai - colossalai - INFO: Using ThroughputHook for training, priority = 10", NULL};
    v = diag_activity_verdict(hooks, NULL);
    CHECK_STR(str_of(v, "type"), "hang");
    json_decref(v);
    static const char *const later[] = {"step 3 loss 2.1",
                                        "[Compiling module jit_eval] Very slow compile? If you want to file a bug",
                                        NULL};
    static const long steps[] = {3, 3};
    v = diag_activity_verdict(later, steps);
    CHECK_STR(str_of(v, "type"), "no_failure");
    json_decref(v);
}

/* A start mark that names the step the loop starts from (torchtitan's
 * "Training starts at step 26" after a resume, detectron2's "Starting
 * training from iteration 0") is where the loop begins, not a step done: a
 * log that ends there is a suspected hang in the first step. A step after
 * it is training. */
TEST(cstart_start_mark_with_its_step_is_not_progress)
{
    static const char *const lines[] = {
        "[rank0]:2024-09-08 10:58:16,211 - root - INFO - Training starts at step 26, with local batch size 8",
        NULL};
    static const long at[] = {26};
    json_t *v = diag_activity_verdict(lines, at);
    CHECK_STR(str_of(v, "type"), "hang");
    CHECK_STR(str_of(v, "last_activity"), "training start");
    json_decref(v);
    static const char *const then[] = {
        "[rank0]:2024-09-08 10:58:16,211 - root - INFO - Training starts at step 26, with local batch size 8",
        "[rank0]: step: 27  loss:  3.2345", NULL};
    static const long steps[] = {26, 27};
    v = diag_activity_verdict(then, steps);
    CHECK_STR(str_of(v, "type"), "no_failure");
    json_decref(v);
}

/* A completion mark on a progress line reports one step of a run that goes
 * on (DLRM's "Finished training it 1024/4096 of epoch 0"): a log that ends
 * there is not a proven success. The same mark on a line of its own is. */
TEST(cstart_completion_mark_on_a_progress_line_is_not_success)
{
    static const char *const rules =
        "- id: t.dlrm\n  category: progress\n  type: progress\n  role: progress\n  action: ignore\n"
        "  match: 'Finished training it (?<step>\\d+)/\\d+'\n  literals: ['Finished training it ']\n"
        "  explain: x\n  examples: ['Finished training it 3/9']\n";
    static const char *const stepped[] = {"Finished training it 1024/4096 of epoch 0, 30.21 ms/it, loss 0.51",
                                          NULL};
    check_offline(rules, stepped, "no_failure", "training at step 1024");
    static const char *const done[] = {"Finished training it 4096/4096 of epoch 0, 30.21 ms/it, loss 0.5",
                                       "Finished training.", NULL};
    check_offline(rules, done, "success", NULL);
}

/* A log that ends within a few lines of an error-level line no rule knows
 * is a suspected failure of unknown cause, not "no failure found"; the
 * words count only as a report of their own (2026-12-06). */
TEST(cstart_log_ending_in_an_error_report_is_a_suspected_failure)
{
    static const char *const logger[] = {"step 3 loss 1.25",
                                         "2026-12-03 10:00:01 ERROR loader: shard index out of sync",
                                         "shutting down", NULL};
    static const char *const tool[] = {"step 3 loss 1.25", "fetchd: error: bucket llm-data not reachable", NULL};
    static const char *const glog[] = {"step 3 loss 1.25", "E1203 10:00:00.123 4412 loader.cc:88] shard 7 out of sync",
                                       NULL};
    static const char *const c10d[] = {"step 3 loss 1.25", "[E ProcessGroupGloo.cpp:137] shard 7 out of sync", NULL};
    static const char *const *const bad[] = {logger, tool, glog, c10d};
    static const long steps[] = {3, -1, -1, -1};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *v = diag_activity_verdict(bad[i], steps);
        CHECK_STR(json_string_value(json_object_get(v, "category")), "unknown");
        CHECK_STR(json_string_value(json_object_get(v, "action")), "restart");
        CHECK(json_is_true(json_object_get(v, "suspected")));
        CHECK(strstr(json_string_value(json_object_get(v, "explanation")), bad[i][1]) != NULL);
        json_decref(v);
    }
    /* not an error report: a variable's name, an exception's type (the
     * rules' business), a word a warning quotes, a glog warning, and an
     * error that training went on after */
    static const char *const env[] = {"step 3 loss 1.25", "TORCH_NCCL_ASYNC_ERROR_HANDLING=1", NULL};
    static const char *const type[] = {"step 3 loss 1.25", "  x = MyError: not at the line's start", NULL};
    static const char *const quoted[] = {"step 3 loss 1.25", "retrying (last error: timeout)", NULL};
    static const char *const warn[] = {"step 3 loss 1.25", "W1203 10:00:00.123 4412 x.cc:1] ERROR budget low", NULL};
    static const char *const after[] = {"ERROR loader: slow shard", "step 4 loss 1.2", "step 5 loss 1.1",
                                        "step 6 loss 1.1", "step 7 loss 1.0", "step 8 loss 1.0",
                                        "step 9 loss 1.0", "step 10 loss 1.0", "step 11 loss 0.9",
                                        "step 12 loss 0.9", "step 13 loss 0.9", NULL};
    static const char *const *const good[] = {env, type, quoted, warn, after};
    static const long after_steps[] = {-1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        json_t *v = diag_activity_verdict(good[i], good[i] == after ? after_steps : steps);
        CHECK_STR(json_string_value(json_object_get(v, "type")), "no_failure");
        json_decref(v);
    }
}

/* A log that ends among a traceback's frames (its exception line cut off
 * where the paste ended, the header too) is a suspected failure whose key
 * line is the first frame; a traceback that ends with its exception line
 * is the rules' to judge (a harmless one, ignored by Python, is no
 * failure), nor is faulthandler's stack dump ("line N in f", no comma) an
 * exception (twenty-seventh session). */
TEST(cstart_log_ending_inside_a_traceback_is_a_suspected_failure)
{
    static const char *const cut[] = {"Done ! It took 3.593 seconds.", "    Execute(args).start()",
                                      "  File \"/w/dicee/executer.py\", line 195, in start",
                                      "    self.trainer.start(dataset=self.dataset)",
                                      "  File \"/w/dicee/abstracts.py\", line 71, in on_fit_end",
                                      "  File \"/w/dicee/callba", NULL};
    json_t *v = diag_activity_verdict(cut, NULL);
    CHECK_STR(str_of(v, "category"), "unknown");
    CHECK_STR(str_of(v, "action"), "restart");
    CHECK(json_is_true(json_object_get(v, "suspected")));
    CHECK(strstr(str_of(v, "explanation"), "executer.py") != NULL);
    CHECK(strstr(str_of(v, "explanation"), "cut off") != NULL);
    json_decref(v);
    static const char *const whole[] = {"step 3 loss 1.25", "Traceback (most recent call last):",
                                        "  File \"dataloader.py\", line 1328, in __del__",
                                        "    self._shutdown_workers()",
                                        "AssertionError: can only test a child process", NULL};
    static const char *const dump[] = {"step 3 loss 1.25", "Thread 0x00007f (most recent call first):",
                                       "  File \"train.py\", line 12 in step", "  File \"train.py\", line 40 in main",
                                       NULL};
    static const char *const *const good[] = {whole, dump};
    static const long steps[] = {3, -1, -1, -1, -1};
    for (size_t i = 0; i < 2; i++) {
        v = diag_activity_verdict(good[i], steps);
        CHECK_STR(str_of(v, "type"), "no_failure");
        json_decref(v);
    }
}

/* Every rank's exit 0 (activity_proven) outweighs what the log's end
 * suggested: a suspected failure of an error report, or a suspected hang,
 * becomes none/success with no culprit; a rule's verdict stays. */
TEST(cstart_proven_success_outweighs_a_suspicion)
{
    static const char *const err[] = {"step 3 loss 1.25", "wandb: ERROR Run sync failed, will retry", NULL};
    static const long steps[] = {3, -1};
    json_t *v = diag_activity_verdict(err, steps);
    CHECK(json_is_true(json_object_get(v, "suspected")));
    activity_proven(v, "all ranks exited 0");
    CHECK_STR(str_of(v, "type"), "success");
    CHECK_STR(str_of(v, "category"), "none");
    CHECK_STR(str_of(v, "action"), "none");
    CHECK(json_object_get(v, "suspected") == NULL);
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "host")));
    json_decref(v);
    json_t *r = verdict_base("framework", "runtime_error", "stop", 0.8, "x");
    json_object_set_new(r, "rule", json_string("t.rule"));
    json_object_set_new(r, "suspected", json_true());
    activity_proven(r, "all ranks exited 0");
    CHECK_STR(str_of(r, "type"), "runtime_error");
    json_decref(r);
}

/* The key line of v is line no of the input and holds text. */
static void check_key_line(json_t *v, long no, const char *text)
{
    json_t *key = json_object_get(v, "key_line");
    CHECK(json_integer_value(json_object_get(key, "line")) == no);
    CHECK(strstr(json_string_value(json_object_get(key, "text")), text) != NULL);
}

/* A suspicion names the line it was judged by: the last setup line of a
 * suspected hang (or the training loop's start), the error report of a
 * suspected failure (file and line number of the input, the lines around
 * it as evidence); proven success drops them with the suspicion. */
TEST(cstart_suspicion_names_its_key_line)
{
    const char *rules = "- id: t.none\n  category: framework\n  type: runtime_error\n  role: root\n"
                        "  action: stop\n  explain: 'x'\n  match: 'never matches this'\n"
                        "  examples: ['never matches this']\n";
    const char *hang[] = {"loading", "node1:12:34 [0] NCCL INFO Bootstrap : Using eth0",
                          "node1:12:34 [0] NCCL INFO Channel 00/02 :    0   1", "", NULL};
    json_t *v = diag_offline_lines(rules, hang, 0);
    CHECK(v != NULL);
    CHECK_STR(str_of(v, "type"), "hang");
    json_t *key = json_object_get(v, "key_line");
    CHECK_STR(json_string_value(json_object_get(key, "file")), "log");
    CHECK(json_integer_value(json_object_get(key, "line")) == 3);
    CHECK(strstr(json_string_value(json_object_get(key, "text")), "Channel 00/02") != NULL);
    CHECK(json_array_size(json_object_get(v, "evidence")) >= 3); /* the lines around it */
    activity_proven(v, "all ranks exited 0");
    CHECK(json_is_null(json_object_get(v, "key_line")));
    CHECK(json_array_size(json_object_get(v, "evidence")) == 0);
    json_decref(v);
    const char *start[] = {"loading", "[INFO|trainer.py:1812] >> ***** Running training *****", "  Num examples = 10", NULL};
    v = diag_offline_lines(rules, start, 0);
    CHECK(v != NULL);
    CHECK_STR(str_of(v, "last_activity"), "training start");
    check_key_line(v, 2, "Running training");
    json_decref(v);
    const char *err[] = {"step 3 loss 1.25", "ERROR: fetchd: cannot reach the broker", "bye", NULL};
    v = diag_offline_lines(rules, err, 0);
    CHECK(v != NULL);
    CHECK_STR(str_of(v, "type"), "unknown");
    check_key_line(v, 2, "ERROR: fetchd: cannot reach the broker");
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "key_line"), "text")),
              "ERROR: fetchd: cannot reach the broker");
    json_decref(v);
}

/* TensorFlow's TPU session setup is collective setup: a log that ends in it
 * is a suspected hang. TorchX's status of a job whose replicas all exited 0
 * and the Trainer's metrics logged as JSON are completion lines. */
TEST(cstart_tpu_setup_and_json_completion)
{
    static const char *const tpu[] = {
        "INFO:tensorflow:Initializing TPU system (master: grpc://10.240.1.2:8470) to fetch topology for model parallelism.",
        "INFO:tensorflow:Creating heartbeat manager for ['/job:tpu_worker/replica:0/task:0/device:CPU:0']",
        "INFO:tensorflow:Configuring worker heartbeat: shutdown_mode: WAIT_FOR_COORDINATOR", NULL};
    json_t *v = diag_activity_verdict(tpu, NULL);
    CHECK_STR(str_of(v, "type"), "hang");
    CHECK_STR(str_of(v, "last_activity"), "NCCL init");
    json_decref(v);
    static const char *const torchx[] = {"AppDef:", "  State: SUCCEEDED", "  Num Restarts: -1", NULL};
    v = diag_activity_verdict(torchx, NULL);
    CHECK_STR(str_of(v, "type"), "success");
    json_decref(v);
    static const char *const swift[] = {
        "{\"loss\": 7.139e-05, \"epoch\": 50.0, \"global_step/max_steps\": \"4900/4900\"}",
        "{\"train_runtime\": 633.3231, \"train_samples_per_second\": 7.737, \"epoch\": 50.0}", NULL};
    v = diag_activity_verdict(swift, NULL);
    CHECK_STR(str_of(v, "type"), "success");
    json_decref(v);
    /* a state of one role, or a key that only mentions the runtime, is not */
    static const char *const partial[] = {"  State: RUNNING", "{\"eval_runtime\": 0.28}", NULL};
    v = diag_activity_verdict(partial, NULL);
    CHECK_STR(str_of(v, "type"), "no_failure");
    json_decref(v);
}

/* A trainer's "Starting training loop" with no step after it is a hang in
 * the first step; TRL's vLLM client retrying until its server answers is a
 * connection retried (a step after it is training). */
TEST(cstart_training_loop_and_vllm_client_retry)
{
    static const char *const loop[] = {"11:07:08    INFO Initializing data loader (fake=None)",
                                       "11:07:08    INFO Starting training loop (config.max_steps=100)", NULL};
    json_t *v = diag_activity_verdict(loop, NULL);
    CHECK_STR(str_of(v, "type"), "hang");
    CHECK_STR(str_of(v, "last_activity"), "training start");
    json_decref(v);
    static const char *const vllm[] = {
        "2025-03-26 05:53:13 - INFO - trl.extras.vllm_client - Server is not up yet. Retrying in 2.0 seconds...",
        "2025-03-26 05:53:15 - INFO - trl.extras.vllm_client - Server is not up yet. Retrying in 2.0 seconds...",
        NULL};
    v = diag_activity_verdict(vllm, NULL);
    CHECK_STR(str_of(v, "type"), "connection_error");
    CHECK_STR(str_of(v, "last_activity"), "retrying a connection");
    json_decref(v);
    const char *const then[] = {vllm[0], "step 1 loss 0.9", NULL};
    static const long steps[] = {-1, 1};
    v = diag_activity_verdict(then, steps);
    CHECK_STR(str_of(v, "type"), "no_failure");
    json_decref(v);
}

/* PaddlePaddle's launcher waiting for its trainers' endpoints and its TCP
 * store client retrying, and TensorFlow's TPUEstimator failing to reach
 * its master, or its MonitoredSession creating its session again, are
 * connections retried (twenty-eighth and thirtieth sessions); a startup
 * line that only mentions a server is not. */
TEST(cstart_paddle_and_tpu_master_retries)
{
    static const char *const forms[] = {
        "server not ready, wait 3 sec to retry...",
        "not ready endpoints:['192.168.4.7:6070']",
        "I1127 19:18:22.167176 3907468 tcp_utils.cc:107] Retry to connect to 10.1.68.146:51920 while the server is not yet listening.",
        "WARNING:tensorflow:Failed to connect to the Tensorflow master. The TPU worker may not be ready (still scheduling) or the Tensorflow master address is incorrect: got (grpc://10.240.1.2:8470)",
        /* MonitoredSession creating its session again (thirtieth session) */
        "INFO:tensorflow:An error was raised while a session was being created. This may be due to a preemption of a connected worker or parameter server. A new session will be created.",
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        const char *const lines[] = {"INFO:root:start", forms[i], NULL};
        json_t *v = diag_activity_verdict(lines, NULL);
        CHECK_STR(str_of(v, "type"), "connection_error");
        CHECK_STR(str_of(v, "last_activity"), "retrying a connection");
        json_decref(v);
    }
    static const char *const plain[] = {"I1127 19:16:12.605310 3907468 tcp_utils.cc:181] The server starts to listen on IP_ANY:51920", NULL};
    json_t *v = diag_activity_verdict(plain, NULL);
    CHECK_STR(str_of(v, "type"), "no_failure");
    json_decref(v);
}

/* DeepSpeed's ZeRO optimizer partitioning and PaddlePaddle's NCCL process
 * group are setup; nequip-train's "! Starting training ..." the loop's
 * start; ms-swift's "End time of running main" a completion line. */
TEST(cstart_zero_paddle_nequip_swift)
{
    static const char *const zero[] = {
        "[2024-06-18 15:30:15,652] [INFO] [logging.py:96:log_dist] [Rank 0] Creating torch.bfloat16 ZeRO stage 2 optimizer",
        "[2024-06-18 15:30:15,653] [INFO] [stage_1_and_2.py:152:__init__] Round robin gradient partitioning: False", NULL};
    json_t *v = diag_activity_verdict(zero, NULL);
    CHECK_STR(str_of(v, "type"), "hang");
    CHECK_STR(str_of(v, "last_activity"), "NCCL init");
    json_decref(v);
    static const char *const paddle[] = {
        "I1107 11:51:35.221338 564864 process_group_nccl.cc:702] init nccl rank_in_group: 3, nranks: 4, gid: 0", NULL};
    v = diag_activity_verdict(paddle, NULL);
    CHECK_STR(str_of(v, "type"), "hang");
    json_decref(v);
    static const char *const nequip[] = {"Successfully built the network...", "! Starting training ...", NULL};
    v = diag_activity_verdict(nequip, NULL);
    CHECK_STR(str_of(v, "type"), "hang");
    CHECK_STR(str_of(v, "last_activity"), "training start");
    json_decref(v);
    static const char *const swift[] = {"[INFO:swift] End time of running main: 2025-05-21 10:11:12.345678", NULL};
    v = diag_activity_verdict(swift, NULL);
    CHECK_STR(str_of(v, "type"), "success");
    json_decref(v);
}
