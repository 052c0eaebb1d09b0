/* test_chang4: collective setup in the activity tracker (diagnose/activity.c)
 * on message forms from the real-log corpus: c10d's store-based barrier of
 * every process group it creates (a key added, the barrier completed) and
 * DeepSpeed's init_distributed are setup, so a log that ends there with no
 * step is a suspected hang; a step printed after them is progress. The
 * process groups of other front ends too (written from their sources'
 * messages, no corpus log). */
#include <string.h>
#include "diagnose/activity.h"
#include "diagnose/internal.h"
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

static const char *type_of(json_t *v)
{
    return json_string_value(json_object_get(v, "type"));
}

/* The activity verdict of log (steps: each line's step, or NULL) has the
 * type want. */
static void verdict_type_is(const char *const *log, const long *steps, const char *want)
{
    json_t *v = diag_activity_verdict(log, steps);
    CHECK_STR(type_of(v), want);
    json_decref(v);
}

/* ProcessGroupNCCL's warning at the first barrier() (torch 2.x and 1.x
 * forms): a log that ends there, no step printed, waits in that barrier. */
TEST(chang4_first_barrier_device_warning_is_setup)
{
    static const char *const t2[] = {
        "Loading checkpoint shards: 100%|##########| 2/2 [00:05<00:00,  2.51s/it]",
        "[rank0]:[W1204 10:00:00.000000 ProcessGroupNCCL.cpp:4115] [PG ID 0 PG GUID 0 Rank 0]  using GPU 0 "
        "to perform barrier as devices used by this process are currently unknown. This can potentially "
        "cause a hang if this rank to GPU mapping is incorrect.",
        NULL};
    static const char *const t1[] = {
        "[W ProcessGroupNCCL.cpp:1569] Rank 1 using best-guess GPU 1 to perform barrier as devices used by "
        "this process are currently unknown. This can potentially cause a hang if this rank to GPU mapping "
        "is incorrect.Specify device_ids in barrier() to force use of a particular device.",
        NULL};
    const char *const then_steps[] = {t1[0], "step 1 loss 2.5", NULL};
    const char *const *logs[] = {t2, t1};
    for (size_t i = 0; i < sizeof logs / sizeof *logs; i++) {
        json_t *v = diag_activity_verdict(logs[i], NULL);
        CHECK_STR(type_of(v), "hang");
        CHECK_STR(json_string_value(json_object_get(v, "last_activity")), "NCCL init");
        json_decref(v);
    }
    static const long steps[] = {-1, 1};
    json_t *v = diag_activity_verdict(then_steps, steps); /* the barrier passed */
    CHECK_STR(type_of(v), "no_failure");
    json_decref(v);
}

/* ColossalAI's rich logger (padded, the message wrapped onto a second
 * line) and torch's own INFO form: both end inside new_group's barriers. */
TEST(chang4_store_barrier_keys_are_setup)
{
    static const char *const colossal[] = {
        "                    INFO     colossalai - torch.distributed.distributed_c10d - INFO: Rank 3: "
        "Completed store-based barrier for key:store_based_barrier_key:11  ",
        "                             with 4 nodes.                       ",
        "                    INFO     colossalai - torch.distributed.distributed_c10d - INFO: Added key: "
        "store_based_barrier_key:12 to store for rank: 0                ",
        NULL};
    static const char *const plain[] = {
        "[2023-01-11 13:26:56,010][torch.distributed.distributed_c10d][INFO] - Added key: "
        "store_based_barrier_key:1 to store for rank: 23",
        "INFO:torch.distributed.distributed_c10d:Rank 1: Completed store-based barrier for "
        "key:store_based_barrier_key:1 with 2 nodes.",
        NULL};
    const char *const *logs[] = {colossal, plain};
    for (size_t i = 0; i < sizeof logs / sizeof *logs; i++) {
        json_t *v = diag_activity_verdict(logs[i], NULL);
        CHECK_STR(type_of(v), "hang");
        CHECK(json_is_true(json_object_get(v, "suspected")));
        CHECK_STR(json_string_value(json_object_get(v, "last_activity")), "NCCL init");
        json_decref(v);
    }
}

TEST(chang4_deepspeed_init_distributed_is_setup)
{
    static const char *const log[] = {
        "# bash run_pt.sh",
        "[2023-06-09 11:07:49,777] [INFO] [comm.py:622:init_distributed] Initializing TorchBackend "
        "in DeepSpeed with backend nccl",
        NULL};
    json_t *v = diag_activity_verdict(log, NULL);
    CHECK_STR(type_of(v), "hang");
    json_decref(v);
}

/* TensorFlow's MirroredStrategy placing its first all-reduce and
 * Lightning's sanity check (validation steps before any training step):
 * a log that ends there is a suspected hang. */
TEST(chang4_tf_reduce_broadcast_and_sanity_check_are_setup)
{
    static const char *const tf[] = {
        "INFO:tensorflow:Restoring parameters from /tmp/model.ckpt-0",
        "INFO:tensorflow:Reduce to /job:localhost/replica:0/task:0/device:CPU:0 then broadcast to "
        "('/job:localhost/replica:0/task:0/device:CPU:0',).",
        NULL};
    static const char *const lightning[] = {
        "LOCAL_RANK: 0 - CUDA_VISIBLE_DEVICES: [0,1]",
        "Sanity Checking: 0it [00:00, ?it/s]",
        NULL};
    const char *const *logs[] = {tf, lightning};
    for (size_t i = 0; i < sizeof logs / sizeof *logs; i++) {
        json_t *v = diag_activity_verdict(logs[i], NULL);
        CHECK_STR(type_of(v), "hang");
        json_decref(v);
    }
}

/* Process groups created by other front ends (c10d's own options line,
 * gloo, vLLM, Megatron-LM, NeMo, JAX, ColossalAI): a log that ends there,
 * no step printed, is a suspected hang in setup; a step after it is
 * progress. */
TEST(chang4_other_front_ends_process_groups_are_setup)
{
    static const char *const lines[] = {
        "[I ProcessGroupNCCL.cpp:686] [Rank 0] ProcessGroupNCCL initialization options:NCCL_ASYNC_ERROR_HANDLING: 1, "
        "NCCL_DESYNC_DEBUG: 0, TIMEOUT(ms): 1800000",
        "[Gloo] Rank 0 is connected to 1 peer ranks. Expected number of connected peer ranks is : 1",
        "DEBUG 06-12 10:00:00 parallel_state.py:810] world_size=2 rank=0 local_rank=0 "
        "distributed_init_method=tcp://10.0.0.1:41235 backend=nccl",
        "INFO 06-12 10:00:01 utils.py:637] Found nccl from library libnccl.so.2",
        "> initializing torch distributed ...",
        "> initialized tensor model parallel with size 8",
        "> initializing model parallel with size 2",
        "[NeMo I 2024-05-01 10:00:00 megatron_init:263] Rank 0 has data parallel group : [0, 8]",
        "INFO:jax._src.distributed:Connecting to JAX distributed service on 10.0.0.1:1234",
        "INFO:jax._src.distributed:Starting JAX distributed service on [::]:1234",
        "colossalai - colossalai - INFO: Distributed environment is initialized, world size: 8",
        "2021-11-16 19:26:11,451 INFO ray_trial_executor.py:120 -- Trial PPO_f747ca98: Setting up new remote runner.",
        "initializing deepspeed distributed: GLOBAL_RANK: 7, MEMBER: 8/8",
        "| distributed init (rank 1): tcp://localhost:16344",
        "Initializing distributed",
        "[1,0]<stdout>:node-10-102:2132:2137 [0] INFO Using NCCL Low-latency algorithm for sizes below 16384",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        const char *const log[] = {"$ bash train.sh", lines[i], "loading model weights ...", NULL};
        json_t *v = diag_activity_verdict(log, NULL);
        CHECK_STR(type_of(v), "hang");
        CHECK_STR(json_string_value(json_object_get(v, "last_activity")), "NCCL init");
        json_decref(v);
        const char *const then_steps[] = {lines[i], "step 1 loss 2.5", NULL};
        static const long steps[] = {-1, 1};
        v = diag_activity_verdict(then_steps, steps);
        CHECK_STR(type_of(v), "no_failure");
        json_decref(v);
    }
}

/* The same setup followed by a training step is a run that progressed:
 * "no failure found" at that step, not a hang. */
TEST(chang4_step_after_store_barrier_is_progress)
{
    static const char *const log[] = {
        "Added key: store_based_barrier_key:1 to store for rank: 0",
        "Rank 0: Completed store-based barrier for key:store_based_barrier_key:1 with 8 nodes.",
        "step 20 | loss 3.41", NULL};
    static const long steps[] = {-1, -1, 20};
    json_t *v = diag_activity_verdict(log, steps);
    CHECK_STR(type_of(v), "no_failure");
    CHECK_STR(json_string_value(json_object_get(v, "last_activity")), "training at step 20");
    json_decref(v);
}

/* ps-lite (MXNet's kvstore, BytePS) registering its nodes is collective
 * setup: a log that ends there with no step is a suspected hang; Caffe's
 * "Optimization Done." and TorchForge's "Reached training limit (" are
 * completion lines (twenty-ninth session). */
TEST(chang4_pslite_setup_and_completion_lines)
{
    static const char *const pslite[] = {
        "[02:33:37] src/van.cc:290: Bind to role=scheduler, id=1, ip=172.31.35.130, port=9093, is_recovery=0",
        "[02:33:37] src/van.cc:398: ? => 1. Meta: request=0, timestamp=0, control={ cmd=ADD_NODE, node={ "
        "role=server, ip=172.31.35.130, port=46899, is_recovery=0 } }",
        NULL};
    verdict_type_is(pslite, NULL, "hang");
    static const char *const caffe[] = {"I0821 10:00:00.000000  1234 solver.cpp:464] Snapshotting to binary proto",
                                        "I0821 10:00:01.000000  1234 solver.cpp:327] Optimization Done.", NULL};
    verdict_type_is(caffe, NULL, "success");
    static const char *const forge[] = {"Reached training limit (2 steps). Exiting continuous_training loop.",
                                        "Shutting down...", NULL};
    verdict_type_is(forge, NULL, "success");
    static const char *const gluonts[] = {"INFO:root:Epoch[9] Evaluation metric 'epoch_loss'=4.521", "End model training",
                                          NULL};
    verdict_type_is(gluonts, NULL, "success");
}

/* horovodrun waiting for the task servers it started on the remote hosts
 * (thirtieth session): a log that ends there is a suspected hang in the
 * launcher's setup. */
TEST(chang4_horovodrun_waiting_for_hosts_is_setup)
{
    static const char *const log[] = {"SSH was successful into all the remote hosts.",
                                      "Launched horovodrun server.", "Attempted to launch horovod task servers.",
                                      "Waiting for the hosts to acknowledge.", NULL};
    verdict_type_is(log, NULL, "hang");
    static const char *const then[] = {"Waiting for the hosts to acknowledge.", "[1,0]<stdout>:Epoch 1/10 step 5 loss 2.1",
                                       NULL};
    static const long steps[] = {-1, 5};
    verdict_type_is(then, steps, "no_failure");
}

/* Composer's "Spinning the dataloaders" and YOLOX's launcher line are the
 * loop's start (twenty-ninth session): a log that ends there is a
 * suspected hang in the first step; a step after them is progress. */
TEST(chang4_composer_and_yolox_loop_start)
{
    static const char *const composer[] = {
        "2023-07-07 01:36:02,649: rank0[1074804][MainThread]: DEBUG: composer.trainer.trainer: Spinning the dataloaders",
        NULL};
    json_t *v = diag_activity_verdict(composer, NULL);
    CHECK_STR(type_of(v), "hang");
    CHECK_STR(json_string_value(json_object_get(v, "last_activity")), "training start");
    json_decref(v);
    static const char *const yolox[] = {
        "2022-01-01 10:00:00 | INFO | yolox.core.launch:_distributed_worker:119 - Rank 1 initialization finished.",
        "step 1 loss 2.5", NULL};
    static const long steps[] = {-1, 1};
    verdict_type_is(yolox, steps, "no_failure");
}
