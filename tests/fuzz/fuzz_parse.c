/* libFuzzer target: the strict number parsers of common/util.c (what they
 * accept must match their grammar and range) and the policy loader (YAML
 * events, depth bound, duplicate keys) on arbitrary bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "common/util.h"
#include "diagnose/diagnose.h"

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

static void numbers(const char *s)
{
    int64_t ms;
    long v;
    if (parse_duration_ms(s, &ms) == 0) {
        size_t n = strspn(s, "0123456789.");
        const char *u = s + n;
        if (ms < 0 || ms > 9000000000000000LL || !all_digits(s, strspn(s, "0123456789")) ||
            (strcmp(u, "") && strcmp(u, "ms") && strcmp(u, "s") && strcmp(u, "m") && strcmp(u, "h")))
            abort();
    }
    if (parse_long(s, -1000, 1000, &v) == 0 &&
        (v < -1000 || v > 1000 || !all_digits(s + (*s == '-'), strlen(s + (*s == '-')))))
        abort();
    size_t n = parse_digits(s, 1000000, &v);
    if (n && (n > 18 || !all_digits(s, n) || v < 0 || v > 1000000))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = strndup((const char *)data, size);
    if (!s)
        return 0;
    numbers(s);
    free(s);
    int fd = memfd_create("policy", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        char path[64];
        struct policy *p = NULL;
        struct buf err;
        buf_init(&err, 1 << 16);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        if (policy_load(&p, path, &err) == 0)
            policy_free(p);
        buf_free(&err);
    }
    close(fd);
    return 0;
}
