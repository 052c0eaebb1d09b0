/* test_chang3: the honest "no failure found" verdict (diagnose/activity.c)
 * for logs that stop in the setup of launchers and libraries other than
 * NCCL's own lines: c10d's TCPStore sockets, torchelastic's rendezvous,
 * TensorFlow's distributed server, a Ray Train worker group starting or
 * never scheduled, torch pipeline stages, torchrun's and horovodrun's
 * start of their ranks. Such a log with no step is a
 * suspected hang; with a step after it, it is not. A suspected hang names the host of the last
 * NCCL setup line also when the host is as long as a Kubernetes pod name.
 * A log that ends while a connect is retried is a suspected connection
 * failure instead. */
#include <string.h>
#include "diagnose/activity.h"
#include "diagnose/internal.h"
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

static const char *type_of(json_t *v)
{
    return json_string_value(json_object_get(v, "type"));
}

TEST(chang3_launcher_setup_forms_are_suspected_hang)
{
    static const char *const c10d[] = {
        "[I socket.cpp:522] [c10d] The server socket has started to listen on [::]:23456.",
        "[I socket.cpp:580] [c10d - debug] The client socket will attempt to connect to an IPv6 "
        "address of (pytorch-simple-maste",
        NULL};
    static const char *const elastic[] = {
        "[INFO] 2020-08-18 05:26:51,937 api: [default] Rendezvous'ing worker group",
        "INFO 2020-08-18 05:26:51,951 Added self to waiting list. Rendezvous full state: {\"status\": "
        "\"final\"",
        NULL};
    static const char *const tf[] = {
        "2020-01-15 19:13:45.016826: I tensorflow/core/distributed_runtime/rpc/grpc_server_lib.cc:390] "
        "Started server with target: grpc://localhost:2000",
        "WARNING:tensorflow:ModelCheckpoint callback is not provided.", NULL};
    static const char *const ray[] = {
        "(scheduler +17s) Tip: use `ray status` to view detailed cluster status.",
        "(scheduler +17s) Warning: The following resource request cannot be sche", NULL};
    static const char *const pipe[] = {
        "[rank1]:V0731 00:44:16 */torch/distributed/pipelining/stage.py:1326] Finished pipeline stage "
        "init, self.stage_index=0, self.is_first=True, self.is_last=False, self.num_stages=2",
        NULL};
    static const char *const raytrain[] = {
        "2022-03-22 11:11:17,420\tINFO services.py:1412 -- View the Ray dashboard at http://127.0.0.1:8265",
        "2022-03-22 11:11:18,857\tINFO trainer.py:199 -- Trainer logs will be logged in: "
        "/home/u/ray_results/train_2022-03-22_11-11-18",
        NULL};
    /* launchers starting their ranks: torchrun's banner, horovodrun's checks */
    static const char *const torchrun[] = {
        "W1204 07:19:24.745000 18465 site-packages/torch/distributed/run.py:793] Setting OMP_NUM_THREADS "
        "environment variable for each process to be 1 in default, to avoid your system being overloaded",
        "W1204 07:19:24.745000 18465 site-packages/torch/distributed/run.py:793] *****************", NULL};
    static const char *const horovodrun[] = {
        "Host-to-host interface checking successful.", "Interfaces on all the hosts were successfully checked.",
        "Common interface found: eno1", "Checking whether extension tensorflow was built with MPI.", NULL};
    static const char *const *const forms[] = {c10d, elastic, tf, ray, pipe, raytrain, torchrun, horovodrun};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        json_t *v = diag_activity_verdict(forms[i], NULL);
        CHECK_STR(type_of(v), "hang");
        CHECK(json_is_true(json_object_get(v, "suspected")));
        json_decref(v);
    }
}

TEST(chang3_launcher_setup_then_step_is_no_hang)
{
    static const char *const log[] = {
        "[INFO] 2020-08-18 05:26:51,937 api: [default] Rendezvous'ing worker group",
        "2020-01-15 19:13:45.016826: I grpc_server_lib.cc:390] Started server with target: grpc://localhost:2000",
        "step 12 loss 2.31", NULL};
    static const long steps[] = {-1, -1, 12};
    json_t *v = diag_activity_verdict(log, steps);
    CHECK_STR(type_of(v), "no_failure");
    CHECK_STR(json_string_value(json_object_get(v, "last_activity")), "training at step 12");
    json_decref(v);
}

TEST(chang3_suspected_hang_names_pod_length_host)
{
    /* A 63-byte host (the longest DNS label, as Kubernetes pod names) in
     * NCCL's "host:pid:tid [gpu] NCCL" prefix, bare and behind a label. */
    static const char host[] = "pytorch-1-13-gpu-p-ml-p4d-24xlarge-7ee1912e699dabdbbeb27a423adc";
    static const char *const bare[] = {
        "pytorch-1-13-gpu-p-ml-p4d-24xlarge-7ee1912e699dabdbbeb27a423adc:6883:8229 [0] NCCL INFO "
        "Trees [0] 1/-1/-1->0->-1 [1] 1/-1/-1->0->-1",
        NULL};
    static const char *const labelled[] = {
        "worker-3: pytorch-1-13-gpu-p-ml-p4d-24xlarge-7ee1912e699dabdbbeb27a423adc:6883:8229 [0] "
        "NCCL INFO Channel 23/24 :    0   1   2   3",
        NULL};
    static const char *const *const forms[] = {bare, labelled};
    CHECK(strlen(host) == 63);
    for (int i = 0; i < 2; i++) {
        json_t *v = diag_activity_verdict(forms[i], NULL);
        CHECK_STR(type_of(v), "hang");
        CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), host);
        json_decref(v);
    }
}

/* A stop by a human or the scheduler (KeyboardInterrupt, scancel: the
 * rules' unknown/unknown/stop) after a log that ends in setup with no step
 * is the suspected hang; after a step, or another verdict, nothing changes. */
TEST(chang3_stop_after_setup_is_the_suspected_hang)
{
    const char *nccl = "node1:12:12 [0] NCCL INFO Init COMPLETE", *step = "step 4 loss 2.0";
    struct activity a;
    activity_init(&a);
    activity_line(&a, nccl, strlen(nccl), -1);
    json_t *v = verdict_base("unknown", "unknown", "stop", 0.4, "A person stopped the job.");
    json_object_set_new(v, "rule", json_string("slurm.cancelled_by_user"));
    activity_interrupted(&a, v);
    CHECK_STR(type_of(v), "hang");
    CHECK_STR(json_string_value(json_object_get(v, "action")), "restart");
    CHECK(json_is_true(json_object_get(v, "suspected")));
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), "node1");
    CHECK(strstr(json_string_value(json_object_get(v, "explanation")), "slurm.cancelled_by_user") != NULL);
    json_decref(v);
    /* another verdict: a SIGKILL without evidence stays what it is */
    v = verdict_base("unknown", "killed", "restart", 0.4, "Killed.");
    activity_interrupted(&a, v);
    CHECK_STR(type_of(v), "killed");
    json_decref(v);
    /* training went on before the stop: the stop stands */
    activity_line(&a, step, strlen(step), 4);
    v = verdict_base("unknown", "unknown", "stop", 0.4, "A person stopped the job.");
    activity_interrupted(&a, v);
    CHECK_STR(type_of(v), "unknown");
    json_decref(v);
}

/* A log that ends while a connect is retried (NCCL's socket connect,
 * TensorFlow's gRPC master) is a suspected connection failure, not a hang:
 * network_error when the retry says there is no route, connection_error
 * otherwise, with the host of NCCL's prefix; retries followed by training
 * or by a setup line are not the end; a stop after them names the stop. */
TEST(chang3_log_that_ends_retrying_a_connect)
{
    static const char *const refused[] = {
        "node7:941227:943077 [0] NCCL INFO NET/Socket : Using [0]eth0:10.1.0.7<0>",
        "node7:941227:943077 [0] NCCL INFO Call to connect returned Connection refused, retrying",
        "node7:941227:943077 [0] NCCL INFO Call to connect returned Connection refused, retrying", NULL};
    static const char *const no_route[] = {
        "zgiot:1183664:1184669 [0] NCCL INFO socketPollConnect: connect returned No route to host, "
        "retrying (33/34) after sleep for 3300 msec",
        NULL};
    static const char *const grpc[] = {
        "2022-03-28 11:57:22.529851: W tensorflow/core/distributed_runtime/rpc/grpc_remote_master.cc:157] "
        "RPC failed with status = \"UNAVAILABLE: Socket closed\" and grpc_error_string = \"{}\", maybe "
        "retrying the RPC",
        NULL};
    json_t *v = diag_activity_verdict(refused, NULL);
    CHECK_STR(type_of(v), "connection_error");
    CHECK_STR(json_string_value(json_object_get(v, "category")), "infrastructure");
    CHECK_STR(json_string_value(json_object_get(v, "action")), "restart");
    CHECK(json_is_true(json_object_get(v, "suspected")));
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), "node7");
    CHECK_STR(json_string_value(json_object_get(v, "last_activity")), "retrying a connection");
    json_decref(v);
    v = diag_activity_verdict(no_route, NULL);
    CHECK_STR(type_of(v), "network_error");
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), "zgiot");
    json_decref(v);
    v = diag_activity_verdict(grpc, NULL);
    CHECK_STR(type_of(v), "connection_error");
    json_decref(v);
    /* the connect succeeded in the end: training, or setup going on */
    const char *const then_step[] = {refused[1], "step 3 loss 2.2", NULL};
    static const long steps[] = {-1, 3};
    v = diag_activity_verdict(then_step, steps);
    CHECK_STR(type_of(v), "no_failure");
    json_decref(v);
    const char *const then_setup[] = {refused[1], "node7:941227:943077 [0] NCCL INFO Init COMPLETE", NULL};
    v = diag_activity_verdict(then_setup, NULL);
    CHECK_STR(type_of(v), "hang");
    json_decref(v);
    /* someone stopped the job while it retried */
    struct activity a;
    activity_init(&a);
    activity_line(&a, refused[1], strlen(refused[1]), -1);
    v = verdict_base("unknown", "unknown", "stop", 0.4, "A person stopped the job.");
    json_object_set_new(v, "rule", json_string("py.keyboard_interrupt"));
    activity_interrupted(&a, v);
    CHECK_STR(type_of(v), "connection_error");
    CHECK(strstr(json_string_value(json_object_get(v, "explanation")), "py.keyboard_interrupt") != NULL);
    json_decref(v);
}

/* A KeyboardInterrupt raised in a wait (the innermost frame of its
 * evidence joins a process, takes a lock, receives, or runs a collective)
 * is someone interrupting a stuck job: a suspected hang. Raised in
 * compute, or another stop, it stays what it is. */
TEST(chang3_interrupt_in_a_wait_is_a_suspected_hang)
{
    struct activity a;
    activity_init(&a);
    static const char *const waits[] = {"    pid, sts = os.waitpid(self.pid, flag)",
                                        "    return self._semlock.__enter__()",
                                        "    self._sync_module_buffers(authoritative_rank)",
                                        "    work.wait()",
                                        /* multiprocessing's pipe read (thirtieth session) */
                                        "    chunk = read(handle, remaining)"};
    for (size_t i = 0; i < sizeof waits / sizeof *waits; i++) {
        json_t *v = verdict_base("unknown", "unknown", "stop", 0.4, "A person stopped the job.");
        json_object_set_new(v, "rule", json_string("py.keyboard_interrupt"));
        json_t *ev = json_pack("[s,s,s,s]", "Traceback (most recent call last):",
                               "  File \"/usr/lib/python3.10/x.py\", line 7, in f", waits[i],
                               "KeyboardInterrupt");
        json_object_set_new(v, "evidence", ev);
        activity_interrupted_wait(&a, v);
        CHECK_STR(type_of(v), "hang");
        CHECK(json_is_true(json_object_get(v, "suspected")));
        CHECK(strstr(json_string_value(json_object_get(v, "explanation")), "x.py") != NULL);
        json_decref(v);
    }
    /* in compute (a str.join and index_select are no waits) */
    static const char *const computes[] = {"    text = \" \".join(tokens)", "    x = torch.index_select(a, 0, i)"};
    for (size_t i = 0; i < 2; i++) {
        json_t *c = verdict_base("unknown", "unknown", "stop", 0.4, "A person stopped the job.");
        json_object_set_new(c, "rule", json_string("py.keyboard_interrupt"));
        json_object_set_new(c, "evidence", json_pack("[s,s,s]", "  File \"prep.py\", line 3, in f", computes[i],
                                                     "KeyboardInterrupt"));
        activity_interrupted_wait(&a, c);
        CHECK_STR(type_of(c), "unknown");
        json_decref(c);
    }
    /* a frame after the interrupt (a paste that goes on) is not its frame */
    json_t *v = verdict_base("unknown", "unknown", "stop", 0.4, "A person stopped the job.");
    json_object_set_new(v, "rule", json_string("py.keyboard_interrupt"));
    json_object_set_new(v, "evidence", json_pack("[s,s,s,s,s]", "  File \"train.py\", line 9, in main",
                                                 "    loss.backward()", "KeyboardInterrupt:",
                                                 "  File \"x.py\", line 1, in g", "    t.join()"));
    activity_interrupted_wait(&a, v);
    CHECK_STR(type_of(v), "unknown");
    json_decref(v);
    /* a scancel is not an interrupt raised in a frame */
    v = verdict_base("unknown", "unknown", "stop", 0.4, "Cancelled.");
    json_object_set_new(v, "rule", json_string("slurm.cancelled_by_user"));
    json_object_set_new(v, "evidence", json_pack("[s,s]", "  File \"x.py\", line 1, in g", "    t.join()"));
    activity_interrupted_wait(&a, v);
    CHECK_STR(type_of(v), "unknown");
    json_decref(v);
}

/* A traceback cut off before its exception line (py.traceback_cut_off's
 * unknown/unknown/restart) whose innermost frame waits is a suspected hang
 * there too (twenty-seventh session: WaveGlow's DataLoader receiving from
 * its workers, fairseq's launcher in waitpid); one whose innermost frame
 * computes stays a failure of unknown cause. */
/* A py.traceback_cut_off verdict with this evidence (stolen). */
static json_t *cut_off(json_t *evidence)
{
    json_t *v = verdict_base("unknown", "unknown", "restart", 0.3, "A traceback is cut off.");
    json_object_set_new(v, "rule", json_string("py.traceback_cut_off"));
    json_object_set_new(v, "evidence", evidence);
    return v;
}

TEST(chang3_cut_traceback_in_a_wait_is_a_suspected_hang)
{
    struct activity a;
    activity_init(&a);
    json_t *v = cut_off(json_pack("[s,s,s,s,s]", "Traceback (most recent call last):",
                                  "  File \"/usr/lib/python3.6/multiprocessing/queues.py\", line 94, in get",
                                  "    res = self._recv_bytes()",
                                  "  File \"/usr/lib/python3.6/multiprocessing/connection.py\", line 407, in _recv_bytes",
                                  "    buf = self._recv(4)"));
    activity_interrupted_wait(&a, v);
    CHECK_STR(type_of(v), "hang");
    CHECK(json_is_true(json_object_get(v, "suspected")));
    CHECK(strstr(json_string_value(json_object_get(v, "explanation")), "cut off") != NULL);
    json_decref(v);
    /* DDP's first broadcast from rank 0, cut in its innermost frame's header */
    v = cut_off(json_pack("[s,s,s]", "  File \"torch/nn/parallel/distributed.py\", line 457, in _sync_params_and_buffers",
                          "    self._distributed_broadcast_coalesced(",
                          "  File \"torch/nn/parallel/distributed.py\", line 1155, in _distributed_broadcast_coalesced"));
    activity_interrupted_wait(&a, v);
    CHECK_STR(type_of(v), "hang");
    json_decref(v);
    json_t *c = cut_off(json_pack("[s,s,s]", "Traceback (most recent call last):", "  File \"train.py\", line 9, in main",
                                  "    loss.backward()"));
    activity_interrupted_wait(&a, c);
    CHECK_STR(type_of(c), "unknown");
    json_decref(c);
}
