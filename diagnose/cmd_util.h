/* cmd_util: pieces shared by the `diagnose` and `rules` commands: loading
 * the rules the way the flags say, usage errors, printing verdicts. */
#ifndef ENDURE_DIAGNOSE_CMD_UTIL_H
#define ENDURE_DIAGNOSE_CMD_UTIL_H
#include <jansson.h>
#include "diagnose/diagnose.h"

/* Prints "endure <cmd>: msg" to stderr and returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *msg);
/* Loads the shipped set (when with_default) plus the extra paths. */
int load_rules(struct ruleset **rs, const char *const *extra, size_t nextra, int with_default,
               struct buf *err);
/* load_rules that leaves out learned candidates unless candidates is 1. */
int load_rules_ex(struct ruleset **rs, const char *const *extra, size_t nextra, int with_default,
                  int candidates, struct buf *err);
/* `endure rules learned ...` (cmd_learned.c), called by cmd_rules. */
int cmd_rules_learned(int argc, char **argv);
/* One JSON object on one line of stdout. */
void print_json(const json_t *v);
/* Human output escapes control characters of log text (see
 * text_fputs_escaped) from now on when on (stdout is a terminal). */
void print_escape(int on);
/* Writes s to stdout, escaped when print_escape is on. */
void print_text(const char *s, int keep_newline);
/* The human summary of a verdict on stdout (verdict_print's full form, log
 * text escaped per print_escape). */
void print_verdict(const json_t *v);
/* The attempt list of a run directory (see run_report() in offline.h),
 * printed before the verdict of its last attempt. */
void print_run_report(const char *dir, const json_t *report);

#endif
