/* ctl_agents: the controller's side of its agents (their launching
 * processes are ctl_launch.c's): authenticate each connection (HMAC challenge; a failed,
 * oversized, malformed, out-of-turn or silent peer is dropped; when every
 * pending slot is taken the oldest unauthenticated connection makes room,
 * so idle strangers cannot lock agents out), route their messages, watch
 * heartbeats, lose and exclude nodes, and shut the agents down. Rejections are journaled and logged one by one
 * up to REJECT_LOG_BURST per REJECT_WINDOW_MS, then counted and summarised
 * (agent_rejected_summary), so junk traffic cannot flood the journal. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/log.h"
#include "common/msg.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"
#include "supervisor/ctl_oncall.h"
#include "launcher/spawn.h"
#include "supervisor/transport.h"

/* Sends what n's queue holds now; what the socket does not take waits for
 * EPOLLOUT (agents_node_io). */
static void node_flush(struct ctl *c, struct node *n)
{
    if (n->conn.fd < 0)
        return;
    if (msgconn_flush(&n->conn) < 0)
        return node_lost(c, n, "its connection broke");
    int out = msgconn_want_write(&n->conn);
    if (out != n->watch_out) {
        n->watch_out = out;
        ctl_watch(c, n->conn.fd, (uint64_t)(n - c->nodes) * 2, out);
    }
}

void agents_send(struct ctl *c, struct node *n, json_t *msg)
{
    if (n->conn.fd >= 0 && msgconn_send(&n->conn, msg) < 0) {
        json_decref(msg);
        node_lost(c, n, "its message queue overflowed");
        return;
    }
    json_decref(msg);
    node_flush(c, n);
}

void agents_send_msg(struct ctl *c, struct node *n, const struct msg *m)
{
    json_t *j = msg_encode(m);
    if (!j)
        return node_lost(c, n, "a message to it could not be encoded");
    agents_send(c, n, j);
}

/* The message that stops a node's ranks with sig after grace_ms (and ends
 * the agent when shutdown is set). */
static struct msg stop_msg(int sig, int64_t grace_ms, int shutdown)
{
    return (struct msg){.type = MSG_STOP, .u.stop = {.signal = sig, .grace_ms = grace_ms, .shutdown = shutdown}};
}

void agents_send_stop(struct ctl *c, struct node *n, int sig, int64_t grace_ms)
{
    struct msg m = stop_msg(sig, grace_ms, 0);
    agents_send_msg(c, n, &m);
}

/* Journals the rejections not yet reported one by one, as one summary. */
void agents_rejected_flush(struct ctl *c)
{
    if (!c->rej_suppressed)
        return;
    journal_event(&c->j, "agent_rejected_summary",
                  json_pack("{s:I,s:I,s:I}", "count", (json_int_t)c->rej_suppressed, "total",
                            (json_int_t)c->rej_total, "window_ms", (json_int_t)REJECT_WINDOW_MS));
    log_warn("dropped %llu more agent connection(s) without logging each (%llu rejected in all; see "
             "events.jsonl)", (unsigned long long)c->rej_suppressed, (unsigned long long)c->rej_total);
    c->rej_suppressed = 0;
}

static void note_rejected(struct ctl *c, const char *why)
{
    int64_t now = now_ms();
    c->rej_total++;
    if (now >= c->rej_window_end) {
        agents_rejected_flush(c);
        c->rej_window_end = now + REJECT_WINDOW_MS;
        c->rej_logged = 0;
    }
    if (c->rej_logged >= REJECT_LOG_BURST) {
        c->rej_suppressed++;
        return;
    }
    c->rej_logged++;
    journal_event(&c->j, "agent_rejected", json_pack("{s:s}", "reason", why));
    log_warn("dropped an agent connection: %s", why);
}

static void drop_pending(struct ctl *c, int i, const char *why)
{
    note_rejected(c, why);
    msgconn_close(&c->pend[i].conn);
    c->pend[i] = c->pend[--c->npend];
}

/* The pending connection closest to its deadline (the oldest). */
static int oldest_pending(const struct ctl *c)
{
    int k = 0;
    for (int i = 1; i < c->npend; i++)
        if (c->pend[i].deadline < c->pend[k].deadline)
            k = i;
    return k;
}

void agents_accept(struct ctl *c)
{
    for (;;) {
        int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        int one = 1; /* small messages: no Nagle delay on stops and exits */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (c->npend == MAX_PENDING)
            drop_pending(c, oldest_pending(c), "every pending slot taken: the oldest unauthenticated "
                                               "connection made room");
        struct pending *p = &c->pend[c->npend++];
        msgconn_init(&p->conn, fd);
        p->deadline = now_ms() + HANDSHAKE_MS;
        if (proto_random_hex(p->nonce, 32) < 0) {
            drop_pending(c, c->npend - 1, "no randomness");
            continue;
        }
        struct msg cm = {.type = MSG_CHALLENGE, .u.challenge = {.nonce = p->nonce, .version = MSG_PROTO_VERSION}};
        json_t *ch = msg_encode(&cm);
        msgconn_send(&p->conn, ch);
        json_decref(ch);
        msgconn_flush(&p->conn);
    }
}

struct node *node_by_name(struct ctl *c, const char *name)
{
    for (int i = 0; name && i < c->nnodes; i++)
        if (!strcmp(c->nodes[i].name, name))
            return &c->nodes[i];
    return NULL;
}

/* Checks a hello (decoded by the caller); on success the connection moves
 * to its node. Returns why it was refused, or NULL. */
static const char *take_hello(struct ctl *c, struct pending *p, const struct msg *m, char *why, size_t whylen)
{
    if (m->type != MSG_HELLO)
        return "spoke out of turn (expected hello)";
    const struct msg_hello *h = &m->u.hello;
    if (h->version != MSG_PROTO_VERSION) {
        snprintf(why, whylen, "agent of node '%.64s' speaks protocol version %d, this controller %d (use the "
                 "same endure on every node)", h->node, h->version, MSG_PROTO_VERSION);
        return why;
    }
    if (strlen(h->nonce) > 128)
        return "malformed hello";
    if (!proto_mac_ok(c->secret, p->nonce, h->node, h->mac))
        return "failed the HMAC challenge";
    struct node *n = node_by_name(c, h->node);
    if (!n || n->state != NODE_STARTING || n->conn.fd >= 0)
        return "claims an unknown or already connected node";
    if (h->release && strcmp(h->release, ENDURE_VERSION)) {
        snprintf(why, whylen, "its agent is endure %.32s, this controller endure %s (use the same endure on every "
                 "node)", h->release, ENDURE_VERSION);
        node_lost(c, n, why);
        return why;
    }
    char wmac[65];
    if (proto_hmac_hex(c->secret, h->nonce, "controller", wmac) < 0)
        return "cannot answer the agent's challenge";
    n->conn = p->conn;
    p->conn.fd = -1;
    n->watch_out = 0;
    ctl_watch(c, n->conn.fd, (uint64_t)(n - c->nodes) * 2, 0);
    snprintf(n->host, sizeof n->host, "%s", h->host ? h->host : "");
    snprintf(n->addr, sizeof n->addr, "%s", h->addr ? h->addr : "");
    n->gpus = h->gpus;
    n->cpus = h->cpus;
    node_on(n, NE_CONNECTED);
    n->last_heard = now_ms();
    struct msg w = {.type = MSG_WELCOME,
                    .u.welcome = {.mac = wmac, .hb_interval_ms = c->hb_interval_ms,
                                  .hb_timeout_ms = c->cfg->heartbeat_timeout_ms}};
    agents_send_msg(c, n, &w);
    journal_event(&c->j, "agent_connected", json_pack("{s:s,s:i,s:s,s:s,s:i,s:i}", "node", n->name, "pid", h->pid,
                                                         "host", n->host, "addr", n->addr, "gpus", n->gpus, "cpus",
                                                         n->cpus));
    return NULL;
}

void agents_pending_io(struct ctl *c, int i, short revents)
{
    struct pending *p = &c->pend[i];
    (void)revents;
    msgconn_flush(&p->conn);
    int r = msgconn_read(&p->conn);
    json_t *m = NULL;
    char err[256], whybuf[256];
    int k = msgconn_next(&p->conn, &m, err, sizeof err);
    const char *why = NULL;
    struct msg hello;
    if (k < 0)
        why = err;
    else if (k > 0 && msg_decode(m, &hello, err, sizeof err) < 0)
        why = err;
    else if (k > 0) {
        why = take_hello(c, p, &hello, whybuf, sizeof whybuf);
        msg_free(&hello);
    } else if (r <= 0)
        why = "closed before the handshake";
    json_decref(m);
    if (why)
        drop_pending(c, i, why);
    else if (k > 0) {
        c->pend[i] = c->pend[--c->npend]; /* moved to its node */
        attempt_maybe_start(c);
    }
}

/* The attempt a message of an agent is about, -1 for messages without one. */
static int msg_attempt(const struct msg *m)
{
    switch (m->type) {
    case MSG_STARTED: return m->u.started.attempt;
    case MSG_EXIT: return m->u.exit.attempt;
    case MSG_PROGRESS: return m->u.progress.attempt;
    case MSG_STOPPED: return m->u.stopped.attempt;
    case MSG_EVENT: case MSG_CKPT: return m->u.payload.attempt;
    case MSG_DROPPED: case MSG_UNCLASSIFIED: case MSG_EVENTS_DROPPED: case MSG_LIMIT_HITS:
        return m->u.count.attempt;
    case MSG_LOG_ERROR: case MSG_SPAWN_ERROR: return m->u.error.attempt;
    case MSG_PORT: return m->u.port.attempt;
    default: return -1;
    }
}

/* The one dispatcher of an agent's messages after the handshake. */
static void on_started(struct ctl *c, struct node *n, const struct msg *m, int att, int current)
{
    journal_event(&c->j, "ranks_started",
                  json_pack("{s:s,s:i,s:O}", "node", n->name, "attempt", att, "pids", m->u.started.pids));
    ctl_note_shared_fs(c, n, m->u.started.shared_fs);
    if (!current)
        return;
    n->started = 1;
    c->all_started = !attempt_unstarted(c);
    if (c->all_started && c->state == C_RUNNING && !c->progressed)
        c->last_progress = now_ms(); /* --startup-timeout counts from the last node's ranks' start */
}

static void on_progress(struct ctl *c, struct node *n, const struct msg *m)
{
    c->last_progress = now_ms();
    c->progressed = 1;
    ctl_oncall_progress(c, m->u.progress.step);
    if (m->u.progress.log_bytes >= 0) {
        if (m->u.progress.log_bytes < n->log_bytes) /* a new agent of the node counts from 0 */
            n->log_bytes_base += n->log_bytes;
        n->log_bytes = m->u.progress.log_bytes;
    }
    ctl_rollback_progress(c, n, &m->u.progress);
}

static void on_stopped(struct ctl *c, struct node *n, const struct msg *m, int att, int current)
{
    journal_event(&c->j, "node_stopped",
                  json_pack("{s:s,s:i,s:I,s:O}", "node", n->name, "attempt", att, "ms",
                            (json_int_t)m->u.stopped.ms, "unreaped", m->u.stopped.unreaped));
    if (json_array_size(m->u.stopped.unreaped))
        log_error("%s: %zu process(es) could not be killed (see events.jsonl)", n->name,
                  json_array_size(m->u.stopped.unreaped));
    if (current)
        attempt_on_stopped(c, n);
}

/* An agent's count of what it could not deliver or classify, as the
 * journal event's object (the count under key). */
static json_t *count_event(const struct node *n, const struct msg *m, int att, const char *key)
{
    return json_pack("{s:s,s:i,s:I}", "node", n->name, "attempt", att, key, (json_int_t)m->u.count.n);
}

static void on_dropped(struct ctl *c, struct node *n, const struct msg *m, int att)
{
    json_t *ev = count_event(n, m, att, "lines");
    n->dropped += (uint64_t)m->u.count.n;
    if (m->u.count.messages > 0) /* the agent's own, lost on the console */
        json_object_set_new(ev, "messages", json_integer(m->u.count.messages));
    journal_event(&c->j, "console_dropped", ev);
}

static void on_spawn_error(struct ctl *c, struct node *n, const struct msg *m)
{
    struct failure f = {.kind = F_SPAWN, .rank = -1, .code = -1, .sig = -1, .not_retryable = 1};
    snprintf(f.node, sizeof f.node, "%s", n->name);
    snprintf(f.what, sizeof f.what, "cannot start the ranks on %s: %s", n->name, m->u.error.error);
    attempt_fail(c, &f);
}

static void on_agent_message(struct ctl *c, struct node *n, const struct msg *m)
{
    int att = msg_attempt(m);
    int current = att >= 0 && att == c->attempt;
    char why[128];
    switch (m->type) {
    case MSG_HB:
        return;
    case MSG_STARTED:
        on_started(c, n, m, att, current);
        return;
    case MSG_PORT:
        attempt_on_port(c, n, &m->u.port);
        return;
    case MSG_HEALTH:
        ctl_health_result(c, n, &m->u.health);
        return;
    case MSG_PAIR_READY:
        ctl_pairs_ready(c, n, &m->u.pair_ready);
        return;
    case MSG_PAIR:
        ctl_pairs_result(c, n, &m->u.pair);
        return;
    case MSG_EXIT:
        if (current)
            attempt_on_exit(c, n, &m->u.exit);
        return;
    case MSG_PROGRESS:
        if (current)
            on_progress(c, n, m);
        return;
    case MSG_STOPPED:
        on_stopped(c, n, m, att, current);
        return;
    case MSG_DROPPED:
        on_dropped(c, n, m, att);
        return;
    case MSG_LOG_ERROR:
        journal_event(&c->j, "log_error",
                      json_pack("{s:s,s:i,s:s}", "node", n->name, "attempt", att, "error", m->u.error.error));
        return;
    case MSG_EVENT:
        if (current && c->dump_attempt != c->attempt) /* lines of the stack dump endure caused */
            ctl_diag_event(c, m->u.payload.event);
        return;
    case MSG_UNCLASSIFIED:
        journal_event(&c->j, "unclassified_lines", count_event(n, m, att, "lines"));
        return;
    case MSG_EVENTS_DROPPED:
        journal_event(&c->j, "events_dropped", count_event(n, m, att, "events"));
        return;
    case MSG_LIMIT_HITS:
        log_warn("%s: %lld pattern runs stopped at the PCRE2 match limit (no match; see events.jsonl)", n->name,
                 (long long)m->u.count.n);
        journal_event(&c->j, "regex_limit_hits", count_event(n, m, att, "runs"));
        return;
    case MSG_CKPT:
        ctl_ckpt_event(c, n, m->u.payload.event);
        return;
    case MSG_SPAWN_ERROR:
        if (current)
            on_spawn_error(c, n, m);
        return;
    default:
        snprintf(why, sizeof why, "it sent a '%s' message, which only the controller sends", msg_type_name(m->type));
        node_lost(c, n, why);
    }
}

void agents_node_io(struct ctl *c, struct node *n, short revents)
{
    if (revents & POLLOUT)
        node_flush(c, n);
    if (n->conn.fd < 0)
        return;
    if (!(revents & (POLLIN | POLLHUP | POLLERR)))
        return;
    int r = msgconn_read(&n->conn);
    json_t *m;
    char err[256];
    int k;
    while (n->conn.fd >= 0 && (k = msgconn_next(&n->conn, &m, err, sizeof err)) > 0) {
        struct msg tm;
        int bad = msg_decode(m, &tm, err, sizeof err) < 0;
        json_decref(m);
        if (bad) {
            k = -1;
            break;
        }
        n->last_heard = now_ms();
        on_agent_message(c, n, &tm);
        msg_free(&tm);
    }
    if (n->conn.fd < 0)
        return;
    if (k < 0) {
        char why[300];
        snprintf(why, sizeof why, "protocol error: %s", err);
        return node_lost(c, n, why);
    }
    if (r <= 0)
        node_lost(c, n, r == 0 ? "its connection closed" : "its connection broke");
}

int64_t agents_deadline(struct ctl *c)
{
    int64_t d = deadline_min(c->rej_suppressed ? c->rej_window_end : -1, c->node_tick);
    for (int i = 0; i < c->npend; i++)
        d = deadline_min(d, c->pend[i].deadline);
    return d;
}

/* Every node is looked at once per tick (an eighth of --heartbeat-timeout),
 * not on every turn of the loop: with a thousand nodes the loop's cost
 * follows the messages, not the node count. */
void agents_timers(struct ctl *c)
{
    int64_t now = now_ms();
    for (int i = c->npend - 1; i >= 0; i--)
        if (now >= c->pend[i].deadline)
            drop_pending(c, i, "no hello within the handshake timeout");
    if (c->rej_suppressed && now >= c->rej_window_end)
        agents_rejected_flush(c);
    if (now < c->node_tick)
        return;
    int64_t tick = c->hb_interval_ms / 2 > 0 ? c->hb_interval_ms / 2 : 1;
    c->node_tick = now + tick;
    if (now < c->wait_deadline)
        c->node_tick = deadline_min(c->node_tick, c->wait_deadline);
    int send_hb = now >= c->next_hb_all;
    if (send_hb)
        c->next_hb_all = now + c->hb_interval_ms;
    for (int i = 0; i < c->nnodes; i++) {
        struct node *n = &c->nodes[i];
        if (n->state == NODE_STARTING && now >= n->connect_deadline)
            node_lost(c, n, "its agent did not connect within --agent-timeout");
        if (n->state != NODE_READY)
            continue;
        if (now - n->last_heard >= c->cfg->heartbeat_timeout_ms) {
            node_lost(c, n, "no heartbeat within --heartbeat-timeout");
            continue;
        }
        if (send_hb) {
            struct msg hb = {.type = MSG_HB};
            agents_send_msg(c, n, &hb);
        }
    }
}

void node_lost(struct ctl *c, struct node *n, const char *why)
{
    int was_active = n->group_rank >= 0 && (c->state == C_RUNNING || c->state == C_SAVING || c->state == C_STOPPING);
    if (node_on(n, NE_LOST) < 0)
        return;
    ctl_budget_node_out(c, n, now_ms());
    ctl_unwatch(c, n->conn.fd);
    msgconn_close(&n->conn);
    if (n->agent_pid > 0) /* its ranks follow through PDEATHSIG (the agent's own watch, remotely) */
        kill(n->agent_pid, transport_kill_signal(c->tr.kind));
    log_error("node %s lost: %s; excluded from this run", n->name, why);
    journal_event(&c->j, "node_lost", json_pack("{s:s,s:s,s:i}", "node", n->name, "reason", why, "attempt",
                                                   c->attempt));
    journal_event(&c->j, "node_excluded", json_pack("{s:s,s:s}", "node", n->name, "reason", why));
    if (c->state == C_RESTORING && !c->cfg->master_port && n == &c->nodes[c->port_node])
        attempt_request_port(c); /* the next ready node will be group rank 0: its own port */
    if (c->state == C_HEALTH)
        return ctl_health_node_gone(c, n);
    if (!was_active)
        return attempt_maybe_start(c);
    if (c->state == C_RUNNING) {
        struct failure f = {.kind = F_AGENT, .rank = -1, .code = -1, .sig = -1};
        snprintf(f.node, sizeof f.node, "%s", n->name);
        snprintf(f.what, sizeof f.what, "node %s lost: %s", n->name, why);
        attempt_fail(c, &f);
    } else {
        attempt_on_stopped(c, n);
    }
}

/* Excludes a healthy node that a diagnosis blames: never used again in this
 * run; its agent is told to shut down. */
void node_exclude(struct ctl *c, struct node *n, const char *why)
{
    if (node_on(n, NE_BLAMED) < 0)
        return;
    ctl_budget_node_out(c, n, now_ms());
    log_error("node %s excluded from this run: %s", n->name, why);
    journal_event(&c->j, "node_excluded", json_pack("{s:s,s:s}", "node", n->name, "reason", why));
    if (n->conn.fd >= 0) {
        struct msg sm = stop_msg(SIGKILL, 0, 1);
        agents_send_msg(c, n, &sm);
    }
}

/* Ends every agent: shutdown message, a bounded wait, then KILL. */
void agents_shutdown(struct ctl *c)
{
    agents_rejected_flush(c);
    int64_t flush_deadline = now_ms() + 1000; /* one second for all, not per node */
    for (int i = 0; i < c->nnodes; i++) {
        struct node *n = &c->nodes[i];
        if (n->conn.fd < 0)
            continue;
        struct msg sm = stop_msg(SIGKILL, 0, 1);
        json_t *m = msg_encode(&sm);
        msgconn_send(&n->conn, m);
        json_decref(m);
        msgconn_flush_wait(&n->conn, ms_until(flush_deadline));
    }
    int64_t deadline = now_ms() + 5000;
    int killed = 0;
    for (;;) {
        agents_reap(c);
        int left = 0;
        for (int i = 0; i < c->nnodes; i++)
            left += c->nodes[i].agent_pid > 0;
        for (int i = 0; i < c->ndrain; i++) /* a drain of the last failure finishes */
            left += c->drain[i].pid > 0;
        if (!left && !killed) {
            /* orphans reparented to us (we are a subreaper) go too */
            killed = 1;
            spawn_signal_descendants(SIGKILL, NULL, 0, NULL, 0);
            deadline = now_ms() + 2000;
        }
        siginfo_t any; /* WNOWAIT: a child that ended is left for agents_reap */
        if (waitid(P_ALL, 0, &any, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD && !left)
            break;
        for (int i = 0; i < c->nnodes; i++) /* srun/ssh must not block on a full stderr pipe */
            agents_err_io(c, &c->nodes[i]);
        if (now_ms() >= deadline) {
            if (killed)
                break;
            for (int i = 0; i < c->nnodes; i++)
                if (c->nodes[i].agent_pid > 0)
                    kill(c->nodes[i].agent_pid, SIGKILL);
            deadline = now_ms() + 2000;
            killed = 1;
            continue;
        }
        struct pollfd p = {.fd = c->sfd, .events = POLLIN};
        if (poll(&p, 1, ms_until(deadline_min(deadline, now_ms() + 100))) > 0) {
            struct signalfd_siginfo si;
            while (read(c->sfd, &si, sizeof si) == (ssize_t)sizeof si)
                ;
        }
    }
    for (int i = 0; i < c->nnodes; i++)
        msgconn_close(&c->nodes[i].conn);
}
