/* cmd_llm: the --llm* and --learned* options of `endure diagnose` and
 * what they print (cmd_llm.c), kept apart from cmd_diagnose.c. */
#ifndef ENDURE_DIAGNOSE_CMD_LLM_H
#define ENDURE_DIAGNOSE_CMD_LLM_H
#include <getopt.h>
#include <jansson.h>
#include "diagnose/llm.h"
#include "diagnose/offline.h"

#define LLM_OPT_BASE 1000 /* getopt codes of the options below */
extern const struct option llm_longs[];
extern const char llm_usage_text[];

struct llm_opts {
    struct llm_run run;
    int on, learned_auto, learned_off;
};
/* Defaults (ENDURE_LLM_URL for --llm). */
void llm_opts_init(struct llm_opts *o);
/* One option of llm_longs (code ch); 0, or EXIT_USAGE after a message. */
int llm_option(struct llm_opts *o, int ch, const char *arg);
/* The learned file to load with the rules (NULL: none, or empty) and
 * whether its candidates classify. */
const char *llm_learned_path(const struct llm_opts *o);
/* Asks the LLM about verdict v when the options say so and adds the result
 * to v ("llm", and "decision" when the LLM decides); the condensed log
 * comes from off's compressor. paths: the PATHs (a run directory names the
 * run and attempt of the provenance). */
void llm_attach(const struct llm_opts *o, struct offline *off, const struct input_list *inputs,
                char **paths, int npaths, json_t *v);
/* The human text of what llm_attach added (nothing when absent). */
void llm_print(const json_t *v);

#endif
