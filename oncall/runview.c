/* runview: the fold of a run's journal into what the on-call tools show
 * (see runview.h). Unknown events and fields are ignored, so that an older
 * reader keeps working on a newer journal. */
#include "oncall/runview.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/util.h"

const double rv_persist_le[RV_PERSIST_BUCKETS] = {0.1, 0.5, 1, 5, 10, 30, 60, 300, 900};
const char *const rv_node_states[6] = {"active", "spare", "excluded", "lost", "unhealthy", "starting"};

void rv_init(struct runview *rv)
{
    memset(rv, 0, sizeof *rv);
    snprintf(rv->state, sizeof rv->state, "starting");
    rv->max_restarts = -1;
    rv->nodes = json_object();
    rv->restart_reasons = json_object();
    rv->failures = json_object();
    rv->old.lost_by_cause = json_object();
    rv->pend_ck = json_object();
    rv->node_events = json_array();
}

void rv_free(struct runview *rv)
{
    for (int i = 0; i < rv->natt; i++) {
        json_decref(rv->att[i].nodes);
        json_decref(rv->att[i].verdict);
    }
    free(rv->att);
    free(rv->ck);
    json_decref(rv->nodes);
    json_decref(rv->restart_reasons);
    json_decref(rv->failures);
    json_decref(rv->old.lost_by_cause);
    json_decref(rv->pend_ck);
    json_decref(rv->node_events);
    memset(rv, 0, sizeof *rv);
}

double rv_parse_ts(const char *s)
{
    struct tm tm = {0};
    const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!p)
        return -1;
    double frac = 0;
    if (*p == '.') {
        long v;
        size_t n = parse_digits(p + 1, 999999999, &v);
        if (n == 0 || n > 9)
            return -1;
        frac = (double)v;
        for (size_t i = 0; i < n; i++)
            frac /= 10;
        p += 1 + n;
    }
    if (strcmp(p, "Z"))
        return -1;
    return (double)timegm(&tm) + frac;
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static long num(const json_t *o, const char *k, long def)
{
    const json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (long)json_integer_value(v) : def;
}

static void count_key(json_t *obj, const char *key, long long n)
{
    json_t *v = json_object_get(obj, key);
    json_object_set_new(obj, key, json_integer((v ? json_integer_value(v) : 0) + n));
}

static struct rv_attempt *attempt_of(struct runview *rv, long n)
{
    for (int i = rv->natt - 1; i >= 0; i--)
        if (rv->att[i].n == n)
            return &rv->att[i];
    return NULL;
}

static struct rv_attempt *cur(struct runview *rv)
{
    return rv->natt ? &rv->att[rv->natt - 1] : NULL;
}

const struct rv_attempt *rv_current(const struct runview *rv)
{
    return rv->natt ? &rv->att[rv->natt - 1] : NULL;
}

static void set_node(struct runview *rv, const char *name, const char *state, const char *reason)
{
    if (!*name)
        return;
    json_t *n = json_object_get(rv->nodes, name);
    const char *old = n ? str(n, "state") : "";
    /* a lost or unhealthy node is also excluded: keep the more telling state */
    if (!strcmp(state, "excluded") && (!strcmp(old, "lost") || !strcmp(old, "unhealthy")))
        return;
    json_t *o = json_pack("{s:s}", "state", state);
    if (reason && *reason)
        json_object_set_new(o, "reason", json_string(reason));
    json_object_set_new(rv->nodes, name, o);
}

/* Bounded: folds att[0] into rv->old (its successor att[1] exists) and
 * drops the checkpoints only it could need. */
static void fold_oldest(struct runview *rv)
{
    double w, h;
    struct rv_attempt *a = &rv->att[0];
    rv_attempt_lost(rv, 0, &w, &h);
    rv->old.natt++;
    rv->old.lost_work += w;
    rv->old.lost_restart += h;
    if (a->first_prog && a->last_prog > a->first_prog)
        rv->old.productive += a->last_prog - a->first_prog;
    if (w + h > 0) {
        char cause[160];
        rv_attempt_cause(a, cause, sizeof cause);
        json_t *v = json_object_get(rv->old.lost_by_cause, cause);
        json_object_set_new(rv->old.lost_by_cause, cause, json_real((v ? json_real_value(v) : 0) + w + h));
    }
    json_decref(a->nodes);
    json_decref(a->verdict);
    memmove(rv->att, rv->att + 1, (size_t)(rv->natt - 1) * sizeof *rv->att);
    rv->natt--;
    int k = 0;
    while (k < rv->nck - 1 && rv->ck[k].attempt < rv->att[0].n)
        k++;
    if (k) {
        memmove(rv->ck, rv->ck + k, (size_t)(rv->nck - k) * sizeof *rv->ck);
        rv->nck -= k;
    }
}

static void on_attempt_start(struct runview *rv, const json_t *ev, double ts)
{
    if (rv->keep > 0 && rv->natt >= rv->keep && rv->natt >= 2)
        fold_oldest(rv);
    if (rv->natt == rv->capatt) {
        int cap = rv->capatt ? rv->capatt * 2 : 16;
        struct rv_attempt *a = realloc(rv->att, (size_t)cap * sizeof *a);
        if (!a)
            return;
        rv->att = a;
        rv->capatt = cap;
    }
    struct rv_attempt *a = &rv->att[rv->natt++];
    memset(a, 0, sizeof *a);
    a->n = (int)num(ev, "attempt", rv->natt - 1);
    a->start = ts;
    a->ok = -1;
    a->first_step = a->last_step = -1;
    const json_t *res = json_object_get(ev, "resume");
    a->resume_step = json_is_object(res) ? num(res, "step", -1) : -1;
    a->nodes = json_array();
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(ev, "nodes"), i, n)
        json_array_append_new(a->nodes, json_string(str(n, "node")));
    rv->restarts = (int)num(ev, "restart_count", rv->restarts);
    rv->nsamp = 0;
    snprintf(rv->state, sizeof rv->state, "running");
}

static void on_progress(struct runview *rv, const json_t *ev, double ts)
{
    struct rv_attempt *a = attempt_of(rv, num(ev, "attempt", -1));
    long step = num(ev, "step", -1);
    if (!a)
        return;
    if (!a->first_prog) {
        a->first_prog = ts;
        a->first_step = step;
    }
    a->last_prog = ts;
    if (step >= 0)
        a->last_step = step;
    if (a != cur(rv) || step < 0)
        return;
    if (rv->nsamp == RV_SAMPLES) {
        memmove(rv->samp, rv->samp + 1, (RV_SAMPLES - 1) * sizeof *rv->samp);
        rv->nsamp--;
    }
    rv->samp[rv->nsamp].ts = ts;
    rv->samp[rv->nsamp++].step = step;
}

static void on_ckpt(struct runview *rv, const char *name, const json_t *ev, double ts)
{
    if (!strcmp(name, "ckpt_persisted")) {
        json_t *s = json_object_get(ev, "seconds");
        if (json_is_number(s)) {
            double v = json_number_value(s);
            rv->persist_n++;
            rv->persist_sum += v;
            for (int k = 0; k < RV_PERSIST_BUCKETS; k++)
                rv->persist_le[k] += v <= rv_persist_le[k];
        }
        rv->ckpt_bytes += num(ev, "bytes", 0);
        json_t *p = json_object_get(rv->pend_ck, str(ev, "tag"));
        double sec = json_number_value(s);
        if (p) {
            sec = sec > json_number_value(json_object_get(p, "s")) ? sec : json_number_value(json_object_get(p, "s"));
            json_object_set_new(p, "s", json_real(sec));
            json_object_set_new(p, "b", json_integer(json_integer_value(json_object_get(p, "b")) + num(ev, "bytes", 0)));
        } else if (json_object_size(rv->pend_ck) < 64) {
            json_object_set_new(rv->pend_ck, str(ev, "tag"), json_pack("{s:f,s:I}", "s", sec, "b", (json_int_t)num(ev, "bytes", 0)));
        }
        return;
    }
    if (strcmp(name, "ckpt_complete"))
        return;
    if (rv->keep > 0 && rv->nck >= 4 * rv->keep) { /* the oldest go: lost work may then count from a start */
        memmove(rv->ck, rv->ck + rv->keep, (size_t)(rv->nck - rv->keep) * sizeof *rv->ck);
        rv->nck -= rv->keep;
    }
    if (rv->nck == rv->capck) {
        int cap = rv->capck ? rv->capck * 2 : 16;
        struct rv_ckpt *c = realloc(rv->ck, (size_t)cap * sizeof *c);
        if (!c)
            return;
        rv->ck = c;
        rv->capck = cap;
    }
    struct rv_ckpt *c = &rv->ck[rv->nck++];
    memset(c, 0, sizeof *c);
    snprintf(c->tag, sizeof c->tag, "%s", str(ev, "tag"));
    c->step = num(ev, "step", -1);
    c->ts = ts;
    c->attempt = cur(rv) ? cur(rv)->n : -1;
    json_t *p = json_object_get(rv->pend_ck, c->tag);
    if (p) {
        c->persist_s = json_number_value(json_object_get(p, "s"));
        c->bytes = json_integer_value(json_object_get(p, "b"));
        json_object_del(rv->pend_ck, c->tag);
    }
}

static void on_failure(struct runview *rv, const char *name, const json_t *ev, double ts)
{
    struct rv_attempt *a = attempt_of(rv, num(ev, "attempt", -1));
    if (!a)
        return;
    if (!strcmp(name, "failure") && !a->fail_ts) {
        a->fail_ts = ts;
        snprintf(a->fail_kind, sizeof a->fail_kind, "%s", str(ev, "kind"));
        snprintf(a->fail_what, sizeof a->fail_what, "%s", str(ev, "what"));
        snprintf(a->fail_node, sizeof a->fail_node, "%s", str(ev, "node"));
    } else if (!strcmp(name, "verdict")) {
        json_t *v = json_object_get(ev, "verdict");
        if (json_is_object(v) && !a->verdict) {
            a->verdict = json_incref(v);
            char key[160];
            snprintf(key, sizeof key, "%s\t%s", str(v, "category"), str(v, "type"));
            count_key(rv->failures, key, 1);
        }
    }
}

static void on_run(struct runview *rv, const char *name, const json_t *ev, double ts)
{
    if (!strcmp(name, "run_start")) {
        if (!rv->start)
            rv->start = ts;
        snprintf(rv->run_id, sizeof rv->run_id, "%s", str(ev, "run_id"));
        snprintf(rv->run_dir, sizeof rv->run_dir, "%s", str(ev, "run_dir"));
        const json_t *ck = json_object_get(json_object_get(ev, "config"), "checkpoint");
        snprintf(rv->ckpt_dir, sizeof rv->ckpt_dir, "%s", str(ck, "ckpt_dir"));
        rv->resumed += json_is_true(json_object_get(ev, "resumed"));
        rv->max_restarts = (int)num(json_object_get(ev, "config"), "max_restarts", rv->max_restarts);
        rv->ended = 0;
        snprintf(rv->state, sizeof rv->state, "starting");
    } else {
        rv->ended = 1;
        rv->end = ts;
        rv->exit_code = (int)num(ev, "exit_code", -1);
        snprintf(rv->end_reason, sizeof rv->end_reason, "%s", str(ev, "reason"));
        snprintf(rv->state, sizeof rv->state, "finished");
        struct rv_attempt *a = cur(rv);
        if (a)
            a->ranks_running = 0;
    }
}

static void on_attempt(struct runview *rv, const char *name, const json_t *ev, double ts)
{
    struct rv_attempt *a = attempt_of(rv, num(ev, "attempt", -1));
    if (!strcmp(name, "restart")) {
        rv->backoff_until = ts + (double)num(ev, "backoff_ms", 0) / 1000;
        snprintf(rv->state, sizeof rv->state, "backing off");
        struct rv_attempt *c = cur(rv);
        const char *reason = c && c->verdict ? str(c->verdict, "category") : c ? c->fail_kind : "";
        count_key(rv->restart_reasons, *reason ? reason : "other", 1);
        return;
    }
    if (!a)
        return;
    if (!strcmp(name, "ranks_started")) {
        a->ranks_running += (int)json_array_size(json_object_get(ev, "pids"));
    } else if (!strcmp(name, "rank_exit")) {
        if (a->ranks_running > 0)
            a->ranks_running--;
    } else if (!strcmp(name, "stop_begin")) {
        a->stop_begin = ts;
        snprintf(rv->state, sizeof rv->state, "stopping");
    } else if (!strcmp(name, "attempt_end")) {
        a->end = ts;
        a->ok = json_is_true(json_object_get(ev, "ok"));
        a->ranks_running = 0;
        if (!rv->ended)
            snprintf(rv->state, sizeof rv->state, "diagnosing");
    }
}

static void on_node(struct runview *rv, const char *name, const json_t *ev, double ts)
{
    const char *node = str(ev, "node"), *why = str(ev, "reason");
    int mark = !strcmp(name, "node_lost") || !strcmp(name, "node_excluded") || !strcmp(name, "node_unhealthy");
    if (mark && json_array_size(rv->node_events) < RV_NODE_EVENTS)
        json_array_append_new(rv->node_events,
                              json_pack("{s:f,s:s,s:s,s:s}", "ts", ts, "node", node, "event", name, "reason", why));
    if (!strcmp(name, "agent_launched"))
        set_node(rv, node, "starting", NULL);
    else if (!strcmp(name, "agent_connected"))
        set_node(rv, node, "ready", NULL);
    else if (!strcmp(name, "node_lost"))
        set_node(rv, node, "lost", why);
    else if (!strcmp(name, "node_unhealthy"))
        set_node(rv, node, "unhealthy", why);
    else if (!strcmp(name, "node_excluded"))
        set_node(rv, node, "excluded", why);
}

void rv_feed(struct runview *rv, const json_t *ev)
{
    const char *name = str(ev, "event");
    double ts = rv_parse_ts(str(ev, "ts"));
    if (!*name || ts < 0)
        return;
    rv->last_ts = ts;
    if (!strcmp(name, "run_start") || !strcmp(name, "run_end"))
        on_run(rv, name, ev, ts);
    else if (!strcmp(name, "attempt_start"))
        on_attempt_start(rv, ev, ts);
    else if (!strcmp(name, "progress"))
        on_progress(rv, ev, ts);
    else if (!strncmp(name, "ckpt_", 5))
        on_ckpt(rv, name, ev, ts);
    else if (!strcmp(name, "failure") || !strcmp(name, "verdict"))
        on_failure(rv, name, ev, ts);
    else if (!strcmp(name, "unclassified_lines"))
        rv->unclassified += num(ev, "lines", 0);
    else if (!strcmp(name, "console_dropped"))
        rv->console_dropped += num(ev, "lines", 0);
    else if (!strcmp(name, "health") && !rv->ended && strcmp(rv->state, "running"))
        snprintf(rv->state, sizeof rv->state, "health check");
    else if (!strncmp(name, "agent_", 6) || !strncmp(name, "node_", 5))
        on_node(rv, name, ev, ts);
    if (!strcmp(name, "ranks_started") || !strcmp(name, "rank_exit") || !strcmp(name, "stop_begin") ||
        !strcmp(name, "attempt_end") || !strcmp(name, "restart"))
        on_attempt(rv, name, ev, ts);
}

static void fold_line(struct runview *rv, const char *line, size_t len)
{
    json_error_t e;
    json_t *ev = len ? json_loadb(line, len, 0, &e) : NULL;
    if (json_is_object(ev))
        rv_feed(rv, ev);
    else if (len)
        rv->bad_lines++;
    json_decref(ev);
}

int rv_load(struct runview *rv, const char *path)
{
    int rc = -1, skip = 0;
    struct buf b;
    buf_init(&b, RV_LINE_MAX);
    int fd = open_regular(AT_FDCWD, path, O_RDONLY, 0);
    if (fd < 0)
        goto out;
    off_t off = rv->offset;
    char chunk[65536];
    for (;;) {
        ssize_t k = pread(fd, chunk, sizeof chunk, off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            goto out;
        if (k == 0)
            break;
        size_t p = 0;
        while (p < (size_t)k) {
            const char *nl = memchr(chunk + p, '\n', (size_t)k - p);
            size_t seg = nl ? (size_t)(nl - (chunk + p)) : (size_t)k - p;
            if (!skip && buf_append(&b, chunk + p, seg) < 0) {
                skip = 1; /* a line over RV_LINE_MAX: skipped to its end */
                buf_reset(&b);
            }
            p += seg;
            if (!nl)
                break;
            if (skip)
                rv->bad_lines++;
            else
                fold_line(rv, b.p ? b.p : "", b.len);
            skip = 0;
            buf_reset(&b);
            p++;
            rv->offset = off + (off_t)p; /* complete lines only: a cut line is read again */
        }
        off += k;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    buf_free(&b);
    return rc;
}
