/* test_tidy: the shared fork/exec recipe (launcher/spawn.c). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launcher/spawn.h"
#include "tests/unit/harness.h"

extern char **environ;

/* An exec failure is the caller's error, not a child that exits 127. */
TEST(tidy_spawn_exec_reports_exec_errors)
{
    char *argv[] = {"/nonexistent/endure-agent", NULL};
    struct spawn_opts o = {.pdeath_sig = SIGTERM, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .umask = -1};
    struct buf err;
    buf_init(&err, 256);
    CHECK(spawn_exec(argv, environ, &o, &err) == -1);
    CHECK(err.p && strstr(err.p, "cannot exec '/nonexistent/endure-agent'"));
    buf_free(&err);
}

/* The agent's form: its own process group, the given fd as stdin. */
TEST(tidy_spawn_exec_own_group_and_stdin)
{
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK(write(p[1], "secret\n", 7) == 7);
    close(p[1]);
    char *argv[] = {"/bin/sh", "-c", "read x; [ \"$x\" = secret ] && [ $(ps -o pgid= $$) -eq $$ ]", NULL};
    struct spawn_opts o = {.stdin_fd = p[0], .stdout_fd = -1, .stderr_fd = -1, .umask = -1};
    struct buf err;
    buf_init(&err, 256);
    pid_t pid = spawn_exec(argv, environ, &o, &err);
    close(p[0]);
    CHECK(pid > 0);
    int st = -1;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    buf_free(&err);
}
