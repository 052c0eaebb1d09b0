/* health_int: what the probes share inside the health module: the result
 * a probe fills in (in the forked child), the probe table, dlopen helpers
 * and small sysfs/procfs readers. */
#ifndef ENDURE_HEALTH_INT_H
#define ENDURE_HEALTH_INT_H
#include <stddef.h>
#include <stdint.h>
#include "health/health.h"

#define HEALTH_REASON_MAX 480

/* What one run of a probe found; figures is owned by the probe_out. */
struct probe_out {
    enum health_result result;
    char reason[HEALTH_REASON_MAX];
    json_t *figures;
};

typedef void (*probe_fn)(const struct health_opts *o, struct probe_out *out);

/* A probe: its function, the probe it must wait for (-1: none) and the
 * time it may take beyond the timeout (gpu: the wait for processes). */
struct probe_def {
    const char *name;
    probe_fn fn;
    int after;
    int64_t extra_ms;
};

void probe_gpu(const struct health_opts *o, struct probe_out *out);
void probe_cuda(const struct health_opts *o, struct probe_out *out);
void probe_nic(const struct health_opts *o, struct probe_out *out);
void probe_storage(const struct health_opts *o, struct probe_out *out);
void probe_memory(const struct health_opts *o, struct probe_out *out);

/* Runs n probes (the loop of health_run; tests pass probes of their own). */
json_t *health_run_defs(const struct health_opts *o, const struct probe_def *defs, size_t n);

/* Sets the result and the reason (printf-style). */
void probe_set(struct probe_out *out, enum health_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends "; "-separated text to a list of problems (fixed size). */
void problem_add(char *list, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A symbol to resolve: name, an alternative name (or NULL) and where the
 * function pointer goes. */
struct dl_sym {
    const char *name, *alt;
    void *fp; /* address of a function pointer */
};
/* dlopen(lib); on failure skip (or fail when required) with dlerror's
 * reason, NULL returned. */
void *dl_open(const char *lib, int required, struct probe_out *out);
/* Resolves every symbol; the first missing one gives skip naming it and -1. */
int dl_resolve(void *h, const char *lib, const struct dl_sym *syms, size_t n, struct probe_out *out);

/* The first line of a small file (sysfs, procfs) without its newline;
 * 0 or -1. */
int read_line(const char *path, char *out, size_t n);
/* A sysfs counter: 0 or -1. */
int read_u64(const char *path, uint64_t *v);
/* "1.5 GiB" style. */
void human_size(uint64_t b, char *out, size_t n);

#endif
