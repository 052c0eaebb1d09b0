/* probe_gpu: the GPUs as NVML sees them (libnvidia-ml.so.1 by dlopen):
 * device count against --gpus, volatile uncorrectable ECC errors, pending
 * page retirements and row remaps, temperature and throttle reasons, and
 * processes already on the GPUs (leftovers of a previous attempt: waited
 * for up to --gpu-free-timeout, then a failure). Runs in a probe child. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "common/util.h"
#include "health/health_int.h"

/* NVML's ABI, as far as this probe uses it */
typedef void *nvml_dev;
struct nvml_proc { /* nvmlProcessInfo_t (v2 layout, _v2 and _v3 calls) */
    unsigned pid;
    unsigned long long used_mem;
    unsigned gpu_instance, compute_instance;
};
enum {
    NVML_OK = 0, NVML_NOT_SUPPORTED = 3, NVML_INSUFFICIENT_SIZE = 7, NVML_DRIVER_NOT_LOADED = 9,
    NVML_ECC_UNCORRECTED = 1, NVML_ECC_VOLATILE = 0, NVML_TEMP_GPU = 0, MAX_PROCS = 64
};
/* throttle reasons that mean the GPU is slowed by heat or power faults */
static const struct {
    unsigned long long bit;
    const char *name;
} throttles[] = {{0x8, "hw_slowdown"}, {0x20, "sw_thermal"}, {0x40, "hw_thermal"}, {0x80, "hw_power_brake"}};

struct nvml {
    int (*init)(void);
    int (*shutdown)(void);
    const char *(*errstr)(int);
    int (*count)(unsigned *);
    int (*handle)(unsigned, nvml_dev *);
    int (*ecc)(nvml_dev, int, int, unsigned long long *);
    int (*retired_pending)(nvml_dev, int *);
    int (*remapped)(nvml_dev, unsigned *, unsigned *, unsigned *, unsigned *);
    int (*temp)(nvml_dev, int, unsigned *);
    int (*throttle)(nvml_dev, unsigned long long *);
    int (*procs)(nvml_dev, unsigned *, struct nvml_proc *);
};

static int nvml_load(void *h, const char *lib, struct nvml *n, struct probe_out *out)
{
    const struct dl_sym syms[] = {
        {"nvmlInit_v2", NULL, &n->init},
        {"nvmlShutdown", NULL, &n->shutdown},
        {"nvmlErrorString", NULL, &n->errstr},
        {"nvmlDeviceGetCount_v2", NULL, &n->count},
        {"nvmlDeviceGetHandleByIndex_v2", NULL, &n->handle},
        {"nvmlDeviceGetTotalEccErrors", NULL, &n->ecc},
        {"nvmlDeviceGetRetiredPagesPendingStatus", NULL, &n->retired_pending},
        {"nvmlDeviceGetRemappedRows", NULL, &n->remapped},
        {"nvmlDeviceGetTemperature", NULL, &n->temp},
        {"nvmlDeviceGetCurrentClocksThrottleReasons", NULL, &n->throttle},
        {"nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2", &n->procs},
    };
    return dl_resolve(h, lib, syms, sizeof syms / sizeof *syms, out);
}

/* Problems of one device: fails and warns appended; figures into dev. */
static void check_device(const struct nvml *n, unsigned i, nvml_dev d, json_t *dev, char *fails, char *warns)
{
    unsigned long long ecc = 0, reasons = 0;
    unsigned corr = 0, unc = 0, pending = 0, failed = 0, temp = 0;
    int retired = 0, rc;
    if ((rc = n->ecc(d, NVML_ECC_UNCORRECTED, NVML_ECC_VOLATILE, &ecc)) == NVML_OK) {
        json_object_set_new(dev, "ecc_uncorrected_volatile", json_integer((json_int_t)ecc));
        if (ecc)
            problem_add(fails, HEALTH_REASON_MAX, "GPU %u: %llu uncorrectable ECC errors", i, ecc);
    } else if (rc != NVML_NOT_SUPPORTED)
        problem_add(fails, HEALTH_REASON_MAX, "GPU %u: ECC counts: %s", i, n->errstr(rc));
    if (n->retired_pending(d, &retired) == NVML_OK) {
        json_object_set_new(dev, "retired_pages_pending", json_boolean(retired));
        if (retired)
            problem_add(warns, HEALTH_REASON_MAX, "GPU %u: page retirement pending (reset the GPU)", i);
    }
    if (n->remapped(d, &corr, &unc, &pending, &failed) == NVML_OK) {
        json_object_set_new(dev, "remap_pending", json_boolean(pending));
        json_object_set_new(dev, "remap_failed", json_boolean(failed));
        if (failed)
            problem_add(fails, HEALTH_REASON_MAX, "GPU %u: row remapping failed", i);
        else if (pending)
            problem_add(warns, HEALTH_REASON_MAX, "GPU %u: row remapping pending (reset the GPU)", i);
    }
    if (n->temp(d, NVML_TEMP_GPU, &temp) == NVML_OK)
        json_object_set_new(dev, "temp_c", json_integer(temp));
    if (n->throttle(d, &reasons) == NVML_OK) {
        json_t *t = json_array();
        for (size_t k = 0; k < sizeof throttles / sizeof *throttles; k++)
            if (reasons & throttles[k].bit) {
                json_array_append_new(t, json_string(throttles[k].name));
                problem_add(warns, HEALTH_REASON_MAX, "GPU %u: throttled (%s, %u C)", i, throttles[k].name, temp);
            }
        json_object_set_new(dev, "throttle", t);
    }
}

/* Processes on the GPUs, listed into procs (cleared first); count or -1. */
static int list_procs(const struct nvml *n, const nvml_dev *devs, unsigned count, json_t *procs)
{
    int total = 0;
    json_array_clear(procs);
    for (unsigned i = 0; i < count; i++) {
        struct nvml_proc p[MAX_PROCS];
        unsigned np = MAX_PROCS;
        int rc = n->procs(devs[i], &np, p);
        if (rc == NVML_NOT_SUPPORTED)
            continue;
        if (rc != NVML_OK && rc != NVML_INSUFFICIENT_SIZE)
            return -1;
        for (unsigned k = 0; rc == NVML_OK && k < np && k < MAX_PROCS; k++)
            json_array_append_new(procs, json_pack("{s:i,s:i,s:I}", "gpu", (int)i, "pid", (int)p[k].pid, "used_mib",
                                                   (json_int_t)(p[k].used_mem >> 20)));
        total += (int)np;
    }
    return total;
}

/* Waits for the GPUs to be free of processes; fails when they stay. */
static void wait_procs(const struct nvml *n, const nvml_dev *devs, unsigned count, const struct health_opts *o,
                       json_t *fig, char *fails)
{
    int64_t t0 = now_ms(), deadline = t0 + o->gpu_free_timeout_ms;
    json_t *procs = json_array();
    int np;
    while ((np = list_procs(n, devs, count, procs)) > 0 && now_ms() < deadline)
        poll(NULL, 0, 250);
    json_object_set_new(fig, "waited_ms", json_integer(now_ms() - t0));
    if (np < 0) {
        problem_add(fails, HEALTH_REASON_MAX, "cannot list the processes on the GPUs");
    } else if (np > 0) {
        json_t *first = json_array_get(procs, 0);
        problem_add(fails, HEALTH_REASON_MAX, "%d process%s still on the GPUs after %.1fs (pid %lld on GPU %lld)",
                    np, np == 1 ? "" : "es", (double)o->gpu_free_timeout_ms / 1000,
                    json_integer_value(json_object_get(first, "pid")),
                    json_integer_value(json_object_get(first, "gpu")));
    }
    json_object_set_new(fig, "processes", procs);
}

static void verdict(struct probe_out *out, const char *fails, const char *warns, unsigned count, json_t *devs)
{
    long long tmax = 0;
    size_t i;
    json_t *d;
    json_array_foreach(devs, i, d) {
        long long t = json_integer_value(json_object_get(d, "temp_c"));
        tmax = t > tmax ? t : tmax;
    }
    if (*fails)
        probe_set(out, HEALTH_FAIL, "%s", fails);
    else if (*warns)
        probe_set(out, HEALTH_WARN, "%s", warns);
    else
        probe_set(out, HEALTH_PASS, "%u GPU%s, no ECC errors, no processes, max %lld C", count,
                  count == 1 ? "" : "s", tmax);
}

static void check_all(const struct nvml *n, const struct health_opts *o, struct probe_out *out)
{
    unsigned count = 0;
    int rc = n->count(&count);
    if (rc != NVML_OK) {
        probe_set(out, HEALTH_FAIL, "nvmlDeviceGetCount_v2: %s", n->errstr(rc));
        return;
    }
    json_object_set_new(out->figures, "count", json_integer(count));
    json_object_set_new(out->figures, "expected", json_integer(o->gpus));
    if (count == 0) {
        probe_set(out, o->gpus ? HEALTH_FAIL : HEALTH_SKIP, "no NVIDIA GPU%s", o->gpus ? " (--gpus expects some)" : "");
        return;
    }
    char fails[HEALTH_REASON_MAX] = "", warns[HEALTH_REASON_MAX] = "";
    if (count < (unsigned)o->gpus)
        problem_add(fails, sizeof fails, "%u GPUs found, %d expected", count, o->gpus);
    nvml_dev devs[64];
    json_t *list = json_array();
    json_object_set_new(out->figures, "gpus", list);
    for (unsigned i = 0; i < count && i < 64; i++) {
        json_t *dev = json_pack("{s:i}", "index", (int)i);
        json_array_append_new(list, dev);
        if ((rc = n->handle(i, &devs[i])) != NVML_OK) {
            problem_add(fails, sizeof fails, "GPU %u: %s", i, n->errstr(rc));
            count = i; /* the processes of the ones before only */
            break;
        }
        check_device(n, i, devs[i], dev, fails, warns);
    }
    wait_procs(n, devs, count < 64 ? count : 64, o, out->figures, fails);
    verdict(out, fails, warns, count, list);
}

void probe_gpu(const struct health_opts *o, struct probe_out *out)
{
    struct nvml n;
    void *h = dl_open(o->nvml_lib, o->gpus > 0, out);
    if (!h || nvml_load(h, o->nvml_lib, &n, out) < 0)
        return;
    int rc = n.init();
    if (rc == NVML_DRIVER_NOT_LOADED)
        probe_set(out, o->gpus ? HEALTH_FAIL : HEALTH_SKIP, "nvmlInit_v2: %s", n.errstr(rc));
    else if (rc != NVML_OK)
        probe_set(out, HEALTH_FAIL, "nvmlInit_v2: %s", n.errstr(rc));
    else {
        check_all(&n, o, out);
        n.shutdown();
    }
    /* no dlclose: the child exits, and drivers dislike being unloaded */
}
