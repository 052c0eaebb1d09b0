/* lastresort: the host of the shell prompts pasted with a log and the rank
 * a launcher reported failed (lastresort.h). A prompt must begin its line
 * (user@host, then ":path$", ":path #", or " dir]$" inside brackets; a
 * markdown quote "> " before it, as issue reports paste), so
 * that e-mail addresses and URLs inside messages are not taken for one; a
 * line without '@' costs one memchr, and the words that select the rank
 * and endpoint patterns are found in the rules' own walk over the line
 * (linemarks.h). */
#include "diagnose/lastresort.h"
#include <stdlib.h>
#include <string.h>
#include "diagnose/internal.h"
#include "diagnose/linemarks.h"
#include "diagnose/prefix.h"

static const char prompt_re[] =
    "^(?:> ?)?(?:\\([\\w.-]{1,40}\\) )?\\[?[A-Za-z_][\\w.-]{0,31}@([A-Za-z0-9][\\w.-]{0,62})"
    "(?::[^\\s$#]{0,200} ?[$#]|\\s[^\\]\\s]{1,200}\\][$#])(?:\\s|$)";
/* the rendezvous or store endpoint a launcher was given (TorchElastic's
 * config dump, its command line, the environment), without its port */
static const char endpoint_re[] =
    "(?:\\brdzv_endpoint\\s*[:=]\\s*|--rdzv[_-]endpoint[= ]|--master[_-]addr[= ]|\\bMASTER_ADDR[=:]\\s*)"
    "['\"]?([A-Za-z0-9][\\w.-]{0,62})(?![\\w.-])";
/* the rank a launcher reported failed: TorchElastic, DeepSpeed's launcher,
 * torch.multiprocessing.spawn ("-- Process 1 terminated with the following
 * error:" of an exception, "process 1 terminated with signal SIGKILL" and
 * "... with exit code 1" of a process that died: the process index, the
 * rank on one node), Open MPI's mpirun
 * ("mpirun noticed that process rank 1 with PID ..."), Composer's
 * launcher ("Rank 0 crashed with exit code 1") and PaddlePaddle's ("ABORT!!!
 * Out of all 4 trainers, the trainer process with rank=[2] was aborted.";
 * a list of several names none), and Open MPI's help message on the first
 * process that exited non-zero ("  Process name: [[44912,1],251]", job
 * then rank); PaddlePaddle's spawn says "Process 0 terminated with the
 * following error:" without torch's "-- "; Open MPI's help messages on a
 * launch that failed name the first rank it failed for ("This error was
 * first reported for process\nrank 0; it may have occurred for other
 * processes as well.", "... when attempting to start process rank 0");
 * srun's report of one task that failed ("srun: error: node12: task 0:
 * Segmentation fault"), its task the rank srun gave the process
 * (SLURM_PROCID: the rank where srun starts the ranks itself; where it
 * starts one launcher per node, the node's index, which torchrun's own
 * report then outranks; thirty-first session: both readers of a fresh log
 * and 5 of the 7 dev labels whose key line it is name it) */
static const char rank_re[] =
    "failed \\(exitcode: -?\\d{1,5}\\) local_rank: (\\d{1,6}) \\(pid|"
    "'--local_rank=(\\d{1,6})'.{0,2000}\\] exits with return code = -?[1-9]|"
    "(?:-- |^)Process (\\d{1,6}) terminated with the following error|"
    "\\bprocess (\\d{1,6}) terminated with (?:signal \\w|exit code -?[1-9])|"
    "\\bnoticed that process rank (\\d{1,7}) with PID|"
    "\\bRank (\\d{1,7}) crashed with exit code [1-9]|"
    "\\bthe trainer process with rank=\\[(\\d{1,7})\\] was aborted|"
    "^\\s*Process name: \\[\\[\\d{1,10},\\d{1,10}\\],(\\d{1,7})\\]|"
    "^rank (\\d{1,7}); it may have occurred for other processes as well|"
    "\\bwhen attempting to start process rank (\\d{1,7})\\b|"
    "^srun: error: [A-Za-z0-9][\\w.-]{0,62}: task (\\d{1,7}): "
    "(?:Exited with exit code [1-9]|Segmentation fault|Aborted|Bus error|Out Of Memory)";

/* the node a launcher named for a failed process: Open MPI's mpirun, the
 * header of a Ray task's or actor's error (the node it ran on), srun's
 * report of a task that failed */
static const char node_re[] =
    "\\bnoticed that process rank \\d{1,7} with PID \\d{1,10} on node ([A-Za-z0-9][\\w.-]{0,62}) exited|"
    "\\bray::[\\w.<>-]{1,200}\\(\\) \\(pid=\\d{1,10}, ip=(\\d{1,3}(?:\\.\\d{1,3}){3})[,)]|"
    "^srun: error: ([A-Za-z0-9][\\w.-]{0,62}): tasks? [\\d,-]{1,40}: "
    "(?:Exited with exit code [1-9]|Segmentation fault|Aborted|Bus error|Out Of Memory)";

/* srun's tasks that were killed or terminated: srun kills the others when
 * one task fails ("task 1: Exited with exit code 1" then "task 0:
 * Terminated", "tasks 3,7: Killed"), so these name the culprit only when no
 * task failed otherwise (a task the kernel's OOM killer took: "task 4:
 * Killed"). Group 1 the node, group 2 a single task. */
static const char killed_re[] =
    "^srun: error: ([A-Za-z0-9][\\w.-]{0,62}): (?:task (\\d{1,7})|tasks [\\d,-]{1,40}): (?:Killed|Terminated)\\s*$";

/* a GPU index a line names: `cuda:0`, `GPU 2` / `GPU: 2` / `GPU #2` (not a
 * PCI bus id's `GPU 0000:3b:...`, not a size `GPU 1.5`), marian's `device
 * gpu0`, torch_npu's `Device:0`, TensorFlow's `/gpu:0`, a single
 * `CUDA_VISIBLE_DEVICES=3` (not a list) */
static const char gpu_re[] =
    "(?<![\\w-])(?:cuda:(\\d{1,2})(?![\\w.])|GPU ?[#:]? ?(\\d{1,2})(?![\\w.]|:\\d)|device gpu(\\d{1,2})\\b|"
    "Device:(\\d{1,2})\\b|/gpu:(\\d{1,2})\\b|CUDA_VISIBLE_DEVICES=['\"]?(\\d{1,2})(?![\\w,]))";

/* ovector pairs of the match data: the whole match and one capture for
 * each alternative of rank_re */
#define NOTE_GROUPS 12

int last_resort_init(struct last_resort *p)
{
    int code;
    PCRE2_SIZE off;
    memset(p, 0, sizeof *p);
    p->re = pcre2_compile((PCRE2_SPTR)prompt_re, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
    p->rank_re = pcre2_compile((PCRE2_SPTR)rank_re, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
    p->endpoint_re = pcre2_compile((PCRE2_SPTR)endpoint_re, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
    p->node_re = pcre2_compile((PCRE2_SPTR)node_re, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
    p->killed_re = pcre2_compile((PCRE2_SPTR)killed_re, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
    p->gpu_re = pcre2_compile((PCRE2_SPTR)gpu_re, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
    if (p->gpu_re) /* run on every line that names a GPU until two differ; the interpreter if this fails */
        pcre2_jit_compile(p->gpu_re, PCRE2_JIT_COMPLETE);
    p->md = p->re && p->rank_re && p->endpoint_re && p->node_re && p->killed_re && p->gpu_re
                ? pcre2_match_data_create(NOTE_GROUPS, NULL)
                : NULL;
    if (!p->md) {
        last_resort_free(p);
        return -1;
    }
    return 0;
}

void last_resort_free(struct last_resort *p)
{
    pcre2_match_data_free(p->md);
    pcre2_code_free(p->re);
    pcre2_code_free(p->rank_re);
    pcre2_code_free(p->endpoint_re);
    pcre2_code_free(p->node_re);
    pcre2_code_free(p->killed_re);
    pcre2_code_free(p->gpu_re);
    p->md = NULL;
    p->re = p->rank_re = p->endpoint_re = p->node_re = p->killed_re = p->gpu_re = NULL;
}

/* Notes value[0..n) into seen: the first value, or a conflict. */
static void seen_value(struct last_resort_seen *seen, const char *v, size_t n)
{
    if (n >= sizeof seen->value)
        return;
    if (!seen->value[0]) {
        memcpy(seen->value, v, n);
        seen->value[n] = '\0';
    } else if (strlen(seen->value) != n || memcmp(seen->value, v, n)) {
        seen->conflict = 1;
    }
}

/* Notes the first capture of re in line into seen (one capture per
 * alternative, at most NOTE_GROUPS - 1 of them). */
static void note(struct last_resort *p, const pcre2_code *re, const char *line, size_t len, struct last_resort_seen *seen)
{
    if (pcre2_match(re, (PCRE2_SPTR)line, len, 0, 0, p->md, NULL) < 2)
        return;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
    int k = 1; /* the capture of the alternative that matched */
    while (k < NOTE_GROUPS && ov[2 * k] == PCRE2_UNSET)
        k++;
    if (k == NOTE_GROUPS)
        return;
    seen_value(seen, line + ov[2 * k], ov[2 * k + 1] - ov[2 * k]);
}

/* Notes the node and the single task of srun's report of tasks it killed
 * or terminated (killed_re). */
static void note_killed(struct last_resort *p, const char *line, size_t len)
{
    if (len < 13 || memcmp(line, "srun: error: ", 13) ||
        pcre2_match(p->killed_re, (PCRE2_SPTR)line, len, 0, 0, p->md, NULL) < 2)
        return;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
    seen_value(&p->killed_node, line + ov[2], ov[3] - ov[2]);
    if (ov[4] != PCRE2_UNSET) /* a range of tasks names no rank */
        seen_value(&p->killed_rank, line + ov[4], ov[5] - ov[4]);
}

/* Notes the host of an NCCL-prefixed line (prefix.h: `host:pid:tid [dev]
 * NCCL`); the scanner stops at the first byte that cannot start one. */
static void note_nccl(struct last_resort *p, const char *line, size_t len)
{
    struct prefix_info pi;
    pi.host[0] = '\0';
    pi.skip = 0;
    pi.gpu = -1;
    prefix_nccl(line, len, &pi);
    if (pi.host[0])
        seen_value(&p->nccl_host, pi.host, strlen(pi.host));
}

void last_resort_line_marks(struct last_resort *p, const char *line, size_t len, uint32_t w)
{
    if (!p->re || len > 4096)
        return;
    if (!p->host.conflict && memchr(line, '@', len < 100 ? len : 100))
        note(p, p->re, line, len, &p->host);
    if (!p->rank.conflict && (w & LM_RANK))
        note(p, p->rank_re, line, len, &p->rank);
    if (!p->nccl_host.conflict)
        note_nccl(p, line, len);
    if (!p->endpoint.conflict && (w & LM_ENDPOINT))
        note(p, p->endpoint_re, line, len, &p->endpoint);
    if (!p->failed_node.conflict && (w & LM_NODE))
        note(p, p->node_re, line, len, &p->failed_node);
    note_killed(p, line, len);
    if (!p->gpu.conflict && (w & LM_GPU))
        note(p, p->gpu_re, line, len, &p->gpu);
}

void last_resort_line(struct last_resort *p, const char *line, size_t len)
{
    if (p->re && len <= 4096)
        last_resort_line_marks(p, line, len, linemarks_scan(line, len));
}

const char *last_resort_endpoint(const struct last_resort *p)
{
    return p->endpoint.value[0] && !p->endpoint.conflict ? p->endpoint.value : NULL;
}

const char *last_resort_host(const struct last_resort *p)
{
    return p->host.value[0] && !p->host.conflict ? p->host.value : NULL;
}

const char *last_resort_failed_node(const struct last_resort *p)
{
    if (p->failed_node.value[0])
        return p->failed_node.conflict ? NULL : p->failed_node.value;
    return p->killed_node.value[0] && !p->killed_node.conflict ? p->killed_node.value : NULL;
}

long last_resort_rank(const struct last_resort *p)
{
    if (p->rank.value[0])
        return p->rank.conflict ? -1 : strtol(p->rank.value, NULL, 10);
    return p->killed_rank.value[0] && !p->killed_rank.conflict ? strtol(p->killed_rank.value, NULL, 10) : -1;
}

const char *last_resort_nccl_host(const struct last_resort *p)
{
    return p->nccl_host.value[0] && !p->nccl_host.conflict ? p->nccl_host.value : NULL;
}

long last_resort_gpu(const struct last_resort *p)
{
    return p->gpu.value[0] && !p->gpu.conflict ? strtol(p->gpu.value, NULL, 10) : -1;
}

void last_resort_prefix_host_note(struct last_resort *p, const char *host)
{
    if (host && host[0] && !p->prefix_host.conflict)
        seen_value(&p->prefix_host, host, strlen(host));
}

const char *last_resort_prefix_host(const struct last_resort *p)
{
    return p->prefix_host.value[0] && !p->prefix_host.conflict ? p->prefix_host.value : NULL;
}

int last_resort_prompt_before(const struct last_resort *p, const json_t *lines, long k, long back,
                              char *out, size_t outlen)
{
    pcre2_match_data *md = p->re ? pcre2_match_data_create_from_pattern(p->re, NULL) : NULL;
    int found = 0;
    for (long i = k - 1; md && !found && i >= 0 && i >= k - back; i--) {
        const json_t *l = json_array_get(lines, (size_t)i);
        const char *s = json_string_value(l);
        size_t n = json_string_length(l);
        if (!s || n > 4096 || !memchr(s, '@', n < 100 ? n : 100))
            continue;
        struct prefix_info pi;
        prefix_strip(s, n, &pi);
        if (pcre2_match(p->re, (PCRE2_SPTR)(s + pi.skip), n - pi.skip, 0, 0, md, NULL) < 2)
            continue;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t hl = ov[3] - ov[2];
        if (ov[2] == PCRE2_UNSET || hl >= outlen)
            continue;
        memcpy(out, s + pi.skip + ov[2], hl);
        out[hl] = '\0';
        found = 1;
    }
    pcre2_match_data_free(md);
    return found;
}
