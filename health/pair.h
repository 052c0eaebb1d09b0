/* pair: one side of a pairwise communication test between two nodes, the
 * unit of the controller's two-round pairwise health check (--health
 * pairwise). Rank 0 serves: it listens (tcp), makes the NCCL unique id
 * (nccl) or picks the rendezvous port (command), says so through the ready
 * callback, and the controller hands that to rank 1, which connects. Each
 * side ends with a result object; the pair's bandwidth is the lower of the
 * two sides' figures. `endure pair-probe` (cmd_pair.c) runs one side and
 * prints the ready and result objects as JSON lines; the agent runs it for
 * the controller.
 *
 * Backends:
 *   tcp      socket bandwidth over the address the ranks use, both ways
 *            (rank 1 -> rank 0, then rank 0 -> rank 1), after a token the
 *            controller gave both sides (a stray connection is refused);
 *   nccl     libnccl.so.2 and libcuda.so.1 by dlopen: ncclCommInitRank of a
 *            2-rank communicator, ncclAllReduce of a device buffer a few
 *            times, bus bandwidth as nccl-tests computes it; a missing
 *            library or symbol gives skip;
 *   command  a user command (nccl-tests' all_reduce_perf, say) run by
 *            /bin/sh -c on both nodes with the pair's rendezvous in its
 *            environment; its "# Avg bus bandwidth : X" line is the figure.
 * Every backend is bounded by timeout_ms.
 *
 * Ownership: the caller owns the options; the result is the caller's. */
#ifndef ENDURE_PAIR_H
#define ENDURE_PAIR_H
#include <jansson.h>
#include <stdint.h>

enum pair_backend { PAIR_TCP, PAIR_NCCL, PAIR_COMMAND, PAIR__COUNT };

#define PAIR_TOKEN_LEN 64         /* hex characters of the tcp token */
#define PAIR_OUT_MAX (1u << 20)   /* bytes of a command's output read */

struct pair_opts {
    enum pair_backend backend;
    int rank;                     /* 0: serves, 1: connects */
    const char *addr;             /* rank 0's address (rank 1 connects; command: MASTER_ADDR) */
    int port;                     /* rank 1: rank 0's port; rank 0: 0 picks one */
    const char *nccl_id;          /* rank 1 (nccl): rank 0's unique id in hex */
    const char *token;            /* tcp: PAIR_TOKEN_LEN hex characters both sides know */
    const char *command;          /* command: the shell command */
    uint64_t bytes;               /* per direction (tcp) or per all-reduce (nccl) */
    int iters;                    /* nccl: timed all-reduces after one warm-up */
    int gpu;                      /* nccl: device index */
    int64_t timeout_ms;           /* the whole side */
    const char *nccl_lib, *cuda_lib; /* dlopen names (tests) */
};

/* Called once by rank 0 when rank 1 may start: {"port":P} or
 * {"nccl_id":"hex"} (borrowed for the call). */
typedef void (*pair_ready_fn)(json_t *ready, void *arg);

/* Defaults: tcp, rank 0, 64 MiB, 5 iterations, GPU 0, 60 s. */
void pair_opts_init(struct pair_opts *o);
/* "tcp", "nccl", "command"; pair_backend_of: -1 when unknown. */
const char *pair_backend_name(enum pair_backend b);
int pair_backend_of(const char *name);

/* Runs this side of the test and returns {"result":"pass"|"fail"|"skip",
 * "reason":..., "gbps":X (GB/s, when measured), "ms":N}. NULL only when
 * out of memory. */
json_t *pair_run(const struct pair_opts *o, pair_ready_fn ready, void *arg);

/* The bus bandwidth (GB/s) of nccl-tests output: its "# Avg bus bandwidth"
 * line. 0, or -1 when there is none. */
int pair_parse_busbw(const char *out, size_t len, double *gbps);

/* Backends (pair_tcp.c, pair_nccl.c, pair_cmd.c): fill result (an object)
 * and return 0; -1 out of memory. */
int pair_tcp(const struct pair_opts *o, pair_ready_fn ready, void *arg, json_t *result);
int pair_nccl(const struct pair_opts *o, pair_ready_fn ready, void *arg, json_t *result);
int pair_command(const struct pair_opts *o, pair_ready_fn ready, void *arg, json_t *result);
/* Sets "result" and a printf-style "reason" in a result object. */
void pair_set(json_t *result, const char *res, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
