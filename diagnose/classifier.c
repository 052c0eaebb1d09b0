/* classifier: the per-stream line classifier. For every line: one
 * Aho-Corasick pass gives the candidate rules (plus the short always-run
 * list); candidates run in the ruleset's order with pcre2_jit_match under a
 * match limit, and the first that matches wins. Python tracebacks are
 * followed across lines in cls_traceback.c (classifier_int.h holds the
 * state both files share). Nothing is allocated per line unless an event
 * is produced. */
#include <math.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include "common/util.h"
#include "diagnose/internal.h"
#include "diagnose/l10n.h"
#include "diagnose/linemarks.h"
#include "diagnose/classifier_int.h"

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
    int rc = ruleset_jit(c->rs, (size_t)(r - c->rs->rules)) == RULE_JIT
                 ? pcre2_jit_match(r->re, (PCRE2_SPTR)line, len, 0, 0, c->md, c->mctx)
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
        if (r->role != ROLE_PROGRESS && (!r->frame_re || cls_frame_met(c, r)) && rule_exec(c, r, line, len)) {
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
const struct rule *cls_run_rules(struct classifier *c, const char *line, size_t len)
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

int classifier_frame_check(struct classifier *c, size_t rule, const char *line, size_t len)
{
    const struct rule *r = &c->rs->rules[rule];
    if (!r->frame_re)
        return -1;
    return pcre2_match(r->frame_re, (PCRE2_SPTR)line, len, 0, 0, c->md, c->mctx) >= 0;
}

const char *classifier_match(struct classifier *c, const char *line, size_t len)
{
    int want = c->want_noise;
    c->want_noise = 1; /* the winner in isolation, noise included */
    const struct rule *r = cls_run_rules(c, line, len);
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
json_t *cls_make_event(struct classifier *c, const struct rule *r, const char *line, size_t len,
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
    if (r->vague)
        json_object_set_new(ev, "vague", json_true());
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

/* Hands an event to the callback and drops the classifier's reference. */
void cls_deliver(struct classifier *c, json_t *ev, cls_event_cb cb, void *ctx)
{
    c->st.events++;
    if (cb)
        cb(ctx, ev);
    json_decref(ev);
}

/* Whether s[0..n), after its leading blanks, begins with prefix. */
int cls_starts(const char *s, size_t n, const char *prefix)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    if (!n || *s != *prefix) /* most lines: one compare */
        return 0;
    size_t k = strlen(prefix);
    return n >= k && !memcmp(s, prefix, k);
}

/* Classifies a line on its own: event (returned), flags, or nothing. */
json_t *cls_classify(struct classifier *c, const char *line, size_t len, long lineno, int *flags)
{
    const struct rule *r = cls_run_rules(c, line, len);
    if (c->progress)
        *flags |= CLS_PROGRESS;
    if (!r)
        return NULL;
    if (r->role == ROLE_NOISE) {
        *flags |= CLS_NOISE;
        return NULL;
    }
    *flags |= CLS_FAILURE;
    return cls_make_event(c, r, line, len, lineno);
}

int classifier_line(struct classifier *c, const char *line, size_t len, long lineno,
                    cls_event_cb cb, void *ctx)
{
    /* Python printed a traceback and went on: "Exception ignored in: ...",
     * asyncio's "Exception in callback X" (its "handle: <Handle ...>" line
     * may come between) */
    int flags = 0, hint = cls_starts(line, len, "Exception ignored in") ||
                          cls_starts(line, len, "Exception in callback ") ||
                          (c->ignored_hint && cls_starts(line, len, "handle: <"));
    c->marks_valid = 0;
    int done = cls_traceback_step(c, line, len, lineno, &flags, cb, ctx);
    c->ignored_hint = hint;
    if (done)
        return flags;
    json_t *ev = cls_unwrap(c, cls_classify(c, line, len, lineno, &flags), line, len, lineno);
    if (!ev)
        ev = cls_ipython_header_event(c, line, len, lineno);
    if (ev) {
        cls_deliver(c, ev, cb, ctx);
        flags |= CLS_EVENT;
    }
    return flags;
}

void classifier_finish(struct classifier *c, cls_event_cb cb, void *ctx)
{
    if (c->tb == TB_FRAMES && !c->tb_ignored) /* a headless one has no header to decide last */
        cls_frames_decide(c, 1, cb, ctx);
    cls_flush_pending(c, cb, ctx);
    c->fhead = c->fcount = 0;
    c->blanks = 0;
}
