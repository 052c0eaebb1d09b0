/* ctl_oncall: the controller's side of the on-call tools. It folds every
 * journal event into a runview (oncall/runview.h, the same fold `endure
 * status` makes from the file), journals training progress (`progress`
 * {attempt, step}: the first of each attempt, then at most one per
 * ONCALL_PROGRESS_MS, and the newest one when a stop begins, with the time
 * it was seen) and writes --metrics-file from the loop: every monitor
 * interval, at most once a second, atomically (a temporary file renamed
 * over PATH), never fsynced (node_exporter reads it; a crash loses nothing
 * of the record). Owns struct ctl_oncall. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/log.h"
#include "common/util.h"
#include "oncall/oncall.h"
#include "supervisor/ctl_int.h"
#include "supervisor/ctl_oncall.h"

#define ONCALL_PROGRESS_MS 5000

struct ctl_oncall {
    struct runview rv;
    int attempt;              /* of the newest progress journaled, -1 none */
    long long step;           /* newest step seen (-1 none) */
    double seen_at;           /* wall time it was seen */
    int64_t journaled_at;     /* monotonic time of the last progress event */
    int pending;              /* progress seen after the last progress event */
    int64_t next_metrics;     /* -1: no --metrics-file */
    int metrics_failed;       /* said once */
    struct buf out;
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
    const char *name = json_string_value(json_object_get(ev, "event"));
    if (name && !strcmp(name, "stop_begin") && o->pending)
        journal_progress(c); /* the newest step, with the time it was seen */
    if (name && !strcmp(name, "attempt_start"))
        o->step = -1;
}

int ctl_oncall_open(struct ctl *c)
{
    struct ctl_oncall *o = calloc(1, sizeof *o);
    if (!o)
        return -1;
    rv_init(&o->rv);
    o->attempt = -1;
    o->step = -1;
    o->next_metrics = c->cfg->metrics_file ? now_ms() : -1;
    buf_init(&o->out, 4 << 20);
    c->oncall = o;
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

static void write_metrics(struct ctl *c, int up)
{
    struct ctl_oncall *o = c->oncall;
    struct metrics_live live = {.up = up, .log_bytes = -1};
    buf_reset(&o->out);
    metrics_render(&o->rv, &live, wall_time(), &o->out);
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

void ctl_oncall_timers(struct ctl *c)
{
    struct ctl_oncall *o = c->oncall;
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
    c->j.observe = NULL;
    rv_free(&o->rv);
    buf_free(&o->out);
    free(o);
    c->oncall = NULL;
}
