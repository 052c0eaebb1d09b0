/* cmd: the command of the health module, `endure health` (cmd_health.c) and
 * `endure pair-probe` (cmd_pair.c),
 * for supervisor/main.c's command table. */
#ifndef ENDURE_HEALTH_CMD_H
#define ENDURE_HEALTH_CMD_H

/* argv[0] is "health"; returns the exit code. */
int cmd_health(int argc, char **argv);
/* argv[0] is "pair-probe": one side of a pairwise test (cmd_pair.c). */
int cmd_pair(int argc, char **argv);

#endif
