/* fake_nvml: a test-only libnvidia-ml.so.1 (built into build/tests/fakes/,
 * found through LD_LIBRARY_PATH or by path), exporting just the NVML
 * symbols the gpu probe uses, scripted by the environment:
 *   FAKE_NVML_GPUS=N          devices (default 1)
 *   FAKE_NVML_NODRIVER=1      nvmlInit_v2 says the driver is not loaded
 *   FAKE_NVML_INIT_FAIL=1     nvmlInit_v2 fails (unknown error)
 *   FAKE_NVML_HANG=1          nvmlInit_v2 never returns
 *   FAKE_NVML_ECC=N           N volatile uncorrectable ECC errors on GPU 0
 *   FAKE_NVML_PENDING=1       a page retirement pending on GPU 0
 *   FAKE_NVML_REMAP=pending|failed   row remapping state of GPU 0
 *   FAKE_NVML_TEMP=C          temperature (default 40)
 *   FAKE_NVML_THROTTLE=MASK   throttle reasons (e.g. 0x40: hw thermal)
 *   FAKE_NVML_PROCS=N         N processes on GPU 0
 *   FAKE_NVML_PROCS_WHILE=F   one process on GPU 0 while file F exists
 *   FAKE_NVML_ONCE=F          the faults above apply only when file F
 *                             exists; nvmlInit_v2 removes it (a fault that
 *                             goes away after one run)
 *   FAKE_NVML_NODES=a,b       the faults above apply only on these nodes
 *                             (ENDURE_NODE, set by the agent for its check)
 * Built with -DFAKE_NOSYM it lacks nvmlDeviceGetRemappedRows. */
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int faults = 1;

static long env(const char *name, long def)
{
    const char *v = getenv(name);
    return faults && v && *v ? strtol(v, NULL, 0) : def;
}

int nvmlInit_v2(void)
{
    const char *once = getenv("FAKE_NVML_ONCE");
    if (once && *once)
        faults = unlink(once) == 0;
    const char *nodes = getenv("FAKE_NVML_NODES"), *me = getenv("ENDURE_NODE");
    if (nodes && *nodes) { /* ",a,b," contains ",<me>," */
        size_t n = strlen(nodes), m = me ? strlen(me) : 0;
        int in = 0;
        for (const char *p = nodes; m && p + m <= nodes + n; p++)
            in |= (p == nodes || p[-1] == ',') && !strncmp(p, me, m) && (p[m] == ',' || p[m] == '\0');
        faults = faults && in;
    }
    if (env("FAKE_NVML_HANG", 0))
        for (;;)
            poll(NULL, 0, -1);
    if (env("FAKE_NVML_NODRIVER", 0))
        return 9;
    return env("FAKE_NVML_INIT_FAIL", 0) ? 999 : 0;
}

int nvmlShutdown(void) { return 0; }

const char *nvmlErrorString(int rc)
{
    switch (rc) {
    case 0: return "Success";
    case 3: return "Not Supported";
    case 9: return "Driver Not Loaded";
    default: return "Unknown Error";
    }
}

int nvmlDeviceGetCount_v2(unsigned *n)
{
    const char *g = getenv("FAKE_NVML_GPUS"); /* the node's shape, not a fault */
    *n = g && *g ? (unsigned)strtoul(g, NULL, 0) : 1;
    return 0;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned i, void **d)
{
    *d = (void *)(uintptr_t)(i + 1);
    return 0;
}

static int first(void *d) { return (uintptr_t)d == 1; }

int nvmlDeviceGetTotalEccErrors(void *d, int type, int counter, unsigned long long *v)
{
    *v = first(d) && type == 1 && counter == 0 ? (unsigned long long)env("FAKE_NVML_ECC", 0) : 0;
    return 0;
}

int nvmlDeviceGetRetiredPagesPendingStatus(void *d, int *pending)
{
    *pending = first(d) && env("FAKE_NVML_PENDING", 0);
    return 0;
}

#ifndef FAKE_NOSYM
int nvmlDeviceGetRemappedRows(void *d, unsigned *corr, unsigned *unc, unsigned *pending, unsigned *failed)
{
    const char *r = faults && first(d) ? getenv("FAKE_NVML_REMAP") : NULL;
    *corr = *unc = 0;
    *pending = r && !strcmp(r, "pending");
    *failed = r && !strcmp(r, "failed");
    return 0;
}
#endif

int nvmlDeviceGetTemperature(void *d, int sensor, unsigned *t)
{
    (void)d;
    (void)sensor;
    *t = (unsigned)env("FAKE_NVML_TEMP", 40);
    return 0;
}

int nvmlDeviceGetCurrentClocksThrottleReasons(void *d, unsigned long long *r)
{
    (void)d;
    *r = (unsigned long long)env("FAKE_NVML_THROTTLE", 0);
    return 0;
}

struct proc {
    unsigned pid;
    unsigned long long used;
    unsigned gi, ci;
};

int nvmlDeviceGetComputeRunningProcesses_v3(void *d, unsigned *count, struct proc *p)
{
    const char *w = getenv("FAKE_NVML_PROCS_WHILE");
    unsigned n = first(d) ? (unsigned)env("FAKE_NVML_PROCS", 0) : 0;
    if (first(d) && w && *w && access(w, F_OK) == 0)
        n = 1;
    if (*count < n) {
        *count = n;
        return 7;
    }
    for (unsigned i = 0; i < n; i++)
        p[i] = (struct proc){4242 + i, 1u << 30, 0, 0};
    *count = n;
    return 0;
}
