/* transport: the local transport (see transport.h); the child is started
 * by launcher/spawn.c's recipe (spawn_exec). */
#include "supervisor/transport.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/log.h"
#include "common/proto.h"
#include "common/util.h"
#include "launcher/spawn.h"

extern char **environ;

/* The secret on a pipe that becomes the agent's stdin: never in its
 * environment (readable in /proc/<pid>/environ by the ranks' user for the
 * agent's whole life) nor on argv. 65 bytes fit in an empty pipe, so the
 * write cannot block. */
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

pid_t transport_start_agent(const char *transport, const char *node, const char *addr, const char *secret,
                            int64_t join_ms)
{
    if (strcmp(transport, "local"))
        return -1;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0)
        return -1;
    self[n] = '\0';
    size_t ne = 0;
    while (environ[ne])
        ne++;
    char **envp = calloc(ne + 1, sizeof *envp);
    int rd = -1;
    if (!envp || secret_pipe(secret, &rd) < 0) {
        free(envp);
        return -1;
    }
    size_t k = 0; /* a secret of the user's own environment is not passed on either */
    for (size_t i = 0; i < ne; i++)
        if (strncmp(environ[i], PROTO_SECRET_ENV "=", strlen(PROTO_SECRET_ENV) + 1))
            envp[k++] = environ[i];
    char join[32];
    snprintf(join, sizeof join, "%lldms", (long long)join_ms);
    char *argv[] = {self, "agent", "--connect", (char *)addr, "--node", (char *)node, "--join-timeout", join, NULL};
    struct spawn_opts o = {.pdeath_sig = SIGTERM, .stdin_fd = rd, .stdout_fd = -1, .stderr_fd = -1,
                           .umask = -1};
    struct buf err;
    buf_init(&err, 512);
    pid_t pid = spawn_exec(argv, envp, &o, &err);
    if (pid < 0)
        log_error("cannot start the agent of %s: %s", node, err.p ? err.p : "out of memory");
    buf_free(&err);
    close(rd);
    free(envp);
    return pid;
}
