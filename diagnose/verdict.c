/* verdict: picks the root cause from the events of all streams.
 * Roots decide; symptoms only when there is no root. Among them, events
 * whose time lies within VERDICT_WINDOW_S of the earliest count as
 * simultaneous (clocks of nodes are not trusted to be closer than that; a
 * launcher's teardown line, printed before its report of the failed
 * worker, does not open the window) and
 * are ranked by rule priority, then category (infrastructure, framework,
 * script, hang, unknown), then time, then arrival order. The time of an
 * event is the controller's "arrival" when present, else its "ts"; events
 * without either are always in the window. docs/diagnose.md ("Root cause
 * (verdict_pick)") states these rules, the culprit and the confidence. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "diagnose/culprit.h"
#include "diagnose/internal.h"

#define CULPRIT_EVIDENCE_LINES 20 /* evidence lines searched for a culprit, newest first */

static double ev_time(const json_t *ev)
{
    json_t *a = json_object_get(ev, "arrival");
    if (json_is_number(a))
        return json_number_value(a);
    json_t *t = json_object_get(ev, "ts");
    return json_is_number(t) ? json_number_value(t) : NAN;
}

static const char *sget(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int role_is(const json_t *ev, const char *role)
{
    const char *r = sget(ev, "role");
    return r && !strcmp(r, role);
}

/* Returns 1 when a ranks before b. */
static int better(const json_t *a, size_t ia, const json_t *b, size_t ib)
{
    json_int_t pa = json_integer_value(json_object_get(a, "priority"));
    json_int_t pb = json_integer_value(json_object_get(b, "priority"));
    if (pa != pb)
        return pa > pb;
    const char *ca = sget(a, "category"), *cb = sget(b, "category");
    int ra = ca ? category_rank(ca) : 99, rb = cb ? category_rank(cb) : 99;
    if (ra != rb)
        return (unsigned)ra < (unsigned)rb;
    double ta = ev_time(a), tb = ev_time(b);
    if (!isnan(ta) && !isnan(tb) && ta != tb)
        return ta < tb;
    if (isnan(ta) != isnan(tb))
        return !isnan(ta);
    return ia < ib;
}

/* A number-looking string as an integer, other strings as they are. */
static json_t *fact(const json_t *v)
{
    const char *s = json_string_value(v);
    if (!s)
        return json_is_integer(v) ? json_incref((json_t *)v) : json_null();
    size_t n = strlen(s);
    int num = n > 0 && n < 10;
    for (size_t i = 0; i < n && num; i++)
        num = isdigit((unsigned char)s[i]);
    return num ? json_integer(strtol(s, NULL, 10)) : json_string(s);
}

/* Whether an evidence line is worth a culprit search: an exception or log
 * line, not a traceback frame or source line (indented). */
static int evidence_line(const char *s)
{
    return s && *s && *s != ' ' && *s != '\t';
}

/* The culprit of event ev, most trusted source first: the rule's named
 * groups; the generic extractor on the key line; the rank (and, without
 * it, the local rank) of the stream that printed it; the node that
 * printed it, except for a script error that names no GPU (a script error
 * on rank 0 does not make node 0 bad); the extractor on the exception
 * lines of the evidence. */
static json_t *culprit(const json_t *ev)
{
    json_t *g = json_object_get(ev, "groups");
    const char *cat = sget(ev, "category");
    json_t *c = json_pack("{s:o,s:o,s:o}", "host", fact(json_object_get(g, "host")), "rank",
                          fact(json_object_get(g, "rank")), "gpu", fact(json_object_get(g, "gpu")));
    struct culprit_x *x = culprit_x_new();
    const char *text = sget(ev, "text");
    if (text)
        culprit_x_fill(x, c, text, strlen(text), CX_LINE);
    if (json_is_null(json_object_get(c, "rank"))) {
        json_t *r = json_object_get(ev, "rank");
        json_object_set_new(c, "rank", fact(json_is_null(r) || !r ? json_object_get(ev, "local_rank") : r));
    }
    /* the node that printed the line, but not for a script error (it fails
     * the same on any node); a GPU the line names is always on that node:
     * "GPU 2" alone does not say which of the job's nodes holds it */
    int script = cat && !strcmp(cat, "script");
    int gpu = !json_is_null(json_object_get(c, "gpu"));
    if ((!script || gpu) && json_is_null(json_object_get(c, "host")))
        json_object_set_new(c, "host", fact(json_object_get(ev, "node")));
    json_t *evid = json_object_get(ev, "evidence");
    size_t i, n = json_array_size(evid);
    for (i = n; i-- > 0 && n - i <= CULPRIT_EVIDENCE_LINES;) {
        const char *l = json_string_value(json_array_get(evid, i));
        if (evidence_line(l))
            culprit_x_fill(x, c, l, strlen(l), CX_LINE);
    }
    culprit_x_free(x);
    return c;
}

static int has_culprit(const json_t *c)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)c, k, v) if (!json_is_null(v)) return 1;
    return 0;
}

json_t *verdict_base(const char *cat, const char *type, const char *action, double conf,
                    const char *explain)
{
    return json_pack("{s:s,s:s,s:{s:n,s:n,s:n},s:s,s:n,s:f,s:n,s:[],s:s}", "category", cat,
                     "type", type, "culprit", "host", "rank", "gpu", "action", action, "rule",
                     "confidence", conf, "key_line", "evidence", "explanation", explain);
}

/* Puts the node that printed the key line (the event's own "node", never
 * parsed back from the file path) on v's key_line, when known. */
static void key_node(json_t *v, const json_t *from)
{
    json_t *node = json_object_get(from, "node"), *key = json_object_get(v, "key_line");
    if (json_is_string(node) && json_is_object(key))
        json_object_set(key, "node", node);
}

static json_t *unknown_verdict(const json_t *ff)
{
    json_t *v = verdict_base("unknown", "unknown", "restart", 0.0,
                     "No rule matched the output of the failed job. The last lines of the "
                     "first rank to fail are shown as evidence; read them, and consider "
                     "adding a rule.");
    json_t *tail = json_object_get(ff, "tail");
    if (json_is_array(tail))
        json_object_set_new(v, "evidence", json_deep_copy(tail));
    json_t *file = json_object_get(ff, "file");
    size_t n = json_array_size(tail);
    if (file || n)
        json_object_set_new(v, "key_line",
                            json_pack("{s:O?,s:O?,s:O?}", "file", file, "line", json_object_get(ff, "lines"),
                                      "text", n ? json_array_get(tail, n - 1) : NULL));
    key_node(v, ff);
    return v;
}

/* The start of the window: the earliest time of role's events, leaving out
 * a launcher's teardown lines ("Sending process N closing signal SIGTERM")
 * while any other event of the role has a time: the launcher prints them
 * as it stops the other workers, before its report of the worker that
 * failed, which can come seconds later. NAN when no event has a time. */
static double window_start(const json_t *events, const char *role)
{
    double t0 = NAN, t0_all = NAN;
    for (size_t i = 0; i < json_array_size(events); i++) {
        const json_t *e = json_array_get(events, i);
        double t = ev_time(e);
        if (!role_is(e, role) || isnan(t))
            continue;
        if (isnan(t0_all) || t < t0_all)
            t0_all = t;
        if (!json_is_true(json_object_get(e, "teardown")) && (isnan(t0) || t < t0))
            t0 = t;
    }
    return isnan(t0) ? t0_all : t0;
}

/* Finds the deciding event: index into events, or -1. *competing is set
 * when another candidate in the window has a different type. */
static long pick(const json_t *events, const char *role, int *competing)
{
    size_t n = json_array_size(events);
    double t0 = window_start(events, role);
    long best = -1;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(events, i);
        double t = ev_time(e);
        if (!role_is(e, role) || (!isnan(t) && !isnan(t0) && t > t0 + VERDICT_WINDOW_S))
            continue;
        if (best >= 0) {
            const char *ta = sget(e, "failure_type"),
                       *tb = sget(json_array_get(events, (size_t)best), "failure_type");
            if (ta && tb && strcmp(ta, tb))
                *competing = 1;
        }
        if (best < 0 || better(e, i, json_array_get(events, (size_t)best), (size_t)best))
            best = (long)i;
    }
    return best;
}

/* Lines after the key line within which the same rule's next event is the
 * same report going on (an exception's header, then its message naming
 * the GPU). */
#define SAME_REPORT_LINES 5

/* Whether events a and b have the same string key (both without it too). */
static int same_field(const json_t *a, const json_t *b, const char *key)
{
    const char *x = sget(a, key), *y = sget(b, key);
    return x && y ? !strcmp(x, y) : x == y;
}

/* Fills the culprit fields c lacks from the events of e's rule in the
 * SAME_REPORT_LINES lines after e in e's file (the first that names each):
 * "Exception has occurred: OutOfMemoryError" then "CUDA out of memory. ...
 * GPU 0 has a total capacity of ..." is one failure on GPU 0. */
static void same_report_culprit(const json_t *events, const json_t *e, json_t *c)
{
    json_int_t line = json_integer_value(json_object_get(e, "line"));
    size_t i;
    const json_t *o;
    json_array_foreach(events, i, o) {
        json_int_t d = json_integer_value(json_object_get(o, "line")) - line;
        if (o == e || d <= 0 || d > SAME_REPORT_LINES || !sget(e, "rule") || !same_field(e, o, "rule") ||
            !same_field(e, o, "file"))
            continue;
        json_t *oc = culprit(o);
        const char *k;
        json_t *v;
        json_object_foreach(oc, k, v) if (json_is_null(json_object_get(c, k)) && !json_is_null(v))
            json_object_set(c, k, v);
        json_decref(oc);
    }
}

/* Whether a root event says only that something failed: unknown/unknown
 * (an exception no rule knows, a traceback cut before its exception, a
 * launcher's summary with no cause), or a rule's root marked `vague` (a
 * library's exception no rule knows, py.library_exception: its
 * framework/runtime_error is a default for the library's own classes, not
 * a cause read from the message). */
static int vague_root(const json_t *e)
{
    const char *c = sget(e, "category"), *t = sget(e, "failure_type");
    return json_is_true(json_object_get(e, "vague")) ||
           (c && t && !strcmp(c, "unknown") && !strcmp(t, "unknown"));
}

/* Lines before a vague root within which a symptom can be its cause. */
#define VAGUE_CAUSE_LINES 30

/* A symptom that names a failure of a known category (infrastructure,
 * framework, script) in the same file as the vague root r, at most
 * VAGUE_CAUSE_LINES before it or after it: NCCL's "unhandled system error"
 * just before the launcher's CalledProcessError that no rule read says
 * more than that exception, and decides instead (twenty-sixth session). A
 * library's warning far above, with training after it, is no cause. Index
 * into events, or -1. */
static long vague_root_cause(const json_t *events, const json_t *r)
{
    json_int_t rl = json_integer_value(json_object_get(r, "line"));
    long best = -1;
    for (size_t i = 0; i < json_array_size(events); i++) {
        const json_t *e = json_array_get(events, i);
        const char *c = sget(e, "category");
        if (!role_is(e, "symptom") || !c || !same_field(e, r, "file") ||
            json_integer_value(json_object_get(e, "line")) < rl - VAGUE_CAUSE_LINES ||
            (strcmp(c, "infrastructure") && strcmp(c, "framework") && strcmp(c, "script")))
            continue;
        if (best < 0 || better(e, i, json_array_get(events, (size_t)best), (size_t)best))
            best = (long)i;
    }
    return best;
}

int verdict_setup_action(json_t *v, const struct ruleset *rs)
{
    const char *act = ruleset_setup_action(rs, sget(v, "rule")), *was = sget(v, "action");
    if (!act || !was || !strcmp(act, was))
        return 0;
    const char *ex = sget(v, "explanation");
    char s[4096];
    snprintf(s, sizeof s, "%s%sIt came before any training step, so the same start fails the same way: %s (the "
             "rule's setup_action; after training has made progress it is %s).",
             ex ? ex : "", ex && *ex ? " " : "", act, was);
    json_object_set_new(v, "explanation", json_string(s));
    json_object_set_new(v, "action", json_string(act));
    return 1;
}

json_t *verdict_pick(const json_t *events, const json_t *first_failure, const struct ruleset *rs)
{
    int competing = 0, root = 1;
    long i = pick(events, "root", &competing);
    if (i >= 0 && vague_root(json_array_get(events, (size_t)i))) {
        long j = vague_root_cause(events, json_array_get(events, (size_t)i));
        if (j >= 0) {
            root = 0;
            competing = 1; /* the vague root is another candidate */
            i = j;
        }
    }
    if (i < 0 && verdict_is_kill(first_failure))
        return verdict_for_kill(first_failure); /* what is known beats a symptom's guess */
    if (i < 0) {
        root = 0;
        i = pick(events, "symptom", &competing);
    }
    if (i < 0)
        return first_failure ? unknown_verdict(first_failure)
                             : verdict_base("none", "success", "none", 0.7,
                                    "No failure was found in the logs.");
    const json_t *e = json_array_get(events, (size_t)i);
    const char *rule = sget(e, "rule");
    long ri = rs && rule ? ruleset_find(rs, rule) : -1;
    const char *explain = ri >= 0 ? rs->rules[ri].explain : sget(e, "explain");
    json_t *c = culprit(e);
    same_report_culprit(events, e, c);
    int pct = (root ? 80 : 40) + (has_culprit(c) ? 10 : 0) - (competing ? 20 : 0);
    double conf = pct / 100.0;
    json_t *ev = json_object_get(e, "evidence");
    json_t *v = json_pack("{s:O?,s:O?,s:o,s:O?,s:O?,s:f,s:{s:O?,s:O?,s:O?},s:o,s:s}", "category",
                     json_object_get(e, "category"), "type", json_object_get(e, "failure_type"),
                     "culprit", c, "action", json_object_get(e, "action"), "rule",
                     json_object_get(e, "rule"), "confidence", conf, "key_line", "file",
                     json_object_get(e, "file"), "line", json_object_get(e, "line"), "text", json_object_get(e, "text"),
                     "evidence", json_is_array(ev) ? json_deep_copy(ev) : json_array(),
                     "explanation", explain ? explain : "");
    key_node(v, e);
    return v;
}

/* A culprit field as text ("" for null). */
static void field(const json_t *v, char *out, size_t n)
{
    if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else
        snprintf(out, n, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int verdict_signature(const json_t *verdict, char *out, size_t outlen)
{
    const json_t *c = json_object_get(verdict, "culprit");
    char host[128] = "", rank[32] = "", gpu[64] = "";
    const char *type = sget(verdict, "type"), *rule = sget(verdict, "rule");
    const char *cat = sget(verdict, "category");
    if (cat && !strcmp(cat, "infrastructure")) { /* where it failed is part of what failed */
        field(json_object_get(c, "host"), host, sizeof host);
        field(json_object_get(c, "rank"), rank, sizeof rank);
        field(json_object_get(c, "gpu"), gpu, sizeof gpu);
    }
    int n = snprintf(out, outlen, "%s|%s|%s|%s|%s", type ? type : "", rule ? rule : "", host, rank,
                     gpu);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
