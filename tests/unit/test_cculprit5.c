/* test_cculprit5: culprit forms of issue 12 (diagnose/prefix.c,
 * diagnose/culprit.c, diagnose/lastresort.c), each from a real pasted log:
 * horovodrun's Gloo label "[2]<stderr>:" (after ctime's stamp), PSM3's
 * "host:rankN.prog: ", kubectl logs --prefix's "[pod/NAME/CONTAINER] ",
 * Open MPI's "Process name: [[job,1],rank]", c10d's "[7] is setting up
 * NCCL communicator", JAX's "/job:jax_worker/replica:0/task:N",
 * TensorFlow's allocator "GPU_N_bfc" and failed node's _device, scontrol's "NodeList=NAME",
 * slurmstepd's "*** JOB N ON NAME CANCELLED", ORTE's "Node: NAME" and a
 * conda environment before a shell prompt, and (twenty-seventh session)
 * torchrun's "[host:N]:" role prefix, TorchElastic's JSON error record and
 * ssh's refused login, (twenty-eighth) the prefix of a cut traceback's
 * first frame; and the look-alikes that must stay no culprit. */
#include <string.h>
#include "diagnose/culprit.h"
#include "diagnose/internal.h"
#include "diagnose/lastresort.h"
#include "diagnose/prefix.h"
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

static struct prefix_info parse(const char *s)
{
    struct prefix_info p;
    prefix_parse(s, strlen(s), &p);
    return p;
}

/* The culprit field key a fresh extractor finds on s in scope sc. */
static const char *field(const char *s, enum culprit_scope sc, const char *key, char *out, size_t n)
{
    struct culprit_x *x = culprit_x_new();
    diag_culprit_field(x, s, sc, key, out, n);
    culprit_x_free(x);
    return out;
}

TEST(cculprit5_horovod_gloo_label)
{
    /* horovodrun --gloo (github.com/horovod/horovod/issues/1364): ctime's
     * stamp, then "[rank]<stream>:" with no space between */
    const char *l = "Thu Aug 29 21:45:09 2019[2]<stderr>:Fatal Python error: Aborted";
    struct prefix_info p = parse(l);
    CHECK(p.rank == 2);
    CHECK(p.ts > 0);
    CHECK_STR(l + p.skip, "Fatal Python error: Aborted");
    p = parse("Tue Jun  9 20:10:40 2020[1]<stderr>:*** Received signal 6 ***"); /* horovod/horovod#2015 */
    CHECK(p.rank == 1);
    p = parse("[5]<stdout>:[2019-08-29 21:45:09.574022: D horovod/common/gloo/gloo_context.cc:131] x");
    CHECK(p.rank == 5);
    p = parse("[1,3]<stderr>:boom"); /* Open MPI's label still reads job, rank */
    CHECK(p.rank == 3);
    /* look-alikes: a bracketed number without a stream, a date that is no ctime */
    p = parse("[2] Traceback (most recent call last):");
    CHECK(p.rank == -1 && p.skip == 0);
    p = parse("Thu Aug 29 is when it broke[2]<stderr>:x");
    CHECK(p.rank == -1 && p.ts == -1);
}

TEST(cculprit5_psm3_host_rank)
{
    /* PSM3 (github.com/easybuilders/easybuild-easyconfigs/issues/18925,
     * github.com/open-mpi/ompi/issues/12448, mpi4py/shmem4py#28) */
    const char *l = "login1:rank0: PSM3 can't open nic unit: 0 (err=23)";
    struct prefix_info p = parse(l);
    CHECK_STR(p.host, "login1");
    CHECK(p.rank == 0);
    CHECK_STR(l + p.skip, "PSM3 can't open nic unit: 0 (err=23)");
    p = parse("duvel:rank2.mpi_test_ring_c: Failed to get enx0c3796b36b50 (unit 1) cpu set");
    CHECK_STR(p.host, "duvel");
    CHECK(p.rank == 2);
    p = parse("dd1baa5f5873:pid267.python3: Failed to get eth0 (unit 0) cpu set"); /* pyccel/psydac#323 */
    CHECK_STR(p.host, "dd1baa5f5873");
    CHECK(p.rank == -1); /* a pid is no rank */
    /* look-alikes */
    p = parse("torch:ranking: done");
    CHECK(!p.host[0] && p.rank == -1);
    p = parse("error:rank3 failed");
    CHECK(!p.host[0] && p.rank == -1);
    p = parse("INFO:rank0: step 5 loss 2.1"); /* Python logging, a logger named rank0 */
    CHECK(!p.host[0]);
}

TEST(cculprit5_kubectl_pod_prefix)
{
    /* kubectl logs -l ... --prefix (the form kubectl documents: "[pod/NAME/CONTAINER] ") */
    const char *l = "[pod/llama-worker-3/pytorch] [rank5]: RuntimeError: CUDA error: uncorrectable ECC error encountered";
    struct prefix_info p = parse(l);
    CHECK_STR(p.host, "llama-worker-3");
    CHECK(p.rank == 5);
    CHECK_STR(l + p.skip, "RuntimeError: CUDA error: uncorrectable ECC error encountered");
    p = parse("[pod/web-f4c54c7fc-r5d9h/nginx] 2026/10/07 15:28:54 [notice] 1#1: start worker process 52");
    CHECK_STR(p.host, "web-f4c54c7fc-r5d9h");
    p = parse("[pod/broken x");
    CHECK(!p.host[0] && p.skip == 0);
    p = parse("created [pod/a/b] x"); /* only first on a line */
    CHECK(!p.host[0]);
}

TEST(cculprit5_message_forms)
{
    char o[80];
    /* Open MPI's first failed process (mpirun detected that one or more
     * processes exited with non-zero status ...) */
    CHECK_STR(field("  Process name: [[44374,1],3]", CX_BLOCK, "rank", o, sizeof o), "3");
    /* nccl-tests' and rccl-tests' failed call names its host (twenty-eighth
     * session), not a word of a message that says "Test failure" */
    CHECK_STR(field("nid005023: Test NCCL failure common.cu.cpp:1108 'unhandled cuda error'", CX_LINE, "host", o,
                    sizeof o),
              "nid005023");
    CHECK_STR(field("gpu5: Test CUDA failure common.cu:941 'system not yet initialized'", CX_LINE, "host", o, sizeof o),
              "gpu5");
    CHECK_STR(field("unit: Test failure in suite", CX_LINE, "host", o, sizeof o), "");
    CHECK_STR(field("  HNP daemon   : [[45370,0],0] on node node01", CX_BLOCK, "rank", o, sizeof o), "");
    /* c10d (pytorch/pytorch DistBackendError): the rank it asked, which
     * never published the id, not the rank that waited for it (since the
     * twenty-sixth session); the message's tail names it too */
    CHECK_STR(field("torch.distributed.DistBackendError: [7] is setting up NCCL communicator and retrieving "
                    "ncclUniqueId from [0] via c10d key-value store by key '0', but store->get('0') got error: "
                    "Socket Timeout",
                    CX_LINE, "rank", o, sizeof o),
              "0");
    CHECK_STR(field("[rank2]: . This may indicate a possible application crash on rank 0 or a network set up issue.",
                    CX_LINE, "rank", o, sizeof o),
              "0");
    /* JAX's coordination service (github.com/jax-ml/jax/issues/23599) */
    CHECK_STR(field("coordination_service.cc:1170] /job:jax_worker/replica:0/task:3 has been set to ERROR in "
                    "coordination service: UNAVAILABLE: Task /job:jax_worker/replica:0/task:3 heartbeat timeout.",
                    CX_LINE, "rank", o, sizeof o),
              "3");
    /* TensorFlow's single process names task 0 of job localhost: no rank */
    CHECK_STR(field("OOM when allocating tensor with shape[64] on /job:localhost/replica:0/task:0/device:GPU:1",
                    CX_LINE, "rank", o, sizeof o),
              "");
    /* TensorFlow's allocator (github.com/tensorflow/tensorflow/issues/43546) */
    CHECK_STR(field("W tensorflow/core/common_runtime/bfc_allocator.cc:246] Allocator (GPU_2_bfc) ran out of "
                    "memory trying to allocate 1.02GiB with freed_by_count=0.",
                    CX_LINE, "gpu", o, sizeof o),
              "2");
    CHECK_STR(field("Allocator (GPU_host_bfc) ran out of memory", CX_LINE, "gpu", o, sizeof o), "");
    /* CNTK's cuDNN failure (thirtieth session): "; GPU=N ; hostname=" */
    CHECK_STR(field("EXCEPTION occurred: cuDNN failure 2: CUDNN_STATUS_ALLOC_FAILED ; GPU=0 ; hostname=PTNU5 ; "
                    "expr=finder(calgo, algoPerf)",
                    CX_LINE, "gpu", o, sizeof o),
              "0");
    CHECK_STR(field("export CUDA_GPU=0 ; echo hostname=x", CX_LINE, "gpu", o, sizeof o), "");
    /* TensorFlow 1.x's failed graph node on the line after its error
     * (github.com/tensorflow/models/issues/4735): the op's device, also
     * near the key line; a transfer's send_device/recv_device is not it */
    CHECK_STR(field("     [[Node: InceptionV1/Conv2d_1a_7x7/BatchNorm/moments/SquaredDifference = SquaredDifference"
                    "[T=DT_FLOAT, _device=\"/job:localhost/replica:0/task:0/gpu:3\"](InceptionV1/Conv2d_1a_7x7/Conv2D)]]",
                    CX_BLOCK, "gpu", o, sizeof o),
              "3");
    CHECK_STR(field("     [[Node: MaxPool/_1231 = _Recv[client_terminated=false, recv_device=\"/job:localhost/replica:0/"
                    "task:0/cpu:0\", send_device=\"/job:localhost/replica:0/task:0/gpu:0\", _device=\"/job:localhost/"
                    "replica:0/task:0/cpu:0\"]()]]",
                    CX_BLOCK, "gpu", o, sizeof o),
              "");
    /* scontrol show job (github.com/mknoxnv/ubuntu-slurm/issues/5): one node */
    CHECK_STR(field("   NodeList=asus", CX_FIELD, "host", o, sizeof o), "asus");
    CHECK_STR(field("   NodeList=f006 BatchHost=f006", CX_FIELD, "host", o, sizeof o), "f006");
    CHECK_STR(field("   NodeList=gpu[01-04]", CX_FIELD, "host", o, sizeof o), "");
    CHECK_STR(field("   NodeList=n1,n2", CX_FIELD, "host", o, sizeof o), "");
    CHECK_STR(field("   ReqNodeList=(null) ExcNodeList=node9", CX_FIELD, "host", o, sizeof o), "");
}

/* The culprit host of the offline verdict of log under rules is want
 * (NULL: the verdict names no host). */
static void offline_host_is(const char *rules, const char *const *log, const char *want)
{
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK(v != NULL);
    const json_t *h = json_object_get(json_object_get(v, "culprit"), "host");
    if (want)
        CHECK_STR(json_string_value(h), want);
    else
        CHECK(json_is_null(h));
    json_decref(v);
}

TEST(cculprit5_scontrol_nodelist_names_the_node)
{
    static const char *const rules =
        "- id: t.failed\n  category: unknown\n  type: unknown\n  role: root\n"
        "  action: restart\n  match: 'JobState=FAILED Reason=NonZeroExitCode'\n  explain: 'x'\n"
        "  examples: ['JobState=FAILED Reason=NonZeroExitCode']\n";
    static const char *const log[] = {
        "UserId=root(0) GroupId=root(0) MCS_label=N/A",
        "   JobState=FAILED Reason=NonZeroExitCode Dependency=(null)",
        "   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=1:0",
        "   ReqNodeList=(null) ExcNodeList=(null)",
        "   NodeList=asus",
        "   BatchHost=asus",
        NULL};
    offline_host_is(rules, log, "asus");
}

/* slurmstepd's cancellation line names the job's node (a description
 * field, read around the key line); ORTE's help message names the node and
 * the rank it could not start (twenty-first session). */
TEST(cculprit5_slurm_cancelled_and_orte_start_failure)
{
    char o[64];
    CHECK_STR(field("slurmstepd: error: *** JOB 7518 ON xantipa CANCELLED AT 2022-06-10T17:11:35 ***", CX_FIELD,
                    "host", o, sizeof o), "xantipa");
    CHECK_STR(field("slurmstepd: error: *** STEP 1234.0 ON gpu-07 CANCELLED AT 2024-01-02T03:04:05 DUE TO TIME LIMIT ***",
                    CX_FIELD, "host", o, sizeof o), "gpu-07");
    CHECK_STR(field("srun: Job step aborted: Waiting up to 32 seconds for job step to finish.", CX_FIELD, "host", o,
                    sizeof o), "");
    CHECK_STR(field("Node: Server712", CX_BLOCK, "host", o, sizeof o), "Server712");
    CHECK_STR(field("  Local host:  gpu01", CX_BLOCK, "host", o, sizeof o), "gpu01");
    CHECK_STR(field("Node:         ip-10-0-1-5.ec2.internal/10.0.1.5", CX_BLOCK, "host", o, sizeof o), "");
    CHECK_STR(field("when attempting to start process rank 0.", CX_BLOCK, "rank", o, sizeof o), "0");
    static const char *const rules =
        "- id: t.mem\n  category: infrastructure\n  type: oom_host\n  role: root\n"
        "  action: restart\n  match: 'Exceeded job memory limit'\n  explain: 'x'\n"
        "  examples: ['Exceeded job memory limit']\n";
    static const char *const log[] = {
        "slurmstepd: error: Job 7518 exceeded memory limit (626359956 > 512000000), being killed",
        "slurmstepd: error: Exceeded job memory limit",
        "slurmstepd: error: *** JOB 7518 ON xantipa CANCELLED AT 2022-06-10T17:11:35 ***",
        NULL};
    offline_host_is(rules, log, "xantipa");
}

TEST(cculprit5_conda_prompt)
{
    /* the prompts after a conda environment's name are in
     * lastresort_prompt_host_forms; here the look-alikes */
    struct last_resort p;
    CHECK(last_resort_init(&p) == 0);
    static const char *const none[] = {"(see admin@cluster.example.com) for help", "(x) mail me@host.org", NULL};
    diag_last_resort_feed(&p, none);
    CHECK(last_resort_host(&p) == NULL);
    last_resort_free(&p);
}

/* A traceback's event is delivered when the traceback ends, after its
 * exception line: it takes the host every prefixed line of its stream
 * named (pdsh's "host: " before "[rankN]: "), as a one-line error takes its
 * own line's; a stream whose lines name two hosts names none; the local
 * rank of torchrun's "[default3]:" also when the log's end closes it. */
TEST(cculprit5_traceback_takes_its_stream_host)
{
    static const char *const rules =
        "- id: t.compile\n  category: framework\n  type: runtime_error\n  role: root\n"
        "  action: stop\n  match: 'RuntimeError: Graph compile failed'\n  explain: 'x'\n"
        "  examples: ['RuntimeError: Graph compile failed.']\n";
    static const char *const log[] = {
        "100.83.191.29: [rank14]: Traceback (most recent call last):",
        "100.83.191.29: [rank14]:   File \"train.py\", line 3, in <module>",
        "100.83.191.29: [rank14]: RuntimeError: Graph compile failed. synStatus=synStatus 26 [Generic failure].",
        NULL};
    offline_host_is(rules, log, "100.83.191.29");
    static const char *const mixed[] = {
        "worker-1: Traceback (most recent call last):",
        "worker-2:   File \"train.py\", line 3, in <module>",
        "worker-1: RuntimeError: Graph compile failed. synStatus=synStatus 26 [Generic failure].",
        NULL};
    offline_host_is(rules, mixed, NULL);
    /* torchrun's local-rank label, the traceback closed by the log's end */
    static const char *const local[] = {
        "[default3]:Traceback (most recent call last):",
        "[default3]:  File \"train.py\", line 3, in <module>",
        "[default3]:RuntimeError: Graph compile failed. synStatus=synStatus 26 [Generic failure].",
        NULL};
    json_t *v = diag_offline_lines(rules, local, 0);
    CHECK(v != NULL);
    CHECK(json_integer_value(json_object_get(json_object_get(v, "culprit"), "rank")) == 3);
    json_decref(v);
}

/* "hostname = NAME" names a host, but not in a source line that calls a
 * function ("hostname = socket.gethostbyname(socket.getfqdn())"). */
TEST(cculprit5_hostname_field_is_not_a_call)
{
    char o[64];
    CHECK_STR(field("    hostname = socket.gethostbyname(socket.getfqdn())", CX_LINE, "host", o, sizeof o), "");
    CHECK_STR(field("hostname = gpu-node-3", CX_LINE, "host", o, sizeof o), "gpu-node-3");
    CHECK_STR(field("RuntimeError: NCCL error on host: node12.", CX_LINE, "host", o, sizeof o), "node12");
    CHECK_STR(field("host: node12.", CX_LINE, "host", o, sizeof o), "node12"); /* a sentence's full stop */
}

/* Open MPI's "[host:pid]" (parsed as a node prefix) names the host of its
 * line's event also when the stream's first line had no prefix (a launcher's
 * command line before the ranks' output): the stream's classifier took its
 * node from that first line only. */
TEST(cculprit5_mpi_node_prefix_after_an_unprefixed_line)
{
    static const char *const rules =
        "- id: t.segv\n  category: framework\n  type: runtime_error\n  role: root\n"
        "  action: restart\n  match: '^Signal: Segmentation fault'\n  explain: 'x'\n"
        "  examples: ['Signal: Segmentation fault (11)']\n";
    static const char *const log[] = {
        "2025-06-25 20:59:16|STATUS: Running benchmark command:: mpirun -n 200 -host 10.57.205.80:34 dlio",
        "[clientvm1:148878] *** Process received signal ***",
        "[clientvm1:148878] Signal: Segmentation fault (11)",
        NULL};
    offline_host_is(rules, log, "clientvm1");
}

/* nn.DataParallel's "in replica R on device D" names the GPU. (srun's
 * "task N" stays no rank: test_cculprit.c, one launcher per node.) */
TEST(cculprit5_dataparallel_replica_device)
{
    char o[64];
    CHECK_STR(field("torch.cuda.OutOfMemoryError: Caught OutOfMemoryError in replica 0 on device 2.", CX_LINE, "gpu",
                    o, sizeof o),
              "2");
    CHECK_STR(field("moving the model to device 2 for replica 0", CX_LINE, "gpu", o, sizeof o), "");
}

/* A pasted CUDA OOM message wrapped after "Tried to allocate ...": its
 * next line "(GPU 0; 2.00 GiB total capacity; ...)" names the GPU, in the
 * block around the key line; a line that only mentions a GPU's capacity
 * in other words names none. */
TEST(cculprit5_wrapped_oom_capacity_line)
{
    char o[64];
    CHECK_STR(field("(GPU 3; 2.00 GiB total capacity; 1.72 GiB already allocated; 0 bytes free)", CX_BLOCK, "gpu", o,
                    sizeof o),
              "3");
    CHECK_STR(field("the card has 2.00 GiB total capacity", CX_BLOCK, "gpu", o, sizeof o), "");
}

/* The device of NCCL's "host:pid:tid [N]" prefix is the GPU of an
 * infrastructure event (or a GPU out-of-memory) whose rule names none; not
 * of a script error. */
TEST(cculprit5_nccl_prefix_device_is_the_gpu)
{
    static const char *const rules =
        "- id: t.cuda\n  category: infrastructure\n  type: cuda_error\n  role: root\n"
        "  action: restart\n  match: 'NCCL WARN Cuda failure \\d+'\n  explain: 'x'\n"
        "  examples: ['NCCL WARN Cuda failure 999']\n"
        "- id: t.script\n  category: script\n  type: file_not_found\n  role: root\n"
        "  action: stop\n  match: 'NCCL WARN missing file'\n  explain: 'x'\n"
        "  examples: ['NCCL WARN missing file']\n";
    static const char *const log[] = {
        "DESKTOP-1CE5APL:2852:3596 [3] include/alloc.h:112 NCCL WARN Cuda failure 999 'unknown error'", NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK(json_integer_value(json_object_get(json_object_get(v, "culprit"), "gpu")) == 3);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), "DESKTOP-1CE5APL");
    json_decref(v);
    static const char *const script[] = {"node1:12:13 [2] NCCL WARN missing file /x", NULL};
    v = diag_offline_lines(rules, script, 0);
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "gpu")));
    json_decref(v);
}

/* Twenty-seventh session: torchrun's tee prefix with the node as its role
 * ("[gpu12:5]:"), TorchElastic's JSON error record of a failed worker
 * ("hostname"), ssh's "user@host: Permission denied (...)". */
TEST(cculprit5_torchrun_role_prefix)
{
    /* open-r1's Slurm script runs torchrun with --role $SLURMD_NODENAME:
     * --tee 3 (huggingface/open-r1#160) */
    const char *l = "[alphagpu12:5]:[rank5]:[E213 16:38:44.687590798 ProcessGroupNCCL.cpp:616] [Rank 5] Watchdog";
    struct prefix_info p = parse(l);
    CHECK_STR(p.host, "alphagpu12");
    CHECK(p.local_rank == 5);
    CHECK(p.rank == 5); /* the "[rank5]:" after it */
    CHECK(strncmp(l + p.skip, "[E213 ", 6) == 0);
    p = parse("[ip-10-0-1-7.ec2.internal:0]:  0%|          | 0/1685 [00:00<?, ?it/s]");
    CHECK_STR(p.host, "ip-10-0-1-7.ec2.internal");
    CHECK(p.local_rank == 0);
    /* look-alikes: Open MPI's "[host:pid] " (a space, not a colon, after
     * it), torchrun's own "[default0]:", a bracketed time */
    p = parse("[gn05:194928] *** Process received signal ***");
    CHECK(p.local_rank == -1 && p.rank == -1);
    p = parse("[default3]:Traceback (most recent call last):");
    CHECK(!p.host[0] && p.local_rank == 3);
    p = parse("[12:30]: started");
    CHECK(p.local_rank == -1 && !p.host[0]);
}

TEST(cculprit5_torchelastic_error_record_host)
{
    char o[64];
    /* open-mmlab SoftTeacher#158: the record printed after the summary */
    const char *rec = "{\"name\": \"torchelastic.worker.status.FAILED\", \"source\": \"WORKER\", \"timestamp\": 0, "
                      "\"metadata\": {\"run_id\": \"none\", \"global_rank\": 0, \"group_rank\": 0, \"worker_id\": "
                      "\"15048\", \"role\": \"default\", \"hostname\": \"vefak\", \"state\": \"FAILED\"}}";
    CHECK_STR(field(rec, CX_FIELD, "host", o, sizeof o), "vefak");
    /* a succeeded worker's record names no culprit */
    const char *ok = "{\"name\": \"torchelastic.worker.status.SUCCEEDED\", \"source\": \"WORKER\", "
                     "\"metadata\": {\"hostname\": \"vefak\", \"state\": \"SUCCEEDED\"}}";
    CHECK_STR(field(ok, CX_FIELD, "host", o, sizeof o), "");
}

TEST(cculprit5_ssh_permission_denied_host)
{
    char o[96];
    /* kubeflow/mpi-operator#464 */
    CHECK_STR(field("root@tensorflow-mnist-worker-1.tensorflow-mnist-worker: Permission denied (publickey,password).",
                    CX_LINE, "host", o, sizeof o),
              "tensorflow-mnist-worker-1.tensorflow-mnist-worker");
    CHECK_STR(field("Warning: Permanently added 'n2' (ECDSA). alice@n2: Permission denied (publickey).", CX_LINE,
                    "host", o, sizeof o),
              "n2");
    /* look-alikes: a mail address in a message, a file's permission error */
    CHECK_STR(field("contact admin@example.com: Permission denied for this project", CX_LINE, "host", o, sizeof o),
              "");
    CHECK_STR(field("PermissionError: [Errno 13] Permission denied: '/data/x'", CX_LINE, "host", o, sizeof o), "");
}

/* NCCL's "[gpu] NCCL ..." with its "host:pid:tid" cut off names the GPU
 * (kubeflow's NCCL#525 paste); Caffe2's operator definition after an
 * operator's error names the GPU of its blobs, "gpu_N/" (Detectron). */
TEST(cculprit5_nccl_device_without_host_and_caffe2_blobs)
{
    struct prefix_info p = parse("[3] include/shm.h:28 NCCL WARN Call to posix_fallocate failed : No space left on device");
    CHECK(p.gpu == 3 && !p.host[0]);
    p = parse("[1] NCCL INFO Ring 00 : 1[1] -> 0[0] via P2P/IPC");
    CHECK(p.gpu == 1);
    p = parse("[2] Traceback (most recent call last):"); /* no NCCL: no GPU */
    CHECK(p.gpu == -1);
    char o[16];
    CHECK_STR(field("input: \"gpu_3/roi_feat_3rd\" input: \"gpu_3/fc1_3rd_w\" output: \"gpu_3/fc1_3rd\" type: \"FC\"",
                    CX_BLOCK, "gpu", o, sizeof o),
              "3");
    CHECK_STR(field("> input: \"gpu_0/data\" input: \"gpu_0/conv1_w\" output: \"gpu_0/conv1\"", CX_BLOCK, "gpu", o,
                    sizeof o),
              "0");
    CHECK_STR(field("loading gpu_3/weights from the checkpoint", CX_BLOCK, "gpu", o, sizeof o), "");
}

/* A number is no host: "HOSTNAME:2753:2762 [0] ... NCCL WARN" (a prefix
 * whose host a reporter replaced by the word HOSTNAME) named host 2753, an
 * integer, until the twenty-seventh session; a host is always a string. */
TEST(cculprit5_number_is_no_host)
{
    char o[32];
    CHECK_STR(field("HOSTNAME:2753:2762 [0] transport/p2p.cu:548 NCCL WARN failed to open CUDA IPC handle", CX_LINE,
                    "host", o, sizeof o),
              "");
    CHECK_STR(field("hostname=1234 rank=3 failed", CX_LINE, "host", o, sizeof o), "");
    struct culprit_x *x = culprit_x_new();
    json_t *c = json_pack("{s:n,s:n,s:n}", "host", "rank", "gpu");
    const char *l = "host: node-7 rank: 12";
    culprit_x_fill(x, c, l, strlen(l), CX_LINE);
    CHECK(json_is_string(json_object_get(c, "host")));
    CHECK(json_is_integer(json_object_get(c, "rank")));
    json_decref(c);
    culprit_x_free(x);
}

/* PyTorch's warning on a GPU its build does not support, some lines above
 * the error, names that GPU (CX_FIELD: a description line near the key
 * line); its look-alike without the capability phrase does not. */
TEST(cculprit5_found_gpu_capability_warning)
{
    char o[16];
    CHECK_STR(field("    Found GPU0 Tesla P100-PCIE-16GB which is of cuda capability 6.0.", CX_FIELD, "gpu", o, sizeof o),
              "0");
    CHECK_STR(field("Found GPU1 NVIDIA A100 in the node list", CX_FIELD, "gpu", o, sizeof o), "");
}

/* MPICH's and MS-MPI's error stack names the peer a connect could not
 * reach, a few lines under the failed collective (a CX_BLOCK line). */
TEST(cculprit5_mpi_error_stack_unreachable_peer)
{
    char o[64];
    CHECK_STR(field("unable to connect to 10.172.134.94 on port 24332, exhausted all endpoints", CX_BLOCK, "host", o,
                    sizeof o),
              "10.172.134.94");
    CHECK_STR(field("unable to connect to node-7 on port 5000, A connection attempt failed", CX_BLOCK, "host", o, sizeof o),
              "node-7");
    CHECK_STR(field("unable to connect to the database", CX_BLOCK, "host", o, sizeof o), "");
}

/* A traceback cut off before its exception line, with no rule for any of
 * its lines, is a suspected failure of unknown cause (activity.c); the
 * rank of the prefix its first frame carries ("[rank8]:", as torchrun
 * labels a rank's output) is its culprit, as a rule's event would have
 * it (twenty-eighth session: it was dropped). Unprefixed frames name none. */
TEST(cculprit5_cut_traceback_takes_its_prefix_rank)
{
    static const char *const rules =
        "- id: t.other\n  category: framework\n  type: runtime_error\n  role: root\n"
        "  action: stop\n  match: 'RuntimeError: Graph compile failed'\n  explain: 'x'\n"
        "  examples: ['RuntimeError: Graph compile failed.']\n";
    static const char *const log[] = {
        "[rank8]: Traceback (most recent call last):",
        "[rank8]:   File \"train.py\", line 3, in <module>",
        "[rank8]:     launch()",
        "[rank8]:   File \"launcher.py\", line 19, in launch",
        "[rank8]:     next(self.gen",
        NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK(v != NULL);
    CHECK(json_is_true(json_object_get(v, "suspected")));
    CHECK(!strcmp(json_string_value(json_object_get(v, "category")), "unknown"));
    CHECK(json_integer_value(json_object_get(json_object_get(v, "culprit"), "rank")) == 8);
    json_decref(v);
    static const char *const bare[] = {
        "Traceback (most recent call last):",
        "  File \"train.py\", line 3, in <module>",
        "    launch()",
        NULL};
    v = diag_offline_lines(rules, bare, 0);
    CHECK(v != NULL);
    CHECK(json_is_true(json_object_get(v, "suspected")));
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "rank")));
    json_decref(v);
}

/* OLMo's multi-node launcher tags each line with the node and its stream
 * ("h100-196-003:0 err: "): the host (twenty-eighth session; a rule's own
 * capture read it before, for one rule only). A time or a word before a
 * colon is no such tag. */
TEST(cculprit5_host_stream_tag)
{
    const char *line = "h100-196-003:0 err: Traceback (most recent call last):";
    struct prefix_info p = parse(line);
    CHECK_STR(p.host, "h100-196-003");
    CHECK(p.local_rank == 0);
    CHECK(!strncmp(line + p.skip, "Traceback", 9));
    p = parse("node7:1 out: step 10 loss 2.1");
    CHECK_STR(p.host, "node7");
    CHECK(p.local_rank == 1);
    p = parse("12:30 err: something");
    CHECK(p.host[0] == '\0');
    p = parse("epoch:3 error: bad");
    CHECK(p.host[0] == '\0');
}

/* A log whose NCCL lines all come from one node was captured there: when
 * nothing else names a host, that node is the culprit of any verdict but
 * a script error (twenty-ninth session; before, of infrastructure faults
 * only). Two nodes' NCCL lines name none. */
TEST(cculprit5_one_nccl_node_names_any_failure)
{
    static const char *const rules =
        "- id: t.kill\n  category: unknown\n  type: killed\n  role: root\n"
        "  action: restart\n  match: 'exitcode: -9'\n  explain: 'x'\n"
        "  examples: ['failed (exitcode: -9) local_rank: 7']\n"
        "- id: t.import\n  category: script\n  type: import_error\n  role: root\n"
        "  action: stop\n  match: 'ModuleNotFoundError: '\n  explain: 'x'\n"
        "  examples: ['ModuleNotFoundError: No module named x']\n";
    static const char *const one[] = {
        "[2025-12-12 20:00:58] H-server03:115530:115931 [0] misc/socket.cc:936 NCCL WARN Call to shutdown failed",
        "E1212 20:01:21.662000 115287 api.py:882] failed (exitcode: -9) local_rank: 7 (pid: 115533)", NULL};
    offline_host_is(rules, one, "H-server03");
    static const char *const two[] = {
        "H-server03:115530:115931 [0] NCCL INFO Channel 00 : 0[0] -> 1[1] via P2P/IPC",
        "H-server04:115530:115931 [0] NCCL INFO Channel 00 : 1[1] -> 0[0] via P2P/IPC",
        "E1212 20:01:21.662000 115287 api.py:882] failed (exitcode: -9) local_rank: 7 (pid: 115533)", NULL};
    offline_host_is(rules, two, NULL);
    static const char *const script[] = {
        "H-server03:115530:115931 [0] NCCL INFO Channel 00 : 0[0] -> 1[1] via P2P/IPC",
        "ModuleNotFoundError: No module named 'flash_attn'", NULL};
    offline_host_is(rules, script, NULL);
}
