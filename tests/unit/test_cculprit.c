/* test_cculprit: culprits from the forms real multi-node logs use: pdsh's
 * "host: " prefix (DeepSpeed's launcher) and Open MPI's "[1,12]<stderr>:"
 * tag (diagnose/prefix.c), Slurm's "srun: error: NODE: task N:" and
 * kubectl describe's "Node:  NAME/IP" field (diagnose/culprit.c), and, over a
 * whole log (diagnose/offline.c), the describe field a dozen lines from the
 * key line, the shell prompt whose command printed the key line when a
 * paste shows prompts of two hosts (also quoted "> " as issues paste it),
 * and the rendezvous endpoint for a failed connection to it
 * (diagnose/lastresort.c). */
#include <string.h>
#include "diagnose/culprit.h"
#include "diagnose/internal.h"
#include "diagnose/lastresort.h"
#include "diagnose/offline.h"
#include "diagnose/prefix.h"
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

TEST(cculprit_pdsh_host_prefix)
{
    static const char *const forms[][3] = {
        {"192.168.13.81: [rank19]:[E808 10:31:07.406255799 ProcessGroupNCCL.cpp:1895] x", "192.168.13.81", "19"},
        {"rdma-test-gpu-worker-1: Cuda failure 'initialization error'", "rdma-test-gpu-worker-1", "-1"},
        {"node2: Traceback (most recent call last):", "node2", "-1"},
        {"675d-5:     self.ds_opt_adam = CPUAdamBuilder().load()", "675d-5", "-1"},
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        struct prefix_info p;
        prefix_parse(forms[i][0], strlen(forms[i][0]), &p);
        CHECK_STR(p.host, forms[i][1]);
        CHECK(p.rank == strtol(forms[i][2], NULL, 10));
        CHECK(p.skip > strlen(forms[i][1])); /* the prefix is stripped */
    }
    /* words of messages are not hosts */
    static const char *const words[] = {"RuntimeError: CUDA error: unspecified launch failure",
                                        "Epoch1: loss 0.5", "step10: done", "x86_64-linux-gnu-gcc: error: x.c",
                                        "ncclUnhandledCudaError: Call to CUDA function failed.",
                                        "  File \"train.py\", line 3"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        struct prefix_info p;
        prefix_parse(words[i], strlen(words[i]), &p);
        CHECK(p.host[0] == '\0');
        CHECK(p.skip == 0);
    }
}

TEST(cculprit_mpi_tag_rank_not_pid)
{
    const char *l = "[1,12]<stderr>:[n-profile-user-profile-v3-16:17086] Signal: Segmentation fault (11)";
    struct prefix_info p;
    prefix_parse(l, strlen(l), &p);
    CHECK(p.rank == 12); /* the tag's rank; the pid after it is no rank */
    const char *o = "2019-06-02T16:13:44.884Z: [1,14]<stdout>:host-a:815:864 [0] NCCL WARN x";
    prefix_parse(o, strlen(o), &p);
    CHECK(p.rank == 14);
    CHECK_STR(p.host, "host-a");
    /* Open MPI's own "[host:pid] " with a short pid: told by the message */
    static const char *const mpi[] = {
        "[gpu-node3:41827] *** Process received signal ***",
        "[gpu-node3:41827] Signal: Segmentation fault (11)",
        "[gpu-node3:41827] [ 3] /usr/lib/x86_64-linux-gnu/libc.so.6(+0x29d90)[0x7f2b1c629d90]",
        "[gpu-node3:4182] mca_base_component_repository_open: unable to open mca_btl_openib",
        "[gpu-node3:418270] [[12345,1],0] ORTE_ERROR_LOG: Not found in file ess_env_module.c",
        "[gpu-node3:41827] pml_ucx.c:419 Error: ucp_ep_create(proc=5) failed: Destination is unreachable",
        "[gpu-node3:2310] btl_tcp_endpoint.c:626:mca_btl_tcp_endpoint_recv_connect_ack] received unexpected",
        "[gpu-node3:77] coll/ucc/coll_ucc_module.cc:12 x",
        /* an MPI call before MPI_Init aborts (twenty-fourth session) */
        "[gpu-node3:57926] Local abort before MPI_INIT completed completed successfully, but am not able to aggregate error messages",
    };
    for (size_t i = 0; i < sizeof mpi / sizeof *mpi; i++) {
        prefix_parse(mpi[i], strlen(mpi[i]), &p);
        CHECK(p.rank < 0);
        CHECK_STR(p.node, "gpu-node3");
    }
    const char *e = "[n1:3] loss 0.5"; /* endure's own prefix still names the rank */
    prefix_parse(e, strlen(e), &p);
    CHECK(p.rank == 3);
    CHECK_STR(p.node, "n1");
    /* a file name that is no C source, or a ".c" without a line number */
    static const char *const ranks[] = {"[n1:3] model.cfg:12 read", "[n1:3] main.c: done", "[n1:3] a.cu:7 x"};
    for (size_t i = 0; i < sizeof ranks / sizeof *ranks; i++) {
        prefix_parse(ranks[i], strlen(ranks[i]), &p);
        CHECK(p.rank == 3);
    }
}

TEST(cculprit_srun_and_describe_node_forms)
{
    struct culprit_x *x = culprit_x_new();
    CHECK(x != NULL);
    json_t *c = json_pack("{s:n,s:n,s:n}", "host", "rank", "gpu");
    const char *s = "srun: error: node12: task 0: Segmentation fault (core dumped)";
    culprit_x_fill(x, c, s, strlen(s), CX_LINE);
    CHECK_STR(json_string_value(json_object_get(c, "host")), "node12");
    /* a task is not the key line's rank (srun may run one launcher per
     * node); it is a rank of last resort (test_lastresort.c) */
    CHECK(json_is_null(json_object_get(c, "rank")));
    json_decref(c);
    const char *n = "Node:           cloud-services-node-pool-8ld4g/";
    c = json_pack("{s:n}", "host");
    culprit_x_fill(x, c, n, strlen(n), CX_BLOCK); /* not a summary-block field */
    CHECK(json_is_null(json_object_get(c, "host")));
    culprit_x_fill(x, c, n, strlen(n), CX_FIELD);
    CHECK_STR(json_string_value(json_object_get(c, "host")), "cloud-services-node-pool-8ld4g");
    json_decref(c);
    const char *m = "Message: The node was low on resource: memory. Node: x/10.0.0.1"; /* not a field */
    c = json_pack("{s:n}", "host");
    culprit_x_fill(x, c, m, strlen(m), CX_FIELD);
    CHECK(json_is_null(json_object_get(c, "host")));
    json_decref(c);
    culprit_x_free(x);
}

static const char *const rules =
    "- id: t.evicted\n  category: infrastructure\n  type: oom_host\n  role: root\n"
    "  action: restart\n  match: 'The node was low on resource: memory'\n  explain: 'x'\n"
    "  examples: ['The node was low on resource: memory.']\n"
    "- id: t.nvml\n  category: infrastructure\n  type: cuda_error\n  role: root\n"
    "  action: exclude_node\n  match: 'Failed to initialize NVML'\n  explain: 'x'\n"
    "  examples: ['Failed to initialize NVML: Driver/library version mismatch']\n"
    "- id: t.store\n  category: infrastructure\n  type: connection_error\n  role: root\n"
    "  action: restart\n  match: 'The connection to the C10d store has failed'\n  explain: 'x'\n"
    "  examples: ['RendezvousConnectionError: The connection to the C10d store has failed.']\n"
    "- id: t.oom\n  category: framework\n  type: cuda_oom\n  role: root\n"
    "  action: stop\n  match: 'CUDA out of memory'\n  explain: 'x'\n"
    "  examples: ['torch.OutOfMemoryError: CUDA out of memory']\n";

static const char *host_of(const json_t *v)
{
    return json_string_value(json_object_get(json_object_get(v, "culprit"), "host"));
}

TEST(cculprit_offline_describe_node_field)
{
    static const char *const log[] = {
        "Name:           treetracker-pgpool-598947fd8f-vzvkq",
        "Namespace:      pgpool",
        "Priority:       0",
        "Node:           cloud-services-node-pool-8ld4g/",
        "Start Time:     Sat, 21 Aug 2021 10:38:36 +0800",
        "Labels:         app=treetracker-pgpool",
        "                pod-template-hash=598947fd8f",
        "Annotations:    <none>",
        "Status:         Failed",
        "Reason:         Evicted",
        "Message:        The node was low on resource: memory. Container x was using 1275700Ki.",
        NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.evicted");
    CHECK_STR(host_of(v), "cloud-services-node-pool-8ld4g");
    json_decref(v);
}

TEST(cculprit_offline_prompt_before_key_line)
{
    static const char *const log[] = {
        "[xpillons@h9svu000000 ~]$ nvidia-smi",
        "Failed to initialize NVML: Driver/library version mismatch",
        "",
        "[xpillons@h9svu000002 ~]$ rpm -qa | grep cuda | grep runtime",
        "cuda-runtime-11-3-11.3.0-1.x86_64",
        NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.nvml");
    CHECK_STR(host_of(v), "h9svu000000"); /* the prompt whose command printed it */
    json_decref(v);
    static const char *const after[] = {
        "Failed to initialize NVML: Driver/library version mismatch",
        "[u@h1 ~]$ ls", "[u@h2 ~]$ ls", NULL}; /* no prompt before it, two after: none */
    v = diag_offline_lines(rules, after, 0);
    CHECK(v != NULL);
    CHECK(host_of(v) == NULL);
    json_decref(v);
}

TEST(cculprit_offline_pdsh_rank_and_host)
{
    static const char *const log[] = {
        "192.168.12.21: {'loss': 0.2411, 'grad_norm': 0.306, 'epoch': 0.4}",
        "192.168.13.81: [rank19]:[E808 10:31:07.406255799 ProcessGroupNCCL.cpp:1895] [PG ID 1 PG GUID 1 Rank 19] "
        "Failed to initialize NVML: Unknown Error",
        "192.168.13.81: CUDA kernel errors might be asynchronously reported",
        NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK(v != NULL);
    CHECK_STR(host_of(v), "192.168.13.81");
    json_t *r = json_object_get(json_object_get(v, "culprit"), "rank");
    CHECK(json_is_integer(r) && json_integer_value(r) == 19);
    json_decref(v);
}

TEST(cculprit_quoted_prompt_names_host)
{
    static const char *const log[] = {
        "> core@paigcr-a-gpu-1013:~ $ dmesg  -T | grep oom -C 100",
        "> [Thu Aug 16 09:05:19 2018] Failed to initialize NVML: Unknown Error", NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK(v != NULL);
    CHECK_STR(host_of(v), "paigcr-a-gpu-1013");
    json_decref(v);
    struct last_resort p;
    CHECK(last_resort_init(&p) == 0);
    static const char *const quoted[] = {"> root@node4:~# nvidia-smi", "> see admin@cluster.example.com", NULL};
    for (const char *const *l = quoted; *l; l++)
        last_resort_line(&p, *l, strlen(*l));
    CHECK(last_resort_host(&p) && !strcmp(last_resort_host(&p), "node4"));
    last_resort_free(&p);
}

TEST(cculprit_rendezvous_endpoint_for_store_failures_only)
{
    static const char *const log[] = {
        "[INFO] run: Running torch.distributed.run with args: ['run.py', '--nnodes=2', '--rdzv_backend=c10d', "
        "'--rdzv_endpoint=10.28.1.16:29400', 'main.py']",
        "  rdzv_endpoint    : 10.28.1.16:29400", "  rdzv_configs     : {'timeout': 900}",
        "  max_restarts     : 3", "  monitor_interval : 5",
        "RendezvousConnectionError: The connection to the C10d store has failed. See inner exception for details.",
        NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.store");
    CHECK_STR(host_of(v), "10.28.1.16");
    json_decref(v);
    static const char *const oom[] = {"  rdzv_endpoint    : 10.28.1.16:29400", "step 1", "step 2", "step 3",
                                      "torch.OutOfMemoryError: CUDA out of memory", NULL};
    v = diag_offline_lines(rules, oom, 0);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.oom");
    CHECK(host_of(v) == NULL); /* the endpoint is no culprit of an OOM */
    json_decref(v);
    static const char *const two[] = {"MASTER_ADDR=node-a", "--master_addr=node-b",
                                      "RendezvousConnectionError: The connection to the C10d store has failed.",
                                      NULL};
    v = diag_offline_lines(rules, two, 0);
    CHECK(v != NULL);
    CHECK(host_of(v) == NULL); /* two endpoints: none */
    json_decref(v);
}

/* An EDAC report's DIMM location ends in "rank:N": the DIMM's rank, which
 * must not be read as the job's rank (the host still is the culprit). */
TEST(cculprit_edac_dimm_rank_is_no_job_rank)
{
    struct culprit_x *x = culprit_x_new();
    CHECK(x != NULL);
    json_t *c = json_pack("{s:n,s:n,s:n}", "host", "rank", "gpu");
    const char *s = "EDAC MC1: 262 CE memory read error on CPU_SrcID#0_Ha#0_Chan#1_DIMM#0 "
                    "(channel:1 slot:0 page:0x2031c14 offset:0x940 grain:32 syndrome:0x0 - "
                    "OVERFLOW area:DRAM err_code:0001:0091 socket:0 ha:0 channel_mask:2 rank:1)";
    culprit_x_fill(x, c, s, strlen(s), CX_LINE);
    CHECK(json_is_null(json_object_get(c, "rank")));
    json_decref(c);
    c = json_pack("{s:n}", "rank"); /* a job's rank elsewhere still reads */
    const char *r = "[rank: 3] RuntimeError: CUDA error: an illegal memory access was encountered";
    culprit_x_fill(x, c, r, strlen(r), CX_LINE);
    CHECK(json_is_integer(json_object_get(c, "rank")));
    CHECK(json_integer_value(json_object_get(c, "rank")) == 3);
    json_decref(c);
    culprit_x_free(x);
}
