/* fake_cuda: a test-only libcuda.so.1 (built into build/tests/fakes/),
 * exporting just the CUDA driver symbols the cuda probe uses, scripted by
 * the environment:
 *   FAKE_CUDA_GPUS=N          devices (default 1)
 *   FAKE_CUDA_NODEV=1         cuInit says there is no device
 *   FAKE_CUDA_HANG=1          cuInit never returns
 *   FAKE_CUDA_FAIL=SYMBOL     that call fails (cuMemAlloc_v2: out of memory)
 *   FAKE_CUDA_SLOW_MS=N       the device-to-host copy of GPU 0 takes N ms more,
 *                             and at least 4 times what the copy itself took
 *                             (so it stays the slow one on a loaded machine)
 *   FAKE_CUDA_CORRUPT=1       the copy of GPU 0 comes back with a wrong byte
 *   FAKE_CUDA_ONCE=F          the faults apply only when file F exists;
 *                             cuInit removes it
 * "Device memory" is a size and the byte it was set to. Built with
 * -DFAKE_NOSYM it lacks cuMemsetD8_v2. */
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int faults = 1, current = -1;
static struct {
    size_t size;
    unsigned char value;
} mem[16];

static long env(const char *name, long def)
{
    const char *v = getenv(name);
    return faults && v && *v ? strtol(v, NULL, 0) : def;
}

static int fails(const char *sym)
{
    const char *f = getenv("FAKE_CUDA_FAIL");
    return faults && f && !strcmp(f, sym);
}

int cuInit(unsigned flags)
{
    const char *once = getenv("FAKE_CUDA_ONCE");
    (void)flags;
    if (once && *once)
        faults = unlink(once) == 0;
    if (env("FAKE_CUDA_HANG", 0))
        for (;;)
            poll(NULL, 0, -1);
    if (env("FAKE_CUDA_NODEV", 0))
        return 100;
    return fails("cuInit") ? 999 : 0;
}

int cuDeviceGetCount(int *n)
{
    *n = (int)env("FAKE_CUDA_GPUS", 1);
    return fails("cuDeviceGetCount") ? 999 : 0;
}

int cuDeviceGet(int *d, int i)
{
    *d = i;
    return fails("cuDeviceGet") ? 999 : 0;
}

int cuCtxCreate_v2(void **ctx, unsigned flags, int dev)
{
    (void)flags;
    *ctx = (void *)(uintptr_t)(dev + 1);
    current = dev;
    return fails("cuCtxCreate_v2") ? 999 : 0;
}

int cuCtxDestroy_v2(void *ctx)
{
    (void)ctx;
    current = -1;
    return 0;
}

int cuMemAlloc_v2(unsigned long long *p, size_t n)
{
    if (fails("cuMemAlloc_v2"))
        return 2;
    for (int i = 0; i < 16; i++)
        if (!mem[i].size) {
            mem[i].size = n;
            *p = 0x1000 + (unsigned long long)i;
            return 0;
        }
    return 2;
}

int cuMemFree_v2(unsigned long long p)
{
    mem[(p - 0x1000) & 15].size = 0;
    return 0;
}

#ifndef FAKE_NOSYM
int cuMemsetD8_v2(unsigned long long p, unsigned char v, size_t n)
{
    (void)n;
    mem[(p - 0x1000) & 15].value = v;
    return fails("cuMemsetD8_v2") ? 999 : 0;
}
#endif

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int cuMemcpyDtoH_v2(void *dst, unsigned long long p, size_t n)
{
    if (fails("cuMemcpyDtoH_v2"))
        return 999;
    long start = now_ms();
    memset(dst, mem[(p - 0x1000) & 15].value, n);
    if (current == 0 && env("FAKE_CUDA_CORRUPT", 0))
        ((unsigned char *)dst)[n / 2] ^= 1;
    long slow = env("FAKE_CUDA_SLOW_MS", 0), took = now_ms() - start;
    if (current == 0 && slow > 0)
        poll(NULL, 0, (int)(slow > 4 * took ? slow : 4 * took));
    return 0;
}

int cuMemAllocHost_v2(void **p, size_t n)
{
    *p = malloc(n);
    if (*p) /* pinned memory is resident: fault it in before the timed copy */
        memset(*p, 0, n);
    return *p ? 0 : 2;
}

int cuMemFreeHost(void *p)
{
    free(p);
    return 0;
}

int cuCtxSynchronize(void) { return 0; }

int cuGetErrorString(int rc, const char **s)
{
    *s = rc == 2 ? "out of memory" : rc == 100 ? "no CUDA-capable device is detected" : "unknown error";
    return 0;
}
