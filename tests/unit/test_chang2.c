/* test_chang2: the honest "no failure found" verdict on logs as users paste
 * them (diagnose/activity.c): a suspected hang names the host of the last
 * NCCL setup line also behind a label (pdsh's "host: ", a pager's "│ "),
 * and "finished successfully" is a completion line. */
#include <string.h>
#include "diagnose/activity.h"
#include "diagnose/internal.h"
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

TEST(chang2_suspected_hang_host_behind_label)
{
    static const char *const pdsh[] = {
        "gpu1505: gpu1505:22060:22171 [0] NCCL INFO Setting affinity for GPU 0 to 04",
        "gpu1505: gpu1505:22060:22171 [0] NCCL INFO  0 : NET/1 GPU/1 NET/1", NULL};
    static const char *const pane[] = {
        "\xe2\x94\x82 task-7700-94lc9:73:73 [0] NCCL INFO Launch mode Parallel",
        "\xe2\x94\x82 use AdamW", NULL};
    static const char *const *const forms[] = {pdsh, pane};
    static const char *const hosts[] = {"gpu1505", "task-7700-94lc9"};
    for (int i = 0; i < 2; i++) {
        json_t *v = diag_activity_verdict(forms[i], NULL);
        CHECK_STR(json_string_value(json_object_get(v, "type")), "hang");
        CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), hosts[i]);
        json_decref(v);
    }
}

TEST(chang2_suspected_hang_label_lookalikes_name_no_host)
{
    /* No "host:pid:tid [gpu] NCCL" token: no host is invented. */
    static const char *const bare[] = {"x: NCCL INFO Bootstrap : Using eth0", NULL};
    /* (a label that is no pdsh host: "node3: " would name node3 as pdsh output) */
    static const char *const nogpu[] = {"stdout: nodeX:12:34 [] NCCL INFO Init COMPLETE", NULL};
    static const char *const *const forms[] = {bare, nogpu};
    for (int i = 0; i < 2; i++) {
        json_t *v = diag_activity_verdict(forms[i], NULL);
        CHECK_STR(json_string_value(json_object_get(v, "type")), "hang");
        CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "host")));
        json_decref(v);
    }
}

TEST(chang2_finished_successfully_is_completion)
{
    static const char *const log[] = {
        "   \xe2\x9d\x8c Poor. Consider training longer or adjusting hyperparameters",
        "\xf0\x9f\x8e\x89 Enhanced CIFAR-10 Training Script Finished Successfully!", NULL};
    json_t *v = diag_activity_verdict(log, NULL);
    CHECK_STR(json_string_value(json_object_get(v, "type")), "success");
    json_decref(v);
    static const char *const sky[] = {"Epoch 3 step 20 loss 1.2", "Job status: JobStatus.SUCCEEDED", NULL};
    v = diag_activity_verdict(sky, NULL);
    CHECK_STR(json_string_value(json_object_get(v, "type")), "success");
    json_decref(v);
    static const char *const seff[] = {"Job ID: 123", "State: COMPLETED (exit code 0)", "Cores: 1", NULL};
    v = diag_activity_verdict(seff, NULL);
    CHECK_STR(json_string_value(json_object_get(v, "type")), "success");
    json_decref(v);
    static const char *const more[][3] = {
        {"epoch 010 | loss 4.1", "2021-05-10 14:26:15 | INFO | fairseq_cli.train | done training in 5705.4 seconds", NULL},
        {"[01/29 06:25:20 d2.utils.events]:  iter: 999  total_loss: 0.31",
         "[01/29 06:25:28 d2.engine.hooks]: Overall training speed: 997 iterations in 0:11:18 (0.6804 s / it)", NULL},
        {"      300/300      3.41G    0.01234", "300 epochs completed in 8.675 hours.", NULL},
    };
    for (size_t i = 0; i < sizeof more / sizeof *more; i++) {
        v = diag_activity_verdict(more[i], NULL);
        CHECK_STR(json_string_value(json_object_get(v, "type")), "success");
        json_decref(v);
    }
    static const char *const stops[] = {"Epoch 3 step 20 loss 1.2", "Job status: JobStatus.RUNNING", NULL};
    v = diag_activity_verdict(stops, NULL);
    CHECK_STR(json_string_value(json_object_get(v, "type")), "no_failure");
    json_decref(v);
}

/* The verdict of a no-failure log: its type, and its culprit's host. */
static void type_is(const char *const *log, const char *want)
{
    json_t *v = diag_activity_verdict(log, NULL);
    CHECK_STR(json_string_value(json_object_get(v, "type")), want);
    json_decref(v);
}

static void host_is(const char *const *log, const char *want)
{
    json_t *v = diag_activity_verdict(log, NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), want);
    json_decref(v);
}

/* LLaMA-Factory's launcher line (it starts torchrun) is setup: a log that
 * stops after it and the ranks' argument lines is a suspected hang; the
 * wandb client's "Program ended successfully" (0.9-0.11) and Ignite's
 * "Parallel INFO: End of run" are completion, wandb's "Program failed with
 * code N" is not (twenty-first session). */
TEST(chang2_launcher_tasks_line_is_setup_and_wandb_end_is_completion)
{
    static const char *const lf[] = {
        "[INFO|2025-12-04 00:28:27] llamafactory.launcher:143 >> Initializing 2 distributed tasks at: 127.0.0.1:58015",
        "[INFO|2025-12-04 00:28:34] llamafactory.hparams.parser:468 >> Process rank: 0, world size: 2, device: cuda:0",
        NULL};
    type_is(lf, "hang");
    static const char *const ok[] = {"wandb: Waiting for W&B process to finish, PID 11526",
                                     "wandb: Program ended successfully.", NULL};
    type_is(ok, "success");
    static const char *const ig[] = {"2025-01-06 20:58:03,608 kitti_360 INFO: Engine run complete. Time taken: 00:01:45.348",
                                     "2025-01-06 20:58:03,681 ignite.distributed.launcher.Parallel INFO: End of run", NULL};
    type_is(ig, "success");
    static const char *const bad[] = {"wandb: Waiting for W&B process to finish, PID 11526",
                                      "wandb: Program failed with code 1.  Press ctrl-c to abort syncing.", NULL};
    json_t *v = diag_activity_verdict(bad, NULL);
    CHECK(strcmp(json_string_value(json_object_get(v, "type")), "success") != 0);
    json_decref(v);
}

/* NCCL 2.20's retry wording ("socketPollConnect: connect to A<port>
 * returned Connection refused, retrying (18/34)") is a retried connection;
 * the peer it names, not the node that printed it, is the culprit. TorchX's
 * "Job finished: SUCCEEDED" is completion (twenty-first session). */
TEST(chang2_nccl_connect_to_retry_names_the_peer_and_torchx_success)
{
    static const char *const log[] = {
        "node-a:5971:6015 [4] NCCL INFO socketPollConnect: connect to 10.29.224.148<52333> returned Connection refused, "
        "retrying (18/34) after sleep for 1800 msec",
        "node-a:5971:6015 [4] NCCL INFO socketPollConnect: connect to 10.29.224.148<52333> returned Connection refused, "
        "retrying (19/34) after sleep for 1900 msec",
        NULL};
    type_is(log, "connection_error");
    host_is(log, "10.29.224.148");
    /* no address in the line: the node that printed it */
    static const char *const old[] = {"node-b:12:34 [0] NCCL INFO Call to connect returned Connection refused, retrying",
                                      NULL};
    host_is(old, "node-b");
    static const char *const tx[] = {"Epoch 100, metrics {'Recall@1': 0.2}",
                                     "torchx 2023-03-07 02:44:57 INFO     Job finished: SUCCEEDED", NULL};
    type_is(tx, "success");
}
