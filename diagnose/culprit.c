/* culprit: the generic culprit extractor (see culprit.h). One table of
 * PCRE2 patterns, each with one capture that names one field; for each
 * field the first pattern of the table that matches wins, so the table is
 * in order of trust (a global rank before a local one, a named host before
 * a bare IP address); a match with an empty capture says the field is not
 * on that text and ends the search for it there. */
#include "diagnose/culprit.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/internal.h"

enum { F_HOST, F_RANK, F_GPU };
static const char *const field_names[] = {"host", "rank", "gpu"};

struct pat {
    int field;
    enum culprit_scope scope; /* CX_BLOCK and CX_FIELD patterns also run in CX_LINE */
    const char *re;
    int name; /* 1, 2: the capture is a host name only if it looks like one (host_like) */
};

#define OCTET "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)"
#define HEX "[0-9a-fA-F]"

static const struct pat pats[] = {
    /* summary blocks: "host      : node7", "rank      : 3 (local_rank: 3)";
     * Open MPI's help messages: "   hostname:  ip-10-15-20-17", "  Local
     * host:  gpu01", ORTE's "Node: Server712" (a kubectl describe's
     * "Node:  NAME/IP" is CX_FIELD below) */
    {F_HOST, CX_BLOCK, "^\\s*(?:host|[Hh]ostname|Local host|Node)\\s*:\\s*([A-Za-z0-9][\\w.-]{0,62}(?<![.-]))\\.?\\s*$", 0},
    {F_RANK, CX_BLOCK, "^\\s*rank\\s*:\\s*(\\d{1,7})\\b", 0},
    /* Open MPI's help message on the first process that failed: "  Process
     * name: [[44374,1],3]" (job, then the rank) */
    {F_RANK, CX_BLOCK, "^\\s*Process name:\\s*\\[\\[\\d{1,10},\\d{1,10}\\],(\\d{1,7})\\]", 0},
    /* ORTE's help message on a process it could not start: "when
     * attempting to start process rank 0." */
    {F_RANK, CX_BLOCK, "^\\s*when attempting to start process rank (\\d{1,7})\\b", 0},
    /* A memory controller's DIMM location ("channel:1 slot:0 ... rank:1",
     * EDAC and mcelog reports) names a rank of the DIMM, not of the job. */
    {F_RANK, CX_LINE, "\\bchannel:\\d+ slot:\\d+\\b[^\\n]{0,400}?\\brank:()\\d", 0},
    /* ranks named in the message, global before local. The "Rank N" of
     * "[PG ID 5 PG GUID 55(mesh_replicate) Rank N]" is the rank within a
     * process group other than the default one, not the global rank: its
     * empty capture blocks the rank patterns below on that line, so the
     * stream's own "[rankN]:" prefix names the rank instead. */
    {F_RANK, CX_LINE, "\\[PG (?!(?:ID )?0\\b)(?![^\\]]{0,80}\\(default_pg\\))[^\\]]{0,80}Rank ()\\d{1,7}\\]", 0},
    {F_RANK, CX_LINE, "\\[(?:PG [^\\]]{0,80})?Rank (\\d{1,7})\\]", 0},
    /* torch_npu's error header "[ERROR] <date> (PID:N, Device:D, RankID:R)"
     * (RankID:-1 while the rank is not known: none) */
    {F_RANK, CX_LINE, "\\(PID:\\d+, Device:\\d{1,3}, RankID:(\\d{1,7})\\)", 0},
    {F_GPU, CX_LINE, "\\(PID:\\d+, Device:(\\d{1,3}), RankID:-?\\d{1,7}\\)", 0},
    /* c10d's "[7] is setting up NCCL communicator and retrieving
     * ncclUniqueId from [0] via c10d key-value store ... got error": rank 0
     * never published its id (it crashed or never arrived), and rank 7 is
     * one of those that waited, which are not the cause (as labelling
     * convention 18 says of a collective timeout; twenty-sixth session:
     * until then the waiting rank was named). Its message's tail says so
     * too: "This may indicate a possible application crash on rank 0". */
    {F_RANK, CX_LINE, "\\] is setting up NCCL communicator and retrieving ncclUniqueId from \\[(\\d{1,7})\\]", 0},
    {F_RANK, CX_LINE, "\\bpossible application crash on rank (\\d{1,7})\\b", 0},
    /* JAX's coordination service names a process by its task in the one
     * job "jax_worker": "Task /job:jax_worker/replica:0/task:3 heartbeat
     * timeout" */
    {F_RANK, CX_LINE, "/job:jax_worker/replica:\\d{1,4}/task:(\\d{1,7})\\b", 0},
    {F_RANK, CX_LINE, "(?<![\\w-])(?<!local )(?<!Local )(?:[Gg]lobal )?[Rr]ank(?:\\s*[:=]\\s*|\\s+)(\\d{1,7})\\b", 0},
    {F_RANK, CX_LINE, "(?<![\\w-])rank(\\d{1,7})\\b", 0},
    {F_RANK, CX_LINE, "\\b(?:local_rank|LOCAL_RANK)\\s*[:=]\\s*(\\d{1,7})\\b", 0},
    /* hosts: a named host, then an IPv4 address that is not loopback,
     * unspecified or part of a version number */
    /* (not a call in a source line: "hostname = socket.gethostbyname(...)") */
    {F_HOST, CX_LINE, "\\b(?:host|hostname|Host|Hostname|HOSTNAME)\\s*[:=]\\s*(?![\\w.-]*\\()([A-Za-z0-9][\\w.-]{0,62}(?<![.-]))", 1},
    {F_HOST, CX_LINE, "\\b(?:on|from|to) (?:host|node|worker) ([A-Za-z][\\w.-]{0,62}(?<![.-]))", 2},
    {F_HOST, CX_LINE, "\\bsrun: error: ([A-Za-z0-9][\\w.-]{0,62}): tasks? \\d", 0},
    /* nccl-tests' (and rccl-tests') report of a failed call, which names
     * the host it ran on: "nid005023: Test NCCL failure common.cu:1108
     * 'unhandled cuda error ...'", "gpu5: Test CUDA failure ..." */
    {F_HOST, CX_LINE, "(?:^|\\s)([A-Za-z0-9][\\w.-]{0,62}): Test (?:NCCL|CUDA) failure\\b", 0},
    /* ssh refusing a login: "root@worker-1.svc: Permission denied
     * (publickey,password)." names the host it tried */
    {F_HOST, CX_LINE, "(?:^|\\s)[\\w.-]{1,32}@([A-Za-z0-9][\\w.-]{0,62}(?<![.-])): Permission denied \\(", 0},
    /* MPICH's and MS-MPI's error stack under a failed collective or
     * connect ("unable to connect to 10.172.134.94 on port 24332,
     * exhausted all endpoints"): the peer it could not reach */
    {F_HOST, CX_BLOCK, "\\bunable to connect to ([A-Za-z0-9][\\w.-]{0,62}) on port \\d+", 0},
    /* the node of a whole description: kubectl describe pod's "Node:" field
     * (NAME/IP; NAME/ while the pod has no IP), a node's hostname label */
    {F_HOST, CX_FIELD, "^Node:\\s+([A-Za-z0-9][\\w.-]{0,62})/", 0},
    {F_HOST, CX_FIELD, "\\bkubernetes\\.io/hostname=([A-Za-z0-9][\\w.-]{0,62})", 0},
    /* kubectl describe node's "Addresses:" block: "  Hostname:    k8s-107" */
    {F_HOST, CX_FIELD, "^\\s+Hostname:\\s+([A-Za-z0-9][\\w.-]{0,62})\\s*$", 0},
    /* the "ip:" field of Ray's description of a dead actor or task
     * (class_name:, actor_id:, pid:, namespace:, ip:): the node it ran on */
    {F_HOST, CX_FIELD, "^\\s*ip: (" OCTET "(?:\\." OCTET "){3})\\s*$", 0},
    /* TorchElastic's error record of a failed worker, a JSON line
     * ({"name": "torchelastic.worker.status.FAILED", ..., "hostname":
     * "node3", ...}): the node the worker ran on */
    {F_HOST, CX_FIELD, "\"name\": \"torchelastic\\.worker\\.status\\.FAILED\"[^\\n]{0,600}?\"hostname\": \"([A-Za-z0-9][\\w.-]{0,62})\"", 0},
    /* PBS/Torque's "Exec host: NAME/slot" (qstat -f's "exec_host = NAME/slot+...") */
    {F_HOST, CX_FIELD, "^\\s*(?:Exec host:|exec_host\\s*=)\\s*([A-Za-z0-9][\\w.-]{0,62})/\\d", 0},
    /* Slurm's scontrol show job: "NodeList=asus" when the job ran on one
     * node (not a host list "gpu[01-04]" or "a,b", nor ReqNodeList=) */
    {F_HOST, CX_FIELD, "(?<![\\w])NodeList=([A-Za-z0-9][\\w.-]{0,62})(?![\\w.\\[,-])", 0},
    /* slurmstepd's "*** JOB 7518 ON xantipa CANCELLED AT ..." (also STEP
     * N.M, an array job's N_M): the node the job or step ran on */
    {F_HOST, CX_FIELD, "\\*\\*\\* (?:JOB|STEP) \\d+(?:[._]\\d+)* ON ([A-Za-z0-9][\\w.-]{0,62}) CANCELLED AT\\b", 0},
    /* an address the message names; not the one of Ray's "(Actor pid=N, ip=A)"
     * prefix, which names the node that printed the line (trusted less) */
    {F_HOST, CX_LINE, "(?<![\\w.])(?<!version )(?<!, ip=)(?!127\\.|0\\.0\\.0\\.0)(" OCTET "(?:\\." OCTET "){3})(?![\\w.]|\\.\\d)", 0},
    {F_HOST, CX_LINE, "(?:\\bpid=\\d{1,10}|\\(raylet), ip=(" OCTET "(?:\\." OCTET "){3})\\)", 0},
    /* TorchElastic's rendezvous names a node by 'HOST_PID_N' */
    {F_HOST, CX_LINE, "\\b[Nn]ode '([A-Za-z0-9][\\w.-]{0,62}?)_\\d{1,10}_\\d{1,6}'", 0},
    /* GPUs: a PCI bus id (also as the subject of a message: "GPU
     * 0000:c1:00.0: GPU is lost", NVRM's "GPU 0000:01:00.0: RmInitAdapter
     * failed!"; not amid a longer colon-separated run), a GPU's UUID, then
     * the numbered forms */
    {F_GPU, CX_LINE, "(?<![\\w:])((?:" HEX "{4,8}:)" HEX "{2}:" HEX "{2}\\." "[0-7])(?!\\w|:[\\w:])", 0},
    {F_GPU, CX_LINE, "\\b(GPU-" HEX "{8}-" HEX "{4}-" HEX "{4}-" HEX "{4}-" HEX "{12})\\b", 0},
    {F_GPU, CX_LINE, "\\bPCI:((?:" HEX "{4,8}:)?" HEX "{2}:" HEX "{2}(?:\\.[0-7])?)\\b", 0},
    {F_GPU, CX_LINE, "\\b[GNX]PU[ :](\\d{1,3})\\b(?![.:]\\d)", 0}, /* Ascend NPUs, Intel XPUs too */
    /* PyTorch's CUDA OOM message wrapped in a paste, its second line
     * opening with "(GPU 0; 2.00 GiB total capacity; ...": that GPU */
    {F_GPU, CX_BLOCK, "^\\s*\\(GPU (\\d{1,3}); [\\d.]+ [KMGT]i?B total capacity", 0},
    /* TensorFlow's per-GPU allocator "GPU_0_bfc" (Allocator (GPU_0_bfc) ran
     * out of memory ...; OOM when allocating ... by allocator GPU_0_bfc) */
    {F_GPU, CX_LINE, "\\bGPU_(\\d{1,3})_bfc\\b", 0},
    /* CNTK's and onnxruntime's CUDA and cuDNN failures: "cuDNN failure 2:
     * CUDNN_STATUS_ALLOC_FAILED ; GPU=0 ; hostname=H ; expr=..." */
    {F_GPU, CX_LINE, " ; GPU=(\\d{1,3}) ; hostname=", 0},
    {F_GPU, CX_LINE, "\\bminor number (\\d{1,3})\\b", 0},
    {F_GPU, CX_LINE, "\\bcuda:(\\d{1,3})\\b", 0},
    {F_GPU, CX_LINE, "\\bdevice ordinal (\\d{1,3})\\b", 0},
    /* nn.DataParallel's wrapper of a replica's exception: "Caught
     * OutOfMemoryError in replica 0 on device 0." */
    {F_GPU, CX_LINE, "\\bin replica \\d{1,3} on device (\\d{1,3})\\b", 0},
    {F_GPU, CX_LINE, "/(?:gpu|GPU|device:GPU):(\\d{1,3})\\b", 0},
    /* TensorFlow's failed graph node, printed after its error ("[[Node:
     * ... = Op[T=..., _device=\"/job:localhost/replica:0/task:0/gpu:0\"]"):
     * the device the op ran on (not the send/recv_device of a transfer) */
    {F_GPU, CX_BLOCK, "[\\[, ]_device=\"/job:[^\"]{1,80}/(?:device:)?(?:gpu|GPU):(\\d{1,3})\"", 0},
    /* PyTorch's warning on a GPU its build does not support, printed when
     * CUDA starts, some lines above the error ("Found GPU0 Tesla
     * P100-PCIE-16GB which is of cuda capability 6.0."): that GPU */
    {F_GPU, CX_FIELD, "\\bFound GPU(\\d{1,3}) [^\\n]{1,120}? which is of cuda capability \\d", 0},
    /* Caffe2's operator definition, printed after an operator's error
     * ('input: "gpu_3/roi_feat" ... type: "FC"'): its blobs live on the
     * GPU the op ran on (Detectron's per-GPU name scope gpu_N) */
    {F_GPU, CX_BLOCK, "^\\W{0,4}input: \"gpu_(\\d{1,3})/", 0},
};
#define NPATS (sizeof pats / sizeof *pats)

struct culprit_x {
    pcre2_code *re[NPATS];
    pcre2_match_data *md;
    pcre2_match_context *mctx;
};

struct culprit_x *culprit_x_new(void)
{
    struct culprit_x *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->md = pcre2_match_data_create(4, NULL);
    x->mctx = pcre2_match_context_create(NULL);
    int ok = x->md && x->mctx;
    for (size_t i = 0; ok && i < NPATS; i++) {
        int code;
        PCRE2_SIZE off;
        x->re[i] = pcre2_compile((PCRE2_SPTR)pats[i].re, PCRE2_ZERO_TERMINATED, 0, &code,
                                 &off, NULL);
        ok = x->re[i] != NULL;
    }
    if (!ok) {
        culprit_x_free(x);
        return NULL;
    }
    pcre2_set_match_limit(x->mctx, RULE_MATCH_LIMIT);
    pcre2_set_depth_limit(x->mctx, RULE_DEPTH_LIMIT);
    return x;
}

void culprit_x_free(struct culprit_x *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < NPATS; i++)
        pcre2_code_free(x->re[i]);
    pcre2_match_data_free(x->md);
    pcre2_match_context_free(x->mctx);
    free(x);
}

/* Whether s[0..n), the word after "host:" (strict 0) or "on node" (strict
 * 1) in a message, looks like a host name rather than the next word of the
 * sentence ("remote host: Connection refused", "to worker on node"): it
 * has a digit, a '-' or a '.' (gpu-q-13, node7, 10.0.0.5, dgx01.cluster;
 * the patterns leave out a full stop that ends the sentence); after
 * "host:" or "hostname=", also one word in lower case (lenovo, localhost),
 * as host names are written, while a capitalised or upper-case word
 * (Connection, No, NONE) is prose. */
static int host_like(const char *s, size_t n, int strict)
{
    int upper = 0;
    for (size_t i = 0; i < n; i++) {
        if (isdigit((unsigned char)s[i]) || s[i] == '-' || s[i] == '.')
            return 1;
        upper |= isupper((unsigned char)s[i]) != 0;
    }
    return n > 0 && !upper && !strict;
}

/* Whether s[0..n) is digits only. */
static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return n > 0;
}

/* A capture as a JSON value: digits only -> integer, else a string (a
 * host of digits only is refused before, so a host is always a string). */
static json_t *value(const char *s, size_t n)
{
    return n < 10 && all_digits(s, n) ? json_integer(strtol(s, NULL, 10)) : json_text(s, n);
}

void culprit_x_fill(struct culprit_x *x, json_t *cul, const char *text, size_t len,
                    enum culprit_scope scope)
{
    if (!x || !json_is_object(cul) || !text)
        return;
    if (len > CULPRIT_TEXT_MAX)
        len = CULPRIT_TEXT_MAX;
    unsigned blocked = 0; /* fields an empty capture ruled out on this text */
    for (size_t i = 0; i < NPATS; i++) {
        const char *name = field_names[pats[i].field];
        json_t *have = json_object_get(cul, name);
        if ((have && !json_is_null(have)) || (blocked & 1u << pats[i].field) ||
            (scope != CX_LINE && pats[i].scope != scope))
            continue;
        int rc = pcre2_match(x->re[i], (PCRE2_SPTR)text, len, 0, 0, x->md, x->mctx);
        if (rc < 2)
            continue;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->md);
        if (ov[2] == PCRE2_UNSET)
            continue;
        if (ov[3] == ov[2])
            blocked |= 1u << pats[i].field;
        else if (pats[i].name && !host_like(text + ov[2], ov[3] - ov[2], pats[i].name == 2))
            continue; /* a word of the message: a later pattern may still name the host */
        else if (pats[i].field == F_HOST && all_digits(text + ov[2], ov[3] - ov[2]))
            continue; /* a number is no host ("HOSTNAME:2753:2762", a redacted NCCL prefix's pid) */
        else
            json_object_set_new(cul, name, value(text + ov[2], ov[3] - ov[2]));
    }
}
