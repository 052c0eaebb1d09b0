/* lastresort: culprits of last resort, from lines that are not the key line.
 * The host a log was captured on, from the shell prompts pasted with it
 * (`root@node4:~# dmesg`, `[root@bh174 ~]# nvidia-smi`, `user@gpu-a01:~/run$
 * torchrun ...`): on-call engineers and issue reporters paste a node's
 * commands with their prompts. The rank a launcher reports as failed
 * (torchrun's `failed (exitcode: 1) local_rank: 0 (pid: N)`, DeepSpeed's
 * `[..., '--local_rank=0', ...] exits with return code = 1`, srun's `task
 * 0: Segmentation fault`). Either is used
 * only when nothing else named the field, and a log whose lines name two
 * different values names none. For infrastructure faults only, also the host
 * of NCCL's `host:pid:tid [dev] NCCL` lines (a log captured on one node:
 * the node whose NCCL call failed, when the key line itself, such as the
 * "Last error:" of an ncclRemoteError, names no host). For a failed
 * connection to the rendezvous or store (connection_error) only, the
 * endpoint the launcher was given. Last of all, for any verdict but a
 * script error (which fails on any node), the one host the lines' own
 * prefixes name (Open MPI's "[host:pid]", a journal's
 * host, pdsh's "host: "): a log whose prefixed lines all name one host is
 * that host's output, also on its lines without a prefix. Before that
 * (twenty-sixth session), the one node a launcher named for a failed
 * process (mpirun, a Ray task's error header, srun). After it (twenty-ninth
 * session), for any verdict but a script error, the one host of the NCCL
 * lines: the node the log was captured on. */
#ifndef ENDURE_DIAGNOSE_LASTRESORT_H
#define ENDURE_DIAGNOSE_LASTRESORT_H
#include <stddef.h>
#include <stdint.h>
#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <jansson.h>

struct last_resort_seen {
    char value[64];          /* the value seen, "" none */
    int conflict;            /* two different values */
};

struct last_resort {
    pcre2_code *re, *rank_re, *endpoint_re, *node_re, *killed_re, *gpu_re; /* owned; NULL: no pattern (out of memory) */
    pcre2_match_data *md;    /* owned */
    struct last_resort_seen host, rank, nccl_host, endpoint, failed_node;
    struct last_resort_seen prefix_host; /* the host of the lines' own prefixes */
    struct last_resort_seen killed_rank, killed_node; /* srun's tasks Killed or Terminated */
    struct last_resort_seen gpu; /* a GPU index any line names */
};

/* Returns 0, or -1 when the pattern cannot be set up (the tracker then
 * sees nothing). */
int last_resort_init(struct last_resort *p);
void last_resort_free(struct last_resort *p);
/* One line, its prefixes stripped. */
void last_resort_line(struct last_resort *p, const char *line, size_t len);
/* The same when the line's linemarks bits (linemarks.h: LM_RANK,
 * LM_ENDPOINT) are known from the classifier's walk. */
void last_resort_line_marks(struct last_resort *p, const char *line, size_t len, uint32_t marks);
/* The single host of the prompts, or NULL. */
const char *last_resort_host(const struct last_resort *p);
/* The single rank the launcher reported failed, or -1 (srun's task that
 * was killed or terminated only when no task failed otherwise). */
long last_resort_rank(const struct last_resort *p);
/* The single GPU index the log's lines name (`cuda:0`, `GPU 2`, `device
 * gpu0`, `Device:0`, `/gpu:0`, a lone `CUDA_VISIBLE_DEVICES=3`), or -1: a
 * GPU fault in a log that names one GPU is that GPU's (a log naming two
 * names none). */
long last_resort_gpu(const struct last_resort *p);
/* The single host of the log's NCCL-prefixed lines, or NULL. */
const char *last_resort_nccl_host(const struct last_resort *p);
/* Notes the host a line's prefix names (a syslog or journal host, pdsh's
 * "host: ", Open MPI's "[host:pid]", endure's "[node:rank]"; the caller
 * strips the prefixes), and the single host of all of them, or NULL: a
 * log whose prefixed lines all name one host is that host's output. */
void last_resort_prefix_host_note(struct last_resort *p, const char *host);
const char *last_resort_prefix_host(const struct last_resort *p);
/* The single rendezvous/store endpoint the launcher was given
 * (`rdzv_endpoint : HOST` in TorchElastic's config dump, `--rdzv_endpoint=`,
 * `--master_addr=`, `MASTER_ADDR=`; the port dropped), or NULL: the host a
 * failed connection to the store or rendezvous could not reach. */
const char *last_resort_endpoint(const struct last_resort *p);
/* The single node a launcher named for a failed process, or NULL: Open
 * MPI's `mpirun noticed that process rank 1 with PID N on node HOST
 * exited ...`, a Ray task's or actor's error header `ray::Name() (pid=N,
 * ip=A, ...)`, Slurm's `srun: error: HOST: task 0: Exited with exit code
 * 1` (also Killed, Segmentation fault, Aborted). */
const char *last_resort_failed_node(const struct last_resort *p);
/* The host of the prompt nearest before line k of lines (a JSON array of
 * strings, prefixes not yet stripped), looking back at most `back` lines:
 * the output after a prompt up to the next one is that host's, so a log
 * pasted from two hosts still names the host whose command printed the key
 * line. Copies it into out and returns 1, or returns 0 (no prompt, no
 * memory). */
int last_resort_prompt_before(const struct last_resort *p, const json_t *lines, long k, long back,
                              char *out, size_t outlen);

#endif
