/* controller: `endure run`'s job state machine. It starts one agent per
 * node, authenticates them, runs attempts (start ranks everywhere, watch for
 * rank exits, lost agents and hangs), stops every rank on a failure, and
 * decides: restart on healthy nodes after a back-off, or stop with an exit
 * code (common/exitcodes.h). */
#ifndef ENDURE_CONTROLLER_H
#define ENDURE_CONTROLLER_H
#include "supervisor/config.h"

/* Runs the whole job; returns the process exit code. cfg is borrowed. */
int controller_run(struct run_config *cfg);

/* `endure run`: parses argv (argv[0] is "run"), runs the job and returns the
 * exit code (supervisor/cmd_run.c). */
int cmd_run(int argc, char **argv);

#endif
