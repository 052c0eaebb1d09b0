/* classifier_int: the classifier's state and the helpers its two files
 * share (classifier.c: rules, prefilter, events; cls_traceback.c: Python
 * tracebacks followed across lines). Internal to diagnose/classifier*.c. */
#ifndef ENDURE_DIAGNOSE_CLASSIFIER_INT_H
#define ENDURE_DIAGNOSE_CLASSIFIER_INT_H
#include "diagnose/internal.h"
#include "diagnose/l10n.h"

#define TB_LINES 20      /* frames kept per traceback (the last ones) */
#define TB_LINE_MAX 256  /* bytes kept per frame line */
#define CHAIN_LINES 40   /* evidence lines kept from earlier exceptions */
#define PENDING_BLANKS 3 /* blank lines allowed before a chain marker */

enum tb_state { TB_NONE, TB_FRAMES, TB_AFTER_EXC, TB_CHAIN_WAIT };

struct classifier {
    const struct ruleset *rs;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    uint32_t *gen, curgen, *cand;
    size_t ncand;
    uint32_t marks;                    /* linemarks bits of the last line the prefilter walked */
    int marks_valid;                   /* ... and that line was the last one given */
    struct classifier_stats st;
    char *node, *file;
    long rank, seq, step;
    double loss;                /* of the last progress line, NaN: none */
    double ts;
    int tb;                            /* enum tb_state */
    char frames[TB_LINES][TB_LINE_MAX];
    long frame_no[TB_LINES];           /* line numbers of the frames */
    size_t fhead, fcount;              /* ring of frame lines */
    char head[TB_LINE_MAX];            /* the current traceback's "Traceback (most recent..." line */
    long head_no;                      /* ... and its line number */
    char exc[TB_LINE_MAX];             /* the exception line that ended a traceback */
    json_t *chain;                     /* evidence from earlier chained exceptions */
    json_t *pending;                   /* event of the exception, until no chain follows */
    json_t *cause;                     /* event of the last chained exception, a fallback */
    const struct rule *progress;       /* progress rule that matched the last line */
    int want_noise;                    /* report CLS_NOISE (run noise rules always) */
    int ignored_hint;                  /* the last line was "Exception ignored in: ..." */
    int tb_ignored;                    /* the current traceback is one Python ignored */
    int blanks;
    int src_next;                      /* the last frame line lost its indentation: its source line may follow */
    int at_exc;                        /* the line being classified ends the traceback in frames[] */
    int headless;                      /* the frames opened on a File line, the paste left out the header */
    const char *mtext;                 /* the text the last rule matched: the line, or en */
    int plain_l10n;                    /* the prefilter saw a plain-ASCII localized form */
    struct l10n *l10n;                 /* scratch of l10n_line (owned) */
    char en[L10N_LINE_MAX];            /* the line with its localized forms in English (l10n.h) */
};

/* classifier.c: the first rule that matches a line (or its English),
 * NULL; the event of rule r on a line (captures in c->md); hands an event
 * to the callback (and drops the reference); a line classified on its own
 * (event or NULL, flags); whether s (after blanks) begins with prefix. */
const struct rule *cls_run_rules(struct classifier *c, const char *line, size_t len);
json_t *cls_make_event(struct classifier *c, const struct rule *r, const char *line, size_t len, long lineno);
void cls_deliver(struct classifier *c, json_t *ev, cls_event_cb cb, void *ctx);
json_t *cls_classify(struct classifier *c, const char *line, size_t len, long lineno, int *flags);
int cls_starts(const char *s, size_t n, const char *prefix);

/* cls_traceback.c: a line's step of the traceback state (1: the line was
 * consumed by a traceback); the symptom IPython's traceback header names
 * (or NULL); an unknown rule's event on Ray's RayTaskError(X) header
 * replaced by X's symptom (ev is taken; the event to keep is returned);
 * a traceback's frames deciding (cut: still in its frames at the stream's
 * end; returns 1 when an event was delivered); the
 * pending exception's event delivered (returns CLS_EVENT when one was). */
int cls_traceback_step(struct classifier *c, const char *line, size_t len, long lineno, int *flags,
                       cls_event_cb cb, void *ctx);
json_t *cls_ipython_header_event(struct classifier *c, const char *line, size_t len, long lineno);
json_t *cls_unwrap(struct classifier *c, json_t *ev, const char *line, size_t len, long lineno);
int cls_frames_decide(struct classifier *c, int cut, cls_event_cb cb, void *ctx);
int cls_flush_pending(struct classifier *c, cls_event_cb cb, void *ctx);
/* Whether rule r may read the line being classified: a rule without
 * `frame:` always may (rules_on skips the call for those); one with it
 * only on the exception line that ends a
 * traceback whose innermost frame (its source line or its File line)
 * matches r's frame pattern. Uses c->md (run before the line's own match). */
int cls_frame_met(struct classifier *c, const struct rule *r);

#endif
