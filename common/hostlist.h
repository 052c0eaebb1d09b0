/* hostlist: Slurm hostlist expressions and DeepSpeed/MPI-style hostfiles,
 * the two ways a user (or SLURM_JOB_NODELIST) names the nodes of a run.
 * Expressions follow Slurm's grammar (`n1,n2`, `n[1-4,7]`, `gpu-a[01-03]`,
 * `rack[1-2]-n[1-2]`) and expand to the same names, in the same order, as
 * `scontrol show hostnames`; where Slurm silently accepts nonsense (an
 * unclosed '[', `n[3-]`, spaces inside brackets) these functions refuse it
 * with a message instead. Host names are restricted to letters, digits,
 * '-', '.' and '_', may not start with '-' or '.', and hold at most
 * HOSTLIST_NAME_MAX bytes: they end up in ssh/srun argv. Nothing is
 * deduplicated; hostlist_find_dup() lets callers report a repeat.
 * All results are owned by the caller (hostlist_free, hostfile_free). */
#ifndef ENDURE_HOSTLIST_H
#define ENDURE_HOSTLIST_H
#include <stddef.h>
#include "common/buf.h"

#define HOSTLIST_NAME_MAX 255            /* bytes of one host name */
#define HOSTLIST_RANGE_MAX 65536         /* hosts of one lo-hi range (Slurm's MAX_RANGE) */
#define HOSTFILE_MAX_BYTES (1024 * 1024) /* size cap of a hostfile */
#define HOSTFILE_SLOTS_MAX 65536         /* largest slots=N */

/* Expands the hostlist expression expr into *out (a malloc'd array of *n
 * malloc'd names, in Slurm's order, repeats kept). More than max names is
 * an error, checked before anything is allocated, so `n[1-99999999]`
 * costs nothing. Returns 0, or -1 with *out NULL, *n 0 and one sentence in
 * err (appended), e.g. "bad hostlist 'n[3-1]': range 3-1 goes down". An
 * expression with no names at all is an error too. */
int hostlist_expand(const char *expr, size_t max, char ***out, size_t *n, struct buf *err);
/* Frees what hostlist_expand() returned (NULL is fine). */
void hostlist_free(char **v, size_t n);
/* Index of the first name of v that repeats an earlier one, or -1 when all
 * are distinct (O(n log n)). */
int hostlist_find_dup(char **v, size_t n);

/* Checks one plain host name (len bytes at s): the characters, the first
 * one, the length. 0, or -1 with the reason appended to why (a phrase such
 * as "character '@' is not allowed in a host name ..."). */
int hostlist_check_name(const char *s, size_t len, struct buf *why);

/* One line of a hostfile: a plain host name and its slots=N (-1 when the
 * line has none). slots is the most ranks that host may run. */
struct hostfile_entry {
    char *host;
    int slots;
};
/* Reads the hostfile at path (a regular file of at most HOSTFILE_MAX_BYTES;
 * FIFOs and devices refused): one `HOST [slots=N]` per line, `#` starts a
 * comment, blank lines are skipped. HOST is one plain host name, not a
 * hostlist expression (as in DeepSpeed and Open MPI). A malformed line, a
 * repeated host, more than max hosts or none at all is an error naming the
 * file and the line. Returns 0 with *out (caller frees with
 * hostfile_free) and *n, or -1 with one sentence in err. */
int hostfile_load(const char *path, size_t max, struct hostfile_entry **out, size_t *n,
                  struct buf *err);
/* Frees what hostfile_load() returned (NULL is fine). */
void hostfile_free(struct hostfile_entry *v, size_t n);

#endif
