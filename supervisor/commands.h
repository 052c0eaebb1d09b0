/* commands: the entry points of endure's subcommands. Each takes the argv
 * that follows "endure" (argv[0] is the command name) and returns the exit
 * code. */
#ifndef ENDURE_COMMANDS_H
#define ENDURE_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_diagnose(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_ckpt(int argc, char **argv);

#endif
