/* watcher: the node agent's side of checkpoints: it owns the stage (created
 * 0700, never a symlink or someone else's directory), watches it with
 * inotify plus a periodic scan, queues complete node parts on the persister
 * threads and delivers their events on the caller's thread only. */
#include "checkpoint/watcher_int.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/log.h"
#include "common/util.h"

/* Checks that path is a real directory of ours, not a symlink; mode 0700. */
static int check_own_dir(const char *path, struct buf *err)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        if (errno != ENOENT || mkdir(path, 0700) < 0 || lstat(path, &st) < 0) {
            buf_printf(err, "stage %s: %s", path, strerror(errno));
            return -1;
        }
    }
    if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
        buf_printf(err, "stage %s: refusing a symlink or non-directory", path);
        return -1;
    }
    if (st.st_uid != geteuid()) {
        buf_printf(err, "stage %s: owned by uid %d, not by us", path, (int)st.st_uid);
        return -1;
    }
    if ((st.st_mode & 0777) != 0700 && chmod(path, 0700) < 0) {
        buf_printf(err, "stage %s: chmod: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Removes dead runs' stages next to ours, one stage_removed event each. */
static void sweep(struct ckpt_agent *a, const char *dir, int64_t max_age_ms)
{
    json_t *removed = json_array();
    ckpt_stage_sweep(dir, a->stage, max_age_ms, removed);
    size_t i;
    json_t *r;
    json_array_foreach(removed, i, r) {
        json_t *ev = ckpt_event("stage_removed", "", -1, a->node);
        json_object_update(ev, r);
        ckpt_agent_emit(a, ev);
    }
    json_decref(removed);
}

/* Creates the stage and one rank-<R> directory per local rank. */
static int make_stage(struct ckpt_agent *a, const struct ckpt_agent_cfg *cfg, struct buf *err)
{
    const char *id = cfg->run_id ? cfg->run_id : "run", *uid = a->run_uid[0] ? a->run_uid : NULL;
    int n = cfg->stage_dir ? snprintf(a->stage, sizeof a->stage, "%s", cfg->stage_dir)
            : layout_stage_default(a->stage, sizeof a->stage, id, uid, cfg->node) == 0 ? (int)strlen(a->stage) : -1;
    if (n <= 0 || (size_t)n >= sizeof a->stage || (!cfg->stage_dir && cfg->run_id && !safe_component(cfg->run_id)) ||
        (uid && !safe_component(uid))) {
        buf_printf(err, "bad stage path or run id");
        return -1;
    }
    while (n > 1 && a->stage[n - 1] == '/')
        a->stage[--n] = '\0';
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", a->stage);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if (mkdir_p(parent, 0755) < 0) {
            buf_printf(err, "stage parent %s: %s", parent, strerror(errno));
            return -1;
        }
    }
    if (ckpt_stage_check_peers(a, cfg, err) < 0 || check_own_dir(a->stage, err) < 0 ||
        ckpt_stage_claim(a, cfg, err) < 0)
        return -1;
    if (cfg->stage_max_age_ms > 0 && slash && slash != parent)
        sweep(a, parent, cfg->stage_max_age_ms);
    for (int i = 0; i < a->nranks; i++) {
        char rd[PATH_MAX];
        if (ckpt_stage_path(rd, sizeof rd, a->stage, a->ranks[i], NULL) < 0 || check_own_dir(rd, err) < 0)
            return -1;
    }
    return 0;
}

/* Removes this node's <TAG>/<node>.partial and .trash-<node>-* leftovers. */
static void clean_own_partials(struct ckpt_agent *a)
{
    DIR *d = opendir(a->ckpt_dir);
    struct dirent *e;
    char trash[300];
    layout_trash_prefix(trash, sizeof trash, a->node);
    while (d && (e = readdir(d))) {
        char tdir[PATH_MAX];
        if (e->d_name[0] == '.' || snprintf(tdir, sizeof tdir, "%s/%s", a->ckpt_dir, e->d_name) >= (int)sizeof tdir)
            continue;
        DIR *t = opendir(tdir);
        struct dirent *f;
        while (t && (f = readdir(t))) {
            int partial = layout_is_partial_name(f->d_name, a->node);
            if (!partial && strncmp(f->d_name, trash, strlen(trash)))
                continue;
            char p[PATH_MAX + 300];
            snprintf(p, sizeof p, "%s/%s", tdir, f->d_name);
            if (ckpt_rmtree(p) == 0) {
                json_t *ev = ckpt_event("cleaned", e->d_name, -1, a->node);
                json_object_set_new(ev, "path", json_string(p));
                ckpt_agent_emit(a, ev);
            }
        }
        if (t)
            closedir(t);
    }
    if (d)
        closedir(d);
}

/* inotify on every rank directory (commit renames and removals) and the
 * persister's eventfd, both behind one epoll fd. */
static int setup_fds(struct ckpt_agent *a, struct buf *err)
{
    a->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (a->epfd < 0) {
        buf_printf(err, "epoll: %s", strerror(errno));
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN};
    a->infd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    for (int i = 0; a->infd >= 0 && i < a->nranks; i++) {
        char rd[PATH_MAX];
        ckpt_stage_path(rd, sizeof rd, a->stage, a->ranks[i], NULL);
        if (inotify_add_watch(a->infd, rd, IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE) < 0)
            log_warn("inotify on %s: %s; relying on the periodic scan", rd, strerror(errno));
    }
    if (a->infd < 0)
        log_warn("inotify: %s; relying on the periodic scan", strerror(errno));
    else if (epoll_ctl(a->epfd, EPOLL_CTL_ADD, a->infd, &ev) < 0)
        goto fail;
    if (epoll_ctl(a->epfd, EPOLL_CTL_ADD, ckpt_persist_fd(a->per), &ev) < 0)
        goto fail;
    return 0;
fail:
    buf_printf(err, "epoll_ctl: %s", strerror(errno));
    return -1;
}

static int check_cfg(const struct ckpt_agent_cfg *cfg, struct buf *err)
{
    if (!cfg->ckpt_dir || !*cfg->ckpt_dir || !cfg->node || !safe_component(cfg->node) || cfg->node[0] == '.') {
        buf_printf(err, "checkpoint: a durable dir and a valid node name are required");
        return -1;
    }
    if (cfg->world_size <= 0 || cfg->nranks <= 0 || !cfg->ranks || cfg->nranks > cfg->world_size) {
        buf_printf(err, "checkpoint: bad world size or rank list");
        return -1;
    }
    for (int i = 0; i < cfg->nranks; i++)
        if (cfg->ranks[i] < 0 || cfg->ranks[i] >= cfg->world_size) {
            buf_printf(err, "checkpoint: rank %d outside the world", cfg->ranks[i]);
            return -1;
        }
    return 0;
}

int ckpt_agent_open(struct ckpt_agent **out, const struct ckpt_agent_cfg *cfg, struct buf *err)
{
    *out = NULL;
    if (check_cfg(cfg, err) < 0)
        return -1;
    struct ckpt_agent *a = calloc(1, sizeof *a);
    if (!a)
        return -1;
    a->epfd = a->infd = a->lockfd = -1;
    a->opened_at = wall_time();
    if (cfg->run_uid && strlen(cfg->run_uid) < sizeof a->run_uid)
        snprintf(a->run_uid, sizeof a->run_uid, "%s", cfg->run_uid);
    a->ckpt_dir = strdup(cfg->ckpt_dir);
    a->node = strdup(cfg->node);
    a->world_size = cfg->world_size;
    a->nranks = cfg->nranks;
    a->ranks = malloc((size_t)cfg->nranks * sizeof *a->ranks);
    a->pinned = malloc((size_t)cfg->nranks * sizeof *a->pinned);
    a->pinned_at = calloc((size_t)cfg->nranks, sizeof *a->pinned_at);
    a->bad = calloc((size_t)cfg->nranks, sizeof *a->bad);
    a->out = json_array();
    a->stage_limit = cfg->stage_limit;
    a->scan_ms = cfg->scan_interval_ms > 0 ? cfg->scan_interval_ms : 1000;
    a->on_event = cfg->on_event;
    a->event_ctx = cfg->event_ctx;
    if (!a->ckpt_dir || !a->node || !a->ranks || !a->pinned || !a->pinned_at || !a->bad || !a->out) {
        buf_printf(err, "checkpoint: out of memory");
        goto fail;
    }
    for (int i = 0; i < cfg->nranks; i++) {
        a->ranks[i] = cfg->ranks[i];
        a->pinned[i] = -1;
    }
    if (make_stage(a, cfg, err) < 0)
        goto fail;
    if (mkdir_p(a->ckpt_dir, 0755) < 0) {
        buf_printf(err, "checkpoint dir %s: %s", a->ckpt_dir, strerror(errno));
        goto fail;
    }
    clean_own_partials(a);
    json_t *ev = ckpt_event("stage_opened", "", -1, a->node);
    json_object_set_new(ev, "path", json_string(a->stage));
    ckpt_agent_emit(a, ev);
    a->per = ckpt_persist_start(a->ckpt_dir, a->node, cfg->threads, err);
    if (!a->per || setup_fds(a, err) < 0)
        goto fail;
    a->next_scan = now_ms();
    *out = a;
    return 0;
fail:
    ckpt_agent_close(a);
    return -1;
}

const char *ckpt_agent_stage(const struct ckpt_agent *a)
{
    return a->stage;
}

int ckpt_agent_fd(const struct ckpt_agent *a)
{
    return a->epfd;
}

int64_t ckpt_agent_deadline(const struct ckpt_agent *a)
{
    return a->next_scan;
}

void ckpt_agent_emit(struct ckpt_agent *a, json_t *ev)
{
    if (ev)
        json_array_append_new(a->out, ev);
}

/* Delivers the queued events; the callback may not re-enter the agent. */
static void deliver(struct ckpt_agent *a)
{
    json_t *evs = a->out;
    a->out = json_array();
    size_t i;
    json_t *ev;
    json_array_foreach(evs, i, ev) if (a->on_event) a->on_event(a->event_ctx, ev);
    json_decref(evs);
}

int ckpt_agent_dispatch(struct ckpt_agent *a)
{
    char junk[4096];
    while (a->infd >= 0 && read(a->infd, junk, sizeof junk) > 0) {
        /* the events only say "look again"; the scan below reads the truth */
    }
    json_t *res = ckpt_persist_take(a->per);
    size_t i;
    json_t *ev;
    json_array_foreach(res, i, ev) {
        ckpt_agent_apply_result(a, ev);
        json_array_append(a->out, ev);
    }
    json_decref(res);
    ckpt_agent_scan(a);
    ckpt_agent_enforce_limit(a);
    a->next_scan = now_ms() + a->scan_ms;
    deliver(a);
    return 0;
}

/* 1 while some TAG is queued or being persisted. */
static int busy(struct ckpt_agent *a)
{
    for (int i = 0; i < a->ntags; i++)
        if (a->tags[i].state == T_QUEUED)
            return 1;
    return !ckpt_persist_idle(a->per);
}

int ckpt_agent_drain(struct ckpt_agent *a, int64_t deadline_ms)
{
    for (;;) {
        ckpt_agent_dispatch(a);
        if (!busy(a)) {
            ckpt_agent_report_stopped(a);
            deliver(a);
            return 0;
        }
        int wait = ms_until(deadline_ms);
        if (wait == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        int until_scan = ms_until(a->next_scan);
        struct pollfd pfd = {.fd = a->epfd, .events = POLLIN};
        if (poll(&pfd, 1, wait < 0 || until_scan < wait ? until_scan : wait) < 0 && errno != EINTR)
            return -1;
    }
}

int ckpt_agent_remove_stage(struct ckpt_agent *a)
{
    return ckpt_rmtree(a->stage);
}

void ckpt_agent_close(struct ckpt_agent *a)
{
    if (!a)
        return;
    ckpt_persist_stop(a->per);
    if (a->infd >= 0)
        close(a->infd);
    if (a->epfd >= 0)
        close(a->epfd);
    if (a->lockfd >= 0)
        close(a->lockfd);
    for (int i = 0; i < a->ntags; i++)
        json_decref(a->tags[i].ids);
    json_decref(a->out);
    free(a->ckpt_dir);
    free(a->node);
    free(a->ranks);
    free(a->pinned);
    free(a->pinned_at);
    free(a->bad);
    free(a);
}
