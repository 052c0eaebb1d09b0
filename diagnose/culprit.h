/* culprit: the generic culprit extractor. Every rule may name its culprit
 * with the named groups host/rank/gpu; where a rule does not, the verdict
 * still finds the culprit in the text of the key line (and, with less
 * trust, its evidence and the summary block around it) with one fixed table
 * of patterns, the same for every rule family:
 *  - rank: `[Rank N]` / `[PG ... Rank N]` (of the default process group
 *    only: another group's rank is not the global one), `Rank N:`,
 *    `rank=N`, `rank: N`, `rankN`, then the local forms `local_rank: N`,
 *    `--local_rank=N` (never the `rank:N` of a DIMM location in EDAC or
 *    mcelog reports); in blocks, ORTE's `when attempting to start process
 *    rank N`;
 *  - host: `host: NAME` / `hostname=NAME`, `on node NAME` (NAME only when
 *    it looks like a host name, not the next word of the sentence:
 *    "remote host: Connection refused" names none), Slurm's
 *    `srun: error: NAME: task N:` (not the task as a rank: srun often runs
 *    one launcher per node), nccl-tests' `NAME: Test NCCL failure`, IPv4 addresses (not loopback, not a version
 *    number; the one of Ray's `(Actor pid=N, ip=A)` prefix after any other);
 *    in summary blocks (CX_BLOCK) Open MPI's `Local host: NAME` and ORTE's
 *    `Node: NAME`; with less trust (CX_FIELD), kubectl describe's `Node:`
 *    field, the `kubernetes.io/hostname=` label, PBS's `Exec host:
 *    NAME/slot`, the `ip:` field of Ray's description of a dead actor and
 *    slurmstepd's `*** JOB N ON NAME CANCELLED AT`;
 *  - gpu: PCI bus ids (`0000:3b:00.0`, `PCI:0000:3b:00`), `GPU N`,
 *    `minor number N`, `cuda:N`, `device ordinal N`, `/gpu:N`; near the
 *    key line (CX_BLOCK), the `_device="/job:.../gpu:N"` of the graph node
 *    TensorFlow 1.x prints after an error.
 * Facts already known (the rule's groups, an earlier source) are never
 * overwritten. The patterns are compiled per extractor (once per verdict:
 * nothing here runs per log line). */
#ifndef ENDURE_DIAGNOSE_CULPRIT_H
#define ENDURE_DIAGNOSE_CULPRIT_H
#include <stddef.h>
#include <jansson.h>

enum culprit_scope {
    CX_LINE,  /* the key line or an exception line: every pattern */
    CX_BLOCK, /* a neighbouring line: only the `host : X` / `rank : N` fields
               * of summary blocks (TorchElastic's "Root Cause") */
    CX_FIELD, /* a line further off: only the fields that name the node of a
               * whole description (kubectl describe's `Node:  NAME/IP`, the
               * `kubernetes.io/hostname=NAME` label, PBS's `Exec host:`,
               * Ray's `ip:` of a dead actor) */
};

struct culprit_x;

/* The compiled extractor, or NULL (no memory). */
struct culprit_x *culprit_x_new(void);
void culprit_x_free(struct culprit_x *x);

/* Fills the members "host", "rank", "gpu" of the object cul that are
 * missing or null from text[0..len) (at most CULPRIT_TEXT_MAX bytes are
 * read). A rank or GPU number becomes an integer, anything else a string. */
void culprit_x_fill(struct culprit_x *x, json_t *cul, const char *text, size_t len,
                    enum culprit_scope scope);

#define CULPRIT_TEXT_MAX 4096

#endif
