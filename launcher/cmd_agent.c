/* cmd_agent: `endure agent`, the per-node launcher started by `endure run`.
 * The run's secret is read from stdin (one line, with a deadline), which is
 * then replaced by /dev/null: it is never in the environment, where any
 * process of the ranks' user could read it in /proc/<agent>/environ. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/exitcodes.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/util.h"
#include "launcher/agent.h"

#define SECRET_WAIT_MS 10000

static void usage(FILE *f)
{
    fprintf(f, "usage: endure agent --connect HOST:PORT --node NAME [--join-timeout DUR]\n\n"
               "The per-node launcher. `endure run` starts one per node (a child process,\n"
               "a Slurm step through srun, or over ssh); it is not meant to be run by\n"
               "hand. The run's secret is read from standard input (one line, within\n"
               "%d s).\n"
               "--join-timeout: how long to keep retrying (with back-off) to connect to and\n"
               "authenticate with the controller (default 10s; `endure run` passes\n"
               "--agent-timeout).\n", SECRET_WAIT_MS / 1000);
}

/* Reads the secret line from stdin into out (NUL-terminated, no newline),
 * then points stdin at /dev/null. 0, or -1 without a non-empty line in time. */
static int read_secret(char *out, size_t cap)
{
    size_t len = 0;
    int64_t deadline = now_ms() + SECRET_WAIT_MS;
    int rc = -1;
    while (len + 1 < cap) {
        struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
        int t = ms_until(deadline);
        if (t == 0 || poll(&p, 1, t) <= 0)
            break;
        ssize_t n = read(STDIN_FILENO, out + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        char *nl = memchr(out, '\n', len);
        if (nl) {
            len = (size_t)(nl - out);
            rc = len > 0 ? 0 : -1;
            break;
        }
    }
    out[len] = '\0';
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        close(devnull);
    }
    return rc;
}

int cmd_agent(int argc, char **argv)
{
    struct agent_opts o = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--connect") && i + 1 < argc) {
            o.connect = argv[++i];
        } else if (!strcmp(argv[i], "--node") && i + 1 < argc) {
            o.node = argv[++i];
        } else if (!strcmp(argv[i], "--join-timeout") && i + 1 < argc) {
            if (parse_duration_ms(argv[++i], &o.timeout_ms) < 0) {
                fprintf(stderr, "endure agent: bad --join-timeout '%s'\n", argv[i]);
                return EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "endure agent: unknown or incomplete flag '%s'\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (!o.connect || !o.node || !safe_component(o.node)) {
        fprintf(stderr, "endure agent: needs --connect and --node\n");
        return EXIT_USAGE;
    }
    char secret[129];
    if (read_secret(secret, sizeof secret) < 0) {
        explicit_bzero(secret, sizeof secret);
        fprintf(stderr, "endure agent: no secret on standard input\n");
        return EXIT_USAGE;
    }
    o.secret = secret;
    char who[160];
    snprintf(who, sizeof who, "agent %s", o.node);
    log_set_who(who);
    int rc = agent_main(&o);
    explicit_bzero(secret, sizeof secret);
    return rc == 0 ? EXIT_OK : EXIT_FAILED;
}
