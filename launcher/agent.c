/* agent: connection to the controller, the handshake, and the agent's one
 * poll() loop (see agent.h). Signals arrive on a signalfd; every wait has a
 * deadline. */
#include "launcher/agent.h"
#include <errno.h>
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
#include "common/util.h"
#include "launcher/agent_int.h"
#include "checkpoint/ckpt.h"
#include "diagnose/diagnose.h"
#include "launcher/spawn.h"

#define CONNECT_TIMEOUT_MS 10000

void agent_send(struct agent *a, json_t *msg)
{
    if (!msg)
        return;
    if (a->conn.fd >= 0 && msgconn_send(&a->conn, msg) < 0)
        log_warn("message to the controller dropped (queue full)");
    json_decref(msg);
}

static int connect_to(const char *hostport)
{
    char host[256];
    const char *colon = strrchr(hostport, ':');
    if (!colon || (size_t)(colon - hostport) >= sizeof host)
        return -1;
    snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
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
        if (poll(&p, 1, CONNECT_TIMEOUT_MS) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 ||
            soerr) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

/* Waits for one message with a deadline (handshake only). */
static json_t *recv_one(struct agent *a, int64_t deadline)
{
    char err[256];
    for (;;) {
        json_t *m = NULL;
        int r = msgconn_next(&a->conn, &m, err, sizeof err);
        if (r != 0)
            return r > 0 ? m : NULL;
        struct pollfd p = {.fd = a->conn.fd, .events = POLLIN};
        int t = ms_until(deadline);
        if (t == 0 || poll(&p, 1, t) <= 0 || msgconn_read(&a->conn) <= 0)
            return NULL;
    }
}

static int handshake(struct agent *a)
{
    int64_t deadline = now_ms() + CONNECT_TIMEOUT_MS;
    int rc = -1;
    char nonce[65], mac[65];
    json_t *ch = recv_one(a, deadline), *wel = NULL;
    const char *n1 = json_string_value(json_object_get(ch, "nonce"));
    if (!n1 || strcmp(json_string_value(json_object_get(ch, "type")), "challenge") || strlen(n1) > 128)
        goto out;
    if (proto_random_hex(nonce, 32) < 0 || proto_hmac_hex(a->secret, n1, a->node, mac) < 0)
        goto out;
    agent_send(a, json_pack("{s:s,s:s,s:i,s:s,s:s}", "type", "hello", "node", a->node, "pid", (int)getpid(),
                            "nonce", nonce, "mac", mac));
    if (msgconn_flush_wait(&a->conn, CONNECT_TIMEOUT_MS) < 0)
        goto out;
    wel = recv_one(a, deadline);
    if (!wel || strcmp(json_string_value(json_object_get(wel, "type")), "welcome") ||
        !proto_mac_ok(a->secret, nonce, "controller", json_string_value(json_object_get(wel, "mac"))))
        goto out;
    a->hb_interval_ms = json_integer_value(json_object_get(wel, "hb_interval_ms"));
    a->hb_timeout_ms = json_integer_value(json_object_get(wel, "hb_timeout_ms"));
    if (a->hb_interval_ms <= 0 || a->hb_timeout_ms <= 0)
        goto out;
    rc = 0;
out:
    json_decref(ch);
    json_decref(wel);
    return rc;
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
    if (a->stopping == 1 && a->stop_deadline > a->stop_started + half)
        a->stop_deadline = a->stop_started + half;
    if (a->stopping == 2 && a->kill_deadline > now_ms() + half)
        a->kill_deadline = now_ms() + half;
    if (a->draining && a->drain_deadline > now_ms() + half)
        a->drain_deadline = now_ms() + half;
    if (a->attempt >= 0 || a->stopping)
        ranks_begin_stop(a, SIGTERM);
    else
        a->quit = 1;
}

static void controller_lost(struct agent *a, const char *why)
{
    log_error("controller lost (%s); stopping the ranks", why);
    msgconn_close(&a->conn);
    leave(a);
}

static void on_message(struct agent *a, json_t *m)
{
    const char *type = json_string_value(json_object_get(m, "type"));
    if (!strcmp(type, "start")) {
        if (a->attempt >= 0 || a->stopping) {
            log_error("start while attempt %d is still running; ignored", a->attempt);
            return;
        }
        json_incref(m);
        ranks_start(a, m);
    } else if (!strcmp(type, "stop")) {
        int sig = (int)json_integer_value(json_object_get(m, "signal"));
        json_t *g = json_object_get(m, "grace_ms");
        if (g)
            a->stop_timeout_ms = json_integer_value(g);
        if (json_is_true(json_object_get(m, "shutdown")))
            a->shutdown_after_stop = 1;
        if (a->attempt < 0 && !a->stopping) {
            if (a->shutdown_after_stop)
                a->quit = 1;
            return;
        }
        if (a->stopping == 1 && sig == SIGKILL)
            a->stop_deadline = now_ms(); /* escalate a stop in progress */
        ranks_begin_stop(a, sig > 0 && sig < 65 ? sig : SIGTERM);
    } else if (!strcmp(type, "signal")) {
        int sig = (int)json_integer_value(json_object_get(m, "signal"));
        if (sig > 0 && sig < 65)
            ranks_signal(a, sig);
    } else if (strcmp(type, "hb")) {
        log_warn("unexpected message '%s' from the controller; ignored", type);
    }
}

/* Handles every complete message already buffered. */
static void dispatch(struct agent *a)
{
    char err[256];
    json_t *m;
    int k;
    while (a->conn.fd >= 0 && (k = msgconn_next(&a->conn, &m, err, sizeof err)) > 0) {
        a->last_heard = now_ms();
        on_message(a, m);
        json_decref(m);
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
    if (a->stopping == 1)
        d = deadline_min(d, a->stop_deadline);
    if (a->stopping == 2)
        d = deadline_min(deadline_min(d, a->kill_deadline), a->sweep_at);
    if (a->draining)
        d = now_ms(); /* each turn drains one slice */
    if (a->ck)
        d = deadline_min(d, ckpt_agent_deadline(a->ck));
    return d;
}

static void on_timers(struct agent *a)
{
    int64_t now = now_ms();
    if (a->conn.fd >= 0 && now - a->last_heard >= a->hb_timeout_ms)
        controller_lost(a, "heartbeat timeout");
    if (a->conn.fd >= 0 && now >= a->next_hb) {
        agent_send(a, json_pack("{s:s}", "type", "hb"));
        a->next_hb = now + a->hb_interval_ms;
    }
    if (a->attempt >= 0 && now >= a->next_monitor) {
        ranks_monitor(a);
        a->next_monitor = now + a->monitor_ms;
    }
    ranks_stop_tick(a);
    if (a->ck && !a->draining && now >= ckpt_agent_deadline(a->ck))
        ckpt_agent_dispatch(a->ck);
}

static void loop(struct agent *a)
{
    struct pollfd *pf = calloc(5 + 2 * AGENT_MAX_RANKS, sizeof *pf);
    struct stream **who = calloc(5 + 2 * AGENT_MAX_RANKS, sizeof *who);
    while (pf && who && !a->quit) {
        int n = 0;
        pf[n++] = (struct pollfd){.fd = a->sfd, .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = a->conn.fd, .events = (short)(POLLIN | (msgconn_want_write(&a->conn) ? POLLOUT : 0))};
        pf[n++] = (struct pollfd){.fd = console_pending(&a->console) ? a->console.fd : -1, .events = POLLOUT};
        pf[n++] = (struct pollfd){.fd = a->ck && !a->draining ? ckpt_agent_fd(a->ck) : -1, .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = log_pending_fd(), .events = POLLOUT}; /* our own stderr */
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
        for (int i = 5; r > 0 && i < n; i++)
            if (pf[i].revents && who[i]->fd == pf[i].fd)
                ranks_read(a, who[i]);
        if (r > 0 && pf[0].revents)
            handle_signals(a);
        if (r > 0 && pf[1].revents && a->conn.fd >= 0)
            handle_conn(a, pf[1].revents);
        if (r > 0 && pf[3].revents && a->ck)
            ckpt_agent_dispatch(a->ck);
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
    a.conn.fd = connect_to(o->connect);
    if (a.conn.fd < 0) {
        log_error("cannot connect to the controller at %s", o->connect);
        goto out;
    }
    if (handshake(&a) < 0) {
        log_error("handshake with the controller failed");
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
    if (a.attempt >= 0 || a.stopping) { /* leaving early: never orphan a rank */
        ranks_signal(&a, SIGKILL);
        spawn_signal_descendants(SIGKILL, NULL, 0, NULL, 0);
        ranks_free(&a);
    }
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
