/* cmd_run: `endure run`, the controller command: parses flags, runs. */
#include <stdio.h>
#include <sys/stat.h>
#include "common/exitcodes.h"
#include "common/log.h"
#include "supervisor/config.h"
#include "supervisor/controller.h"

int cmd_run(int argc, char **argv)
{
    struct run_config cfg;
    struct buf err;
    buf_init(&err, 1024);
    int rc = config_parse(&cfg, argc, argv, &err);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "endure run: %s\n", err.p ? err.p : "invalid arguments");
        config_free(&cfg);
        buf_free(&err);
        return rc < 0 ? EXIT_USAGE : EXIT_OK;
    }
    buf_free(&err);
    log_set_who("run");
    /* the run directory, logs, journal and durable checkpoints are the
     * user's only (agents inherit the umask); the ranks get the user's */
    if (!cfg.shared_perms)
        cfg.rank_umask = (int)umask(077);
    rc = controller_run(&cfg);
    config_free(&cfg);
    return rc;
}
