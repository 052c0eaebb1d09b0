/* libFuzzer target: hostlist expansion and the hostfile parser. Checks
 * their contract on any input: on success at most max names, each a valid
 * host name of at most HOSTLIST_NAME_MAX bytes, and hostlist_find_dup()
 * agrees with a plain quadratic scan; on failure no output and one line of
 * error. An input starting with 'F' is loaded as a hostfile (from a memfd)
 * instead. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/hostlist.h"

#define FUZZ_MAX 4096

static void check_names(char **v, size_t n)
{
    struct buf why;
    buf_init(&why, 1024);
    if (n == 0 || n > FUZZ_MAX)
        abort();
    for (size_t i = 0; i < n; i++)
        if (strlen(v[i]) > HOSTLIST_NAME_MAX || hostlist_check_name(v[i], strlen(v[i]), &why) < 0)
            abort();
    int want = -1;
    for (size_t i = 1; i < n && want < 0 && n <= 256; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(v[i], v[j])) {
                want = (int)i;
                break;
            }
    if (n <= 256 && hostlist_find_dup(v, n) != want)
        abort();
    buf_free(&why);
}

static void check_error(const struct buf *err)
{
    if (!err->p || err->len == 0)
        abort();
    for (size_t i = 0; i < err->len; i++) /* one line, nothing for a terminal to obey */
        if (!isprint((unsigned char)err->p[i]))
            abort();
}

static void fuzz_hostfile(const uint8_t *data, size_t size)
{
    int fd = memfd_create("hostfile", 0);
    if (fd < 0)
        return;
    if (write(fd, data, size) == (ssize_t)size) {
        char path[64];
        struct hostfile_entry *v;
        size_t n;
        struct buf err;
        buf_init(&err, 4096);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        if (hostfile_load(path, 64, &v, &n, &err) == 0) {
            if (n == 0 || n > 64)
                abort();
            for (size_t i = 0; i < n; i++)
                if (v[i].slots == 0 || v[i].slots < -1 || strlen(v[i].host) > HOSTLIST_NAME_MAX)
                    abort();
            hostfile_free(v, n);
        } else {
            check_error(&err);
        }
        buf_free(&err);
    }
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] == 'F') {
        fuzz_hostfile(data + 1, size - 1);
        return 0;
    }
    char *expr = malloc(size + 1);
    if (!expr)
        return 0;
    memcpy(expr, data, size);
    expr[size] = '\0';
    char **v = NULL;
    size_t n = 0;
    struct buf err;
    buf_init(&err, 4096);
    if (hostlist_expand(expr, FUZZ_MAX, &v, &n, &err) == 0) {
        check_names(v, n);
        hostlist_free(v, n);
    } else {
        if (v || n)
            abort();
        check_error(&err);
    }
    buf_free(&err);
    free(expr);
    return 0;
}
