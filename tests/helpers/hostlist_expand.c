/* hostlist_expand: test helper around common/hostlist.h, for comparing
 * endure's expansion with `scontrol show hostnames` (tests/e2e/
 * hostlist_scontrol.sh). `hostlist_expand [--max N] EXPR` prints one name
 * per line; `hostlist_expand --hostfile FILE` prints "HOST SLOTS" lines.
 * On a bad expression or file it prints the error to stderr and exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/buf.h"
#include "common/hostlist.h"
#include "common/util.h"

static int expand(const char *expr, size_t max)
{
    struct buf err;
    char **v;
    size_t n;
    buf_init(&err, 4096);
    if (hostlist_expand(expr, max, &v, &n, &err) < 0) {
        fprintf(stderr, "%s\n", err.p ? err.p : "error");
        buf_free(&err);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        printf("%s\n", v[i]);
    hostlist_free(v, n);
    buf_free(&err);
    return 0;
}

static int hostfile(const char *path, size_t max)
{
    struct buf err;
    struct hostfile_entry *v;
    size_t n;
    buf_init(&err, 4096);
    if (hostfile_load(path, max, &v, &n, &err) < 0) {
        fprintf(stderr, "%s\n", err.p ? err.p : "error");
        buf_free(&err);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        printf("%s %d\n", v[i].host, v[i].slots);
    hostfile_free(v, n);
    buf_free(&err);
    return 0;
}

int main(int argc, char **argv)
{
    long max = 1L << 20;
    int i = 1;
    if (i + 1 < argc && !strcmp(argv[i], "--max")) {
        if (parse_long(argv[i + 1], 0, 1L << 30, &max) < 0) {
            fprintf(stderr, "hostlist_expand: bad --max\n");
            return 2;
        }
        i += 2;
    }
    if (i + 2 == argc && !strcmp(argv[i], "--hostfile"))
        return hostfile(argv[i + 1], (size_t)max);
    if (i + 1 != argc) {
        fprintf(stderr, "usage: hostlist_expand [--max N] EXPR | [--max N] --hostfile FILE\n");
        return 2;
    }
    return expand(argv[i], (size_t)max);
}
