/* probe_util: helpers shared by the probes (health_int.h): results and
 * reasons, dlopen/dlsym with skip on a missing library or symbol, small
 * sysfs and procfs reads. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/util.h"
#include "health/health_int.h"

void probe_set(struct probe_out *out, enum health_result r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof out->reason, fmt, ap);
    va_end(ap);
    out->result = r;
}

void problem_add(char *list, size_t n, const char *fmt, ...)
{
    size_t len = strlen(list);
    if (len && len + 2 < n) {
        memcpy(list + len, "; ", 3);
        len += 2;
    }
    if (len + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(list + len, n - len, fmt, ap);
    va_end(ap);
}

void *dl_open(const char *lib, int required, struct probe_out *out)
{
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        probe_set(out, required ? HEALTH_FAIL : HEALTH_SKIP, "%s%s", e ? e : lib,
                  required ? " (GPUs are expected: --gpus)" : "");
    }
    return h;
}

int dl_resolve(void *h, const char *lib, const struct dl_sym *syms, size_t n, struct probe_out *out)
{
    for (size_t i = 0; i < n; i++) {
        void *s = dlsym(h, syms[i].name);
        if (!s && syms[i].alt)
            s = dlsym(h, syms[i].alt);
        if (!s) {
            probe_set(out, HEALTH_SKIP, "%s lacks the symbol %s", lib, syms[i].name);
            return -1;
        }
        memcpy(syms[i].fp, &s, sizeof s); /* POSIX: a data pointer holds a function's address */
    }
    return 0;
}

int read_line(const char *path, char *out, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    ssize_t r = read(fd, out, n - 1);
    close(fd);
    if (r < 0)
        return -1;
    out[r] = '\0';
    out[strcspn(out, "\n")] = '\0';
    return 0;
}

int read_u64(const char *path, uint64_t *v)
{
    char line[32];
    long long x;
    if (read_line(path, line, sizeof line) < 0 || !line[0] || strspn(line, "0123456789") != strlen(line))
        return -1;
    errno = 0;
    x = strtoll(line, NULL, 10); /* clamps at LLONG_MAX: still a JSON integer */
    *v = errno ? (uint64_t)INT64_MAX : (uint64_t)x;
    return 0;
}

void human_size(uint64_t b, char *out, size_t n)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)b;
    int i = 0;
    while (v >= 1024 && i < 5) {
        v /= 1024;
        i++;
    }
    snprintf(out, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}
