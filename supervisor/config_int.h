/* config_int: the option table shared by config.c (parsing: spellings,
 * setters, PET_ variables) and config_help.c (rendering `endure run --help`
 * and the man page's option list from the same rows). Not a public header. */
#ifndef ENDURE_CONFIG_INT_H
#define ENDURE_CONFIG_INT_H
#include <stddef.h>
#include "supervisor/config.h"

typedef int (*opt_set)(struct run_config *c, const char *v, struct buf *err);

enum opt_group { G_TORCHRUN, G_IGNORED, G_ENDURE, G_HEALTH, G_DIAG, G_CKPT };
/* How a row's default is rendered into "%D" of its help: from the field at
 * doff of the struct that config_defaults() fills, so it cannot drift. */
enum opt_dflt { D_NONE, D_MS, D_INT };

struct opt {
    const char *name;  /* long name, dash spelling, without "--" */
    char shortc;       /* 0 when none */
    int takes_arg;
    opt_set set;
    enum opt_group group;
    const char *arg;   /* the value's name in the help ("DUR"), NULL for a switch */
    const char *help;  /* one paragraph; "%D" is the default; NULL: listed with its group only */
    enum opt_dflt dkind;
    size_t doff;
};

/* The rows, in help order; *n is set to their number. */
const struct opt *config_opts(size_t *n);
/* The values of a run with no flag and no PET_ variable. */
void config_defaults(struct run_config *c);
/* Prints the man(7) entries of every option (`endure run --help-man`). */
void config_man(void);

#endif
