/* Unit tests of the procs group: endure's own messages never block on a
 * stderr nobody reads (whole lines dropped and counted), and the
 * descendant sweep finds a grandchild that escaped into its own session. */
#include "tests/unit/harness.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/log.h"
#include "launcher/spawn.h"

/* Reads what the pipe holds now; returns the bytes read into out. */
static size_t drain_pipe(int fd, char *out, size_t cap)
{
    size_t len = 0;
    ssize_t n;
    while (len < cap && (n = read(fd, out + len, cap - len)) > 0)
        len += (size_t)n;
    return len;
}

TEST(log_drops_whole_lines_on_a_stalled_stderr)
{
    int p[2];
    CHECK(pipe2(p, O_CLOEXEC) == 0);
    int saved = dup(STDERR_FILENO);
    dup2(p[1], STDERR_FILENO);
    log_reopen();
    char filler[201];
    memset(filler, 'x', 200);
    filler[200] = '\0';
    for (int i = 0; i < 4000; i++) /* 850 KB: far beyond the pipe and the queue */
        log_error("message %d %s", i, filler);
    uint64_t dropped = log_dropped();
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    static char got[1 << 20];
    size_t len = drain_pipe(p[0], got, sizeof got);
    int whole = len > 0 && got[len - 1] == '\n';
    for (size_t i = 0; i < len; i++) /* every line starts with the prefix */
        if ((i == 0 || got[i - 1] == '\n') && strncmp(got + i, "endure: error: message ", 23))
            whole = 0;
    size_t more = 0;
    for (int k = 0; k < 10; k++) { /* the queue, then the note about the drops */
        log_flush();
        more += drain_pipe(p[0], got + more, sizeof got - 1 - more);
    }
    got[more] = '\0';
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(p[0]);
    close(p[1]);
    log_reopen();
    CHECK(dropped > 0);
    CHECK(whole);
    CHECK(strstr(got, "message(s) of endure dropped") != NULL);
}

TEST(descendant_sweep_finds_an_escaped_grandchild)
{
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
    pid_t a = fork();
    if (a == 0) {
        pid_t b = fork();
        if (b == 0) {
            setsid();
            signal(SIGTERM, SIG_IGN);
            for (;;)
                pause();
        }
        (void)!write(p[1], &b, sizeof b);
        for (;;)
            pause();
    }
    pid_t b = 0;
    CHECK(read(p[0], &b, sizeof b) == (ssize_t)sizeof b);
    close(p[0]);
    close(p[1]);
    int spared = spawn_signal_descendants(SIGKILL, &a, 1, NULL, 0); /* a's subtree is kept */
    int killed = spawn_signal_descendants(SIGKILL, NULL, 0, NULL, 0);
    int st_a = 0, st_b = 0;
    waitpid(a, &st_a, 0);
    waitpid(b, &st_b, 0); /* reparented to us, the subreaper */
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    CHECK(spared == 0);
    CHECK(killed == 2);
    CHECK(WIFSIGNALED(st_a) && WTERMSIG(st_a) == SIGKILL);
    CHECK(WIFSIGNALED(st_b) && WTERMSIG(st_b) == SIGKILL);
}
