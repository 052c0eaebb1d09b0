/* classifier: the per-stream line classifier. For every line: one
 * Aho-Corasick pass gives the candidate rules (plus the short always-run
 * list); candidates run in the ruleset's order with pcre2_jit_match under a
 * match limit, and the first that matches wins. Python tracebacks are
 * followed: the frames are kept (bounded) and attached as evidence to the
 * exception line that ends the traceback; a chained exception replaces the
 * earlier one, whose lines become evidence of the later one (the earlier
 * one decides when the later one never arrives or matches no rule: a paste
 * cut off inside the chained traceback). Nothing is
 * allocated per line unless an event is produced. */
#include <math.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include "common/util.h"
#include "diagnose/internal.h"
#include "diagnose/tbraise.h"
#include "diagnose/l10n.h"
#include "diagnose/linemarks.h"

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
    const char *mtext;                 /* the text the last rule matched: the line, or en */
    int plain_l10n;                    /* the prefilter saw a plain-ASCII localized form */
    struct l10n *l10n;                 /* scratch of l10n_line (owned) */
    char en[L10N_LINE_MAX];            /* the line with its localized forms in English (l10n.h) */
};

struct classifier *classifier_new(const struct ruleset *rs)
{
    struct classifier *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->rs = rs;
    c->rank = -1;
    c->step = -1;
    c->loss = NAN;
    c->ts = -1;
    c->md = pcre2_match_data_create(rs->max_captures + 1, NULL);
    c->mctx = pcre2_match_context_create(NULL);
    c->gen = calloc(rs->n + rs->nmarks + rs->nreq + 1, sizeof *c->gen);
    c->cand = malloc((rs->n + rs->nmarks + rs->nreq + 1) * sizeof *c->cand);
    c->l10n = l10n_new();
    if (!c->md || !c->mctx || !c->gen || !c->cand || !c->l10n) {
        classifier_free(c);
        return NULL;
    }
    pcre2_set_match_limit(c->mctx, RULE_MATCH_LIMIT);
    pcre2_set_depth_limit(c->mctx, RULE_DEPTH_LIMIT);
    return c;
}

void classifier_free(struct classifier *c)
{
    if (!c)
        return;
    pcre2_match_data_free(c->md);
    pcre2_match_context_free(c->mctx);
    free(c->gen);
    free(c->cand);
    l10n_free(c->l10n);
    free(c->node);
    free(c->file);
    json_decref(c->chain);
    json_decref(c->pending);
    json_decref(c->cause);
    free(c);
}

void classifier_set_source(struct classifier *c, const char *node, long rank, const char *file)
{
    free(c->node);
    free(c->file);
    c->node = node ? strdup(node) : NULL;
    c->file = file ? strdup(file) : NULL;
    c->rank = rank;
}

void classifier_report_noise(struct classifier *c, int on)
{
    c->want_noise = on;
}

void classifier_set_ts(struct classifier *c, double ts)
{
    c->ts = ts;
}

void classifier_stats(const struct classifier *c, struct classifier_stats *out)
{
    *out = c->st;
}

long classifier_progress_step(const struct classifier *c)
{
    return c->step;
}

double classifier_progress_loss(const struct classifier *c)
{
    return c->loss;
}

/* The step in the n <= 18 bytes at s (leading blanks, then digits to the
 * end: no sign, no trailing bytes), or -1; by hand, without the copy and
 * the locale machinery of strtol: this runs on every step line. */
static long step_value(const char *s, size_t n)
{
    size_t i = 0;
    long v = 0;
    while (i < n && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
        i++;
    if (i == n)
        return -1;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Records the step captured by a progress rule that just matched (a
 * capture that is not a number leaves the last step as it was). */
static void note_step(struct classifier *c, const struct rule *r, const char *line)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
    int n = r->groups[GROUP_STEP];
    if (r->plain || n <= 0 || ov[2 * n] == PCRE2_UNSET || ov[2 * n + 1] - ov[2 * n] > 18)
        return;
    long v = step_value(line + ov[2 * n], ov[2 * n + 1] - ov[2 * n]);
    if (v >= 0)
        c->step = v;
}

/* The loss captured by the same match (a finite number of at most 40
 * bytes), or NaN when the line has none. */
static void note_loss(struct classifier *c, const struct rule *r, const char *line)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
    int n = r->groups[GROUP_LOSS];
    double v;
    c->loss = NAN;
    if (r->plain || n <= 0 || ov[2 * n] == PCRE2_UNSET || ov[2 * n + 1] - ov[2 * n] > 40)
        return;
    if (parse_decimal(line + ov[2 * n], ov[2 * n + 1] - ov[2 * n], &v) == 0 && isfinite(v))
        c->loss = v;
}

static void mark(struct classifier *c, uint32_t o)
{
    if (c->gen[o] != c->curgen) {
        c->gen[o] = c->curgen;
        c->cand[c->ncand++] = o;
    }
}

/* Runs one rule: a pattern that is a plain literal is checked with memmem
 * (it has no captures), others with PCRE2 under the match limits. */
static int rule_exec(struct classifier *c, const struct rule *r, const char *line, size_t len)
{
    c->st.regex_runs++;
    if (r->plain)
        return memmem(line, len, r->plain, r->plain_len) != NULL;
    int rc = r->jit ? pcre2_jit_match(r->re, (PCRE2_SPTR)line, len, 0, 0, c->md, c->mctx)
                    : pcre2_match(r->re, (PCRE2_SPTR)line, len, 0, 0, c->md, c->mctx);
    if (rc >= 0)
        return 1;
    if (rc != PCRE2_ERROR_NOMATCH)
        c->st.limit_hits++; /* match/depth/heap/JIT stack limit: counts as no match */
    return 0;
}

/* Whether the requires of rule r (if any) occur in the line just scanned. */
static int requires_met(const struct classifier *c, const struct rule *r)
{
    return !r->nrequires || c->gen[r->req_owner] == c->curgen;
}

/* Drops the candidates whose requires did not occur (a rule with requires
 * needs one of its literals AND one of its requires). */
static void drop_unmet(struct classifier *c)
{
    size_t k = 0;
    for (size_t i = 0; i < c->ncand; i++)
        if (requires_met(c, &c->rs->rules[c->rs->by_order[c->cand[i]]]))
            c->cand[k++] = c->cand[i];
    c->ncand = k;
}

/* Prefilter: fills c->cand with the candidates (order positions), sorted. */
static void prefilter(struct classifier *c, const char *line, size_t len)
{
    const struct ruleset *rs = c->rs;
    if (++c->curgen == 0) {
        memset(c->gen, 0, (rs->n + rs->nmarks + rs->nreq + 1) * sizeof *c->gen);
        c->curgen = 1;
    }
    c->ncand = 0;
    struct ac_hits h = {c->gen, c->curgen, c->cand, 0};
    ac_scan(rs->ac, line, len, &h);
    /* the linemarks found in the same walk: their bits, out of the list */
    uint32_t mk[LINEMARKS_MAX]; /* at most the whole linemarks table */
    size_t nmk = 0;
    for (size_t i = 0; i < h.n; i++)
        if (c->cand[i] < rs->n)
            c->cand[c->ncand++] = c->cand[i];
        else if (c->cand[i] < rs->n + rs->nmarks && nmk < sizeof mk / sizeof *mk)
            mk[nmk++] = c->cand[i] - (uint32_t)rs->n;
    c->marks = nmk ? linemarks_bits(mk, nmk) : 0;
    c->marks_valid = 1;
    c->plain_l10n = c->gen[rs->l10n_owner] == c->curgen;
    for (size_t i = 0; i < rs->nalways; i++)
        mark(c, rs->always[i]);
    if (rs->nreq)
        drop_unmet(c);
    for (size_t i = 1; i < c->ncand; i++) /* insertion sort: few candidates */
        for (size_t j = i; j > 0 && c->cand[j - 1] > c->cand[j]; j--) {
            uint32_t t = c->cand[j];
            c->cand[j] = c->cand[j - 1];
            c->cand[j - 1] = t;
        }
    c->st.candidates += c->ncand;
}

int classifier_line_marks(const struct classifier *c, uint32_t *marks)
{
    *marks = c->marks;
    return c->marks_valid ? 0 : -1;
}

/* Progress candidates first (the first match sets c->progress and the
 * step), then the others in order; returns the first of those that
 * matches (the match data then holds its captures), or NULL. */
static const struct rule *rules_on(struct classifier *c, const char *line, size_t len)
{
    const struct ruleset *rs = c->rs;
    c->progress = NULL;
    prefilter(c, line, len);
    for (size_t i = 0; i < c->ncand && !c->progress; i++) {
        const struct rule *r = &rs->rules[rs->by_order[c->cand[i]]];
        if (r->role == ROLE_PROGRESS && rule_exec(c, r, line, len)) {
            c->progress = r;
            note_step(c, r, line);
            note_loss(c, r, line);
        }
    }
    /* Noise rules only matter when a root or symptom rule could match too
     * (or when the caller asked for CLS_NOISE): skip them otherwise. */
    int failure_cand = c->want_noise;
    for (size_t i = 0; i < c->ncand && !failure_cand; i++) {
        int role = rs->rules[rs->by_order[c->cand[i]]].role;
        failure_cand = role == ROLE_ROOT || role == ROLE_SYMPTOM;
    }
    for (size_t i = 0; failure_cand && i < c->ncand; i++) {
        const struct rule *r = &rs->rules[rs->by_order[c->cand[i]]];
        if (r->role != ROLE_PROGRESS && rule_exec(c, r, line, len)) {
            c->st.matches++;
            return r;
        }
    }
    return NULL;
}

/* The rules on the line; when none matched (nor a progress rule) and the
 * line holds localized forms of glibc's or bash's messages (a non-ASCII
 * one, or a plain one the prefilter saw), the rules on its English
 * (l10n.h). c->mtext is the text matched (the captures are
 * offsets into it); the marks are those of both. */
static const struct rule *run_rules(struct classifier *c, const char *line, size_t len)
{
    c->st.lines++;
    c->mtext = line;
    const struct rule *r = rules_on(c, line, len);
    size_t n;
    if (r || c->progress || !(n = l10n_line(c->l10n, line, len, c->plain_l10n, c->en)))
        return r;
    uint32_t marks = c->marks;
    r = rules_on(c, c->en, n);
    c->marks |= marks;
    c->mtext = c->en;
    return r;
}

static int rule_check_on(struct classifier *c, const struct rule *r, const char *line, size_t len)
{
    prefilter(c, line, len);
    if ((r->nliterals && c->gen[r->order] != c->curgen) || !requires_met(c, r))
        return -1;
    return rule_exec(c, r, line, len);
}

/* As the classifier reads lines: the line, and when the rule does not
 * match it, the line's English (l10n.h). */
int classifier_rule_check(struct classifier *c, size_t rule, const char *line, size_t len)
{
    const struct rule *r = &c->rs->rules[rule];
    int rc = rule_check_on(c, r, line, len);
    size_t n;
    if (rc == 1 || !(n = l10n_line(c->l10n, line, len, c->plain_l10n, c->en)))
        return rc;
    int en = rule_check_on(c, r, c->en, n);
    return en > rc ? en : rc;
}

const char *classifier_match(struct classifier *c, const char *line, size_t len)
{
    int want = c->want_noise;
    c->want_noise = 1; /* the winner in isolation, noise included */
    const struct rule *r = run_rules(c, line, len);
    c->want_noise = want;
    return r ? r->id : c->progress ? c->progress->id : NULL;
}

/* A string or null. */
static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* The event of rule r on a line (captures in c->md, offsets into c->mtext:
 * the line or its English); the key line's text is the line. */
static json_t *make_event(struct classifier *c, const struct rule *r, const char *line, size_t len,
                          long lineno)
{
    json_t *ev = json_object(), *groups = json_object();
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
    for (int g = 0; g < NGROUPS; g++) {
        int n = r->groups[g];
        if (n > 0 && ov[2 * n] != PCRE2_UNSET)
            json_object_set_new(groups, group_names[g],
                                json_text(c->mtext + ov[2 * n], ov[2 * n + 1] - ov[2 * n]));
    }
    double ts = c->ts >= 0 ? c->ts : c->ts == -2 ? NAN : wall_time();
    json_object_set_new(ev, "rule", json_string(r->id));
    json_object_set_new(ev, "category", json_string(r->category));
    json_object_set_new(ev, "failure_type", json_string(r->type));
    json_object_set_new(ev, "role", json_string(role_name(r->role)));
    json_object_set_new(ev, "action", json_string(r->action));
    json_object_set_new(ev, "priority", json_integer(r->priority));
    if (r->teardown)
        json_object_set_new(ev, "teardown", json_true());
    json_object_set_new(ev, "groups", groups);
    json_object_set_new(ev, "node", str_or_null(c->node));
    json_object_set_new(ev, "rank", c->rank >= 0 ? json_integer(c->rank) : json_null());
    json_object_set_new(ev, "file", str_or_null(c->file));
    json_object_set_new(ev, "line", json_integer(lineno));
    json_object_set_new(ev, "text", json_text(line, len));
    json_object_set_new(ev, "seq", json_integer(c->seq++));
    json_object_set_new(ev, "ts", isnan(ts) ? json_null() : json_real(ts));
    return ev;
}

static void deliver(struct classifier *c, json_t *ev, cls_event_cb cb, void *ctx)
{
    c->st.events++;
    if (cb)
        cb(ctx, ev);
    json_decref(ev);
}

static void push_frame(struct classifier *c, const char *line, size_t len, long lineno)
{
    size_t slot = (c->fhead + c->fcount) % TB_LINES;
    if (c->fcount == TB_LINES)
        c->fhead = (c->fhead + 1) % TB_LINES;
    else
        c->fcount++;
    utf8_sanitize(line, len, c->frames[slot], TB_LINE_MAX - 4);
    c->frame_no[slot] = lineno;
}

/* Appends the frames (and the exception line when with_exc) to arr. */
static void frames_to(struct classifier *c, json_t *arr, int with_exc)
{
    for (size_t i = 0; i < c->fcount; i++)
        json_array_append_new(arr, json_string(c->frames[(c->fhead + i) % TB_LINES]));
    if (with_exc)
        json_array_append_new(arr, json_string(c->exc));
    while (json_array_size(arr) > CHAIN_LINES)
        json_array_remove(arr, 0);
}

static int flush_pending(struct classifier *c, cls_event_cb cb, void *ctx)
{
    json_t *ev = c->pending ? c->pending : c->cause;
    json_decref(c->pending ? c->cause : NULL);
    c->pending = c->cause = NULL;
    json_decref(c->chain);
    c->chain = NULL;
    c->tb = TB_NONE;
    if (!ev)
        return 0;
    deliver(c, ev, cb, ctx);
    return CLS_EVENT;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

static int starts(const char *s, size_t n, const char *prefix)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    if (!n || *s != *prefix) /* most lines: one compare */
        return 0;
    size_t k = strlen(prefix);
    return n >= k && !memcmp(s, prefix, k);
}

/* Classifies a line on its own: event (returned), flags, or nothing. */
static json_t *classify(struct classifier *c, const char *line, size_t len, long lineno, int *flags)
{
    const struct rule *r = run_rules(c, line, len);
    if (c->progress)
        *flags |= CLS_PROGRESS;
    if (!r)
        return NULL;
    if (r->role == ROLE_NOISE) {
        *flags |= CLS_NOISE;
        return NULL;
    }
    *flags |= CLS_FAILURE;
    return make_event(c, r, line, len, lineno);
}

/* Whether a line ends a Python exception's name: "Name", "mod.Name",
 * "Name: message" (the name capitalised), as the exception line does and a
 * frame's source line seldom does. */
static int exception_shape(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        size_t w = i;
        while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
            i++;
        if (i == w)
            return 0;
        if (i < n && s[i] == '.') {
            i++;
            continue;
        }
        return (s[w] >= 'A' && s[w] <= 'Z') && (i == n || (s[i] == ':' && (i + 1 == n || s[i + 1] == ' ')));
    }
}

/* Whether a line inside a traceback is one of its frames: 1 a frame, 2 a
 * blank line to skip, 0 the line that ends the frames. A frame is
 * indented; behind a log shipper's timestamp (CloudWatch's "TS<tab>File
 * ...") or after a paste that dropped the indentation it is not, and then
 * its "File \"...\", line N, in f" line is known by its form and the line
 * after it is its source (unless no source was shown: a frozen module's
 * "<frozen ...>", or the next line has an exception's shape). */
static int frame_line(struct classifier *c, const char *line, size_t len)
{
    if (is_blank(line, len)) /* an exporter's blank line between entries: no frame, no end */
        return 2;
    int src = c->src_next;
    c->src_next = 0;
    if (len && (line[0] == ' ' || line[0] == '\t'))
        return 1;
    if (len > 6 && !memcmp(line, "File \"", 6)) {
        c->src_next = line[6] != '<';
        return 1;
    }
    return src && !exception_shape(line, len);
}

/* Where the line's traceback header begins, or -1 when it opens none: the
 * header first on the line, or last after other output on the same line
 * (a progress bar that ended with a carriage return, "Epoch 0:   0%|  |
 * 0/20 [00:00<?, ?it/s]Traceback (most recent call last):"), except
 * after "^C". */
static long tb_header(const char *s, size_t n)
{
    static const char h[] = "Traceback (most recent call last):";
    size_t k = sizeof h - 1;
    if (starts(s, n, "Traceback (most recent call last)"))
        return 0;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    /* not after a terminal's "^C" echo: "^CTraceback ..." is the interrupt
     * of a stuck run, which its own rule reads on the whole line */
    return n > k && !memcmp(s + n - k, h, k) && !(n - k >= 2 && !memcmp(s + n - k - 2, "^C", 2)) ? (long)(n - k)
                                                                                                : -1;
}

/* Traceback states before the exception: returns 1 when the line was
 * consumed as part of a traceback. */
static int traceback_step(struct classifier *c, const char *line, size_t len, long lineno,
                          int *flags, cls_event_cb cb, void *ctx)
{
    if (c->tb == TB_AFTER_EXC || c->tb == TB_CHAIN_WAIT) {
        if (is_blank(line, len) && ++c->blanks <= PENDING_BLANKS)
            return 1;
        if (c->tb == TB_AFTER_EXC &&
            (starts(line, len, "During handling of the above exception") ||
             starts(line, len, "The above exception was the direct cause"))) {
            if (!c->chain)
                c->chain = json_array();
            frames_to(c, c->chain, 1);
            if (c->pending) { /* the earlier exception: kept in case the chain is cut off */
                json_decref(c->cause);
                c->cause = c->pending;
                c->pending = NULL;
            }
            c->tb = TB_CHAIN_WAIT;
            c->blanks = 0;
            return 1;
        }
        int keep_chain = c->tb == TB_CHAIN_WAIT && starts(line, len, "Traceback (most recent");
        json_t *chain = keep_chain ? json_incref(c->chain) : NULL, *cause = NULL;
        if (keep_chain) { /* the chained traceback follows: not the end yet */
            cause = c->cause;
            c->cause = NULL;
        }
        *flags |= flush_pending(c, cb, ctx);
        c->chain = chain;
        c->cause = cause;
    }
    if (c->tb == TB_FRAMES) {
        int frame = frame_line(c, line, len);
        if (frame) {
            if (frame == 1)
                push_frame(c, line, len, lineno);
            return 1;
        }
        utf8_sanitize(line, len, c->exc, TB_LINE_MAX - 4);
        c->tb = TB_AFTER_EXC;
        c->blanks = 0;
        if (c->tb_ignored) { /* Python printed it and went on: not a failure */
            c->tb = TB_NONE;
            *flags |= CLS_NOISE;
            return 1;
        }
        json_t *ev = classify(c, line, len, lineno, flags);
        if (ev) {
            json_t *evid = c->chain ? json_deep_copy(c->chain) : json_array();
            frames_to(c, evid, 0);
            json_object_set_new(ev, "evidence", evid);
            c->pending = ev;
        }
        return 1;
    }
    long h = tb_header(line, len);
    if (h >= 0) {
        json_t *ev = h ? classify(c, line, (size_t)h, lineno, flags) : NULL; /* the output before it */
        if (ev) {
            deliver(c, ev, cb, ctx);
            *flags |= CLS_EVENT;
        }
        line += h, len -= (size_t)h;
        c->tb_ignored = c->ignored_hint;
        c->tb = TB_FRAMES;
        c->src_next = 0;
        c->fhead = c->fcount = 0;
        push_frame(c, line, len, lineno);
        utf8_sanitize(line, len, c->head, TB_LINE_MAX - 4);
        c->head_no = lineno;
        return 1;
    }
    return 0;
}

/* IPython's traceback header ("ImportError      Traceback (most recent
 * call last)") names the exception before the frames: a symptom of that
 * exception's rule (not an unknown one), which the exception line, a root,
 * outranks when the paste goes on to it; when the paste is cut off before
 * it, the header's symptom still says what failed. */
static json_t *ipython_header_event(struct classifier *c, const char *line, size_t len, long lineno)
{
    char exc[TB_LINE_MAX];
    size_t n = tb_ipython_header(line, len, exc, sizeof exc);
    const struct rule *r = n ? run_rules(c, exc, n) : NULL;
    if (!r || r->role == ROLE_NOISE || r->role == ROLE_PROGRESS || !strcmp(r->category, "unknown"))
        return NULL;
    json_t *ev = make_event(c, r, line, len, lineno);
    json_object_set_new(ev, "role", json_string(role_name(ROLE_SYMPTOM)));
    return ev;
}

int classifier_line(struct classifier *c, const char *line, size_t len, long lineno,
                    cls_event_cb cb, void *ctx)
{
    /* Python printed a traceback and went on: "Exception ignored in: ...",
     * asyncio's "Exception in callback X" (its "handle: <Handle ...>" line
     * may come between) */
    int flags = 0, hint = starts(line, len, "Exception ignored in") || starts(line, len, "Exception in callback ") ||
                          (c->ignored_hint && starts(line, len, "handle: <"));
    c->marks_valid = 0;
    int done = traceback_step(c, line, len, lineno, &flags, cb, ctx);
    c->ignored_hint = hint;
    if (done)
        return flags;
    json_t *ev = classify(c, line, len, lineno, &flags);
    if (!ev && len > 40)
        ev = ipython_header_event(c, line, len, lineno);
    if (ev) {
        deliver(c, ev, cb, ctx);
        flags |= CLS_EVENT;
    }
    return flags;
}

static void deliver_truncated(struct classifier *c, const struct rule *r, const char *f, long no,
                              cls_event_cb cb, void *ctx)
{
    json_t *ev = make_event(c, r, f, strlen(f), no), *evid = json_array();
    frames_to(c, evid, 0);
    json_object_set_new(ev, "evidence", evid);
    json_object_set_new(ev, "truncated_traceback", json_true());
    deliver(c, ev, cb, ctx);
}

/* The rule of the exception the innermost source line raises (tbraise.h:
 * "raise ValueError(..." or "assert ..."; a caret line under it skipped),
 * with that line in *src; NULL when it raises nothing a rule knows. The
 * rules ran on exc (the exception line Python would have printed). */
static const struct rule *raised_rule(struct classifier *c, char *exc, size_t n, const char **src, long *no)
{
    for (size_t k = 0; k < 2 && k < c->fcount; k++) {
        size_t slot = (c->fhead + c->fcount - 1 - k) % TB_LINES;
        const char *f = c->frames[slot];
        if (k == 0 && f[strspn(f, " \t^~")] == '\0')
            continue;
        size_t len = tb_raised_exception(f, strlen(f), exc, n);
        if (!len)
            return NULL;
        const struct rule *r = run_rules(c, exc, len);
        *src = f;
        *no = c->frame_no[slot];
        return r && r->role != ROLE_NOISE ? r : NULL;
    }
    return NULL;
}

/* A traceback cut off inside its frames (a truncated paste, a rank killed
 * while printing): the innermost frame a rule recognises decides, with
 * every frame as evidence; frames are tried innermost first. The exception
 * the innermost source line raises (raised_rule) outranks a frame of an
 * outer call and a rule of lower priority on the innermost frame's lines,
 * unless only an unknown rule knows it: then the frames decide first, and
 * that unknown rule (its line the key) after them. When nothing is known,
 * the header "Traceback (most recent call last):" is (py.traceback_cut_off:
 * an exception was raised, which is no clean run). */
static void truncated_traceback(struct classifier *c, cls_event_cb cb, void *ctx)
{
    char exc[TB_LINE_MAX];
    const char *src = NULL;
    long src_no = 0;
    const struct rule *raised = raised_rule(c, exc, sizeof exc, &src, &src_no), *r = NULL;
    int known = raised && strcmp(raised->category, "unknown");
    for (size_t i = c->fcount + 1; i-- > 0;) { /* i == 0: the header, kept apart from the ring */
        size_t slot = (c->fhead + i - 1) % TB_LINES;
        const char *f = i ? c->frames[slot] : c->head;
        long no = i ? c->frame_no[slot] : c->head_no;
        if (i && no == c->head_no) /* the header, while the ring still holds it */
            continue;
        int inner = i + 3 > c->fcount; /* the innermost frame: its File, source and caret lines */
        if (raised && (!i || (known && !inner))) /* the exception first (its match is rerun) */
            break;
        if (!(r = run_rules(c, f, strlen(f))) || r->role == ROLE_NOISE)
            continue;
        if (known && r->priority < raised->priority)
            break;
        deliver_truncated(c, r, f, no, cb, ctx);
        return;
    }
    if (raised && (raised = raised_rule(c, exc, sizeof exc, &src, &src_no)) != NULL)
        deliver_truncated(c, raised, src, src_no, cb, ctx);
}

void classifier_finish(struct classifier *c, cls_event_cb cb, void *ctx)
{
    if (c->tb == TB_FRAMES && !c->tb_ignored)
        truncated_traceback(c, cb, ctx);
    flush_pending(c, cb, ctx);
    c->fhead = c->fcount = 0;
    c->blanks = 0;
}
