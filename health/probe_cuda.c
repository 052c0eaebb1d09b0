/* probe_cuda: the CUDA driver works on every device it shows
 * (libcuda.so.1 by dlopen): cuInit, a context per device, a 256 MiB device
 * allocation set with a byte pattern and copied to pinned host memory,
 * checked, with the copy's bandwidth. A device at less than half the
 * fastest one's bandwidth, or under --min-copy-gbps, is a warning: a PCIe
 * link trained down. Runs in a probe
 * child. */
#include <stdio.h>
#include <string.h>
#include "common/util.h"
#include "health/health_int.h"

#define CUDA_BYTES ((size_t)256 << 20)
enum { CUDA_OK = 0, CUDA_NO_DEVICE = 100, MAX_DEVS = 64 };

typedef unsigned long long cu_ptr;
struct cuda {
    int (*init)(unsigned);
    int (*count)(int *);
    int (*get)(int *, int);
    int (*ctx_create)(void **, unsigned, int);
    int (*ctx_destroy)(void *);
    int (*alloc)(cu_ptr *, size_t);
    int (*free)(cu_ptr);
    int (*memset)(cu_ptr, unsigned char, size_t);
    int (*dtoh)(void *, cu_ptr, size_t);
    int (*alloc_host)(void **, size_t);
    int (*free_host)(void *);
    int (*sync)(void);
    int (*errstr)(int, const char **);
};

static int cuda_load(void *h, const char *lib, struct cuda *c, struct probe_out *out)
{
    const struct dl_sym syms[] = {
        {"cuInit", NULL, &c->init},
        {"cuDeviceGetCount", NULL, &c->count},
        {"cuDeviceGet", NULL, &c->get},
        {"cuCtxCreate_v2", NULL, &c->ctx_create},
        {"cuCtxDestroy_v2", NULL, &c->ctx_destroy},
        {"cuMemAlloc_v2", NULL, &c->alloc},
        {"cuMemFree_v2", NULL, &c->free},
        {"cuMemsetD8_v2", NULL, &c->memset},
        {"cuMemcpyDtoH_v2", NULL, &c->dtoh},
        {"cuMemAllocHost_v2", NULL, &c->alloc_host},
        {"cuMemFreeHost", NULL, &c->free_host},
        {"cuCtxSynchronize", NULL, &c->sync},
        {"cuGetErrorString", NULL, &c->errstr},
    };
    return dl_resolve(h, lib, syms, sizeof syms / sizeof *syms, out);
}

static const char *cu_err(const struct cuda *c, int rc)
{
    const char *s = NULL;
    return c->errstr(rc, &s) == CUDA_OK && s ? s : "unknown CUDA error";
}

/* One device's test; fills dev, or returns the failing call's name. */
static const char *test_device(const struct cuda *c, int i, json_t *dev, int *rc_out)
{
    int d, rc;
    void *ctx = NULL, *host = NULL;
    cu_ptr mem = 0;
    const char *failed = NULL;
    unsigned char pat = (unsigned char)(0xA5 ^ i);
    if ((rc = c->get(&d, i)) != CUDA_OK) {
        failed = "cuDeviceGet";
        goto out;
    }
    if ((rc = c->ctx_create(&ctx, 0, d)) != CUDA_OK) {
        ctx = NULL;
        failed = "cuCtxCreate_v2";
        goto out;
    }
    if ((rc = c->alloc(&mem, CUDA_BYTES)) != CUDA_OK) {
        mem = 0;
        failed = "cuMemAlloc_v2";
        goto out;
    }
    if ((rc = c->alloc_host(&host, CUDA_BYTES)) != CUDA_OK) {
        host = NULL;
        failed = "cuMemAllocHost_v2";
        goto out;
    }
    if ((rc = c->memset(mem, pat, CUDA_BYTES)) != CUDA_OK || (rc = c->sync()) != CUDA_OK) {
        failed = "cuMemsetD8_v2";
        goto out;
    }
    int64_t t0 = now_ms();
    if ((rc = c->dtoh(host, mem, CUDA_BYTES)) != CUDA_OK) {
        failed = "cuMemcpyDtoH_v2";
        goto out;
    }
    int64_t ms = now_ms() - t0;
    double gbps = (double)CUDA_BYTES / 1e9 / ((double)(ms ? ms : 1) / 1000);
    json_object_set_new(dev, "d2h_gbps", json_real((double)(long long)(gbps * 100) / 100));
    json_object_set_new(dev, "copy_ms", json_integer(ms));
    const unsigned char *p = host;
    for (size_t k = 0; k < CUDA_BYTES; k++)
        if (p[k] != pat) {
            json_object_set_new(dev, "mismatch_at", json_integer((json_int_t)k));
            failed = "the copy's content (device memory or copy corrupt)";
            break;
        }
out:
    if (host)
        c->free_host(host);
    if (mem)
        c->free(mem);
    if (ctx)
        c->ctx_destroy(ctx);
    *rc_out = rc;
    return failed;
}

/* Warnings for devices slower than min_gbps or half the fastest. */
static void slow_devices(json_t *devs, double min_gbps, char *warns)
{
    double best = 0;
    size_t i;
    json_t *d;
    json_array_foreach(devs, i, d) {
        double g = json_real_value(json_object_get(d, "d2h_gbps"));
        best = g > best ? g : best;
    }
    json_array_foreach(devs, i, d) {
        double g = json_real_value(json_object_get(d, "d2h_gbps"));
        if (g < min_gbps || g < best / 2)
            problem_add(warns, HEALTH_REASON_MAX, "GPU %zu: device-to-host copy at %.2f GB/s (best %.2f)", i, g, best);
    }
}

static void test_all(const struct cuda *c, const struct health_opts *o, struct probe_out *out)
{
    int n = 0, rc;
    if ((rc = c->count(&n)) != CUDA_OK) {
        probe_set(out, HEALTH_FAIL, "cuDeviceGetCount: %s", cu_err(c, rc));
        return;
    }
    json_object_set_new(out->figures, "count", json_integer(n));
    if (n <= 0) {
        probe_set(out, o->gpus ? HEALTH_FAIL : HEALTH_SKIP, "no CUDA device");
        return;
    }
    json_t *devs = json_array();
    json_object_set_new(out->figures, "gpus", devs);
    char fails[HEALTH_REASON_MAX] = "", warns[HEALTH_REASON_MAX] = "";
    double sum = 0;
    int tested = 0;
    for (int i = 0; i < n && i < MAX_DEVS; i++) {
        json_t *dev = json_pack("{s:i}", "index", i);
        json_array_append_new(devs, dev);
        const char *failed = test_device(c, i, dev, &rc);
        if (failed && rc != CUDA_OK)
            problem_add(fails, sizeof fails, "GPU %d: %s: %s", i, failed, cu_err(c, rc));
        else if (failed)
            problem_add(fails, sizeof fails, "GPU %d: %s", i, failed);
        sum += json_real_value(json_object_get(dev, "d2h_gbps"));
        tested++;
    }
    if (*fails) {
        probe_set(out, HEALTH_FAIL, "%s", fails);
        return;
    }
    slow_devices(devs, o->min_copy_gbps, warns);
    if (*warns)
        probe_set(out, HEALTH_WARN, "%s", warns);
    else
        probe_set(out, HEALTH_PASS, "%d device%s: context, 256 MiB alloc, memset and copy ok, %.1f GB/s mean", n,
                  n == 1 ? "" : "s", sum / tested);
}

void probe_cuda(const struct health_opts *o, struct probe_out *out)
{
    struct cuda c;
    void *h = dl_open(o->cuda_lib, o->gpus > 0, out);
    if (!h || cuda_load(h, o->cuda_lib, &c, out) < 0)
        return;
    int rc = c.init(0);
    if (rc == CUDA_NO_DEVICE)
        probe_set(out, o->gpus ? HEALTH_FAIL : HEALTH_SKIP, "cuInit: %s", cu_err(&c, rc));
    else if (rc != CUDA_OK)
        probe_set(out, HEALTH_FAIL, "cuInit: %s", cu_err(&c, rc));
    else
        test_all(&c, o, out);
}
