/* pair_cmd: the command backend of the pairwise test. A user command
 * (nccl-tests' all_reduce_perf, or a script of the site's) runs on both
 * nodes of a pair through /bin/sh -c, with the pair's rendezvous in its
 * environment: ENDURE_PAIR_RANK (0 or 1), ENDURE_PAIR_ADDR and
 * ENDURE_PAIR_PORT (rank 0's address and a free port rank 0 picked), and
 * the same as MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE=2, LOCAL_RANK=0
 * and NCCL_COMM_ID=addr:port. Its stdout and stderr (at most PAIR_OUT_MAX
 * bytes) must hold nccl-tests' "# Avg bus bandwidth : X" line; it is killed
 * (its process group) at the timeout. The loop polls the output pipe and a
 * signalfd for SIGCHLD. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/util.h"
#include "health/pair.h"
#include "launcher/spawn.h"

extern char **environ;

/* A port free now on every address (the command binds it a moment later). */
static int free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t sl = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* The environment: ours without the names we set, then ours (owned strings
 * in extra[], the array itself to free). */
static char **cmd_env(const struct pair_opts *o, int port, char extra[][300], int nextra)
{
    static const char *const set[] = {"ENDURE_PAIR_RANK", "ENDURE_PAIR_ADDR", "ENDURE_PAIR_PORT", "MASTER_ADDR",
                                      "MASTER_PORT",      "RANK",             "WORLD_SIZE",       "LOCAL_RANK",
                                      "NCCL_COMM_ID"};
    const char *addr = o->addr ? o->addr : "127.0.0.1";
    snprintf(extra[0], 300, "ENDURE_PAIR_RANK=%d", o->rank);
    snprintf(extra[1], 300, "ENDURE_PAIR_ADDR=%s", addr);
    snprintf(extra[2], 300, "ENDURE_PAIR_PORT=%d", port);
    snprintf(extra[3], 300, "MASTER_ADDR=%s", addr);
    snprintf(extra[4], 300, "MASTER_PORT=%d", port);
    snprintf(extra[5], 300, "RANK=%d", o->rank);
    snprintf(extra[6], 300, "WORLD_SIZE=2");
    snprintf(extra[7], 300, "LOCAL_RANK=0");
    snprintf(extra[8], 300, "NCCL_COMM_ID=%s:%d", addr, port);
    size_t ne = 0, k = 0;
    while (environ[ne])
        ne++;
    char **envp = calloc(ne + (size_t)nextra + 1, sizeof *envp);
    for (size_t i = 0; envp && i < ne; i++) {
        int keep = 1;
        for (size_t s = 0; s < sizeof set / sizeof *set; s++) {
            size_t l = strlen(set[s]);
            keep &= !(strncmp(environ[i], set[s], l) == 0 && environ[i][l] == '=');
        }
        if (keep)
            envp[k++] = environ[i];
    }
    for (int i = 0; envp && i < nextra; i++)
        envp[k++] = extra[i];
    return envp;
}

/* The last non-empty line of out, printable, at most n-1 bytes. */
static void last_line(const struct buf *out, char *line, size_t n)
{
    size_t end = out->len, start;
    while (end > 0 && (out->p[end - 1] == '\n' || out->p[end - 1] == '\r' || out->p[end - 1] == ' '))
        end--;
    for (start = end; start > 0 && out->p[start - 1] != '\n'; start--)
        ;
    size_t k = 0;
    for (size_t i = start; i < end && k + 1 < n; i++)
        line[k++] = out->p[i] >= 0x20 && out->p[i] < 0x7f ? out->p[i] : '?';
    line[k] = '\0';
}

/* Reads the command's output until it ends or the deadline: 0, or -1 when
 * it was killed at the deadline. *st is its wait status. */
static int collect(pid_t pid, int fd, int sfd, int64_t dl, struct buf *out, int *st)
{
    int reaped = 0, killed = 0;
    char chunk[16384];
    while (!reaped) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
        int ms = ms_until(dl);
        if (ms <= 0 && !killed) {
            spawn_signal_group(pid, SIGKILL);
            killed = 1;
        }
        if (poll(p, 2, killed ? 1000 : ms) < 0 && errno != EINTR)
            break;
        if (fd >= 0 && p[0].revents) {
            ssize_t r = read(fd, chunk, sizeof chunk);
            if (r > 0)
                buf_append_some(out, chunk, (size_t)r);
            else if (r == 0 || (errno != EAGAIN && errno != EINTR))
                fd = -1; /* polled no more: negative fds are ignored */
        }
        if (p[1].revents) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == sizeof si)
                ;
        }
        reaped = waitpid(pid, st, WNOHANG) == pid;
    }
    if (fd >= 0) { /* what it wrote before it ended */
        ssize_t r;
        while ((r = read(fd, chunk, sizeof chunk)) > 0)
            buf_append_some(out, chunk, (size_t)r);
    }
    spawn_signal_group(pid, SIGKILL); /* what it left in its group */
    return killed ? -1 : 0;
}

static void verdict(const struct pair_opts *o, int rc, int st, const struct buf *out, json_t *res)
{
    char line[200];
    double gbps;
    last_line(out, line, sizeof line);
    if (rc < 0)
        pair_set(res, "fail", "the command did not finish within %gs (killed)", (double)o->timeout_ms / 1000);
    else if (!WIFEXITED(st) || WEXITSTATUS(st))
        pair_set(res, "fail", "the command %s %d: %s", WIFEXITED(st) ? "exited with code" : "was killed by signal",
                 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), line);
    else if (pair_parse_busbw(out->p ? out->p : "", out->len, &gbps) < 0)
        pair_set(res, "fail", "no '# Avg bus bandwidth' line in the command's output (last line: %s)", line);
    else {
        pair_set(res, "pass", "%.3f GB/s bus bandwidth", gbps);
        json_object_set_new(res, "gbps", json_real(gbps));
    }
}

int pair_command(const struct pair_opts *o, pair_ready_fn ready, void *arg, json_t *res)
{
    char extra[9][300];
    int port = o->rank == 0 && o->port == 0 ? free_port() : o->port, p[2] = {-1, -1}, sfd = -1, st = 0;
    sigset_t chld, old;
    struct buf out, err;
    buf_init(&out, PAIR_OUT_MAX);
    buf_init(&err, 512);
    char **envp = NULL;
    if (!o->command || !*o->command) {
        pair_set(res, "fail", "no command given (--pair-command)");
        goto out;
    }
    if (port <= 0) {
        pair_set(res, "fail", "no free port for the command's rendezvous");
        goto out;
    }
    if (o->rank == 0) {
        json_t *r = json_pack("{s:i}", "port", port);
        ready(r, arg);
        json_decref(r);
    }
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    char *argv[] = {"/bin/sh", "-c", (char *)o->command, NULL};
    envp = cmd_env(o, port, extra, 9);
    sfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
    pid_t pid = -1;
    if (envp && sfd >= 0 && pipe2(p, O_CLOEXEC) == 0) {
        struct spawn_opts so = {.reset_signals = 1, .pdeath_sig = SIGKILL, .stdin_fd = -1, .stdout_fd = p[1],
                                .stderr_fd = p[1], .umask = -1};
        pid = spawn_exec(argv, envp, &so, &err);
        close(p[1]);
        fd_set_nonblock(p[0]);
    }
    if (pid < 0)
        pair_set(res, "fail", "cannot start the command: %s", err.p ? err.p : strerror(errno));
    else
        verdict(o, collect(pid, p[0], sfd, now_ms() + o->timeout_ms, &out, &st), st, &out, res);
    sigprocmask(SIG_SETMASK, &old, NULL);
out:
    if (p[0] >= 0)
        close(p[0]);
    if (sfd >= 0)
        close(sfd);
    free(envp);
    buf_free(&out);
    buf_free(&err);
    return 0;
}
