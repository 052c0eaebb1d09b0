/* pair_nccl: the nccl backend of the pairwise test. libnccl.so.2 and the
 * CUDA driver (libcuda.so.1) by dlopen; rank 0 makes the unique id (handed
 * to rank 1 through the controller's authenticated channel, as hex), both
 * sides create a context on their GPU, ncclCommInitRank a 2-rank
 * communicator and ncclAllReduce a device buffer of `bytes` once to warm
 * up and `iters` times timed. Bus bandwidth as nccl-tests computes it:
 * algbw x 2(n-1)/n, which is algbw for n = 2. The NCCL calls run on a
 * worker thread; at the deadline the main thread calls ncclCommAbort (once
 * the communicator exists) and reports the timeout, and the process ends
 * without waiting for the worker. A library or symbol that is missing, or
 * no CUDA device, gives skip. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/util.h"
#include "health/health_int.h"
#include "health/pair.h"

#define NCCL_ID_BYTES 128
enum { NCCL_FLOAT32 = 7, NCCL_SUM = 0, CU_NO_DEVICE = 100 };
typedef struct { char internal[NCCL_ID_BYTES]; } nccl_id;
typedef unsigned long long cu_ptr;

struct api {
    int (*get_id)(nccl_id *);
    int (*init_rank)(void **, int, nccl_id, int);
    int (*allreduce)(const void *, void *, size_t, int, int, void *, void *);
    int (*destroy)(void *);
    int (*abort)(void *);
    const char *(*nerr)(int);
    int (*cu_init)(unsigned);
    int (*cu_get)(int *, int);
    int (*ctx_create)(void **, unsigned, int);
    int (*ctx_destroy)(void *);
    int (*alloc)(cu_ptr *, size_t);
    int (*free)(cu_ptr);
    int (*memset)(cu_ptr, unsigned char, size_t);
    int (*sync)(void);
};

static int load(const struct pair_opts *o, struct api *a, struct probe_out *po)
{
    const struct dl_sym nsyms[] = {
        {"ncclGetUniqueId", NULL, &a->get_id},   {"ncclCommInitRank", NULL, &a->init_rank},
        {"ncclAllReduce", NULL, &a->allreduce},  {"ncclCommDestroy", NULL, &a->destroy},
        {"ncclCommAbort", NULL, &a->abort},      {"ncclGetErrorString", NULL, &a->nerr}};
    const struct dl_sym csyms[] = {
        {"cuInit", NULL, &a->cu_init},           {"cuDeviceGet", NULL, &a->cu_get},
        {"cuCtxCreate_v2", NULL, &a->ctx_create}, {"cuCtxDestroy_v2", NULL, &a->ctx_destroy},
        {"cuMemAlloc_v2", NULL, &a->alloc},      {"cuMemFree_v2", NULL, &a->free},
        {"cuMemsetD8_v2", NULL, &a->memset},     {"cuCtxSynchronize", NULL, &a->sync}};
    void *c = dl_open(o->cuda_lib, 0, po), *n = c ? dl_open(o->nccl_lib, 0, po) : NULL;
    if (!n || dl_resolve(n, o->nccl_lib, nsyms, sizeof nsyms / sizeof *nsyms, po) < 0 ||
        dl_resolve(c, o->cuda_lib, csyms, sizeof csyms / sizeof *csyms, po) < 0)
        return -1; /* the handles stay open: the process is short-lived */
    return 0;
}

/* What the worker shares with the main thread (freed by whoever is last:
 * the main thread when the worker finished, else never, as the process
 * ends). */
struct job {
    const struct api *a;
    nccl_id id;
    int rank, gpu, iters;
    uint64_t bytes;
    _Atomic(void *) comm;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, ok;
    char why[300];
    double gbps;
};

static void run_comm(struct job *j, cu_ptr buf, size_t count)
{
    const struct api *a = j->a;
    void *comm = NULL;
    int rc = a->init_rank(&comm, 2, j->id, j->rank);
    if (rc) {
        snprintf(j->why, sizeof j->why, "ncclCommInitRank: %s", a->nerr(rc));
        return;
    }
    atomic_store(&j->comm, comm);
    double t0 = 0;
    for (int i = 0; i <= j->iters; i++) {
        if (i == 1 && (rc = a->sync()) == 0)
            t0 = mono_time(); /* after the warm-up */
        if (rc || (rc = a->allreduce((void *)buf, (void *)buf, count, NCCL_FLOAT32, NCCL_SUM, comm, NULL))) {
            snprintf(j->why, sizeof j->why, "ncclAllReduce: %s", a->nerr(rc));
            break;
        }
    }
    if (!j->why[0] && (rc = a->sync()))
        snprintf(j->why, sizeof j->why, "cuCtxSynchronize after the all-reduce: error %d", rc);
    if (!j->why[0]) {
        double dt = mono_time() - t0;
        j->gbps = (double)count * 4 * j->iters / (dt > 1e-9 ? dt : 1e-9) / 1e9; /* busbw = algbw for 2 ranks */
        j->ok = 1;
    }
    a->destroy(comm);
}

static void *worker(void *arg)
{
    struct job *j = arg;
    const struct api *a = j->a;
    void *ctx = NULL;
    cu_ptr buf = 0;
    int dev, rc;
    size_t count = (size_t)(j->bytes / 4);
    if ((rc = a->cu_get(&dev, j->gpu)) || (rc = a->ctx_create(&ctx, 0, dev))) {
        ctx = NULL;
        snprintf(j->why, sizeof j->why, "no context on GPU %d: CUDA error %d", j->gpu, rc);
    } else if ((rc = a->alloc(&buf, count * 4)) || (rc = a->memset(buf, 0, count * 4))) {
        snprintf(j->why, sizeof j->why, "cannot allocate %zu bytes on GPU %d: CUDA error %d", count * 4, j->gpu, rc);
    } else {
        run_comm(j, buf, count);
    }
    if (buf)
        a->free(buf);
    if (ctx)
        a->ctx_destroy(ctx);
    pthread_mutex_lock(&j->mu);
    j->done = 1;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

static int hex_id(const char *hex, nccl_id *id)
{
    if (!hex || strlen(hex) != 2 * NCCL_ID_BYTES)
        return -1;
    for (int i = 0; i < NCCL_ID_BYTES; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        id->internal[i] = (char)v;
    }
    return 0;
}

/* Waits for the worker until the deadline: 1 when it finished. */
static int wait_job(struct job *j, int64_t timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (timeout_ms % 1000) * 1000000;
    if (dl.tv_nsec >= 1000000000) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&j->mu);
    while (!j->done && pthread_cond_timedwait(&j->cv, &j->mu, &dl) == 0)
        ;
    int done = j->done;
    pthread_mutex_unlock(&j->mu);
    return done;
}

static struct job *job_new(const struct pair_opts *o, const struct api *a)
{
    struct job *j = calloc(1, sizeof *j);
    pthread_condattr_t ca;
    if (!j)
        return NULL;
    *j = (struct job){.a = a, .rank = o->rank, .gpu = o->gpu, .iters = o->iters > 0 ? o->iters : 1,
                      .bytes = o->bytes < 4 ? 4 : o->bytes};
    pthread_mutex_init(&j->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->cv, &ca);
    pthread_condattr_destroy(&ca);
    return j;
}

/* Rank 0's unique id, told through ready(); rank 1 decodes the one given. */
static int make_id(const struct pair_opts *o, struct job *j, pair_ready_fn ready, void *arg, json_t *res)
{
    int rc;
    if (o->rank != 0) {
        if (hex_id(o->nccl_id, &j->id) == 0)
            return 0;
        pair_set(res, "fail", "bad NCCL unique id from the peer");
        return -1;
    }
    if ((rc = j->a->get_id(&j->id))) {
        pair_set(res, "fail", "ncclGetUniqueId: %s", j->a->nerr(rc));
        return -1;
    }
    char hex[2 * NCCL_ID_BYTES + 1];
    for (int i = 0; i < NCCL_ID_BYTES; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)j->id.internal[i]);
    json_t *r = json_pack("{s:s}", "nccl_id", hex);
    ready(r, arg);
    json_decref(r);
    return 0;
}

static struct job *abandoned;

int pair_nccl(const struct pair_opts *o, pair_ready_fn ready, void *arg, json_t *res)
{
    static struct api a; /* the worker may outlive this call */
    struct probe_out po = {.result = HEALTH_SKIP};
    int64_t t0 = now_ms();
    int rc;
    pthread_t th;
    if (load(o, &a, &po) < 0) {
        pair_set(res, "skip", "%s", po.reason);
        return 0;
    }
    if ((rc = a.cu_init(0))) {
        pair_set(res, rc == CU_NO_DEVICE ? "skip" : "fail", "cuInit: CUDA error %d", rc);
        return 0;
    }
    struct job *j = job_new(o, &a);
    if (!j)
        return -1;
    if (make_id(o, j, ready, arg, res) < 0 || pthread_create(&th, NULL, worker, j) != 0) {
        if (!json_object_get(res, "result"))
            pair_set(res, "fail", "cannot start the NCCL worker thread");
        free(j);
        return 0;
    }
    if (!wait_job(j, o->timeout_ms - (now_ms() - t0))) {
        void *comm = atomic_load(&j->comm);
        if (comm)
            a.abort(comm);
        pthread_detach(th);
        pair_set(res, "fail", "the NCCL test did not finish within %gs%s", (double)o->timeout_ms / 1000,
                 comm ? " (ncclCommAbort)" : " (stuck in ncclCommInitRank)");
        abandoned = j; /* stays with the stuck worker until the process ends (reachable: no leak report) */
        return 0;
    }
    pthread_join(th, NULL);
    if (j->ok) {
        pair_set(res, "pass", "%.3f GB/s bus bandwidth (all-reduce of %llu bytes x %d)", j->gbps,
                 (unsigned long long)(j->bytes / 4 * 4), j->iters);
        json_object_set_new(res, "gbps", json_real(j->gbps));
    } else {
        pair_set(res, "fail", "%s", j->why);
    }
    free(j);
    return 0;
}
