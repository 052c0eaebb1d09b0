/* main: endure's subcommand table. Commands are thin: each parses its argv
 * and calls into the module libraries; only commands exit. Each module
 * exports its command through its own public header. */
#include <stdio.h>
#include <string.h>
#include "common/exitcodes.h"
#include "checkpoint/cmd.h"
#include "diagnose/diagnose.h"
#include "health/cmd.h"
#include "launcher/agent.h"
#include "oncall/oncall.h"
#include "supervisor/controller.h"

/* The git commit this binary was built from: the Makefile passes it. */
#ifndef ENDURE_COMMIT
#define ENDURE_COMMIT "unknown"
#endif

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"run", cmd_run, "launch and supervise a torchrun-style job (the controller)"},
    {"agent", cmd_agent, "per-node launcher, started by `endure run`"},
    {"diagnose", cmd_diagnose, "classify saved logs: verdict, culprit, key lines, advice"},
    {"rules", cmd_rules, "check or test rule files"},
    {"ckpt", cmd_ckpt, "inspect and manage a checkpoint store"},
    {"health", cmd_health, "check this node (GPUs, CUDA, NICs, storage, memory)"},
    {"pair-probe", cmd_pair, "one side of a pairwise link test between two nodes"},
    {"status", cmd_status, "a run's state from its journal (live or ended; --watch)"},
    {"bundle", cmd_bundle, "pack a run's journal, verdicts and failing ranks' tails for a ticket"},
    {"report", cmd_report, "a run's self-contained HTML report (timeline, loss curve, failures)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: endure <command> [options] ...\n\n"
               "endure keeps long distributed training runs alive: it launches the\n"
               "ranks, watches their output, stops and restarts them on failure.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n  endure <command> --help   options of one command\n"
               "  endure --version          print the version and the git commit it was built from\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("endure %s (commit %s)\n", ENDURE_VERSION, ENDURE_COMMIT);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "endure: unknown command '%s' (see endure --help)\n", argv[1]);
    return EXIT_USAGE;
}
