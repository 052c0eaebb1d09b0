/* agent_health: the node's health check for the controller. A health_req
 * message starts `endure health --json ...` (health/, the same command an
 * operator runs) as a child in its own process group, with the node's name
 * in ENDURE_NODE; the agent's loop reads its stdout (capped), ranks_reap
 * hands its end here, and the result goes back as a `health` message. The
 * check is killed (its whole group) at the request's timeout. It runs only
 * in A_HEALTH, when the node has no ranks. The same child slot runs the
 * pairwise test's `endure pair-probe` (agent_pair.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/log.h"
#include "common/util.h"
#include "launcher/agent_int.h"
#include "launcher/spawn.h"

#define HEALTH_OUT_MAX (256 * 1024) /* the command's JSON; a message is at most 1 MiB */

extern char **environ;

void add_arg(char **argv, int *n, const char *flag, const char *val)
{
    argv[(*n)++] = strdup(flag);
    if (val)
        argv[(*n)++] = strdup(val);
}

/* `endure health --json` with the request's settings (argv owned). */
static char **health_argv(const char *self, const struct msg_health_req *r)
{
    char **argv = calloc(64, sizeof *argv), num[32];
    int n = 0;
    if (!argv)
        return NULL;
    add_arg(argv, &n, self, NULL);
    add_arg(argv, &n, "health", NULL);
    add_arg(argv, &n, "--json", NULL);
    snprintf(num, sizeof num, "%d", r->fail_after);
    add_arg(argv, &n, "--fail-after", num);
    snprintf(num, sizeof num, "%lldms", (long long)r->probe_timeout_ms);
    add_arg(argv, &n, "--timeout", num);
    snprintf(num, sizeof num, "%lldms", (long long)r->gpu_free_timeout_ms);
    add_arg(argv, &n, "--gpu-free-timeout", num);
    if (r->gpus >= 0) {
        snprintf(num, sizeof num, "%d", r->gpus);
        add_arg(argv, &n, "--gpus", num);
    }
    if (r->min_free > 0) {
        snprintf(num, sizeof num, "%lld", (long long)r->min_free);
        add_arg(argv, &n, "--min-free", num);
    }
    if (r->min_mem > 0) {
        snprintf(num, sizeof num, "%lld", (long long)r->min_mem);
        add_arg(argv, &n, "--min-mem", num);
    }
    if (r->ckpt_dir)
        add_arg(argv, &n, "--ckpt-dir", r->ckpt_dir);
    if (r->stage_dir)
        add_arg(argv, &n, "--stage-dir", r->stage_dir);
    for (size_t i = 0; i < json_array_size(r->probes) && n < 60; i++)
        add_arg(argv, &n, "--probe", json_string_value(json_array_get(r->probes, i)));
    return argv;
}

void free_argv(char **argv)
{
    for (int i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

/* The environment of the check: the agent's, with ENDURE_NODE set. */
static char **health_env(const char *node, char *nodevar, size_t len)
{
    size_t ne = 0, k = 0;
    while (environ[ne])
        ne++;
    char **envp = calloc(ne + 2, sizeof *envp);
    for (size_t i = 0; envp && i < ne; i++)
        if (strncmp(environ[i], "ENDURE_NODE=", 12))
            envp[k++] = environ[i];
    snprintf(nodevar, len, "ENDURE_NODE=%s", node);
    if (envp)
        envp[k] = nodevar;
    return envp;
}

static void send_result(struct agent *a, const char *result, json_t *report, const char *error)
{
    struct msg m = {.type = MSG_HEALTH, .u.health = {.id = a->health_id, .result = result, .report = report,
                                                     .error = error}};
    agent_send_msg(a, &m);
    agent_on(a, AE_CHECKED);
}

int agent_check_spawn(struct agent *a, char **argv, const char *input, int64_t timeout_ms, struct buf *err)
{
    char nodevar[300];
    int p[2] = {-1, -1}, in[2] = {-1, -1};
    char **envp = health_env(a->node, nodevar, sizeof nodevar);
    pid_t pid = -1;
    if (argv && envp && pipe2(p, O_CLOEXEC) == 0 && (!input || pipe2(in, O_CLOEXEC) == 0)) {
        if (input && write_all(in[1], input, strlen(input)) < 0) /* fits the pipe: a token line */
            buf_puts(err, "cannot hand the check its input");
        else {
            struct spawn_opts o = {.pdeath_sig = SIGKILL, .stdin_fd = in[0], .stdout_fd = p[1], .stderr_fd = -1,
                                   .umask = -1};
            pid = spawn_exec(argv, envp, &o, err);
        }
    }
    for (int i = 0; i < 2; i++)
        if (in[i] >= 0)
            close(in[i]);
    if (p[1] >= 0)
        close(p[1]);
    free(envp);
    if (pid < 0) {
        if (p[0] >= 0)
            close(p[0]);
        return -1;
    }
    fd_set_nonblock(p[0]);
    a->health_pid = pid;
    a->health_fd = p[0];
    a->health_deadline = now_ms() + timeout_ms;
    buf_init(&a->health_out, HEALTH_OUT_MAX);
    return 0;
}

int agent_self_path(char *out, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", out, len - 1);
    if (n < 0)
        return -1;
    out[n] = '\0';
    return 0;
}

int agent_health_start(struct agent *a, const struct msg_health_req *r)
{
    char self[PATH_MAX];
    if (agent_on(a, AE_CHECK) < 0)
        return -1;
    a->health_id = r->id;
    a->health_kind = CHECK_HEALTH;
    if (agent_self_path(self, sizeof self) < 0) {
        send_result(a, "error", NULL, "cannot find endure's own path");
        return -1;
    }
    char **argv = health_argv(self, r);
    struct buf err;
    buf_init(&err, 512);
    int rc = agent_check_spawn(a, argv, NULL, r->timeout_ms, &err);
    if (rc < 0)
        send_result(a, "error", NULL, err.p ? err.p : "cannot start endure health");
    buf_free(&err);
    free_argv(argv);
    return rc;
}

void agent_health_read(struct agent *a)
{
    char chunk[16384];
    while (a->health_fd >= 0) {
        ssize_t r = read(a->health_fd, chunk, sizeof chunk);
        if (r > 0) {
            buf_append_some(&a->health_out, chunk, (size_t)r); /* beyond the cap: dropped, unparsable */
            if (a->health_kind == CHECK_PAIR)
                agent_pair_output(a);
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        close(a->health_fd);
        a->health_fd = -1;
    }
}

int agent_health_reaped(struct agent *a, pid_t pid, int st)
{
    if (pid <= 0 || pid != a->health_pid)
        return 0;
    a->health_pid = 0;
    agent_health_read(a); /* what it wrote before it ended */
    if (a->health_fd >= 0) {
        close(a->health_fd);
        a->health_fd = -1;
    }
    if (a->health_kind == CHECK_PAIR) {
        agent_pair_reaped(a, st);
        buf_free(&a->health_out);
        a->health_timed_out = 0;
        return 1;
    }
    json_error_t je;
    json_t *report = a->health_out.p ? json_loadb(a->health_out.p, a->health_out.len, 0, &je) : NULL;
    const char *result = json_string_value(json_object_get(report, "result"));
    char why[200];
    if (a->health_timed_out) {
        snprintf(why, sizeof why, "the health check did not finish within its timeout (killed)");
        send_result(a, "error", json_is_object(report) ? report : NULL, why);
    } else if (!json_is_object(report) || !result ||
               (strcmp(result, "pass") && strcmp(result, "warn") && strcmp(result, "fail"))) {
        if (WIFEXITED(st))
            snprintf(why, sizeof why, "endure health exited with code %d without a report", WEXITSTATUS(st));
        else
            snprintf(why, sizeof why, "endure health was killed by signal %d", WTERMSIG(st));
        send_result(a, "error", NULL, why);
    } else {
        send_result(a, result, report, NULL);
    }
    json_decref(report);
    buf_free(&a->health_out);
    a->health_timed_out = 0;
    return 1;
}

int64_t agent_health_deadline(struct agent *a)
{
    return a->health_pid > 0 ? a->health_deadline : -1;
}

void agent_health_timers(struct agent *a)
{
    if (a->health_pid > 0 && !a->health_timed_out && now_ms() >= a->health_deadline) {
        a->health_timed_out = 1;
        spawn_signal_group(a->health_pid, SIGKILL); /* the command and its probes' children */
    }
}

void agent_health_kill(struct agent *a)
{
    if (a->health_pid > 0)
        spawn_signal_group(a->health_pid, SIGKILL);
    if (a->health_fd >= 0)
        close(a->health_fd);
    a->health_fd = -1;
    buf_free(&a->health_out);
}
