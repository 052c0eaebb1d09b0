/* test_cculprit4: culprit forms of real multi-node logs (diagnose/culprit.c,
 * diagnose/verdict.c): a word after "host:" in a message is a host only
 * when it looks like a host name ("remote host: Connection refused" names
 * none), a sentence's full stop is no part of a host name, the address a
 * message names beats the one of Ray's "(Actor pid=N, ip=A)" prefix,
 * PBS's "Exec host: NAME/slot" field names the node of a job's report, and
 * a GPU named on a line is a GPU of the node that printed the line, and
 * the node a launcher names for a failed process and the one GPU a log
 * names (for a GPU's fault) are culprits of last resort. */
#include <string.h>
#include "diagnose/culprit.h"
#include "diagnose/internal.h"
#include "diagnose/offline.h"
#include "diagnose/prefix.h"
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

static const char *host_in(struct culprit_x *x, const char *s, enum culprit_scope sc, char *out, size_t n)
{
    return diag_culprit_field(x, s, sc, "host", out, n);
}

static const char *gpu_in(struct culprit_x *x, const char *s, char *out, size_t n)
{
    return diag_culprit_field(x, s, CX_LINE, "gpu", out, n);
}

TEST(cculprit4_message_word_is_no_host)
{
    struct culprit_x *x = culprit_x_new();
    CHECK(x != NULL);
    char h[80];
    /* gRPC's connect failure (JAX coordination service): the word after
     * "host:" is the error, the address before it is the peer */
    CHECK_STR(host_in(x, "ipv4:10.186.213.145:13305: Failed to connect to remote host: Connection refused",
                      CX_LINE, h, sizeof h),
              "10.186.213.145");
    CHECK_STR(host_in(x, "ssh: connect to host: No route to host", CX_LINE, h, sizeof h), "");
    CHECK_STR(host_in(x, "Lost connection to worker on node Unknown", CX_LINE, h, sizeof h), "");
    /* host names in messages still count, without a sentence's full stop */
    CHECK_STR(host_in(x, "Timed out waiting for host: gpu-node-3.", CX_LINE, h, sizeof h), "gpu-node-3");
    CHECK_STR(host_in(x, "connection lost to node node7.", CX_LINE, h, sizeof h), "node7");
    CHECK_STR(host_in(x, "rendezvous failed, hostname=lenovo", CX_LINE, h, sizeof h), "lenovo");
    CHECK_STR(host_in(x, "Host: dgx-a100-01.cluster.local port 22", CX_LINE, h, sizeof h),
              "dgx-a100-01.cluster.local");
    /* TorchElastic's summary block keeps any name it prints */
    CHECK_STR(host_in(x, "  host      : Ubuntu", CX_BLOCK, h, sizeof h), "Ubuntu");
    culprit_x_free(x);
}

TEST(cculprit4_ray_prefix_address_is_trusted_less)
{
    struct culprit_x *x = culprit_x_new();
    CHECK(x != NULL);
    char h[80];
    CHECK_STR(host_in(x,
                      "(RayWorkerVllm pid=207931, ip=10.0.1.75) [E socket.cpp:922] [c10d] The client socket has "
                      "timed out after 1800s while trying to connect to (172.17.0.2, 44737).",
                      CX_LINE, h, sizeof h),
              "172.17.0.2");
    /* the prefix's address when the message names none */
    CHECK_STR(host_in(x, "(ActorModelRayActor pid=207260, ip=10.0.1.75) RuntimeError: CUDA error: unknown error",
                      CX_LINE, h, sizeof h),
              "10.0.1.75");
    culprit_x_free(x);
}

TEST(cculprit4_pbs_exec_host_field)
{
    struct culprit_x *x = culprit_x_new();
    CHECK(x != NULL);
    char h[80];
    CHECK_STR(host_in(x, "Exec host:  gpu-2-17/5", CX_FIELD, h, sizeof h), "gpu-2-17");
    CHECK_STR(host_in(x, "    exec_host = node12/0+node12/1", CX_FIELD, h, sizeof h), "node12");
    CHECK_STR(host_in(x, "Submit host: login-1.cluster", CX_FIELD, h, sizeof h), ""); /* not where it ran */
    culprit_x_free(x);
    static const char *const rules =
        "- id: t.pbs\n  category: infrastructure\n  type: node_failure\n  role: root\n"
        "  action: exclude_node\n  match: 'job preempted \\(node failure\\)'\n  explain: 'x'\n"
        "  examples: ['job preempted (node failure)']\n";
    static const char *const log[] = {"PBS Job Id: 2600365.mskcc-fe1.local", "Job Name:   STDIN",
                                      "Exec host:  gpu-2-17/5", "job deleted",
                                      "Job deleted at request of root@mskcc-fe1.local",
                                      "job preempted (node failure)", NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), "gpu-2-17");
    json_decref(v);
}

TEST(cculprit4_gpu_named_on_line_gets_its_node)
{
    static const char *const rules =
        "- id: t.oom\n  category: framework\n  type: cuda_oom\n  role: root\n"
        "  action: stop\n  match: 'CUDA out of memory'\n  explain: 'x'\n"
        "  examples: ['torch.OutOfMemoryError: CUDA out of memory']\n"
        "- id: t.import\n  category: script\n  type: import_error\n  role: root\n"
        "  action: stop\n  match: 'ModuleNotFoundError: '\n  explain: 'x'\n"
        "  examples: ['ModuleNotFoundError: No module named x']\n";
    static const char *const log[] = {
        "gpu-q-13:     ret = input.softmax(dim, dtype=dtype)",
        "gpu-q-13: torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 896.00 MiB (GPU 2; "
        "79.17 GiB total capacity; 76.68 GiB already allocated)",
        NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK(v != NULL);
    json_t *c = json_object_get(v, "culprit");
    CHECK_STR(json_string_value(json_object_get(c, "host")), "gpu-q-13");
    CHECK(json_integer_value(json_object_get(c, "gpu")) == 2);
    json_decref(v);
    /* a script error that names no GPU still names no node */
    static const char *const script[] = {"gpu-q-13: ModuleNotFoundError: No module named 'flash_attn'", NULL};
    v = diag_offline_lines(rules, script, 0);
    CHECK(v != NULL);
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "host")));
    json_decref(v);
}

/* A log whose prefixed lines all name one host (Open MPI's "[host:pid]")
 * is that host's output: a key line without a prefix gets it as a culprit
 * of last resort, but not a script error's (it fails on any node), and
 * not when the prefixes name two hosts. */
TEST(cculprit4_one_prefix_host_is_the_log_host)
{
    static const char *const rules =
        "- id: t.mpi\n  category: framework\n  type: runtime_error\n  role: root\n"
        "  action: stop\n  match: 'was called before MPI_INIT was invoked'\n  explain: 'x'\n"
        "  examples: ['*** The MPI_Comm_rank() function was called before MPI_INIT was invoked.']\n"
        "- id: t.import\n  category: script\n  type: import_error\n  role: root\n"
        "  action: stop\n  match: 'ModuleNotFoundError: '\n  explain: 'x'\n"
        "  examples: ['ModuleNotFoundError: No module named x']\n";
    static const char *const log[] = {
        "*** The MPI_Comm_rank() function was called before MPI_INIT was invoked.",
        "*** Your MPI job will now abort.",
        "[h16n18:57926] Local abort before MPI_INIT completed completed successfully", NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), "h16n18");
    json_decref(v);
    static const char *const two[] = {
        "*** The MPI_Comm_rank() function was called before MPI_INIT was invoked.",
        "[h16n18:57926] Local abort before MPI_INIT completed completed successfully",
        "[h16n19:57927] Local abort before MPI_INIT completed completed successfully", NULL};
    v = diag_offline_lines(rules, two, 0);
    CHECK(v != NULL);
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "host")));
    json_decref(v);
    static const char *const script[] = {
        "ModuleNotFoundError: No module named 'flash_attn'",
        "[h16n18:57926] Local abort before MPI_INIT completed completed successfully", NULL};
    v = diag_offline_lines(rules, script, 0);
    CHECK(v != NULL);
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "host")));
    json_decref(v);
}

/* The node a launcher names for a failed process is the culprit's host
 * when nothing else named one: mpirun's "on node HOST", a Ray task's error
 * header "ray::Name() (pid=N, ip=A", srun's "srun: error: HOST: task 0:
 * Exited". Two nodes name none, and a script error gets none. */
TEST(cculprit4_launcher_names_the_failed_node)
{
    static const char *const rules =
        "- id: t.refused\n  category: infrastructure\n  type: connection_error\n  role: root\n"
        "  action: restart\n  match: 'Connection refused'\n  explain: 'x'\n"
        "  examples: ['connect: Connection refused']\n"
        "- id: t.import\n  category: script\n  type: import_error\n  role: root\n"
        "  action: stop\n  match: 'ModuleNotFoundError: '\n  explain: 'x'\n"
        "  examples: ['ModuleNotFoundError: No module named x']\n";
    static const char *const mpi[] = {
        "terminate called after throwing an instance of 'gloo::IoException'",
        "  what():  [/opt/gloo/transport/tcp/pair.cc:143] connect: Connection refused",
        "mpirun noticed that process rank 1 with PID 29013 on node 172.17.27.12 exited on signal 6 (Aborted).",
        NULL};
    json_t *v = diag_offline_lines(rules, mpi, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), "172.17.27.12");
    json_decref(v);
    static const char *const ray[] = {
        "ray::WorkerDict.generate() (pid=838798, ip=10.138.0.27, actor_id=f5aa8b4a, repr=<w>)",
        "ConnectionRefusedError: [Errno 111] Connection refused", NULL};
    v = diag_offline_lines(rules, ray, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), "10.138.0.27");
    json_decref(v);
    static const char *const srun[] = {"ConnectionRefusedError: [Errno 111] Connection refused",
                                       "srun: error: gpu-st-7: task 3: Exited with exit code 1", NULL};
    v = diag_offline_lines(rules, srun, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), "gpu-st-7");
    json_decref(v);
    static const char *const two[] = {"ConnectionRefusedError: [Errno 111] Connection refused",
                                      "srun: error: gpu-st-7: task 3: Exited with exit code 1",
                                      "srun: error: gpu-st-8: task 4: Exited with exit code 1", NULL};
    v = diag_offline_lines(rules, two, 0);
    CHECK(v != NULL);
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "host")));
    json_decref(v);
    static const char *const script[] = {"ModuleNotFoundError: No module named 'flash_attn'",
                                         "srun: error: gpu-st-7: task 3: Exited with exit code 1", NULL};
    v = diag_offline_lines(rules, script, 0);
    CHECK(v != NULL);
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "host")));
    json_decref(v);
}

TEST(cculprit4_mpi_host_after_tag_and_framework_node)
{
    /* Open MPI's "[host:pid]" after its --tag-output label names the host,
     * the pid is no rank */
    const char *l = "[1,3]<stderr>:[gn05:194928] Signal: Segmentation fault (11)";
    struct prefix_info p;
    prefix_parse(l, strlen(l), &p);
    CHECK(p.rank == 3);
    CHECK_STR(p.host, "gn05");
    CHECK(!strncmp(l + p.skip, "Signal:", 7));
    const char *f = "[1,3]<stderr>:[gn05:194928] [ 1] /usr/lib64/libc.so.6(+0x7cfd1)";
    prefix_parse(f, strlen(f), &p);
    CHECK_STR(p.host, "gn05");
    CHECK(!strncmp(f + p.skip, "[ 1]", 4)); /* a backtrace frame is no host */
    /* mpirun's warning for a -x of an unset variable: the pid is no rank */
    const char *w = "[gpu002.cluster:214095] Warning: could not find environment variable \"PS1\"";
    prefix_parse(w, strlen(w), &p);
    CHECK_STR(p.node, "gpu002.cluster"); /* kept as the node that printed it */
    CHECK(p.rank < 0);
    /* a native crash names the node that printed it (not only infrastructure
     * faults do); a script error still names none */
    static const char *const rules =
        "- id: t.segv\n  category: framework\n  type: runtime_error\n  role: root\n"
        "  action: restart\n  match: 'Signal: Segmentation fault'\n  explain: 'x'\n"
        "  examples: ['Signal: Segmentation fault (11)']\n";
    static const char *const log[] = {
        "[1,7]<stdout>:Extracting data-7/MNIST/raw/train-images-idx3-ubyte.gz",
        "[1,3]<stderr>:[gn05:194928] *** Process received signal ***",
        "[1,3]<stderr>:[gn05:194928] Signal: Segmentation fault (11)", NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK(v != NULL);
    json_t *c = json_object_get(v, "culprit");
    CHECK_STR(json_string_value(json_object_get(c, "host")), "gn05");
    CHECK(json_integer_value(json_object_get(c, "rank")) == 3);
    json_decref(v);
}

TEST(cculprit4_ray_actor_ip_field)
{
    static const char *const rules =
        "- id: t.actor\n  category: unknown\n  type: killed\n  role: root\n"
        "  action: restart\n  match: 'The actor is dead because its worker process has died'\n  explain: 'x'\n"
        "  examples: ['The actor is dead because its worker process has died.']\n";
    /* Ray's description of the dead actor: its "ip:" field, also behind
     * kubectl's --timestamps */
    static const char *const ray[] = {
        "ray.exceptions.ActorDiedError: The actor died unexpectedly before finishing this task.",
        "        class_name: with_parameters.<locals>._Inner", "        pid: 27215",
        "        namespace: 5a3cbc8b-543d-4918-9cc8-97fca60fbf82", "        ip: 172.29.154.167",
        "        extra: 1", "        extra: 2",
        "The actor is dead because its worker process has died.", NULL};
    json_t *v = diag_offline_lines(rules, ray, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), "172.29.154.167");
    json_decref(v);
}

TEST(cculprit4_stamped_record_is_no_wrapped_message)
{
    static const char *const rules =
        "- id: t.kill\n  category: unknown\n  type: killed\n  role: root\n"
        "  action: restart\n  match: 'Killing subprocess'\n  explain: 'x'\n"
        "  examples: ['Killing subprocess 1']\n";
    json_t *v;
    /* a record stamped minutes before the key line is not the start of
     * its message: its "[Rank 0]" is no culprit */
    static const char *const ds[] = {
        "[2023-07-10 04:09:43,963] [INFO] [logging.py:93:log_dist] [Rank 0] DeepSpeed info: version=0.8.3",
        "[2023-07-10 04:26:05,876] [INFO] [launch.py:318:sigkill_handler] Killing subprocess 94984", NULL};
    v = diag_offline_lines(rules, ds, 0);
    CHECK(v != NULL);
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "rank")));
    json_decref(v);
    /* a message wrapped over lines of the same second still counts */
    static const char *const wrapped[] = {
        "Feb 14 05:03:41 gpu-1 kernel: NVRM: The NVIDIA GPU 0000:b3:00.0 (PCI ID: 10de:26b5)",
        "Feb 14 05:03:41 gpu-1 kernel: Killing subprocess 94984", NULL};
    v = diag_offline_lines(rules, wrapped, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "gpu")), "0000:b3:00.0");
    json_decref(v);
}

TEST(cculprit4_key_line_in_elastic_entry_traceback)
{
    static const char *const rules =
        "- id: t.mismatch\n  category: framework\n  type: runtime_error\n  role: root\n"
        "  action: stop\n  match: 'Detected mismatch between collectives'\n  explain: 'x'\n"
        "  examples: ['RuntimeError: Detected mismatch between collectives on ranks.']\n";
    /* the traceback is the last field of the failed rank's summary entry,
     * more lines below its host than the neighbourhood reaches */
    static const char *const log[] = {
        "Failures:", "[1]:", "  time      : 2025-03-11_18:33:20", "  host      : lenovo",
        "  rank      : 1 (local_rank: 1)", "  exitcode  : 1 (pid: 340055)",
        "  error_file: /tmp/torchelastic_ih8xk_wi/attempt_0/1/error.json",
        "  traceback : Traceback (most recent call last):",
        "    File \"/x/errors/__init__.py\", line 355, in wrapper", "      return f(*args, **kwargs)",
        "             ^^^^^^^^^^^^^^^^^^", "    File \"/x/bug.py\", line 16, in main", "      dist.barrier()",
        "    File \"/x/c10d_logger.py\", line 81, in wrapper", "      return func(*args, **kwargs)",
        "             ^^^^^^^^^^^^^^^^^^^^^", "    File \"/x/distributed_c10d.py\", line 4551, in barrier",
        "      work = group.barrier(opts=opts)",
        "  RuntimeError: Detected mismatch between collectives on ranks. Rank 1 is running collective", NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "culprit"), "host")), "lenovo");
    json_decref(v);
    /* an unindented key line after an entry is none of its */
    static const char *const after[] = {"[1]:", "  host      : lenovo", "  traceback : Traceback (most recent call last):",
                                        "    File \"/x/bug.py\", line 16, in main", "x", "x", "x", "x", "x", "x",
                                        "RuntimeError: Detected mismatch between collectives on ranks.", NULL};
    v = diag_offline_lines(rules, after, 0);
    CHECK(v != NULL);
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "host")));
    json_decref(v);
}

TEST(cculprit4_driver_names_device_on_next_line)
{
    static const char *const rules =
        "- id: t.rminit\n  category: infrastructure\n  type: gpu_lost\n  role: root\n"
        "  action: exclude_node\n  match: 'RmInitAdapter failed!'\n  explain: 'x'\n"
        "  examples: ['NVRM: RmInitAdapter failed! (0x26:0xffff:1127)']\n";
    static const char *const log[] = {"[   38.773115] NVRM: RmInitAdapter failed! (0x26:0xffff:1127)",
                                      "[   38.773764] NVRM: rm_init_adapter failed for device bearing minor number 3",
                                      NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK(v != NULL);
    json_t *g = json_object_get(json_object_get(v, "culprit"), "gpu");
    CHECK(json_is_integer(g) && json_integer_value(g) == 3);
    json_decref(v);
    /* the next line of another message names no device of this one (and
     * the log names two GPUs, so that the last resort names none either) */
    static const char *const other[] = {"[   38.773115] NVRM: RmInitAdapter failed! (0x26:0xffff:1127)",
                                        "[   38.900000] nvidia-smi: GPU 3 is fine",
                                        "[   38.900001] nvidia-smi: GPU 4 is fine", NULL};
    v = diag_offline_lines(rules, other, 0);
    CHECK(v != NULL);
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "gpu")));
    json_decref(v);
}

/* A bus id as the subject of a message ("GPU 0000:c1:00.0: ..."), a GPU's
 * UUID, and the NPU/XPU forms of "GPU N" name the GPU; a bus id amid a
 * longer colon-separated run does not. */
TEST(cculprit4_gpu_subject_uuid_npu)
{
    struct culprit_x *x = culprit_x_new();
    CHECK(x != NULL);
    char g[80];
    CHECK_STR(gpu_in(x, "Unable to determine the device handle for GPU 0000:C1:00.0: GPU is lost.", g, sizeof g),
              "0000:C1:00.0");
    CHECK_STR(gpu_in(x, "NVRM: GPU 0000:01:00.0: RmInitAdapter failed! (0x26:0xffff:1529)", g, sizeof g),
              "0000:01:00.0");
    CHECK_STR(gpu_in(x, "addr 0000:c1:00.0:1f:2 in the table", g, sizeof g), "");
    CHECK_STR(gpu_in(x, "XidCriticalError: Xid=69 on Device=GPU-7540a9b3-eeb9-1214-1526-f93c9ea826a8, the device",
                     g, sizeof g),
              "GPU-7540a9b3-eeb9-1214-1526-f93c9ea826a8");
    CHECK_STR(gpu_in(x, "RuntimeError: NPU out of memory. Tried to allocate 5.03 GiB (NPU 3; 60.97 GiB total)", g,
                     sizeof g),
              "3");
    CHECK_STR(gpu_in(x, "XPU 1 is busy", g, sizeof g), "1");
    CHECK_STR(gpu_in(x, "CPU 2 is busy", g, sizeof g), "");
    /* torch_npu's error header names the NPU and the rank (RankID:-1: none) */
    const char *npu = "[ERROR] 2024-05-21-11:57:54 (PID:927000, Device:3, RankID:2) ERR02200 DIST call hccl api failed.";
    CHECK_STR(gpu_in(x, npu, g, sizeof g), "3");
    CHECK_STR(diag_culprit_field(x, npu, CX_LINE, "rank", g, sizeof g), "2");
    const char *norank = "[ERROR] 2024-05-21-11:57:54 (PID:927000, Device:1, RankID:-1) ERR99999 UNKNOWN";
    CHECK_STR(diag_culprit_field(x, norank, CX_LINE, "rank", g, sizeof g), "");
    CHECK_STR(gpu_in(x, norank, g, sizeof g), "1");
    /* Ray's raylet prefix, TorchElastic's 'HOST_PID_N' node names, kubectl
     * describe node's Hostname address */
    CHECK_STR(host_in(x, "(raylet, ip=172.31.53.84) [2021-03-30 13:12:21,154 E 2266 2266] spill failed", CX_LINE, g,
                      sizeof g),
              "172.31.53.84");
    CHECK_STR(host_in(x, "The node 'node04.localdomain_3882442_0' has failed to shutdown the rendezvous 'x'", CX_LINE,
                      g, sizeof g),
              "node04.localdomain");
    CHECK_STR(host_in(x, "  Hostname:    k8s-107", CX_FIELD, g, sizeof g), "k8s-107");
    CHECK_STR(host_in(x, "Hostname: k8s-107", CX_FIELD, g, sizeof g), ""); /* not indented: not the block */
    /* Open MPI's help message names the lost daemon's node on a line of
     * its own (a summary block) */
    CHECK_STR(host_in(x, "   hostname:  ip-10-15-20-17.ec2.internal", CX_BLOCK, g, sizeof g),
              "ip-10-15-20-17.ec2.internal");
    CHECK_STR(host_in(x, "   hostname:  ip-10-15-20-17.ec2.internal", CX_FIELD, g, sizeof g), "");
    culprit_x_free(x);
}

/* The GPU of a GPU's fault whose lines name none is the one GPU index the
 * log names elsewhere (`cuda:0`, marian's `device gpu0`, a lone
 * `CUDA_VISIBLE_DEVICES=3`); two indices name none, a list of visible
 * devices, a PCI bus id's `GPU 0000:` and a per-device batch size name
 * none, and a fault that is not a GPU's gets none. */
static long log_gpu(const char *const *log)
{
    static const char *const rules =
        "- id: t.oom\n  category: framework\n  type: cuda_oom\n  role: root\n"
        "  action: stop\n  match: 'CUDA error 2: out of memory'\n  explain: 'x'\n"
        "  examples: ['Warp CUDA error 2: out of memory (in function wp_alloc)']\n"
        "- id: t.value\n  category: framework\n  type: value_error\n  role: root\n"
        "  action: stop\n  match: 'ValueError: '\n  explain: 'x'\n"
        "  examples: ['ValueError: bad']\n";
    json_t *v = diag_offline_lines(rules, log, 0);
    if (!v)
        return -2;
    const json_t *g = json_object_get(json_object_get(v, "culprit"), "gpu");
    long r = json_is_integer(g) ? (long)json_integer_value(g) : json_is_null(g) ? -1 : -3;
    json_decref(v);
    return r;
}

TEST(cculprit4_one_gpu_of_the_log_names_a_gpu_fault)
{
    /* "step" lines keep the GPU's line out of the key line's wrapped
     * message (the two lines before it, read with every form) */
    static const char *const cuda[] = {"Module solver load on device 'cuda:0' took 3.03 ms  (cached)", "step 1",
                                       "step 2", "step 3",
                                       "Warp CUDA error 2: out of memory (in function wp_alloc_device_async)",
                                       NULL};
    CHECK(log_gpu(cuda) == 0);
    static const char *const marian[] = {"[memory] Extending reserved space to 9088 MB (device gpu3)", "step 1",
                                         "step 2", "Error: CUDA error 2: out of memory - device.cu:38", NULL};
    CHECK(log_gpu(marian) == 3);
    static const char *const visible[] = {"+ CUDA_VISIBLE_DEVICES=5 python train.py", "step 1", "step 2",
                                          "Error: CUDA error 2: out of memory", NULL};
    CHECK(log_gpu(visible) == 5);
    static const char *const two[] = {"moved to cuda:0", "moved to cuda:1", "step 1", "step 2",
                                      "CUDA error 2: out of memory", NULL};
    CHECK(log_gpu(two) == -1);
    static const char *const others[] = {"+ CUDA_VISIBLE_DEVICES=0,1 python train.py",
                                         "GPU 0000:3b:00.0: pci power state D0",
                                         "Batch size per device = 1 | GPU 12.5 GB free", "step 1", "step 2",
                                         "CUDA error 2: out of memory", NULL};
    CHECK(log_gpu(others) == -1);
    static const char *const value[] = {"moved to cuda:0", "step 1", "step 2", "ValueError: bad shape", NULL};
    CHECK(log_gpu(value) == -1);
}
