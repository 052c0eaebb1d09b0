/* config_int: the option table shared by config.c (parsing: spellings,
 * setters, PET_ variables), config_run.c and config_ops.c (the rows and
 * their setters) and config_help.c (rendering `endure run --help` and the
 * man page's option list from the same rows). Not a public header. */
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

/* The rows of config_run.c (torchrun's and endure's run flags) and of
 * config_ops.c (health, diagnosis, checkpoints); each file checks at
 * compile time that its rows fit in its share of the joined table. */
#define CONFIG_ROWS_RUN_MAX 96
#define CONFIG_ROWS_OPS_MAX 64
extern const struct opt config_rows_run[];
extern const size_t config_nrows_run;
extern const struct opt config_rows_ops[];
extern const size_t config_nrows_ops;

/* Helpers the setters share (config.c). config_set_str replaces *dst with a
 * copy of v (0, or -1 without memory); config_bad says "invalid value 'V'
 * for --FLAG: WHY" in err and returns -1; config_list_ok: v is a comma list
 * of non-empty items shorter than cap; config_sig_from_name: INT, SIGTERM,
 * usr1, ... as a signal number, or -1. */
int config_set_str(char **dst, const char *v);
int config_bad(struct buf *err, const char *flag, const char *v, const char *why);
int config_list_ok(const char *v, size_t cap);
int config_sig_from_name(const char *s);

/* Setters made from a pattern: an integer in [lo, hi], a duration, a
 * string (non-empty or not), a switch, a size. Each defines a static
 * setter fn for field, named in its errors as --flag. */
#define INT_SETTER(fn, field, flag, lo, hi)                                    \
    static int fn(struct run_config *c, const char *v, struct buf *err)         \
    {                                                                           \
        long n;                                                                 \
        if (parse_long(v, lo, hi, &n) < 0)                                      \
            return config_bad(err, flag, v, "expected an integer in [" #lo ", " #hi "]"); \
        c->field = (int)n;                                                      \
        return 0;                                                               \
    }
#define DUR_SETTER(fn, field, flag)                                             \
    static int fn(struct run_config *c, const char *v, struct buf *err)         \
    {                                                                           \
        if (parse_duration_ms(v, &c->field) < 0)                                \
            return config_bad(err, flag, v, "expected a duration such as 30, 30s, 500ms, 5m, 2h"); \
        return 0;                                                               \
    }
#define STR_SETTER(fn, field)                                                   \
    static int fn(struct run_config *c, const char *v, struct buf *err)         \
    {                                                                           \
        (void)err;                                                              \
        return config_set_str(&c->field, v);                                           \
    }
/* The same for values that must not be empty. */
#define NONEMPTY_SETTER(fn, field, flag)                                        \
    static int fn(struct run_config *c, const char *v, struct buf *err)         \
    {                                                                           \
        if (!*v)                                                                \
            return config_bad(err, flag, v, "must not be empty");                      \
        return config_set_str(&c->field, v);                                           \
    }
/* A switch (a flag without a value) that sets field to 1. */
#define SWITCH_SETTER(fn, field)                                                \
    static int fn(struct run_config *c, const char *v, struct buf *err)         \
    {                                                                           \
        (void)v, (void)err;                                                     \
        c->field = 1;                                                           \
        return 0;                                                               \
    }
#define SIZE_SETTER(fn, field, flag)                                            \
    static int fn(struct run_config *c, const char *v, struct buf *err)         \
    {                                                                           \
        uint64_t b;                                                             \
        if (parse_size(v, &b) < 0)                                              \
            return config_bad(err, flag, v, "expected a size such as 512M or 2G");     \
        c->field = (int64_t)b;                                                  \
        return 0;                                                               \
    }

/* A row: O for a flag without a rendered default, OD for a value whose
 * default is rendered from field of struct run_config (kind k). */
#define O(n, s, a, f, g, arg, h) {n, s, a, f, g, arg, h, D_NONE, 0}
#define OD(n, f, g, arg, h, k, field) {n, 0, 1, f, g, arg, h, k, offsetof(struct run_config, field)}

/* All rows (run's, then ops'), each group in help order; *n is set to
 * their number. */
const struct opt *config_opts(size_t *n);
/* The values of a run with no flag and no PET_ variable. */
void config_defaults(struct run_config *c);
/* Prints the man(7) entries of every option (`endure run --help-man`). */
void config_man(void);

#endif
