/* bench_rank: the rank of bench/run_failure_reaction.sh. It stamps the wall
 * clock (ms) into $BENCH_MARKS/start-<attempt>-<rank> as soon as it runs, so
 * that the benchmark sees when a rank really runs (not only when the agent
 * spawned it); then it idles in steps of --step-ms. Rank --fail-rank, at step
 * --at-step of every attempt, stamps $BENCH_MARKS/exit-<attempt> and exits
 * with code 3: the true moment of the failure, before any message reaches
 * the controller. It prints one progress line per attempt (so that endure
 * does not stop the run as a crash loop). TERM keeps its default action, so
 * ranks exit promptly on a stop. A benchmark program, not part of endure. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *marks;

/* Writes the wall clock in ms into $BENCH_MARKS/NAME; best effort. */
static void stamp(const char *name)
{
    struct timespec ts;
    char path[4096], line[64];
    if (!marks)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    int n = snprintf(line, sizeof line, "%.3f\n", (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
    snprintf(path, sizeof path, "%s/%s", marks, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (write(fd, line, (size_t)n) != n)
        perror("bench_rank: write");
    close(fd);
}

static int env_int(const char *k, int def)
{
    const char *v = getenv(k);
    return v ? atoi(v) : def;
}

int main(int argc, char **argv)
{
    int rank = env_int("RANK", 0), attempt = env_int("ENDURE_ATTEMPT", 0);
    int fail_rank = -1, at_step = 20, step_ms = 10, steps = 1000000;
    char name[64];
    marks = getenv("BENCH_MARKS");
    snprintf(name, sizeof name, "start-%d-%d", attempt, rank);
    stamp(name);
    for (int i = 1; i + 1 < argc; i += 2) {
        int v = atoi(argv[i + 1]);
        if (!strcmp(argv[i], "--fail-rank"))
            fail_rank = v;
        else if (!strcmp(argv[i], "--at-step"))
            at_step = v;
        else if (!strcmp(argv[i], "--step-ms"))
            step_ms = v;
        else if (!strcmp(argv[i], "--steps"))
            steps = v;
        else {
            fprintf(stderr, "bench_rank: unknown flag %s\n", argv[i]);
            return 2;
        }
    }
    for (int s = 1; s <= steps; s++) {
        if (rank == fail_rank && s == at_step) {
            snprintf(name, sizeof name, "exit-%d", attempt);
            stamp(name);
            return 3;
        }
        if (s == 1) { /* progress, so that repeated failures are not a crash loop */
            printf("step 1\n");
            fflush(stdout);
        }
        poll(NULL, 0, step_ms);
    }
    return 0;
}
