/* cmd_agent: `endure agent`, the per-node launcher started by `endure run`.
 * The run's secret comes from the environment and is removed from it at
 * once, so that no rank inherits it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/exitcodes.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/util.h"
#include "launcher/agent.h"
#include "supervisor/commands.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: endure agent --connect HOST:PORT --node NAME [--join-timeout DUR]\n\n"
               "The per-node launcher. `endure run` starts one per node; it is not meant\n"
               "to be run by hand. The run's secret is read from $%s.\n"
               "--join-timeout: how long to keep retrying (with back-off) to connect to and\n"
               "authenticate with the controller (default 10s; `endure run` passes\n"
               "--agent-timeout).\n", PROTO_SECRET_ENV);
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
    const char *secret = getenv(PROTO_SECRET_ENV);
    if (!o.connect || !o.node || !secret || !*secret || !safe_component(o.node)) {
        fprintf(stderr, "endure agent: needs --connect, --node and $%s\n", PROTO_SECRET_ENV);
        return EXIT_USAGE;
    }
    char *copy = strdup(secret);
    unsetenv(PROTO_SECRET_ENV);
    o.secret = copy;
    char who[160];
    snprintf(who, sizeof who, "agent %s", o.node);
    log_set_who(who);
    int rc = agent_main(&o);
    free(copy);
    return rc == 0 ? EXIT_OK : EXIT_FAILED;
}
