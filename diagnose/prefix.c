/* prefix: the rank-prefix parser (see prefix.h). A few small scanners, each
 * tried at the current position; each returns the bytes it consumed or 0.
 * Every read is bounds-checked against the line length (fuzzed in
 * tests/fuzz/fuzz_prefix.c). The leading timestamps are scanned in
 * prefix_ts.c. */
#include "diagnose/prefix.h"
#include <string.h>
#include "diagnose/prefix_int.h"

/* "[rank3]:" (global) or "[default0]:" (role + local rank). */
static size_t bracket_rank(const struct cur *c, struct prefix_info *o)
{
    if (at(c, 0) != '[')
        return 0;
    size_t k = 1;
    while (k < 40 && ((at(c, k) | 0x20) >= 'a' && (at(c, k) | 0x20) <= 'z' ? 1 : at(c, k) == '_'))
        k++;
    long v;
    size_t nd = number(c, k, 7, &v);
    if (k == 1 || !nd || at(c, k + nd) != ']' || at(c, k + nd + 1) != ':')
        return 0;
    if (k - 1 == 4 && !memcmp(c->s + c->i + 1, "rank", 4))
        o->rank = v;
    else
        o->local_rank = v;
    return k + nd + 2;
}

/* torchrun's tee prefix with a host as its role, "[gpu12:5]:" (Slurm
 * scripts pass `--role $SLURMD_NODENAME:` so that each line names its
 * node; the prefix is the role, then the local rank): the host and the
 * local rank. Open MPI's "[host:pid] " has a space after the bracket. */
static size_t bracket_role(const struct cur *c, struct prefix_info *o)
{
    size_t h = 1;
    long v;
    while (h < sizeof o->host && name_char(at(c, h)))
        h++;
    int letter = (at(c, 1) | 0x20) >= 'a' && (at(c, 1) | 0x20) <= 'z'; /* a name, not "[12:30]:" */
    size_t nd = letter && at(c, h) == ':' ? number(c, h + 1, 4, &v) : 0;
    if (!nd || at(c, h + 1 + nd) != ']' || at(c, h + 2 + nd) != ':')
        return 0;
    memcpy(o->host, c->s + c->i + 1, h - 1);
    o->host[h - 1] = '\0';
    o->local_rank = v;
    return h + 3 + nd;
}

/* Whether a C source location begins at offset k ("pml_ucx.c:419 ",
 * "btl_tcp_endpoint.c:626 ", "ib_mlx5_log.c:177  "): Open MPI and UCX start
 * their own messages with it after "[host:pid] ". */
static int c_source_tag(const struct cur *c, size_t k)
{
    size_t j = 0;
    while (j < 64 && (name_char(at(c, k + j)) || at(c, k + j) == '/') && at(c, k + j) != '.')
        j++;
    if (!j || at(c, k + j) != '.' || at(c, k + j + 1) != 'c')
        return 0;
    j += 2;
    if (at(c, k + j) == 'c')
        j++;
    else if (at(c, k + j) == 'p' && at(c, k + j + 1) == 'p')
        j += 2;
    return at(c, k + j) == ':' && at(c, k + j + 1) >= '0' && at(c, k + j + 1) <= '9';
}

/* Whether the text at offset k opens one of the messages Open MPI prints
 * after its "[host:pid] " (the signal report, its backtrace, MCA, PMIx and
 * ORTE errors, help aggregation), which endure's prefix never precedes. */
/* Whether the text at offset k begins with s. */
static int text_at(const struct cur *c, size_t k, const char *s)
{
    size_t j = 0;
    while (s[j] && at(c, k + j) == (unsigned char)s[j])
        j++;
    return !s[j];
}

static int mpi_message(const struct cur *c, size_t k)
{
    static const char *const marks[] = {"*** ", "Signal: ", "Signal code: ", "Failing at address",
                                        "[ ", "[[", "mca_", "PMIX ", "ORTE_", "Set MCA parameter",
                                        /* ompi_mpi_abort before MPI_Init completed */
                                        "Local abort ",
                                        /* mpirun's -x of an unset variable */
                                        "Warning: could not find environment variable"};
    for (size_t m = 0; m < sizeof marks / sizeof *marks; m++)
        if (text_at(c, k, marks[m]))
            return 1;
    /* help aggregation: "2 more processes have sent help message ..." */
    long v;
    size_t d = number(c, k, 7, &v);
    if (d && text_at(c, k + d, " more process"))
        return 1;
    return c_source_tag(c, k);
}

/* endure's console prefix "[node:rank] ", ranks of up to 6 digits: Open
 * MPI's "[host:pid] " has the same shape, and pids on large hosts
 * (pid_max 4194304) have 7; no job has a million ranks. A shorter pid is
 * told by the message after it (mpi_message) or by ORTE's zero padding:
 * the host is kept as the node, the pid is no rank. */
static size_t endure_prefix(const struct cur *c, struct prefix_info *o)
{
    if (at(c, 0) != '[')
        return 0;
    size_t k = 1;
    while (k < sizeof o->node && name_char(at(c, k)))
        k++;
    long v;
    size_t nd = at(c, k) == ':' ? number(c, k + 1, 6, &v) : 0;
    if (k == 1 || !nd || at(c, k + 1 + nd) != ']' || at(c, k + 2 + nd) != ' ')
        return 0;
    memcpy(o->node, c->s + c->i + 1, k - 1);
    o->node[k - 1] = '\0';
    /* ORTE prints its pid zero-padded ("[cuda-24-0.local:08642]"), endure
     * never pads a rank */
    if (!mpi_message(c, k + nd + 3) && !(nd > 1 && at(c, k + 1) == '0'))
        o->rank = v;
    return k + nd + 3;
}

/* srun -l task label "12: " (leading spaces allowed). */
static size_t srun_label(const struct cur *c, struct prefix_info *o)
{
    size_t k = skip_spaces(c, 0);
    long v;
    size_t nd = k <= 4 ? number(c, k, 6, &v) : 0;
    if (!nd || at(c, k + nd) != ':' || at(c, k + nd + 1) != ' ')
        return 0;
    o->rank = v;
    return k + nd + 2;
}

/* Open MPI's --tag-output label "[1,12]<stderr>:" (job, rank, stream; as
 * horovodrun prints it) and horovodrun's own label under Gloo, "[12]<stderr>:"
 * (rank, stream): the rank. */
static size_t mpi_tag(const struct cur *c, struct prefix_info *o)
{
    long job, v;
    size_t nj = at(c, 0) == '[' ? number(c, 1, 10, &job) : 0;
    size_t nr = nj && at(c, 1 + nj) == ',' ? number(c, 2 + nj, 7, &v) : 0;
    size_t k = 2 + nj + nr;
    if (nj && nj <= 7 && at(c, 1 + nj) == ']') { /* Gloo: no job */
        v = job;
        nr = nj;
        k = 1 + nj;
    }
    if (!nr || at(c, k) != ']' || at(c, k + 1) != '<')
        return 0;
    static const char *const streams[] = {"stdout>:", "stderr>:", "stddiag>:"};
    for (size_t j = 0; j < sizeof streams / sizeof *streams; j++) {
        size_t n = strlen(streams[j]);
        if (c->n - c->i >= k + 2 + n && !memcmp(c->s + c->i + k + 2, streams[j], n)) {
            o->rank = v;
            return k + 2 + n;
        }
    }
    return 0;
}

/* Open MPI's own "[host:pid] " after its --tag-output label
 * ("[1,3]<stderr>:[gn05:194928] Signal: ..."): the host of the line, the
 * pid is no rank. */
static size_t mpi_host(const struct cur *c, struct prefix_info *o)
{
    size_t h = 1;
    long pid;
    while (h < sizeof o->host && name_char(at(c, h)))
        h++;
    size_t nd = h > 1 && at(c, h) == ':' ? number(c, h + 1, 10, &pid) : 0;
    if (!nd || at(c, h + 1 + nd) != ']')
        return 0;
    if (!o->host[0]) {
        memcpy(o->host, c->s + c->i + 1, h - 1);
        o->host[h - 1] = '\0';
    }
    return h + 2 + nd;
}

/* PSM3's (libfabric, Intel MPI, Open MPI) "host:rankN: " and
 * "host:rankN.prog: " ("login1:rank0: PSM3 can't open nic unit: 0",
 * "duvel:rank2.mpi_test_ring_c: Failed to get ... cpu set"); before MPI
 * knows the rank, "host:pidN: ": the host, and the rank when it is one. */
static size_t psm_host(const struct cur *c, struct prefix_info *o)
{
    size_t h = 0, k;
    long v;
    while (h < sizeof o->host - 1 && name_char(at(c, h)))
        h++;
    if (!h || at(c, h) != ':')
        return 0;
    int rank = at(c, h + 1) == 'r' && at(c, h + 2) == 'a' && at(c, h + 3) == 'n' && at(c, h + 4) == 'k';
    int pid = at(c, h + 1) == 'p' && at(c, h + 2) == 'i' && at(c, h + 3) == 'd';
    k = h + 1 + (rank ? 4 : pid ? 3 : 0);
    size_t nd = rank || pid ? number(c, k, 7, &v) : 0;
    if (!nd)
        return 0;
    k += nd;
    if (at(c, k) == '.') /* the program's name */
        for (k++; k < h + 200 && at(c, k) != ':' && at(c, k) != ' ' && at(c, k) != -1; k++)
            ;
    if (at(c, k) != ':' || at(c, k + 1) != ' ')
        return 0;
    /* Python logging's "LEVEL:logger:" with a logger named rank0 is no host */
    static const char *const levels[] = {"DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL"};
    for (size_t j = 0; j < sizeof levels / sizeof *levels; j++)
        if (strlen(levels[j]) == h && !memcmp(c->s + c->i, levels[j], h))
            return 0;
    memcpy(o->host, c->s + c->i, h);
    o->host[h] = '\0';
    if (rank)
        o->rank = v;
    return k + 2;
}

/* kubectl logs --prefix: "[pod/NAME/CONTAINER] ": the pod, which is the
 * host of its processes (its hostname, and the name NCCL prints). */
static size_t kube_pod(const struct cur *c, struct prefix_info *o)
{
    static const char pod[] = "[pod/";
    size_t h = 0, k;
    if (c->n - c->i < sizeof pod || memcmp(c->s + c->i, pod, sizeof pod - 1))
        return 0;
    while (h < sizeof o->host - 1 && name_char(at(c, 5 + h)))
        h++;
    if (!h || at(c, 5 + h) != '/')
        return 0;
    for (k = 6 + h; k < 6 + h + 64 && name_char(at(c, k)); k++)
        ;
    if (k == 6 + h || at(c, k) != ']' || at(c, k + 1) != ' ')
        return 0;
    memcpy(o->host, c->s + c->i + 5, h);
    o->host[h] = '\0';
    return k + 2;
}

/* Determined AI's trial logs, after their timestamp: the container's short
 * id, Determined's rank label when it has one, and " || "
 * ("8de2ca81 || ", "3a6e6a9c [rank=1] || "). */
static size_t det_container(const struct cur *c, struct prefix_info *o)
{
    size_t k = 0;
    long rank = -1;
    while (k < 8 && ((at(c, k) >= '0' && at(c, k) <= '9') || (at(c, k) >= 'a' && at(c, k) <= 'f')))
        k++;
    if (k != 8 || at(c, k) != ' ')
        return 0;
    k++;
    if (at(c, k) == '[' && at(c, k + 1) == 'r' && c->n - c->i > k + 6 &&
        !memcmp(c->s + c->i + k, "[rank=", 6)) {
        size_t w = number(c, k + 6, 7, &rank);
        if (!w || at(c, k + 6 + w) != ']' || at(c, k + 7 + w) != ' ')
            return 0;
        k += 8 + w;
    }
    if (at(c, k) != '|' || at(c, k + 1) != '|' || (at(c, k + 2) != ' ' && at(c, k + 2) != -1))
        return 0;
    if (rank >= 0)
        o->rank = rank;
    return k + 2;
}

/* Ray's worker prefix, which it puts on every line a task or actor prints
 * to the driver: "(NAME pid=N) ", "(pid=N) ", "(NAME pid=N, ip=A.B.C.D) "
 * (ip: the node, when it is not the driver's), its raylet's "(raylet) " /
 * "(raylet, ip=A.B.C.D) ", and SkyPilot's "(NODE, rank=R, pid=N[, ip=A]) "
 * (R: the node's index, not a training rank). An ip is the host and the
 * node that printed the line (one a paste redacted to letters names none); the
 * pid is no rank, but it tells the workers' interleaved output apart. */
static int ip_char(int ch)
{
    return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f') || ch == '.' ||
           ch == ':';
}

static size_t ray_worker(const struct cur *c, struct prefix_info *o)
{
    size_t k = 1, ip = 0, ipn = 0, nd = 0;
    long v;
    int addr = 1;
    while (k < 64 && name_char(at(c, k)) && !text_at(c, k, "pid="))
        k++;
    if (k > 1 && text_at(c, k, ", rank=")) { /* SkyPilot */
        size_t nr = number(c, k + 7, 7, &v);
        if (!nr || !text_at(c, k + 7 + nr, ", pid="))
            return 0;
        k += 7 + nr + 1;
    }
    if (k == 7 && text_at(c, 1, "raylet")) {
        /* "(raylet": no pid */
    } else if (k == 1 || at(c, k) == ' ') {
        k += at(c, k) == ' ';
        nd = text_at(c, k, "pid=") ? number(c, k + 4, 10, &v) : 0;
        if (!nd)
            return 0;
        k += 4 + nd;
    } else {
        return 0;
    }
    if (text_at(c, k, ", ip=")) {
        ip = k + 5;
        while (ipn < sizeof o->host - 1 && (name_char(at(c, ip + ipn)) || at(c, ip + ipn) == ':'))
            addr &= ip_char(at(c, ip + ipn++));
        if (!ipn)
            return 0;
        k = ip + ipn;
    }
    if (at(c, k) != ')' || (at(c, k + 1) != ' ' && at(c, k + 1) != -1))
        return 0;
    if (ipn && addr && !o->host[0]) {
        memcpy(o->host, c->s + c->i + ip, ipn);
        o->host[ipn] = '\0';
        memcpy(o->node, o->host, ipn + 1);
    }
    if (nd)
        o->pid = v;
    return k + 1;
}

/* Whether name[0..n) is a Python exception's qualified type: a dotted name
 * whose last part ends like an exception class. */
static int exception_name(const char *name, size_t n)
{
    static const char *const ends[] = {"Error", "Exception", "Warning", "Timeout", "Failure", "Exit"};
    const char *dot = memrchr(name, '.', n);
    for (size_t j = 0; dot && j < sizeof ends / sizeof *ends; j++) {
        size_t e = strlen(ends[j]);
        if ((size_t)(name + n - dot - 1) >= e && !memcmp(name + n - e, ends[j], e))
            return 1;
    }
    return 0;
}

/* Whether name[0..n) reads as a Python logger's module path rather than a
 * host: dotted, no '-', and no digit before the first dot
 * ("deepspeed.runtime.zero.stage3", "torch.nn.modules.conv2d"); a host puts
 * its digits first ("node12.cluster.local", "10.0.0.7"). */
static int module_path(const char *name, size_t n)
{
    const char *dot = memchr(name, '.', n);
    if (!dot || memchr(name, '-', n))
        return 0;
    for (const char *q = name; q < dot; q++)
        if (*q >= '0' && *q <= '9')
            return 0;
    return 1;
}

/* A host with its stream, as OLMo's multi-node launcher tags each line of
 * a node's ranks ("h100-196-003:0 err: ", "node7:1 out: "): the host, the
 * node's process index as the local rank. h: the length of the name at the
 * cursor, which pdsh_host has scanned and found followed by ':'. */
static size_t host_stream_tag(const struct cur *c, size_t h, struct prefix_info *o)
{
    long v;
    int other = 0; /* a host has a letter, a '-' or a '.': "12:30 err: " is a time */
    for (size_t j = 0; j < h; j++)
        other |= !(at(c, j) >= '0' && at(c, j) <= '9');
    size_t nd = h >= 2 && other ? number(c, h + 1, 4, &v) : 0;
    size_t k = h + 1 + nd;
    if (!nd || at(c, k) != ' ' || !(text_at(c, k + 1, "err: ") || text_at(c, k + 1, "out: ")))
        return 0;
    memcpy(o->host, c->s + c->i, h);
    o->host[h] = '\0';
    o->local_rank = v;
    return k + 6;
}

/* pdsh's "host: " (DeepSpeed's multi-node launcher, pdsh -w): a host name
 * that cannot be a word of a message: an IPv4 address, a name (no '_') with a digit
 * and a '-' or '.' (worker-1, gpu-a01.cluster, 675d-5), or node/worker/host/
 * server followed by digits (node2, as hostfiles name them). "RuntimeError:",
 * "Epoch1:" or "step10:" are not hosts, nor is a Python exception's
 * qualified type ("urllib3.exceptions.NewConnectionError:") or a logger's
 * module path ("deepspeed.runtime.zero.stage3:"). */
static size_t pdsh_host(const struct cur *c, struct prefix_info *o)
{
    size_t h = 0, digit = 0, punct = 0;
    const unsigned char *s = (const unsigned char *)c->s + c->i;
    size_t max = c->i < c->n ? c->n - c->i : 0;
    if (max > sizeof o->host - 1)
        max = sizeof o->host - 1;
    while (h < max && name_char(s[h])) /* most lines end here: a word, then no ": " */
        h++;
    if (at(c, h) == ':' && at(c, h + 1) != ' ') /* "host:N err: ", scanned once */
        return host_stream_tag(c, h, o);
    if (h < 2 || at(c, h) != ':' || at(c, h + 1) != ' ' || s[0] == '-' || s[0] == '.' || s[h - 1] == '.')
        return 0;
    for (size_t j = 0; j < h; j++) {
        digit += s[j] >= '0' && s[j] <= '9';
        punct += s[j] == '-' || s[j] == '.';
        if (s[j] == '_') /* x86_64-linux-gnu-gcc: is a tool, not a host */
            return 0;
    }
    if (!digit)
        return 0;
    if (exception_name(c->s + c->i, h) || module_path(c->s + c->i, h))
        return 0;
    int word = 0;
    static const char *const words[] = {"node", "worker", "host", "server"};
    for (size_t j = 0; !punct && j < sizeof words / sizeof *words; j++) {
        size_t n = strlen(words[j]);
        word = h > n && !memcmp(c->s + c->i, words[j], n);
        for (size_t q = n; word && q < h; q++)
            word = at(c, q) >= '0' && at(c, q) <= '9';
        if (word)
            break;
    }
    if (!punct && !word)
        return 0;
    memcpy(o->host, c->s + c->i, h);
    o->host[h] = '\0';
    return h + 2;
}

/* docker compose's prefix on a container's lines ("docker compose up",
 * "docker compose logs"): the service's container, its replica index after
 * a '-' (v2: "trainer-1") or '_' (v1: "trainer_1"), padded with spaces to
 * the longest name, then "| ". The container is the host of its processes'
 * lines (a compose file runs one container per node or per rank). The
 * index is required: a table's "0 | encoder | Sequential" is no prefix. */
static size_t compose_service(const struct cur *c, struct prefix_info *o)
{
    size_t h = 0, sep = 0;
    while (h < sizeof o->host - 1 && name_char(at(c, h))) {
        if (at(c, h) == '-' || at(c, h) == '_')
            sep = h;
        h++;
    }
    if (!sep || at(c, h) != ' ' || h - sep < 2 || h - sep > 5)
        return 0;
    for (size_t j = sep + 1; j < h; j++)
        if (at(c, j) < '0' || at(c, j) > '9')
            return 0;
    size_t k = skip_spaces(c, h);
    if (at(c, k) != '|' || (at(c, k + 1) != ' ' && at(c, k + 1) != -1))
        return 0;
    memcpy(o->host, c->s + c->i, h);
    o->host[h] = '\0';
    return k + 1;
}

/* The length of NCCL 2.19's "file.cc:NNN " source tag at k (0: none). */
static size_t nccl_src_tag(const struct cur *c, size_t k)
{
    size_t j = 0;
    long v;
    while (j < 64 && (name_char(at(c, k + j)) || at(c, k + j) == '/'))
        j++;
    if (j < 3 || at(c, k + j) != ':')
        return 0;
    size_t nd = number(c, k + j + 1, 6, &v);
    return nd && at(c, k + j + 1 + nd) == ' ' ? j + nd + 2 : 0;
}

/* Whether "[gpu] NCCL" (2.19 and later: "[gpu] file.cc:NNN NCCL") begins
 * at offset k: 1 and the device in *gpu. */
static int nccl_device(const struct cur *c, size_t k, long *gpu)
{
    size_t ng = at(c, k) == '[' ? number(c, k + 1, 4, gpu) : 0;
    if (!ng || at(c, k + 1 + ng) != ']' || at(c, k + 2 + ng) != ' ')
        return 0;
    size_t w = k + ng + 3;
    w += nccl_src_tag(c, w);
    return c->n - c->i >= w + 4 && !memcmp(c->s + c->i + w, "NCCL", 4);
}

/* NCCL "host:pid:tid [gpu] NCCL": fills host and gpu, consumes nothing;
 * with no "host:pid:tid" before it (a paste that cut it off, grepped
 * NCCL_DEBUG_SUBSYS output), the gpu alone. */
static void nccl_line(const struct cur *c, struct prefix_info *o)
{
    size_t h = 0, k;
    long v, gpu;
    if (nccl_device(c, 0, &gpu)) {
        o->gpu = gpu;
        return;
    }
    while (h < sizeof o->host - 1 && name_char(at(c, h)))
        h++;
    if (h == 0 || at(c, h) != ':' || !(k = number(c, h + 1, 10, &v)) || at(c, h + 1 + k) != ':')
        return;
    k = h + 2 + k;
    size_t nt = number(c, k, 10, &v);
    if (!nt || at(c, k + nt) != ' ' || !nccl_device(c, k + nt + 1, &gpu))
        return;
    memcpy(o->host, c->s + c->i, h);
    o->host[h] = '\0';
    o->gpu = gpu;
}

void prefix_strip(const char *line, size_t len, struct prefix_info *o)
{
    struct cur c = {line, len, 0};
    o->host[0] = o->node[0] = '\0'; /* (no memset: this runs on every line) */
    o->skip = 0;
    o->rank = o->local_rank = o->gpu = o->pid = -1;
    o->ts = -1;
    int tagged = 0; /* after Open MPI's --tag-output label */
    for (int round = 0; round < 6; round++) {
        double ts = -1;
        size_t k = 0;
        int ch = at(&c, 0);
        /* Dispatch on the first byte: most lines start with none of these. */
        if ((ch >= '0' && ch <= '9') || ch == '[')
            k = prefix_iso_ts(&c, &ts);
        else if (ch == 'J' || ch == 'F' || ch == 'M' || ch == 'A' || ch == 'S' || ch == 'O' ||
                 ch == 'N' || ch == 'D')
            k = prefix_syslog_ts(&c, &ts, o->host, sizeof o->host);
        if (!k && (ch == 'M' || ch == 'T' || ch == 'W' || ch == 'F' || ch == 'S'))
            k = prefix_ctime_ts(&c, &ts);
        if (k && o->ts < 0)
            o->ts = ts;
        if (k) { /* a separator after a timestamp: " ", " - ", ": ", " | " */
            k = skip_spaces(&c, k);
            if ((at(&c, k) == '-' || at(&c, k) == '|' || at(&c, k) == ':') &&
                (at(&c, k + 1) == ' ' || at(&c, k + 1) == -1))
                k = skip_spaces(&c, k + 1);
        }
        /* endure's own prefix is the outermost one: after another prefix,
         * "[host:pid]" is Open MPI's, and its pid is no rank */
        if (!k && ch == '[' && tagged)
            k = mpi_host(&c, o);
        if (!k && ch == '[' && round == 0)
            k = kube_pod(&c, o);
        if (!k && ch == '[' && round == 0 && !o->host[0])
            k = bracket_role(&c, o);
        if (!k && ch == '[' && !(k = bracket_rank(&c, o)) && !(round == 0 && (k = endure_prefix(&c, o))))
            tagged = (k = mpi_tag(&c, o)) != 0;
        if (!k && ch == '(')
            k = ray_worker(&c, o);
        if (!k && round == 0 && ((ch >= '0' && ch <= '9') || ch == ' '))
            k = srun_label(&c, o);
        if (!k && round > 0 && ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            k = det_container(&c, o);
        if (!k && ch != ' ' && ch != '[' && !o->host[0])
            k = psm_host(&c, o);
        if (!k && round == 0 && ch != ' ' && !o->host[0] && !(k = compose_service(&c, o)))
            k = pdsh_host(&c, o);
        if (!k)
            break;
        c.i += k;
        c.i = c.i + (size_t)(at(&c, 0) == ' ');
    }
    if (c.i > len)
        c.i = len;
    o->skip = c.i;
}

void prefix_nccl(const char *line, size_t len, struct prefix_info *o)
{
    struct cur c = {line, len, o->skip};
    if (!o->host[0])
        nccl_line(&c, o);
}

void prefix_parse(const char *line, size_t len, struct prefix_info *o)
{
    prefix_strip(line, len, o);
    prefix_nccl(line, len, o);
}
