/* yamlev: the small layer over libyaml's event parser shared by the rule
 * loader and the policy loader: the document skeleton (yev_parse) and the
 * item loop (yev_item) both are written on, positioned error messages
 * ("file:line:column: message", capped in number), reading events with
 * aliases rejected (no alias bombs) and nesting bounded (libyaml's scanner
 * is quadratic in the depth), skipping whole nodes. The first error of the
 * YAML layer is final: every later yev_next fails at once. */
#ifndef ENDURE_DIAGNOSE_YAMLEV_H
#define ENDURE_DIAGNOSE_YAMLEV_H
#include <stdarg.h>
#include <yaml.h>
#include "common/buf.h"

#define YEV_ERRORS_MAX 200
#define YEV_DEPTH_MAX 64 /* nested sequences and mappings */

struct yev {
    const char *file;
    yaml_parser_t p;
    yaml_event_t ev;   /* the current event (valid after yev_next returned 0) */
    int have, init;
    int depth;         /* open sequences and mappings */
    int failed;        /* a parse error, an alias or too deep: stop */
    size_t events;     /* events read so far */
    struct buf *err;   /* messages go here */
    int *nerrors;      /* and are counted here */
};

/* Appends "file:line:col: message\n" to err and counts it (line 0: the
 * file as a whole); past YEV_ERRORS_MAX only counts. */
void errors_vadd(struct buf *err, int *n, const char *file, size_t line, size_t col,
                 const char *fmt, va_list ap);
/* Starts parsing text (not copied: it must outlive y). */
int yev_open(struct yev *y, const char *file, const char *text, size_t len, struct buf *err,
             int *nerrors);
void yev_close(struct yev *y);
/* An error at a YAML position. */
void yev_error(struct yev *y, yaml_mark_t m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Next event; -1 on a parse error, an alias or nesting deeper than
 * YEV_DEPTH_MAX (reported once), and from then on. */
int yev_next(struct yev *y);
/* Skips the node that starts with the current event. */
int yev_skip(struct yev *y);
/* Steps to the next item of the sequence or mapping being read (in a
 * mapping: the key; its value follows with yev_next): 1 with the item's
 * first event current, 0 at the end event of the sequence or mapping, -1 on
 * a YAML error. The loop of every sequence and mapping reader. */
int yev_item(struct yev *y);
/* The callback of yev_parse: reads the document's top-level node (its first
 * event is current); its result is yev_parse's. */
typedef int (*yev_top_fn)(struct yev *y, void *arg);
/* The one skeleton of the YAML readers: opens text (not copied), reads the
 * stream and document starts and calls top with the document's top-level
 * node. An empty stream or document (nothing, or an empty scalar) calls
 * nothing and returns 0. Returns top's result, -1 on a YAML error before
 * it; closes the parser in all cases. y is usually embedded in the caller's
 * loader, passed as arg. */
int yev_parse(struct yev *y, const char *file, const char *text, size_t len, struct buf *err,
              int *nerrors, yev_top_fn top, void *arg);

#endif
