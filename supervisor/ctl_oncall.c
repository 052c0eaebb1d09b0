/* ctl_oncall: the controller's side of the on-call tools. It folds every
 * journal event into a runview (oncall/runview.h, the same fold `endure
 * status` makes from the file), journals training progress (`progress`
 * {attempt, step}: the first of each attempt, then at most one per
 * ONCALL_PROGRESS_MS, and the newest one when a stop begins, with the time
 * it was seen) and writes --metrics-file from the loop: every monitor
 * interval, at most once a second, atomically (a temporary file renamed
 * over PATH), never fsynced (node_exporter reads it; a crash loses nothing
 * of the record), and hands the same text to --metrics-addr's server. Every
 * event that notifies (oncall/notify.h) is queued for the notifier's thread
 * from the same observer; the thread's reports (a target failing, then
 * recovering) are journaled from the loop, and at exit the queue gets
 * ONCALL_NOTIFY_GRACE_MS to drain. Owns struct ctl_oncall. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/log.h"
#include "common/util.h"
#include "oncall/metrics_http.h"
#include "oncall/notify.h"
#include "oncall/oncall.h"
#include "supervisor/ctl_int.h"
#include "supervisor/ctl_oncall.h"

#define ONCALL_PROGRESS_MS 5000
#define ONCALL_NOTIFY_GRACE_MS 5000 /* at exit, for the last notifications */
#define ONCALL_KEEP_ATTEMPTS 64     /* attempts the fold keeps whole; older ones are totals */

struct ctl_oncall {
    struct runview rv;
    int attempt;              /* of the newest progress journaled, -1 none */
    long long step;           /* newest step seen (-1 none) */
    double seen_at;           /* wall time it was seen */
    int64_t journaled_at;     /* monotonic time of the last progress event */
    int pending;              /* progress seen after the last progress event */
    int64_t next_metrics;     /* -1: no --metrics-file nor --metrics-addr */
    int metrics_failed;       /* said once */
    struct buf out;
    struct metrics_http *http; /* --metrics-addr, NULL: none */
    struct notifier *notify;  /* --notify, --notify-cmd, NULL: none */
};

static void journal_progress(struct ctl *c)
{
    struct ctl_oncall *o = c->oncall;
    char ts[40];
    format_time(o->seen_at, ts, sizeof ts);
    json_t *f = json_pack("{s:s,s:i}", "ts", ts, "attempt", c->attempt);
    if (o->step >= 0)
        json_object_set_new(f, "step", json_integer(o->step));
    o->pending = 0;
    o->journaled_at = now_ms();
    o->attempt = c->attempt;
    journal_event(&c->j, "progress", f);
}

static void observe(void *ctx, const json_t *ev)
{
    struct ctl *c = ctx;
    struct ctl_oncall *o = c->oncall;
    rv_feed(&o->rv, ev);
    json_t *body = o->notify ? notify_message(ev, &o->rv) : NULL;
    if (body)
        notifier_post(o->notify, body); /* a full queue is reported by the thread's reports */
    json_decref(body);
    const char *name = json_string_value(json_object_get(ev, "event"));
    if (name && !strcmp(name, "stop_begin") && o->pending)
        journal_progress(c); /* the newest step, with the time it was seen */
    if (name && !strcmp(name, "attempt_start"))
        o->step = -1;
    if (name && !strcmp(name, "run_start") && o->http)
        journal_event(&c->j, "metrics_listen", json_pack("{s:s}", "addr", metrics_http_where(o->http)));
}

int ctl_oncall_open(struct ctl *c)
{
    struct ctl_oncall *o = calloc(1, sizeof *o);
    if (!o)
        return -1;
    rv_init(&o->rv);
    o->rv.keep = ONCALL_KEEP_ATTEMPTS; /* weeks of attempts: folded, not kept */
    o->attempt = -1;
    o->step = -1;
    o->next_metrics = c->cfg->metrics_file || c->cfg->metrics_addr ? now_ms() : -1;
    buf_init(&o->out, 4 << 20);
    c->oncall = o;
    if ((c->cfg->nnotify || c->cfg->notify_cmd) &&
        notifier_start(&o->notify, c->cfg->notify, c->cfg->nnotify, c->cfg->notify_cmd) < 0)
        return -1;
    c->j.observe = observe;
    c->j.observe_ctx = c;
    return 0;
}

void ctl_oncall_progress(struct ctl *c, long long step)
{
    struct ctl_oncall *o = c->oncall;
    if (!o)
        return;
    if (step > o->step)
        o->step = step;
    o->seen_at = wall_time();
    o->pending = 1;
    if (o->attempt != c->attempt || now_ms() - o->journaled_at >= ONCALL_PROGRESS_MS)
        journal_progress(c);
}

static void write_file(struct ctl *c)
{
    struct ctl_oncall *o = c->oncall;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", c->cfg->metrics_file, (int)getpid());
    int fd = open_regular(AT_FDCWD, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
    int ok = fd >= 0 && write_all(fd, o->out.p ? o->out.p : "", o->out.len) == 0;
    if (fd >= 0)
        close(fd);
    ok = ok && rename(tmp, c->cfg->metrics_file) == 0;
    if (!ok) {
        unlink(tmp);
        if (!o->metrics_failed)
            log_error("cannot write --metrics-file %s: %s (supervising on)", c->cfg->metrics_file,
                      file_strerror(errno));
    }
    o->metrics_failed = !ok;
}

static void write_metrics(struct ctl *c, int up)
{
    struct ctl_oncall *o = c->oncall;
    struct metrics_live live = {.up = up, .log_bytes = -1};
    for (int i = 0; i < c->nnodes; i++) /* what the agents said in their progress messages */
        if (c->nodes[i].log_bytes_base + c->nodes[i].log_bytes > 0)
            live.log_bytes = (live.log_bytes < 0 ? 0 : live.log_bytes) + c->nodes[i].log_bytes_base +
                             c->nodes[i].log_bytes;
    buf_reset(&o->out);
    metrics_render(&o->rv, &live, wall_time(), &o->out);
    if (c->cfg->metrics_file)
        write_file(c);
    if (o->http)
        metrics_http_set(o->http, o->out.p ? o->out.p : "", o->out.len);
}

/* Journals what the notifier's thread reported (once per failing target). */
static void notify_reports(struct ctl *c)
{
    json_t *r;
    while (c->oncall->notify && (r = notifier_take_report(c->oncall->notify))) {
        const char *name = json_string_value(json_object_get(r, "event"));
        char ev[32];
        snprintf(ev, sizeof ev, "%s", name ? name : "notify_failed");
        json_object_del(r, "event");
        if (strcmp(ev, "notify_recovered"))
            log_warn("notification to %s not delivered: %s (said once until it works again)",
                     json_string_value(json_object_get(r, "target")) ? json_string_value(json_object_get(r, "target"))
                                                                     : "the queue",
                     json_string_value(json_object_get(r, "error")));
        journal_event(&c->j, ev, r);
    }
}

int ctl_oncall_serve(struct ctl *c)
{
    char why[400];
    if (!c->cfg->metrics_addr || !c->oncall)
        return 0;
    if (metrics_http_start(&c->oncall->http, c->cfg->metrics_addr, why, sizeof why) < 0) {
        log_error("--metrics-addr: %s", why);
        return -1;
    }
    log_info("metrics at http://%s/metrics", metrics_http_where(c->oncall->http));
    return 0; /* journaled after run_start (observe) */
}

void ctl_oncall_timers(struct ctl *c)
{
    struct ctl_oncall *o = c->oncall;
    if (o)
        notify_reports(c);
    if (!o || o->next_metrics < 0 || now_ms() < o->next_metrics)
        return;
    write_metrics(c, 1);
    int64_t period = c->cfg->monitor_interval_ms > 1000 ? c->cfg->monitor_interval_ms : 1000;
    o->next_metrics = now_ms() + period;
}

int64_t ctl_oncall_deadline(const struct ctl *c)
{
    return c->oncall ? c->oncall->next_metrics : -1;
}

void ctl_oncall_close(struct ctl *c)
{
    struct ctl_oncall *o = c->oncall;
    if (!o)
        return;
    if (o->next_metrics >= 0)
        write_metrics(c, 0); /* the last word: endure_up 0 */
    metrics_http_stop(o->http);
    if (o->notify) {
        notifier_drain(o->notify, ONCALL_NOTIFY_GRACE_MS);
        notify_reports(c);
        notifier_free(o->notify);
    }
    c->j.observe = NULL;
    rv_free(&o->rv);
    buf_free(&o->out);
    free(o);
    c->oncall = NULL;
}

pid_t ctl_oncall_child_hold(const struct ctl *c)
{
    return c->oncall ? notifier_child_hold(c->oncall->notify) : 0;
}

void ctl_oncall_child_release(const struct ctl *c)
{
    if (c->oncall)
        notifier_child_release(c->oncall->notify);
}

int ctl_oncall_reaped(struct ctl *c, pid_t pid, int status)
{
    return c->oncall ? notifier_reaped(c->oncall->notify, pid, status) : 0;
}
