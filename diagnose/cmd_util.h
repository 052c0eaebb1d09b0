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
/* One JSON object on one line of stdout. */
void print_json(const json_t *v);
/* The human summary of a verdict. */
void print_verdict(const json_t *v);

#endif
