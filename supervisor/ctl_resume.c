/* ctl_resume: a controller that comes back. When the run directory already
 * holds this run (the same --rdzv-id and --log-dir, or --resume RUN_DIR),
 * its journal says what the dead controller knew: the restarts used and
 * when (for --restart-window), the back-off level, the nodes excluded and
 * when (for --exclude-for and --exclude-max). Only the events since the
 * last run_end count: a run that ended and is started again begins with a
 * fresh budget, as before; a run whose controller died (or whose job was
 * requeued) goes on with its budget. A journal cut mid-line (the host died
 * during a write) is cut back to its last complete line. The next attempt
 * waits until the dead controller's agents have stopped their ranks (they
 * do within the heartbeat timeout of losing it); it starts from the newest
 * complete checkpoint (ctl_ckpt.c) with the next attempt number. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

#define JOURNAL_READ_MAX (256u << 20) /* a journal is decisions, not lines: far below this */

/* "2024-01-02T03:04:05.678Z" -> seconds since the epoch, or -1. */
static double parse_ts(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!p)
        return -1;
    double frac = 0;
    if (*p == '.') {
        double scale = 0.1;
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac += (*p - '0') * scale;
    }
    return (double)timegm(&tm) + frac;
}

/* The journal's bytes up to its last complete line; a cut last line is
 * removed from the file (appending after it would glue two events). */
static char *read_journal(const char *path, size_t *len)
{
    char *data = NULL;
    *len = 0;
    if (!(data = read_regular_capped(path, JOURNAL_READ_MAX, len, O_NOFOLLOW)))
        return NULL;
    size_t keep = *len;
    while (keep && data[keep - 1] != '\n')
        keep--;
    if (keep < *len) {
        log_warn("the journal %s ends in a cut line (%zu bytes, the host died while writing?): it is read up to "
                 "its last complete line", path, *len - keep);
        if (truncate(path, (off_t)keep) < 0)
            log_warn("cannot cut %s back: %s", path, strerror(errno));
        *len = keep;
    }
    return data;
}

struct past {
    int unfinished;            /* a run_start after the last run_end */
    int restarts, backoff_level;
    json_t *restart_ts;        /* [ts, ...] of the restarts */
    json_t *out;               /* node -> {"ts", "times", "retired"} */
    double last_ts;            /* the newest event */
    long last_attempt;
};

static void past_reset(struct past *p)
{
    p->restarts = p->backoff_level = 0;
    json_array_clear(p->restart_ts);
    json_object_clear(p->out);
}

static void take_event(struct past *p, json_t *ev)
{
    const char *name = json_string_value(json_object_get(ev, "event"));
    double ts = parse_ts(json_string_value(json_object_get(ev, "ts")));
    const char *node = json_string_value(json_object_get(ev, "node"));
    if (!name)
        return;
    if (ts > p->last_ts)
        p->last_ts = ts;
    if (!strcmp(name, "run_end")) {
        p->unfinished = 0;
        past_reset(p);
    } else if (!strcmp(name, "run_start")) {
        p->unfinished = 1;
    } else if (!strcmp(name, "restart")) {
        p->restarts++;
        p->backoff_level = (int)json_integer_value(json_object_get(ev, "backoff_level"));
        json_array_append_new(p->restart_ts, json_real(ts));
    } else if (!strcmp(name, "attempt_start")) {
        p->last_attempt = (long)json_integer_value(json_object_get(ev, "attempt"));
    } else if (node && (!strcmp(name, "node_excluded") || !strcmp(name, "node_retired") ||
                        !strcmp(name, "node_readmitted"))) {
        json_t *o = json_object_get(p->out, node);
        if (!o)
            json_object_set_new(p->out, node, o = json_pack("{s:f,s:i,s:b,s:b}", "ts", ts, "times", 0, "retired",
                                                             0, "out", 0));
        if (!strcmp(name, "node_excluded")) { /* node_lost journals one too */
            json_object_set_new(o, "times", json_integer(json_integer_value(json_object_get(o, "times")) + 1));
            json_object_set_new(o, "ts", json_real(ts));
            json_object_set_new(o, "out", json_true());
        } else if (!strcmp(name, "node_retired")) {
            json_object_set_new(o, "retired", json_true());
        } else {
            json_object_set_new(o, "out", json_false());
        }
    }
}

int ctl_resume_read(struct ctl *c)
{
    char path[PATH_MAX];
    size_t len;
    if (layout_run_file(path, sizeof path, c->run_dir, LAYOUT_EVENTS) < 0)
        return -1;
    char *data = read_journal(path, &len);
    if (!data)
        return errno == ENOENT ? 0 : -1;
    struct past p = {.restart_ts = json_array(), .out = json_object(), .last_attempt = -1};
    for (size_t at = 0; at < len;) {
        char *nl = memchr(data + at, '\n', len - at);
        size_t n = (size_t)(nl - (data + at));
        json_t *ev = json_loadb(data + at, n, 0, NULL);
        if (json_is_object(ev))
            take_event(&p, ev);
        json_decref(ev);
        at += n + 1;
    }
    free(data);
    json_decref(c->past);
    c->past = p.unfinished ? json_pack("{s:i,s:i,s:o,s:o,s:f,s:I}", "restarts", p.restarts, "backoff_level",
                                       p.backoff_level, "restart_ts", p.restart_ts, "out", p.out, "last_ts",
                                       p.last_ts, "last_attempt", (json_int_t)p.last_attempt)
                           : NULL;
    if (!p.unfinished) {
        json_decref(p.restart_ts);
        json_decref(p.out);
    }
    return 0;
}

/* now_ms() of a wall-clock time of the journal. */
static int64_t mono_of(double ts, double wall_now, int64_t now)
{
    return now - (int64_t)((wall_now - ts) * 1000.0);
}

static void apply_nodes(struct ctl *c, json_t *out, double wall_now, int64_t now, json_t *excluded)
{
    const char *name;
    json_t *o;
    json_object_foreach(out, name, o) {
        struct node *n = node_by_name(c, name);
        if (!n)
            continue;
        n->excluded_times = (int)json_integer_value(json_object_get(o, "times"));
        n->excluded_at = mono_of(json_real_value(json_object_get(o, "ts")), wall_now, now);
        n->retired = json_is_true(json_object_get(o, "retired"));
        int is_out = json_is_true(json_object_get(o, "out"));
        int expired = c->cfg->exclude_for_ms > 0 && now >= n->excluded_at + c->cfg->exclude_for_ms;
        if (n->retired || (is_out && !expired)) {
            n->state = NODE_EXCLUDED; /* not launched (agents_start); ctl_budget.c may bring it back */
            json_array_append_new(excluded, json_string(n->name));
        }
    }
}

void ctl_resume_apply(struct ctl *c)
{
    if (!c->past)
        return;
    double wall_now = wall_time();
    int64_t now = now_ms();
    c->restarts = (int)json_integer_value(json_object_get(c->past, "restarts"));
    c->backoff_level = (int)json_integer_value(json_object_get(c->past, "backoff_level"));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(c->past, "restart_ts"), i, t) ctl_budget_note(c, mono_of(json_real_value(t),
                                                                                             wall_now, now));
    json_t *excluded = json_array();
    apply_nodes(c, json_object_get(c->past, "out"), wall_now, now, excluded);
    /* the dead controller's agents stop their ranks within the heartbeat
     * timeout of its last word (and half of it again to stop them) */
    double last = json_real_value(json_object_get(c->past, "last_ts"));
    int64_t settle = mono_of(last, wall_now, now) + c->cfg->heartbeat_timeout_ms * 2;
    c->resume_wait_until = settle > now ? settle : 0;
    json_t *ev = json_pack("{s:i,s:i,s:i,s:o,s:I}", "last_attempt", c->attempt, "next_attempt", c->attempt + 1,
                           "restarts", c->restarts, "excluded", excluded, "wait_ms",
                           (json_int_t)(c->resume_wait_until ? c->resume_wait_until - now : 0));
    json_t *bj = ctl_budget_json(c);
    json_object_update(ev, bj);
    json_decref(bj);
    char budget[160];
    ctl_budget_describe(c, budget, sizeof budget);
    log_info("run %s: its controller died with attempt %d unfinished; going on with attempt %d (restart budget: "
             "%s; %zu node(s) excluded)", c->cfg->run_id, c->attempt, c->attempt + 1, budget,
             json_array_size(excluded));
    journal_event(&c->j, "run_resumed", ev);
    journal_sync(&c->j);
}

int64_t ctl_resume_deadline(struct ctl *c)
{
    return c->state == C_WAIT_AGENTS && c->resume_wait_until ? c->resume_wait_until : -1;
}

void ctl_resume_timers(struct ctl *c)
{
    if (c->state == C_WAIT_AGENTS && c->resume_wait_until && now_ms() >= c->resume_wait_until) {
        c->resume_wait_until = 0;
        attempt_maybe_start(c);
    }
}

int ctl_resume_waiting(struct ctl *c)
{
    if (!c->resume_wait_until)
        return 0;
    if (now_ms() < c->resume_wait_until)
        return 1;
    c->resume_wait_until = 0;
    return 0;
}
