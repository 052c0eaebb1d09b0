/* prefix: infers the rank, host and GPU of a line of an interleaved log
 * from the prefixes that launchers and loggers put in front of it, and says
 * how many bytes of launcher prefix to strip before classification.
 * Understood: `[rank3]:` (global rank), `[default0]:` (torchrun role and
 * local rank), `srun -l` labels `12: `, endure's console prefix `[n1:3] `
 * (first on a line only), Open MPI's `[1,12]<stderr>:` and horovodrun's
 * Gloo `[12]<stderr>:` (rank) and the `[host:pid]` Open MPI prints after
 * its label (host), pdsh's `host: ` (a name no message word can be: see
 * prefix.c), PSM3's `host:rank3: ` / `host:rank3.prog: ` (host, rank) and
 * `host:pid42: ` (host), kubectl logs --prefix's `[pod/NAME/CONTAINER] `
 * (the pod as host, first on a line only), Ray's `(NAME pid=N, ip=A) ` and
 * `(raylet, ip=A) ` (ip: host and node; pid: the worker), docker compose's
 * `NAME-1  | ` (the container as host, first on a line only), leading timestamps (ISO 8601
 * with optional brackets, fraction and zone; syslog `Jan  2 03:04:05
 * host`; ctime `Thu Aug 29 21:45:09 2019`), and NCCL's `host:pid:tid [gpu] NCCL`
 * lines (host and GPU are inferred, the text is not stripped: rules may
 * match it). Pure function of its input; no allocation. */
#ifndef ENDURE_DIAGNOSE_PREFIX_H
#define ENDURE_DIAGNOSE_PREFIX_H
#include <stddef.h>

struct prefix_info {
    long rank;       /* global rank, -1 when unknown */
    long local_rank; /* from [default<N>]:, -1 when unknown */
    char host[64];   /* "" when unknown */
    char node[64];   /* endure node name from [node:rank], "" when unknown */
    long gpu;        /* -1 when unknown */
    long pid;        /* a Ray worker's pid (its output is a stream of its own), -1 otherwise */
    double ts;       /* seconds since the epoch (UTC), -1 when none */
    size_t skip;     /* bytes of prefix to strip */
};

/* Parses the prefixes of line[0..len). Always fills *out. */
void prefix_parse(const char *line, size_t len, struct prefix_info *out);
/* The two halves of prefix_parse, for callers that need the host of NCCL
 * lines only sometimes: prefix_strip fills everything but the NCCL host and
 * GPU; prefix_nccl (after it, on the same line) adds them. */
void prefix_strip(const char *line, size_t len, struct prefix_info *out);
void prefix_nccl(const char *line, size_t len, struct prefix_info *out);

#endif
