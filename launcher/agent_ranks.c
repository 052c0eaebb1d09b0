/* agent_ranks: the ranks of one attempt on this node: start them with
 * torchrun's environment (spawn.c) and move their output to the log files,
 * the console, the classifier and the progress matcher. Reaping and
 * stopping them is agent_stop.c's. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/ansi.h"
#include "common/layout.h"
#include "common/log.h"
#include "common/util.h"
#include "diagnose/diagnose.h"
#include "launcher/agent_int.h"
#include "launcher/env.h"
#include "launcher/spawn.h"

#define READ_CHUNK (128u << 10) /* small enough to stay in cache while logged and split */
#define READ_BUDGET (4u << 20) /* bytes per stream per loop turn, for fairness */
#define SHED_ON 4   /* shed once a quarter of the pipe waits behind a read */
#define SHED_OFF 16 /* classify again once less than a sixteenth waits */

/* A number of a spec, in [0, max] (config.c checked it; junk reads as -1). */
static long spec_num(const char *s, long max)
{
    long v;
    return parse_long(s, 0, max, &v) == 0 ? v : -1;
}

/* A stream mask of a spec (0..3); junk reads as 0. */
static int spec_bits(const char *s)
{
    long v = spec_num(s, 3);
    return v > 0 ? (int)v : 0;
}

/* torchrun's -r spec: "N" for every local rank or "lr:N,lr:N". */
static int stream_bits(const char *spec, int local_rank)
{
    if (!spec || !*spec)
        return 0;
    if (!strchr(spec, ':'))
        return spec_bits(spec);
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", spec);
    char *save = NULL;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *c = strchr(t, ':');
        if (c) {
            *c = '\0';
            if (spec_num(t, 1024) == local_rank)
                return spec_bits(c + 1);
        }
    }
    return 0;
}

static int in_filter(const char *filter, int local_rank)
{
    if (!filter || !*filter)
        return 1;
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", filter);
    char *save = NULL;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (spec_num(t, 1024) == local_rank)
            return 1;
    return 0;
}

static void on_line(void *ctx, const char *line, size_t len, unsigned flags)
{
    struct stream *s = ctx;
    struct agent *a = s->a;
    (void)flags;
    s->r->lineno++;
    if (s->shedding) {
        /* the rank outruns the agent: keep its output flowing, classify
         * later (offline); a flood of output counts as a sign of life */
        a->unclassified++;
        a->progress_pending = 1;
    } else {
        size_t n = len; /* the console still gets the line as written */
        const char *text = ansi_clean(&s->clean, line, &n, 0); /* a rank writes its ESC bytes */
        if (agent_diag_line(s, text, n)) {
            a->progress_pending = 1;
            a->progress_step = classifier_progress_step(s->cls);
            double loss = classifier_progress_loss(s->cls); /* the highest since the last send: a spike is kept */
            a->progress_loss = isnan(a->progress_loss) || loss > a->progress_loss ? loss : a->progress_loss;
        }
        if (!a->progress_pending && a->progress && progress_line(a->progress, text, n))
            a->progress_pending = 1;
    }
    if (s->on_console)
        console_line(&a->console, s->r->prefix, line, len);
}

static void log_write(struct agent *a, struct rank *r, const char *data, size_t n)
{
    agent_log_rotate(a, r, n);
    if (r->log_fd >= 0)
        r->log_size += n;
    if (r->log_fd >= 0 && write_all(r->log_fd, data, n) == 0) {
        a->log_bytes += n;
        return;
    }
    if (r->log_fd < 0)
        return;
    a->log_bytes_lost += n;
    if (!a->log_failed) {
        a->log_failed = 1;
        char msg[256];
        snprintf(msg, sizeof msg, "cannot write %s: %s", r->log_rel, strerror(errno));
        log_warn("%s (bytes are dropped until the disk accepts writes again; supervising on)", msg);
        agent_send_error(a, MSG_LOG_ERROR, msg);
    }
}

/* A backlog in the pipe means the rank writes faster than the agent
 * classifies: shed chunks before the pipe fills and blocks it. With
 * hysteresis, so that a burst (a long traceback, a debug dump) below
 * SHED_ON is classified whole while a flood sheds until under SHED_OFF. */
static void update_shedding(const struct agent *a, struct stream *s)
{
    int left = 0;
    if (a->no_shedding || !s->pipe_size || ioctl(s->fd, FIONREAD, &left) < 0)
        s->shedding = 0;
    else if ((size_t)left >= s->pipe_size / SHED_ON)
        s->shedding = 1;
    else if ((size_t)left < s->pipe_size / SHED_OFF)
        s->shedding = 0;
}

void ranks_read(struct agent *a, struct stream *s)
{
    static char chunk[READ_CHUNK]; /* the agent reads on one thread */
    size_t budget = READ_BUDGET;
    while (s->fd >= 0 && budget) {
        ssize_t n = read(s->fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return;
        }
        if (n <= 0) {
            linesplit_finish(&s->split, on_line, s);
            close(s->fd);
            s->fd = -1;
            return;
        }
        log_write(a, s->r, chunk, (size_t)n);
        update_shedding(a, s);
        linesplit_feed(&s->split, chunk, (size_t)n, on_line, s);
        budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
    }
}

static json_t *rank_env(struct agent *a, struct rank *r, const json_t *base)
{
    json_t *v = json_deep_copy(base);
    json_object_set_new(v, "LOCAL_RANK", json_integer(r->local_rank));
    json_object_set_new(v, "RANK", json_integer(r->global_rank));
    json_object_set_new(v, "ROLE_RANK", json_integer(r->global_rank));
    json_object_set_new(v, "ENDURE_HEARTBEAT_FILE", json_string(r->hb_path));
    const char *dir = a->start.u.start.node_dir;
    char path[PATH_MAX];
    layout_error_file(path, sizeof path, dir, r->global_rank);
    json_object_set_new(v, "TORCHELASTIC_ERROR_FILE", json_string(path));
    agent_ckpt_env(a, r, v);
    env_add_python_path(v);
    if (!getenv("TORCH_NCCL_ASYNC_ERROR_HANDLING"))
        json_object_set_new(v, "TORCH_NCCL_ASYNC_ERROR_HANDLING", json_string("1"));
    if (!getenv("OMP_NUM_THREADS") && a->nranks > 1)
        json_object_set_new(v, "OMP_NUM_THREADS", json_string("1"));
    /* a rank's stdout is a pipe: without this, Python holds its prints in
     * an 8 KiB buffer, so endure sees them late, and a rank killed by
     * SIGKILL (the OOM killer, a hang's stop) loses its last lines */
    if (!getenv("PYTHONUNBUFFERED") && !json_object_get(v, "PYTHONUNBUFFERED"))
        json_object_set_new(v, "PYTHONUNBUFFERED", json_string("1"));
    return v;
}

static int rank_init(struct agent *a, struct rank *r, int lr, const struct msg_start *st)
{
    const char *dir = st->node_dir;
    r->local_rank = lr;
    r->global_rank = st->group_rank * a->nranks + lr;
    snprintf(r->prefix, sizeof r->prefix, "[%s:%d] ", a->node, r->global_rank);
    char rel[PATH_MAX];
    layout_node_dir(rel, sizeof rel, NULL, a->attempt, a->node);
    layout_rank_log(r->log_rel, sizeof r->log_rel, rel, r->global_rank);
    layout_heartbeat(r->hb_path, sizeof r->hb_path, dir, r->global_rank);
    if (agent_log_open(a, r) < 0)
        return -1;
    int bits = stream_bits(st->redirects, lr);
    int shown = in_filter(st->local_ranks_filter, lr);
    struct stream *ss[2] = {&r->out, &r->err};
    for (int i = 0; i < 2; i++) {
        ss[i]->a = a;
        ss[i]->r = r;
        ss[i]->on_console = shown && !(bits & (1 << i));
        linesplit_init(&ss[i]->split, LINE_CAP_DEFAULT);
        buf_init(&ss[i]->clean, LINE_CAP_DEFAULT);
        agent_diag_stream(a, ss[i]);
    }
    return 0;
}

/* Whether this node sees the controller's run directory (a shared
 * filesystem): without one (or with --no-shared-fs) the logs stay here and
 * a failed rank's exit carries a long tail, so that the controller's
 * failure.json holds what the diagnosis needs. */
static void see_run_dir(struct agent *a, const struct msg_start *st)
{
    char p[PATH_MAX];
    a->shared_fs = -1;
    if (st->run_dir && layout_run_file(p, sizeof p, st->run_dir, LAYOUT_RUN_JSON) == 0)
        a->shared_fs = access(p, F_OK) == 0;
    a->tail_lines = !st->shared_fs || a->shared_fs == 0 ? AGENT_LONG_TAIL : AGENT_SHORT_TAIL;
}

/* A start that cannot go on: said, reported as a spawn error, and what
 * was started is stopped (the stop path sends "stopped"). */
void ranks_start_failed(struct agent *a, const char *why)
{
    log_error("attempt %d: %s", a->attempt, why);
    agent_send_error(a, MSG_SPAWN_ERROR, why);
    ranks_begin_stop(a, SIGKILL);
}

/* Takes over the attempt described by start (A_IDLE -> A_LOADING) and gets
 * its rule set ready; the ranks are spawned by ranks_spawn, now or when the
 * rules have loaded off the loop (agent_diag_start). */
int ranks_start(struct agent *a, struct msg *start)
{
    struct buf err;
    buf_init(&err, 1024);
    a->start = *start;
    start->raw = NULL;
    agent_on(a, AE_START); /* an error below stops what was started */
    const struct msg_start *st = &a->start.u.start;
    a->attempt = st->attempt;
    a->nranks = st->nproc;
    a->monitor_ms = st->monitor_ms;
    a->stop_timeout_ms = st->stop_timeout_ms;
    a->kill_timeout_ms = st->kill_timeout_ms;
    a->progress_pending = 0;
    a->nalive = 0;
    see_run_dir(a, st);
    int rc = -1, loading = 0;
    if (a->nranks < 1 || a->nranks > AGENT_MAX_RANKS || !st->node_dir || !json_array_size(st->cmd))
        goto out;
    a->ranks = calloc((size_t)a->nranks, sizeof *a->ranks);
    if (!a->ranks || mkdir_p(st->node_dir, 0755) < 0) {
        buf_printf(&err, "cannot create %s: %s", st->node_dir, strerror(errno));
        goto out;
    }
    /* no descriptors yet: while the rules load, the loop polls and a stop
     * closes these (0 from calloc would be the agent's stdin) */
    for (int i = 0; i < a->nranks; i++)
        a->ranks[i].log_fd = a->ranks[i].out.fd = a->ranks[i].err.fd = -1;
    if ((loading = agent_diag_start(a, st, &err)) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        ranks_start_failed(a, err.p ? err.p : "cannot start the ranks");
    else if (!loading)
        rc = ranks_spawn(a);
    buf_free(&err);
    return rc;
}

/* Spawns every local rank of the attempt taken over by ranks_start, once
 * its rule set is ready (A_LOADING -> A_RUNNING); "started" goes out. */
int ranks_spawn(struct agent *a)
{
    struct buf err;
    buf_init(&err, 1024);
    agent_on(a, AE_LOADED);
    const struct msg_start *st = &a->start.u.start;
    a->next_monitor = now_ms() + a->monitor_ms;
    json_t *cmd = st->cmd, *pids = json_array();
    size_t ncmd = json_array_size(cmd);
    char **argv = calloc(ncmd + 1, sizeof *argv);
    int rc = -1;
    if (!argv)
        goto out;
    for (size_t i = 0; i < ncmd; i++)
        argv[i] = (char *)json_string_value(json_array_get(cmd, i));
    /* progress: the rules' progress lines, and a regex when one was given
     * (or when there are no rules) */
    if ((st->progress_regex || !a->rs) && progress_new(&a->progress, st->progress_regex, &err) < 0)
        goto out;
    if (agent_ckpt_start(a, st, &err) < 0)
        goto out;
    agent_logs_start(a, st);
    spawn_set_umask(st->umask >= 0 ? st->umask & 0777 : -1);
    for (int lr = 0; lr < a->nranks; lr++) {
        struct rank *r = &a->ranks[lr];
        if (rank_init(a, r, lr, st) < 0) {
            buf_printf(&err, "cannot open the log of rank %d: %s", r->global_rank, strerror(errno));
            goto out;
        }
        json_t *vars = rank_env(a, r, st->env);
        char **envp = env_build(vars);
        json_decref(vars);
        struct spawned sp;
        int s = envp ? spawn_rank(&sp, argv, envp, st->cwd, &err) : -1;
        env_free(envp);
        if (s < 0)
            goto out;
        r->pid = sp.pid;
        r->alive = 1;
        r->out.fd = sp.out_fd;
        r->err.fd = sp.err_fd;
        r->out.pipe_size = (size_t)fcntl(sp.out_fd, F_GETPIPE_SZ);
        r->err.pipe_size = (size_t)fcntl(sp.err_fd, F_GETPIPE_SZ);
        a->nalive++;
        json_array_append_new(pids, json_integer(sp.pid));
    }
    struct msg started = {.type = MSG_STARTED,
                          .u.started = {.attempt = a->attempt, .pids = pids, .shared_fs = a->shared_fs}};
    agent_send_msg(a, &started);
    rc = 0;
out:
    if (rc < 0)
        ranks_start_failed(a, err.p ? err.p : "cannot start the ranks");
    json_decref(pids);
    free(argv);
    buf_free(&err);
    return rc;
}
