/* transport: the command lines of the local, slurm and ssh transports and
 * the start of an agent through one of them (see transport.h). The child is
 * started by launcher/spawn.c's recipe (spawn_exec). */
#include "supervisor/transport.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wordexp.h>
#include "common/log.h"
#include "common/proto.h"
#include "common/util.h"
#include "launcher/spawn.h"

extern char **environ;

#define SSH_CONNECT_TIMEOUT_S 10

static const char *const NAMES[] = {[TRANSPORT_LOCAL] = "local", [TRANSPORT_SLURM] = "slurm",
                                    [TRANSPORT_SSH] = "ssh"};

int transport_kind_of(const char *name)
{
    for (size_t i = 0; name && i < sizeof NAMES / sizeof *NAMES; i++)
        if (!strcmp(name, NAMES[i]))
            return (int)i;
    return -1;
}

const char *transport_name(enum transport_kind k)
{
    return (unsigned)k < sizeof NAMES / sizeof *NAMES ? NAMES[k] : "?";
}

int transport_kill_signal(enum transport_kind k)
{
    return k == TRANSPORT_SLURM ? SIGTERM : SIGKILL;
}

/* The secret on a pipe that becomes the launching process's stdin (srun and
 * ssh forward it to the agent): never in its environment (readable in
 * /proc/<pid>/environ by the ranks' user for the agent's whole life) nor on
 * argv. 65 bytes fit in an empty pipe, so the write cannot block. */
static int secret_pipe(const char *secret, int *rd)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    char line[160];
    int n = snprintf(line, sizeof line, "%s\n", secret);
    int rc = n > 0 && (size_t)n < sizeof line && write_all(p[1], line, (size_t)n) == 0 ? 0 : -1;
    explicit_bzero(line, sizeof line);
    close(p[1]);
    if (rc < 0)
        close(p[0]);
    else
        *rd = p[0];
    return rc;
}

/* Appends s to b quoted for a POSIX shell ('...' with ' as '\''). */
static void shell_quote(struct buf *b, const char *s)
{
    buf_puts(b, "'");
    for (; *s; s++)
        *s == '\'' ? buf_puts(b, "'\\''") : buf_append(b, s, 1);
    buf_puts(b, "'");
}

struct argv_builder {
    char **v;
    size_t n, cap;
    int failed;
};

static void push(struct argv_builder *a, const char *s)
{
    if (a->failed)
        return;
    if (a->n + 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 32;
        char **v = realloc(a->v, cap * sizeof *v);
        if (!v) {
            a->failed = 1;
            return;
        }
        a->v = v;
        a->cap = cap;
    }
    if (!(a->v[a->n] = strdup(s)))
        a->failed = 1;
    else
        a->v[++a->n] = NULL;
}

/* The agent's own command: endure agent --connect ... --node ... */
static void push_agent(struct argv_builder *a, const struct transport *t, const char *node, const char *self)
{
    char join[32];
    snprintf(join, sizeof join, "%lldms", (long long)t->join_ms);
    const char *args[] = {t->agent_cmd ? t->agent_cmd : self, "agent", "--connect", t->addr, "--node", node,
                          "--join-timeout", join};
    if (t->kind != TRANSPORT_SSH) {
        for (size_t i = 0; i < sizeof args / sizeof *args; i++)
            push(a, args[i]);
        return;
    }
    /* ssh hands the remote shell one string: quote every word */
    struct buf cmd;
    buf_init(&cmd, 16384);
    buf_puts(&cmd, "exec");
    for (size_t i = 0; i < sizeof args / sizeof *args; i++) {
        buf_puts(&cmd, " ");
        shell_quote(&cmd, args[i]);
    }
    push(a, cmd.p ? cmd.p : "false");
    buf_free(&cmd);
}

/* --ssh-opts split like a shell would, without expansions or commands. */
static int push_ssh_opts(struct argv_builder *a, const char *opts, struct buf *err)
{
    if (!opts || !*opts)
        return 0;
    wordexp_t we;
    int r = wordexp(opts, &we, WRDE_NOCMD | WRDE_UNDEF);
    if (r) {
        buf_printf(err, "bad --ssh-opts '%s': %s", opts,
                   r == WRDE_CMDSUB ? "command substitution is not allowed"
                   : r == WRDE_BADCHAR ? "unquoted |, &, ;, <, >, (, ), { or }"
                   : r == WRDE_BADVAL ? "undefined variable" : "cannot split it like a shell");
        if (r == WRDE_NOSPACE)
            wordfree(&we);
        return -1;
    }
    for (size_t i = 0; i < we.we_wordc; i++)
        push(a, we.we_wordv[i]);
    wordfree(&we);
    return 0;
}

int transport_argv(const struct transport *t, const char *node, const char *self, char ***out, struct buf *err)
{
    struct argv_builder a = {0};
    char arg[512];
    *out = NULL;
    switch (t->kind) {
    case TRANSPORT_LOCAL:
        break;
    case TRANSPORT_SLURM:
        push(&a, "srun");
        push(&a, "--nodes=1");
        push(&a, "--ntasks=1");
        snprintf(arg, sizeof arg, "--nodelist=%s", node);
        push(&a, arg);
        push(&a, "--overlap");
        push(&a, "--kill-on-bad-exit=0");
        push(&a, "--export=ALL");
        if (t->slurm_job) {
            snprintf(arg, sizeof arg, "--jobid=%s", t->slurm_job);
            push(&a, arg);
        }
        snprintf(arg, sizeof arg, "--job-name=endure-agent-%s", node);
        push(&a, arg);
        push(&a, "--quiet");
        break;
    case TRANSPORT_SSH:
        push(&a, "ssh");
        push(&a, "-T");
        push(&a, "-o");
        push(&a, "BatchMode=yes");
        push(&a, "-o");
        snprintf(arg, sizeof arg, "ConnectTimeout=%d", SSH_CONNECT_TIMEOUT_S);
        push(&a, arg);
        if (push_ssh_opts(&a, t->ssh_opts, err) < 0)
            goto fail;
        push(&a, node);
        push(&a, "--");
        break;
    }
    push_agent(&a, t, node, self);
    if (a.failed) {
        buf_printf(err, "out of memory");
        goto fail;
    }
    *out = a.v;
    return 0;
fail:
    transport_argv_free(a.v);
    return -1;
}

void transport_argv_free(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

/* The controller's environment without a secret of the user's own. */
static char **child_env(void)
{
    size_t ne = 0, k = 0;
    while (environ[ne])
        ne++;
    char **envp = calloc(ne + 1, sizeof *envp);
    for (size_t i = 0; envp && i < ne; i++)
        if (strncmp(environ[i], PROTO_SECRET_ENV "=", strlen(PROTO_SECRET_ENV) + 1))
            envp[k++] = environ[i];
    return envp;
}

int transport_start_agent(const struct transport *t, const char *node, struct agent_launch *out, struct buf *err)
{
    char self[PATH_MAX], **argv = NULL, **envp = NULL;
    int rd = -1, errp[2] = {-1, -1}, rc = -1;
    out->pid = -1;
    out->err_fd = -1;
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0) {
        buf_printf(err, "cannot find endure's own path: %s", strerror(errno));
        goto out;
    }
    self[n] = '\0';
    if (transport_argv(t, node, self, &argv, err) < 0)
        goto out;
    if (!(envp = child_env()) || secret_pipe(t->secret, &rd) < 0 ||
        (t->kind != TRANSPORT_LOCAL && pipe2(errp, O_CLOEXEC) < 0)) {
        buf_printf(err, "%s", strerror(errno));
        goto out;
    }
    struct spawn_opts o = {.pdeath_sig = SIGTERM, .stdin_fd = rd, .stdout_fd = -1, .stderr_fd = errp[1],
                           .umask = -1, .search_path = t->kind != TRANSPORT_LOCAL};
    out->pid = spawn_exec(argv, envp, &o, err);
    if (out->pid < 0)
        goto out;
    if (errp[0] >= 0) {
        fd_set_nonblock(errp[0]);
        out->err_fd = errp[0];
        errp[0] = -1;
    }
    rc = 0;
out:
    for (int i = 0; i < 2; i++)
        if (errp[i] >= 0)
            close(errp[i]);
    if (rd >= 0)
        close(rd);
    free(envp);
    transport_argv_free(argv);
    return rc;
}
