/* transport: the local transport (see transport.h). */
#include "supervisor/transport.h"
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "common/log.h"
#include "common/proto.h"

extern char **environ;

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
    char **envp = calloc(ne + 2, sizeof *envp);
    char *sec = NULL;
    if (!envp || asprintf(&sec, "%s=%s", PROTO_SECRET_ENV, secret) < 0) {
        free(envp);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < ne; i++)
        if (strncmp(environ[i], PROTO_SECRET_ENV "=", strlen(PROTO_SECRET_ENV) + 1))
            envp[k++] = environ[i];
    envp[k++] = sec;
    char join[32];
    snprintf(join, sizeof join, "%lldms", (long long)join_ms);
    char *argv[] = {self, "agent", "--connect", (char *)addr, "--node", (char *)node, "--join-timeout", join, NULL};
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(self, argv, envp);
        _exit(127);
    }
    if (pid < 0)
        log_error("cannot start the agent of %s: %s", node, strerror(errno));
    free(sec);
    free(envp);
    return pid;
}
