/* health: local probes of a node before ranks start on it (gpu, cuda, nic,
 * storage, memory). Each probe runs in a forked child bounded by a timeout,
 * so that a hung driver call costs its timeout and nothing more; a failing
 * probe is rerun and counts as failed only after fail_after consecutive
 * failures (a transient reading does not exclude a node). Libraries and
 * devices the node lacks give "skip", never "fail". `endure health`
 * (cmd_health.c) prints the results; the controller's agent runs
 * `endure health --json` and reads the same object.
 *
 * Ownership: the caller owns the options and every json_t returned. */
#ifndef ENDURE_HEALTH_H
#define ENDURE_HEALTH_H
#include <jansson.h>
#include <stdint.h>
#include "common/buf.h"

enum health_result { HEALTH_PASS, HEALTH_WARN, HEALTH_FAIL, HEALTH_SKIP };

#define HEALTH_MAX_NICS 16
#define HEALTH_NPROBES 5               /* gpu, cuda, nic, storage, memory */
#define HEALTH_JSON_MAX (16u << 20)    /* bytes of a health.json read back */

struct health_opts {
    int gpus;                      /* GPUs the node must have; 0: none expected */
    const char *ckpt_dir;          /* checked for space and I/O; NULL: not */
    const char *stage_dir;         /* NULL: /dev/shm */
    uint64_t min_free;             /* bytes free in ckpt_dir; 0: 2x newest ckpt */
    uint64_t min_mem;              /* MemAvailable needed; 0: none */
    int64_t gpu_free_timeout_ms;   /* wait for processes on the GPUs to go */
    int64_t timeout_ms;            /* one run of one probe */
    const char *nics[HEALTH_MAX_NICS]; /* interfaces; none: those with IPv4 */
    int nnics;
    int fail_after;                /* consecutive failed runs to fail (>= 1) */
    const char *state_dir;         /* NULL: /dev/shm/endure-health-<uid> */
    double min_copy_gbps;          /* cuda: a slower device-to-host copy warns */
    /* for tests (health_opts_init sets the real ones) */
    const char *nvml_lib, *cuda_lib; /* dlopen names */
    const char *sysfs;             /* "/sys" */
    const char *meminfo;           /* "/proc/meminfo" */
    int64_t retry_pause_ms;        /* before a rerun: 500 */
    int64_t storage_slow_ms;       /* the 64 MiB round trip warns above: 10 s */
};

/* Defaults: all probes' settings as `endure health` without flags. */
void health_opts_init(struct health_opts *o);
/* "pass", "warn", "fail", "skip". */
const char *health_result_name(enum health_result r);
/* The probe names in order; index i is bit i of a probe mask. */
extern const char *const health_probe_names[HEALTH_NPROBES];
/* Index of a probe name, or -1. */
int health_probe_index(const char *name);

/* Runs the probes of mask (bit i: health_probe_names[i]; 0: all) in
 * parallel (cuda after gpu, so that the GPU probe does not see the CUDA
 * probe's own context as a leftover process) and returns
 * {"host","result","ms","probes":[{"name","result","reason","ms","runs",
 * "figures"[,"transient"]}]}: result is fail when a probe failed, else
 * warn when one warned, else pass. NULL only when out of memory. */
json_t *health_run(const struct health_opts *o, unsigned mask);

/* The last health results of a run directory: the health.json of its
 * newest attempt-<N> that has one (a regular file of at most
 * HEALTH_JSON_MAX bytes, an object with an object "nodes"). Returns the
 * object and *attempt, or NULL with a message in err. The content is
 * untrusted: readers check every field's type. */
json_t *health_load_run(const char *run_dir, long *attempt, struct buf *err);

#endif
