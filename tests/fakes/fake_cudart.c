/* fake_cudart: a test-only libcudart.so (built into build/tests/fakes/),
 * exporting the two CUDA runtime calls the Python checkpoint helper makes
 * to pin its stage slots (python/endure_state.py, _pin/_unpin), so that the
 * pinning path runs on a machine with no GPU, through the same dlopen and
 * C ABI as the real library. Scripted by the environment:
 *   FAKE_CUDART_LOG=F    each call appends "register PTR SIZE FLAGS" or
 *                        "unregister PTR" (hex pointers, decimal size) to F
 *   FAKE_CUDART_FAIL=1   cudaHostRegister fails (cudaErrorInvalidValue)
 * It checks what the real one would: a register of memory already
 * registered, or an unregister of memory that is not, fails and is logged
 * as "error ...". */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REG 64

static struct {
    void *ptr;
    size_t size;
} reg[MAX_REG];

__attribute__((format(printf, 1, 2))) static void logf_(const char *fmt, ...)
{
    const char *path = getenv("FAKE_CUDART_LOG");
    FILE *f = path && *path ? fopen(path, "a") : NULL;
    va_list ap;

    if (!f)
        return;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

static int find(void *ptr)
{
    for (int i = 0; i < MAX_REG; i++)
        if (reg[i].ptr == ptr)
            return i;
    return -1;
}

/* cudaHostRegister(ptr, size, flags): 0 (cudaSuccess), or 1
 * (cudaErrorInvalidValue) when scripted to fail or already registered. */
int cudaHostRegister(void *ptr, size_t size, unsigned int flags)
{
    const char *fail = getenv("FAKE_CUDART_FAIL");
    int slot = find(NULL);

    if ((fail && !strcmp(fail, "1")) || !ptr || !size || find(ptr) >= 0 || slot < 0) {
        logf_("error register %p %zu %u\n", ptr, size, flags);
        return 1;
    }
    reg[slot].ptr = ptr;
    reg[slot].size = size;
    logf_("register %p %zu %u\n", ptr, size, flags);
    return 0;
}

/* cudaHostUnregister(ptr): 0, or 1 when ptr was not registered. */
int cudaHostUnregister(void *ptr)
{
    int i = find(ptr);

    if (!ptr || i < 0) {
        logf_("error unregister %p\n", ptr);
        return 1;
    }
    reg[i].ptr = NULL;
    logf_("unregister %p\n", ptr);
    return 0;
}
