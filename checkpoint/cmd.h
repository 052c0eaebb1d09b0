/* cmd: the command of the checkpoint module, `endure ckpt
 * ls|verify|prune|restore DIR` (cmd_ckpt.c), for supervisor/main.c's
 * command table. */
#ifndef ENDURE_CKPT_CMD_H
#define ENDURE_CKPT_CMD_H

/* argv[0] is "ckpt"; returns the exit code. */
int cmd_ckpt(int argc, char **argv);

#endif
