/* harness: runs registered unit tests, each in a forked child with a time
 * limit, so that a crash or a hang is one failure. `--no-fork` runs them in
 * process (for valgrind); a name argument runs matching tests only. */
#include "tests/unit/harness.h"
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/util.h"

#define MAX_TESTS 1024
#define TEST_LIMIT_MS 60000

static struct {
    const char *name;
    test_fn fn;
} tests[MAX_TESTS];
static int ntests;
int harness_failed;
static char tmpdir[256];

void harness_register(const char *name, test_fn fn)
{
    if (ntests < MAX_TESTS) {
        tests[ntests].name = name;
        tests[ntests].fn = fn;
        ntests++;
    }
}

const char *test_tmpdir(void)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/endure-unit-XXXXXX");
        if (!mkdtemp(tmpdir))
            abort();
    }
    return tmpdir;
}

static void cleanup_tmp(void)
{
    if (tmpdir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "  could not remove %s\n", tmpdir);
        tmpdir[0] = '\0';
    }
}

/* Runs one test in a child; waits with a deadline on a pipe that the child
 * holds open until it exits. */
static int run_forked(int i)
{
    int p[2];
    if (pipe(p) < 0)
        return 0;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        harness_failed = 0;
        tests[i].fn();
        cleanup_tmp();
        _exit(harness_failed ? 1 : 0);
    }
    close(p[1]);
    struct pollfd pf = {.fd = p[0], .events = POLLIN};
    int64_t deadline = now_ms() + TEST_LIMIT_MS;
    int timed_out = 0;
    while (poll(&pf, 1, ms_until(deadline)) == 0) {
        timed_out = 1;
        kill(pid, SIGKILL);
        break;
    }
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    if (timed_out)
        fprintf(stderr, "  timed out\n");
    else if (WIFSIGNALED(st))
        fprintf(stderr, "  killed by signal %d\n", WTERMSIG(st));
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 && !timed_out;
}

int main(int argc, char **argv)
{
    int nofork = 0, passed = 0, failed = 0;
    const char *only = NULL;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--no-fork"))
            nofork = 1;
        else
            only = argv[a];
    }
    for (int i = 0; i < ntests; i++) {
        if (only && !strstr(tests[i].name, only))
            continue;
        int ok;
        if (nofork) {
            harness_failed = 0;
            tests[i].fn();
            cleanup_tmp();
            ok = !harness_failed;
        } else {
            ok = run_forked(i);
        }
        printf("%s %s\n", ok ? "PASS" : "FAIL", tests[i].name);
        fflush(stdout);
        ok ? passed++ : failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
