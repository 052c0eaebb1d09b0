/* bench_writer: the load of bench/run_log_throughput.sh. Writes BYTES bytes
 * of LEN-byte numbered lines (default 1 GiB of 100-byte lines) to stdout as
 * fast as it can, then prints how long that took to stderr. Default: fill a
 * 64 KiB buffer and write it whole; --stdio: fwrite each line to stdout with
 * stdio's default buffering (what a plain C program does); --lines: one
 * write() per line, as an unbuffered `print` in Python does. A benchmark
 * program, not part of endure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes all of p[0..n) to fd 1; returns 0 or -1. */
static int put(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long long bytes = 1LL << 30;
    int len = 100, per_line = 0, use_stdio = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bytes") && i + 1 < argc)
            bytes = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--len") && i + 1 < argc)
            len = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--lines"))
            per_line = 1;
        else if (!strcmp(argv[i], "--stdio"))
            use_stdio = 1;
        else {
            fprintf(stderr, "usage: bench_writer [--bytes N] [--len N] [--lines|--stdio]\n");
            return 2;
        }
    }
    if (len < 24 || len > 4096 || bytes <= 0) {
        fprintf(stderr, "bench_writer: --len must be 24..4096 and --bytes positive\n");
        return 2;
    }
    static char buf[65536 + 4096];
    size_t used = 0;
    long long line = 0, done = 0;
    double t0 = now_s();
    while (done < bytes) {
        char *l = buf + used;
        int n = snprintf(l, 32, "log line %012lld ", line++);
        memset(l + n, 'x', (size_t)(len - n - 1));
        l[len - 1] = '\n';
        done += len;
        if (use_stdio) {
            if (fwrite(l, 1, (size_t)len, stdout) != (size_t)len) {
                perror("bench_writer: fwrite");
                return 1;
            }
            continue;
        }
        used += (size_t)len;
        if (per_line || used >= 65536 || done >= bytes) {
            if (put(buf, used) < 0) {
                perror("bench_writer: write");
                return 1;
            }
            used = 0;
        }
    }
    if (fflush(stdout) != 0) {
        perror("bench_writer: fflush");
        return 1;
    }
    fprintf(stderr, "bench_writer: %lld bytes in %.3f s\n", done, now_s() - t0);
    return 0;
}
