/* controller: set-up of a run (run id, run directory, journal, secret,
 * listening socket, signals) and the controller's one poll() loop; the
 * summary at the end (see controller.h). */
#include "supervisor/controller.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common/exitcodes.h"
#include "common/layout.h"
#include "common/log.h"
#include "common/util.h"
#include "common/worker.h"
#include "launcher/spawn.h"
#include "supervisor/ctl_int.h"
#include "supervisor/ctl_oncall.h"

void ctl_finish(struct ctl *c, int code, const char *why)
{
    if (ctl_on(c, CE_FINISH) < 0)
        return;
    c->exit_code = code;
    snprintf(c->end_reason, sizeof c->end_reason, "%s", why);
}

static int make_run_dir(struct ctl *c, struct buf *err)
{
    struct run_config *cfg = c->cfg;
    if (!cfg->run_id) {
        char rnd[9], stamp[32];
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
        if (proto_random_hex(rnd, 4) < 0)
            return -1;
        if (asprintf(&cfg->run_id, "run-%s-%s", stamp, rnd) < 0)
            return -1;
    }
    char parent[PATH_MAX];
    /* absolute, so that ranks that change directory still find their files */
    if (mkdir_p(cfg->log_dir, 0755) < 0 || !realpath(cfg->log_dir, parent)) {
        buf_printf(err, "cannot create the run directory under %s: %s", cfg->log_dir, strerror(errno));
        return -1;
    }
    if (ctl_claim_run(c, parent, err) < 0)
        return -1;
    char path[PATH_MAX];
    if (layout_run_file(path, sizeof path, c->run_dir, LAYOUT_EVENTS) < 0 || journal_open(&c->j, path) < 0) {
        buf_printf(err, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* One descriptor per agent connection (and one per transport's stderr):
 * a job of a thousand nodes needs more than the usual soft limit of 1024. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int setup_signals(struct ctl *c)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    for (int i = 0; i < c->cfg->nsignals; i++)
        sigaddset(&set, c->cfg->signals[i]);
    signal(SIGPIPE, SIG_IGN);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -1;
    c->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return c->sfd < 0 ? -1 : 0;
}

static void on_signals(struct ctl *c)
{
    struct signalfd_siginfo si;
    while (read(c->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGCHLD)
            agents_reap(c);
        else
            attempt_on_signal(c, (int)si.ssi_signo);
    }
}

void ctl_watch(struct ctl *c, int fd, uint64_t tag, int out)
{
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.u64 = tag};
    if (c->epfd < 0 || fd < 0)
        return;
    if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 && errno == ENOENT)
        epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev);
}

void ctl_unwatch(struct ctl *c, int fd)
{
    if (c->epfd >= 0 && fd >= 0)
        epoll_ctl(c->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* The nodes' connections and their transports' stderr that are ready
 * (epoll: the cost follows the ready ones, not the thousand idle ones). */
static void nodes_io(struct ctl *c)
{
    struct epoll_event ev[256];
    int k = epoll_wait(c->epfd, ev, (int)(sizeof ev / sizeof *ev), 0);
    for (int i = 0; i < k; i++) {
        if (ev[i].data.u64 == CTL_TAG_LLM) {
            ctl_llm_dispatch(c); /* an LLM step finished (ctl_llm.c) */
            continue;
        }
        uint64_t idx = ev[i].data.u64 >> 1;
        if (idx >= (uint64_t)c->nnodes)
            continue;
        struct node *n = &c->nodes[idx];
        if (ev[i].data.u64 & 1)
            agents_err_io(c, n);
        else if (n->conn.fd >= 0)
            agents_node_io(c, n, (short)ev[i].events);
    }
}

/* The one loop: poll() over the few fixed descriptors, the pending
 * handshakes (at most MAX_PENDING) and the epoll set of the nodes. */
static void loop(struct ctl *c)
{
    struct pollfd pf[5 + MAX_PENDING];
    while (c->state != C_DONE) {
        int n = 0;
        pf[n++] = (struct pollfd){.fd = c->sfd, .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = c->lfd, .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = worker_fd(c->bio), .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = c->epfd, .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = log_pending_fd(), .events = POLLOUT}; /* our own stderr */
        for (int i = 0; i < c->npend; i++)
            pf[n++] = (struct pollfd){.fd = c->pend[i].conn.fd, .events = POLLIN};
        int64_t deadline = deadline_min(deadline_min(attempt_deadline(c), agents_deadline(c)),
                                        deadline_min(ctl_ckwarn_deadline(c), ctl_peers_deadline(c)));
        deadline = deadline_min(deadline, ctl_health_deadline(c));
        deadline = deadline_min(deadline, ctl_budget_deadline(c));
        deadline = deadline_min(deadline, ctl_resume_deadline(c));
        deadline = deadline_min(deadline, ctl_oncall_deadline(c));
        int r = poll(pf, (nfds_t)n, ms_until(deadline));
        if (r < 0 && errno != EINTR) {
            log_error("poll: %s", strerror(errno));
            ctl_finish(c, EXIT_FAILED, "internal error in the poll loop");
            break;
        }
        log_flush();
        if (r > 0) {
            if (pf[3].revents)
                nodes_io(c);
            for (int i = n - 1; i >= 5; i--) /* a handshake may move the last one into slot i */
                if (pf[i].revents && i - 5 < c->npend && c->pend[i - 5].conn.fd == pf[i].fd)
                    agents_pending_io(c, i - 5, pf[i].revents);
            if (pf[2].revents)
                worker_dispatch(c->bio); /* a restore choice or a prune finished */
            if (pf[1].revents)
                agents_accept(c);
            if (pf[0].revents)
                on_signals(c);
        }
        agents_timers(c);
        ctl_health_timers(c);
        attempt_timers(c);
        ctl_ckwarn_timers(c);
        ctl_peers_note(c);
        ctl_budget_timers(c);
        ctl_resume_timers(c);
        ctl_oncall_timers(c);
    }
}

static void ctl_init(struct ctl *c, struct run_config *cfg)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->lfd = c->sfd = c->j.fd = c->ckpt_lockfd = c->run_lockfd = c->epfd = -1;
    c->attempt = -1;
    c->dump_attempt = -1;
    c->skip_from = c->skip_to = -1;
    c->rollback_before = LONG_MAX;
    c->state = C_WAIT_AGENTS;
    c->run_start = now_ms();
    c->hb_interval_ms = cfg->heartbeat_timeout_ms / 4;
}

/* Rules, LLM, run directory, signals and the listening socket: -1 with
 * the error said and *rc the exit code when one fails. */
static int ctl_setup(struct ctl *c, struct buf *err, int *rc)
{
    *rc = EXIT_USAGE;
    if (ctl_diag_setup(c, err) < 0) {
        log_text("endure run: %s", err->p ? err->p : "cannot load the rules\n");
        return -1;
    }
    if (ctl_llm_setup(c, err) < 0) {
        log_text("endure run: %s\n", err->p ? err->p : "cannot set up the LLM");
        return -1;
    }
    if (make_run_dir(c, err) < 0) {
        log_error("%s", err->p ? err->p : "cannot create the run directory");
        return -1;
    }
    if (ctl_oncall_open(c) < 0 || proto_random_hex(c->secret, 32) < 0 || setup_signals(c) < 0 ||
        (c->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        log_error("cannot set up the controller: %s", strerror(errno));
        *rc = EXIT_FAILED;
        return -1;
    }
    if (c->llmw)
        ctl_watch(c, worker_fd(c->llmw), CTL_TAG_LLM, 0);
    if (ctl_listen(c, err) < 0) {
        log_error("%s", err->p ? err->p : "cannot listen for the agents");
        return -1;
    }
    if (ctl_oncall_serve(c) < 0) /* --metrics-addr: said */
        return -1;
    return 0;
}

static void nodes_init(struct ctl *c)
{
    for (int i = 0; i < c->cfg->nnodes_list; i++) {
        struct node *n = &c->nodes[c->nnodes++];
        n->name = c->cfg->nodes[i];
        n->group_rank = -1;
        n->gpus = n->cpus = n->shared_fs = -1;
        n->need_health = n->need_pair = 1;
        n->pair_gbps = -1;
        n->err_fd = -1;
        linesplit_init(&n->err_split, 4096);
        msgconn_init(&n->conn, -1);
    }
}

/* Closes and frees everything ctl_init and the run opened; safe after a
 * failed setup. */
static void ctl_teardown(struct ctl *c)
{
    for (int i = 0; i < c->npend; i++)
        msgconn_close(&c->pend[i].conn);
    for (int i = 0; i < c->nnodes; i++)
        msgconn_close(&c->nodes[i].conn);
    worker_stop(c->bio); /* waits for a running restore choice or prune */
    ctl_llm_free(c); /* cancels a question still out, waits for its thread */
    ctl_oncall_close(c);
    journal_close(&c->j);
    ctl_release_run(c);
    for (int i = 0; i < c->nnodes; i++) {
        free(c->nodes[i].stage);
        linesplit_free(&c->nodes[i].err_split);
        if (c->nodes[i].err_fd >= 0)
            close(c->nodes[i].err_fd);
    }
    if (c->lfd >= 0)
        close(c->lfd);
    if (c->sfd >= 0)
        close(c->sfd);
    if (c->epfd >= 0)
        close(c->epfd);
    free(c->hist);
    free(c->restart_at);
    json_decref(c->past);
    json_decref(c->resume);
    json_decref(c->health);
    ctl_pairs_free(c);
    json_decref(c->quarantined);
    json_decref(c->persisted);
    json_decref(c->staged);
    ctl_ckwarn_free(c);
    ctl_diag_free(c);
}

/* One run: set-up, the agents, the poll loop until the run ends, teardown
 * (controller.h). */
int controller_run(struct run_config *cfg)
{
    static struct ctl ctl;
    struct ctl *c = &ctl;
    struct buf err;
    buf_init(&err, 1024);
    ctl_init(c, cfg);
    int rc;
    if (ctl_setup(c, &err, &rc) < 0)
        goto out;
    spawn_become_subreaper();
    raise_fd_limit();
    nodes_init(c);
    journal_event(&c->j, "run_start", json_pack("{s:s,s:s,s:s,s:b,s:s,s:o}", "run_id", cfg->run_id, "run_dir",
                                                   c->run_dir, "run_uid", c->run_uid, "resumed", c->resumed,
                                                   "version", ENDURE_VERSION, "config", config_to_json(cfg)));
    if (c->resumed)
        log_info("run %s resumes (the same run: same --rdzv-id, --log-dir and --ckpt-dir)", cfg->run_id);
    ctl_resume_apply(c); /* an unfinished run: its budget, back-off and exclusions go on */
    log_info("run %s: logs in %s", cfg->run_id, c->run_dir);
    ctl_ckpt_startup(c);
    agents_start(c);
    loop(c);
    agents_shutdown(c);
    rc = c->exit_code;
    journal_event(&c->j, "run_end", json_pack("{s:i,s:s,s:i,s:I}", "exit_code", rc, "reason", c->end_reason,
                                                 "attempts", c->hist_total, "messages_dropped",
                                                 (json_int_t)log_dropped()));
    ctl_summary(c);
out:
    ctl_teardown(c);
    buf_free(&err);
    log_drain(1000); /* bounded: a console nobody reads must not keep us */
    return rc;
}
