/* agent: connection to the controller, the handshake, and the agent's one
 * poll() loop (see agent.h). Signals arrive on a signalfd; every wait has a
 * deadline. */
#include "launcher/agent.h"
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/log.h"
#include "common/msg.h"
#include "common/util.h"
#include "common/worker.h"
#include "launcher/agent_int.h"
#include "checkpoint/ckpt.h"
#include "diagnose/diagnose.h"
#include "launcher/spawn.h"

#define CONNECT_TIMEOUT_MS 10000 /* one try: connect, then the handshake */
#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS 2000

void agent_send(struct agent *a, json_t *msg)
{
    if (!msg)
        return;
    if (a->conn.fd >= 0 && msgconn_send(&a->conn, msg) < 0)
        log_warn("message to the controller dropped (queue full)");
    json_decref(msg);
}

void agent_send_msg(struct agent *a, const struct msg *m)
{
    json_t *j = msg_encode(m);
    if (!j)
        log_warn("a '%s' message could not be encoded; dropped", msg_type_name(m->type));
    agent_send(a, j);
}

void agent_send_progress(struct agent *a)
{
    struct msg m = {.type = MSG_PROGRESS,
                    .u.progress = {.attempt = a->attempt, .step = a->progress_step, .loss = a->progress_loss,
                                   .log_bytes = (int64_t)a->log_bytes}};
    for (int i = 0; a->ranks && i < a->nranks; i++) { /* the newest step any local rank printed */
        const struct stream *st[2] = {&a->ranks[i].out, &a->ranks[i].err};
        for (int k = 0; k < 2; k++) {
            long s = st[k]->cls ? classifier_progress_step(st[k]->cls) : -1;
            if (s > m.u.progress.step)
                m.u.progress.step = s;
        }
    }
    agent_send_msg(a, &m);
    a->progress_loss = NAN; /* each loss once: the controller watches them for spikes */
}

void agent_send_count(struct agent *a, enum msg_type t, int64_t n)
{
    struct msg m = {.type = t, .u.count = {.attempt = a->attempt, .n = n}};
    agent_send_msg(a, &m);
}

void agent_send_error(struct agent *a, enum msg_type t, const char *error)
{
    struct msg m = {.type = t, .u.error = {.attempt = a->attempt, .error = error}};
    agent_send_msg(a, &m);
}

/* Splits HOST:PORT (the port a number 1-65535); 0 or -1. */
static int split_hostport(const char *hostport, char *host, size_t hostlen, const char **port)
{
    long p;
    const char *colon = strrchr(hostport, ':');
    if (!colon || colon == hostport || (size_t)(colon - hostport) >= hostlen || parse_long(colon + 1, 1, 65535, &p) < 0)
        return -1;
    snprintf(host, hostlen, "%.*s", (int)(colon - hostport), hostport);
    *port = colon + 1;
    return 0;
}

static int connect_to(const char *hostport, int timeout_ms)
{
    char host[256];
    const char *port;
    if (split_hostport(hostport, host, sizeof host, &port) < 0)
        return -1;
    /* a port number only, never a service name */
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res = NULL;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            continue;
        int one = 1; /* small messages: no Nagle delay on exits and stops */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
            close(fd);
            fd = -1;
            continue;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (poll(&p, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 ||
            soerr) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

/* Waits for one message of type want with a deadline (handshake only);
 * 0 and *out (msg_free it) on success. */
static int recv_one(struct agent *a, int64_t deadline, enum msg_type want, struct msg *out)
{
    char err[256];
    for (;;) {
        json_t *m = NULL;
        int r = msgconn_next(&a->conn, &m, err, sizeof err);
        if (r > 0) {
            r = msg_decode(m, out, err, sizeof err);
            json_decref(m);
            if (r < 0)
                log_error("handshake: %s", err);
            else if (out->type != want) {
                log_error("handshake: expected '%s', got '%s'", msg_type_name(want), msg_type_name(out->type));
                msg_free(out);
                r = -1;
            }
            return r;
        }
        if (r < 0)
            return -1;
        struct pollfd p = {.fd = a->conn.fd, .events = POLLIN};
        int t = ms_until(deadline);
        if (t == 0 || poll(&p, 1, t) <= 0 || msgconn_read(&a->conn) <= 0)
            return -1;
    }
}

/* This node's hostname and its address on the connection to the controller
 * (the interface the other nodes most likely reach it by: MASTER_ADDR when
 * its node is group rank 0). */
static void node_facts(struct agent *a, char *host, size_t hostlen, char *addr, size_t addrlen)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (gethostname(host, hostlen) < 0)
        snprintf(host, hostlen, "%s", a->node);
    host[hostlen - 1] = '\0';
    if (getsockname(a->conn.fd, (struct sockaddr *)&ss, &sl) < 0 ||
        getnameinfo((struct sockaddr *)&ss, sl, addr, (socklen_t)addrlen, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(addr, addrlen, "127.0.0.1");
}

/* A free TCP port on this node for MASTER_PORT, chosen per attempt (so that
 * a restart never trips over the last attempt's port in TIME_WAIT here). */
static void answer_port_req(struct agent *a, const struct msg_port *req)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    socklen_t sl = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    if (port <= 0) {
        log_error("cannot find a free port for MASTER_PORT: %s", strerror(errno));
        return; /* the controller's heartbeat watch and start timeout cover it */
    }
    struct msg m = {.type = MSG_PORT, .u.port = {.attempt = req->attempt, .port = port}};
    agent_send_msg(a, &m);
}

static int handshake(struct agent *a, int64_t deadline)
{
    int rc = -1;
    char nonce[65], mac[65];
    struct msg ch = {0}, wel = {0};
    if (recv_one(a, deadline, MSG_CHALLENGE, &ch) < 0)
        goto out;
    if (ch.u.challenge.version != MSG_PROTO_VERSION) {
        log_error("the controller speaks protocol version %d, this agent %d: use the same endure on every node",
                  ch.u.challenge.version, MSG_PROTO_VERSION);
        goto out;
    }
    const char *n1 = ch.u.challenge.nonce;
    if (strlen(n1) > 128 || proto_random_hex(nonce, 32) < 0 || proto_hmac_hex(a->secret, n1, a->node, mac) < 0)
        goto out;
    char host[256], addr[64];
    node_facts(a, host, sizeof host, addr, sizeof addr);
    struct msg hello = {.type = MSG_HELLO,
                        .u.hello = {.node = a->node, .pid = (int)getpid(), .nonce = nonce, .mac = mac,
                                    .version = MSG_PROTO_VERSION, .release = ENDURE_VERSION, .host = host,
                                    .addr = addr, .gpus = gpu_count(), .cpus = (int)sysconf(_SC_NPROCESSORS_ONLN)}};
    agent_send_msg(a, &hello);
    if (msgconn_flush_wait(&a->conn, ms_until(deadline)) < 0)
        goto out;
    if (recv_one(a, deadline, MSG_WELCOME, &wel) < 0 ||
        !proto_mac_ok(a->secret, nonce, "controller", wel.u.welcome.mac))
        goto out;
    a->hb_interval_ms = wel.u.welcome.hb_interval_ms;
    a->hb_timeout_ms = wel.u.welcome.hb_timeout_ms;
    if (a->hb_interval_ms <= 0 || a->hb_timeout_ms <= 0)
        goto out;
    rc = 0;
out:
    msg_free(&ch);
    msg_free(&wel);
    return rc;
}

/* Waits delay_ms on the signalfd: 0 when the time passed, -1 when a
 * signal other than SIGCHLD/SIGPIPE asks the agent to go. */
static int retry_pause(struct agent *a, int64_t delay_ms)
{
    int64_t until = now_ms() + delay_ms;
    struct pollfd p = {.fd = a->sfd, .events = POLLIN};
    while (now_ms() < until) {
        if (poll(&p, 1, ms_until(until)) <= 0)
            continue;
        struct signalfd_siginfo si;
        while (read(a->sfd, &si, sizeof si) == (ssize_t)sizeof si)
            if (si.ssi_signo != SIGCHLD && si.ssi_signo != SIGPIPE)
                return -1;
    }
    return 0;
}

/* Connects and authenticates, retrying with back-off (RETRY_FIRST_MS,
 * doubling up to RETRY_MAX_MS) until deadline: the controller may not be
 * listening yet, its backlog may be full, or strangers may hold its
 * pending slots (it drops them, and makes room for newcomers). */
static int join(struct agent *a, const char *addr, int64_t deadline)
{
    int64_t delay = RETRY_FIRST_MS;
    char host[256];
    const char *port;
    if (split_hostport(addr, host, sizeof host, &port) < 0) { /* retrying cannot help */
        log_error("bad controller address '%s': HOST:PORT, the port a number 1-65535", addr);
        return -1;
    }
    for (int tries = 1;; tries++) {
        int64_t try_end = deadline_min(deadline, now_ms() + CONNECT_TIMEOUT_MS);
        msgconn_init(&a->conn, connect_to(addr, ms_until(try_end)));
        if (a->conn.fd >= 0 && handshake(a, try_end) == 0)
            return 0;
        msgconn_close(&a->conn);
        if (tries == 1)
            log_warn("cannot join the controller at %s yet; retrying until --agent-timeout", addr);
        if (now_ms() + delay >= deadline || retry_pause(a, delay) < 0)
            return -1;
        delay = delay * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : delay * 2;
    }
}

/* Leaving without a controller: stop the ranks within the heartbeat
 * timeout (half for the grace, half for the KILL), then exit. */
static void leave(struct agent *a)
{
    int64_t half = a->hb_timeout_ms > 0 ? a->hb_timeout_ms / 2 : 1000;
    a->exit_rc = -1;
    a->shutdown_after_stop = 1;
    if (a->stop_timeout_ms > half)
        a->stop_timeout_ms = half;
    if (a->kill_timeout_ms > half)
        a->kill_timeout_ms = half;
    if (a->state == A_TERM && a->stop_deadline > a->stop_started + half)
        a->stop_deadline = a->stop_started + half;
    if (a->state == A_KILL && a->kill_deadline > now_ms() + half)
        a->kill_deadline = now_ms() + half;
    if (a->state == A_DRAINING && a->drain_deadline > now_ms() + half)
        a->drain_deadline = now_ms() + half;
    if (a->state == A_IDLE || a->state == A_HEALTH) {
        agent_health_kill(a);
        agent_on(a, AE_QUIT);
    } else {
        ranks_begin_stop(a, SIGTERM); /* a stop in progress ends in A_DONE */
    }
}

static void controller_lost(struct agent *a, const char *why)
{
    log_error("controller lost (%s); stopping the ranks", why);
    msgconn_close(&a->conn);
    leave(a);
}

/* The one dispatcher of the controller's messages after the handshake. */
static void on_message(struct agent *a, struct msg *m)
{
    switch (m->type) {
    case MSG_START:
        if (a->state != A_IDLE) {
            log_error("start while attempt %d is still running; ignored", a->attempt);
            return;
        }
        ranks_start(a, m);
        return;
    case MSG_STOP: {
        int sig = m->u.stop.signal;
        a->stop_timeout_ms = m->u.stop.grace_ms;
        if (m->u.stop.shutdown)
            a->shutdown_after_stop = 1;
        if (a->state == A_IDLE || a->state == A_HEALTH) {
            if (a->shutdown_after_stop) {
                agent_health_kill(a);
                agent_on(a, AE_QUIT);
            }
            return;
        }
        if (a->state == A_TERM && sig == SIGKILL)
            a->stop_deadline = now_ms(); /* escalate a stop in progress */
        ranks_begin_stop(a, sig > 0 && sig < 65 ? sig : SIGTERM);
        return;
    }
    case MSG_SIGNAL:
        if (m->u.signal.signal == SIGABRT) /* a hang's stack dump: the stacks travel in the exits' tails */
            a->tail_lines = AGENT_LONG_TAIL;
        if (m->u.signal.signal > 0 && m->u.signal.signal < 65)
            ranks_signal(a, m->u.signal.signal);
        return;
    case MSG_HB:
        return;
    case MSG_PORT_REQ:
        answer_port_req(a, &m->u.port);
        return;
    case MSG_HEALTH_REQ:
        if (a->state != A_IDLE) {
            struct msg busy = {.type = MSG_HEALTH, .u.health = {.id = m->u.health_req.id, .result = "error",
                                                                .error = "the node is busy (ranks or a check run)"}};
            agent_send_msg(a, &busy);
            return;
        }
        agent_health_start(a, &m->u.health_req);
        return;
    case MSG_PAIR_REQ:
        if (a->state != A_IDLE) {
            struct msg busy = {.type = MSG_PAIR, .u.pair = {.id = m->u.pair_req.id, .result = "error",
                                                            .reason = "the node is busy (ranks or a check run)",
                                                            .gbps = -1}};
            agent_send_msg(a, &busy);
            return;
        }
        agent_pair_start(a, &m->u.pair_req);
        return;
    default:
        log_warn("unexpected message '%s' from the controller; ignored", msg_type_name(m->type));
    }
}

/* Handles every complete message already buffered. */
static void dispatch(struct agent *a)
{
    char err[256];
    json_t *j;
    int k;
    while (a->conn.fd >= 0 && (k = msgconn_next(&a->conn, &j, err, sizeof err)) > 0) {
        struct msg m;
        k = msg_decode(j, &m, err, sizeof err);
        json_decref(j);
        if (k < 0)
            break;
        a->last_heard = now_ms();
        on_message(a, &m);
        msg_free(&m);
    }
    if (a->conn.fd >= 0 && k < 0)
        controller_lost(a, err);
}

static void handle_conn(struct agent *a, short revents)
{
    if (revents & POLLOUT && msgconn_flush(&a->conn) < 0)
        return controller_lost(a, "write failed");
    if (!(revents & (POLLIN | POLLHUP | POLLERR)))
        return;
    int r = msgconn_read(&a->conn);
    dispatch(a);
    if (a->conn.fd >= 0 && r <= 0)
        controller_lost(a, r == 0 ? "connection closed" : strerror(errno));
}

static void handle_signals(struct agent *a)
{
    struct signalfd_siginfo si;
    while (read(a->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGCHLD) {
            ranks_reap(a);
        } else if (si.ssi_signo != SIGPIPE) {
            log_warn("signal %u: stopping the ranks and exiting", si.ssi_signo);
            leave(a);
        }
    }
}

static int64_t loop_deadline(struct agent *a)
{
    int64_t d = -1;
    if (a->conn.fd >= 0) {
        d = deadline_min(d, a->next_hb);
        d = deadline_min(d, a->last_heard + a->hb_timeout_ms);
    }
    if (a->attempt >= 0)
        d = deadline_min(d, a->next_monitor);
    if (a->state == A_TERM)
        d = deadline_min(d, a->stop_deadline);
    if (a->state == A_KILL)
        d = deadline_min(deadline_min(d, a->kill_deadline), a->sweep_at);
    if (a->state == A_DRAINING)
        d = now_ms(); /* each turn drains one slice */
    if (a->ck)
        d = deadline_min(d, ckpt_agent_deadline(a->ck));
    return deadline_min(d, agent_health_deadline(a));
}

static void on_timers(struct agent *a)
{
    int64_t now = now_ms();
    if (a->conn.fd >= 0 && now - a->last_heard >= a->hb_timeout_ms)
        controller_lost(a, "heartbeat timeout");
    if (a->conn.fd >= 0 && now >= a->next_hb) {
        struct msg hb = {.type = MSG_HB};
        agent_send_msg(a, &hb);
        a->next_hb = now + a->hb_interval_ms;
    }
    if (a->attempt >= 0 && now >= a->next_monitor) {
        ranks_monitor(a);
        a->next_monitor = now + a->monitor_ms;
    }
    ranks_stop_tick(a);
    agent_health_timers(a);
    if (a->ck && a->state != A_DRAINING && now >= ckpt_agent_deadline(a->ck))
        ckpt_agent_dispatch(a->ck);
}

#define LOOP_FIXED_FDS 7 /* the descriptors before the ranks' pipes */

static void loop(struct agent *a)
{
    struct pollfd *pf = calloc(LOOP_FIXED_FDS + 2 * AGENT_MAX_RANKS, sizeof *pf);
    struct stream **who = calloc(LOOP_FIXED_FDS + 2 * AGENT_MAX_RANKS, sizeof *who);
    while (pf && who && a->state != A_DONE) {
        int n = 0;
        pf[n++] = (struct pollfd){.fd = a->sfd, .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = a->conn.fd, .events = (short)(POLLIN | (msgconn_want_write(&a->conn) ? POLLOUT : 0))};
        pf[n++] = (struct pollfd){.fd = console_pending(&a->console) ? a->console.fd : -1, .events = POLLOUT};
        pf[n++] = (struct pollfd){.fd = a->ck && a->state != A_DRAINING ? ckpt_agent_fd(a->ck) : -1, .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = log_pending_fd(), .events = POLLOUT}; /* our own stderr */
        pf[n++] = (struct pollfd){.fd = a->health_fd, .events = POLLIN};    /* endure health's report */
        pf[n++] = (struct pollfd){.fd = worker_fd(a->bio), .events = POLLIN}; /* a rule set loaded */
        for (int i = 0; a->ranks && i < a->nranks; i++) {
            struct stream *ss[2] = {&a->ranks[i].out, &a->ranks[i].err};
            for (int k = 0; k < 2; k++) {
                if (ss[k]->fd < 0)
                    continue;
                who[n] = ss[k];
                pf[n++] = (struct pollfd){.fd = ss[k]->fd, .events = POLLIN};
            }
        }
        int r = poll(pf, (nfds_t)n, ms_until(loop_deadline(a)));
        if (r < 0 && errno != EINTR) {
            log_error("poll: %s", strerror(errno));
            break;
        }
        log_flush();
        for (int i = LOOP_FIXED_FDS; r > 0 && i < n; i++)
            if (pf[i].revents && who[i]->fd == pf[i].fd)
                ranks_read(a, who[i]);
        if (r > 0 && pf[5].revents && a->health_fd >= 0)
            agent_health_read(a);
        if (r > 0 && pf[0].revents)
            handle_signals(a);
        if (r > 0 && pf[1].revents && a->conn.fd >= 0)
            handle_conn(a, pf[1].revents);
        if (r > 0 && pf[3].revents && a->ck)
            ckpt_agent_dispatch(a->ck);
        if (r > 0 && pf[6].revents)
            worker_dispatch(a->bio); /* may spawn the ranks of the attempt that waited for it */
        console_flush(&a->console);
        on_timers(a);
        if (a->conn.fd >= 0 && msgconn_flush(&a->conn) < 0)
            controller_lost(a, "write failed");
    }
    free(pf);
    free(who);
}

int agent_main(const struct agent_opts *o)
{
    struct agent a;
    memset(&a, 0, sizeof a);
    a.node = o->node;
    a.secret = o->secret;
    a.attempt = -1;
    a.sfd = -1;
    a.health_fd = -1;
    a.progress_step = -1;
    a.progress_loss = NAN;
    a.stop_timeout_ms = 30000;
    a.kill_timeout_ms = 10000;
    msgconn_init(&a.conn, -1);
    int rc = -1;
    sigset_t set;
    sigemptyset(&set);
    int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaddset(&set, sigs[i]);
    signal(SIGPIPE, SIG_IGN);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || (a.sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
        log_error("signalfd: %s", strerror(errno));
        goto out;
    }
    spawn_become_subreaper();
    if (console_open(&a.console) < 0)
        log_warn("no console: rank output goes to the log files only");
    if (join(&a, o->connect, now_ms() + (o->timeout_ms > 0 ? o->timeout_ms : CONNECT_TIMEOUT_MS)) < 0) {
        log_error("cannot connect to the controller at %s (or the handshake failed)", o->connect);
        goto out;
    }
    a.last_heard = now_ms();
    a.next_hb = a.last_heard + a.hb_interval_ms;
    a.exit_rc = 0;
    dispatch(&a); /* messages that came with the welcome */
    loop(&a);
    if (a.conn.fd >= 0)
        msgconn_flush_wait(&a.conn, 1000);
    rc = a.exit_rc;
out:
    if (a.state != A_IDLE && a.state != A_DONE) { /* leaving early: never orphan a rank */
        ranks_signal(&a, SIGKILL);
        spawn_signal_descendants(SIGKILL, NULL, 0, NULL, 0);
        ranks_free(&a);
    }
    a.closing = 1;
    worker_stop(a.bio); /* a load still running finishes first; nothing is spawned */
    agent_health_kill(&a);
    agent_logs_close(&a);
    agent_ckpt_close(&a, a.exit_rc == 0);
    ruleset_free(a.rs);
    json_decref(a.unreaped);
    console_close(&a.console, 1000);
    log_drain(500); /* bounded: a console nobody reads must not keep us */
    msgconn_close(&a.conn);
    if (a.sfd >= 0)
        close(a.sfd);
    return rc;
}
