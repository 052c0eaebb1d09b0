/* ctl_agents: the controller's side of its agents: start them through the
 * transport, authenticate each connection (HMAC challenge; a failed,
 * oversized, malformed or out-of-turn peer is dropped and journaled), route
 * their messages, watch heartbeats, and reap them. */
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
#include "common/util.h"
#include "supervisor/ctl_int.h"
#include "launcher/spawn.h"
#include "supervisor/transport.h"

int agents_start(struct ctl *c)
{
    for (int i = 0; i < c->nnodes; i++) {
        struct node *n = &c->nodes[i];
        n->agent_pid = transport_start_agent(c->cfg->transport, n->name, c->addr, c->secret);
        if (n->agent_pid < 0) {
            n->agent_pid = 0;
            node_lost(c, n, "the transport could not start its agent");
        }
    }
    c->wait_deadline = now_ms() + c->cfg->agent_timeout_ms;
    return 0;
}

void agents_send(struct ctl *c, struct node *n, json_t *msg)
{
    if (n->conn.fd >= 0 && msgconn_send(&n->conn, msg) < 0) {
        json_decref(msg);
        node_lost(c, n, "its message queue overflowed");
        return;
    }
    json_decref(msg);
}

static void drop_pending(struct ctl *c, int i, const char *why)
{
    journal_event(&c->j, "agent_rejected", json_pack("{s:s}", "reason", why));
    log_warn("dropped an agent connection: %s", why);
    msgconn_close(&c->pend[i].conn);
    c->pend[i] = c->pend[--c->npend];
}

void agents_accept(struct ctl *c)
{
    for (;;) {
        int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        int one = 1; /* small messages: no Nagle delay on stops and exits */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (c->npend == MAX_PENDING) {
            journal_event(&c->j, "agent_rejected", json_pack("{s:s}", "reason", "too many pending connections"));
            close(fd);
            continue;
        }
        struct pending *p = &c->pend[c->npend++];
        msgconn_init(&p->conn, fd);
        p->deadline = now_ms() + HANDSHAKE_MS;
        if (proto_random_hex(p->nonce, 32) < 0) {
            drop_pending(c, c->npend - 1, "no randomness");
            continue;
        }
        json_t *ch = json_pack("{s:s,s:s}", "type", "challenge", "nonce", p->nonce);
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

/* Checks a hello; on success the connection moves to its node. */
static const char *take_hello(struct ctl *c, struct pending *p, json_t *m)
{
    const char *type = json_string_value(json_object_get(m, "type"));
    const char *name = json_string_value(json_object_get(m, "node"));
    const char *mac = json_string_value(json_object_get(m, "mac"));
    const char *anonce = json_string_value(json_object_get(m, "nonce"));
    if (strcmp(type, "hello"))
        return "spoke out of turn (expected hello)";
    if (!name || !mac || !anonce || strlen(anonce) > 128)
        return "malformed hello";
    if (!proto_mac_ok(c->secret, p->nonce, name, mac))
        return "failed the HMAC challenge";
    struct node *n = node_by_name(c, name);
    if (!n || n->state != NODE_STARTING || n->conn.fd >= 0)
        return "claims an unknown or already connected node";
    char wmac[65];
    if (proto_hmac_hex(c->secret, anonce, "controller", wmac) < 0)
        return "cannot answer the agent's challenge";
    n->conn = p->conn;
    p->conn.fd = -1;
    n->state = NODE_READY;
    n->last_heard = now_ms();
    n->next_hb = n->last_heard + c->hb_interval_ms;
    agents_send(c, n, json_pack("{s:s,s:s,s:I,s:I}", "type", "welcome", "mac", wmac, "hb_interval_ms",
                                (json_int_t)c->hb_interval_ms, "hb_timeout_ms",
                                (json_int_t)c->cfg->heartbeat_timeout_ms));
    journal_event(&c->j, "agent_connected", json_pack("{s:s,s:O?}", "node", n->name, "pid",
                                                         json_object_get(m, "pid")));
    return NULL;
}

void agents_pending_io(struct ctl *c, int i, short revents)
{
    struct pending *p = &c->pend[i];
    (void)revents;
    msgconn_flush(&p->conn);
    int r = msgconn_read(&p->conn);
    json_t *m = NULL;
    char err[256];
    int k = msgconn_next(&p->conn, &m, err, sizeof err);
    const char *why = NULL;
    if (k < 0)
        why = err;
    else if (k > 0)
        why = take_hello(c, p, m);
    else if (r <= 0)
        why = "closed before the handshake";
    json_decref(m);
    if (why)
        drop_pending(c, i, why);
    else if (k > 0) {
        c->pend[i] = c->pend[--c->npend]; /* moved to its node */
        attempt_maybe_start(c);
    }
}

static void on_agent_message(struct ctl *c, struct node *n, json_t *m)
{
    const char *type = json_string_value(json_object_get(m, "type"));
    int att = (int)json_integer_value(json_object_get(m, "attempt"));
    int current = json_object_get(m, "attempt") && att == c->attempt;
    if (!strcmp(type, "hb")) {
        return;
    } else if (!strcmp(type, "started")) {
        journal_event(&c->j, "ranks_started", json_pack("{s:s,s:i,s:O}", "node", n->name, "attempt", att,
                                                           "pids", json_object_get(m, "pids")));
    } else if (!strcmp(type, "exit")) {
        if (current)
            attempt_on_exit(c, n, m);
    } else if (!strcmp(type, "progress")) {
        if (current) {
            c->last_progress = now_ms();
            c->progressed = 1;
        }
    } else if (!strcmp(type, "stopped")) {
        journal_event(&c->j, "node_stopped", json_pack("{s:s,s:i,s:O,s:O}", "node", n->name, "attempt", att,
                                                          "ms", json_object_get(m, "ms"), "unreaped",
                                                          json_object_get(m, "unreaped")));
        if (json_array_size(json_object_get(m, "unreaped")))
            log_error("%s: %zu process(es) could not be killed (see events.jsonl)", n->name,
                      json_array_size(json_object_get(m, "unreaped")));
        if (current)
            attempt_on_stopped(c, n);
    } else if (!strcmp(type, "dropped")) {
        json_int_t lines = json_integer_value(json_object_get(m, "lines"));
        n->dropped += (uint64_t)lines;
        json_t *ev = json_pack("{s:s,s:i,s:I}", "node", n->name, "attempt", att, "lines", lines);
        if (json_integer_value(json_object_get(m, "messages")) > 0) /* the agent's own, lost on the console */
            json_object_set(ev, "messages", json_object_get(m, "messages"));
        journal_event(&c->j, "console_dropped", ev);
    } else if (!strcmp(type, "log_error")) {
        journal_event(&c->j, "log_error", json_pack("{s:s,s:i,s:O}", "node", n->name, "attempt", att, "error",
                                                       json_object_get(m, "error")));
    } else if (!strcmp(type, "event")) {
        if (current)
            ctl_diag_event(c, json_object_get(m, "event"));
    } else if (!strcmp(type, "unclassified")) {
        journal_event(&c->j, "unclassified_lines", json_pack("{s:s,s:i,s:O}", "node", n->name, "attempt", att,
                                                                "lines", json_object_get(m, "lines")));
    } else if (!strcmp(type, "events_dropped")) {
        journal_event(&c->j, "events_dropped", json_pack("{s:s,s:i,s:O}", "node", n->name, "attempt", att,
                                                            "events", json_object_get(m, "events")));
    } else if (!strcmp(type, "ckpt")) {
        ctl_ckpt_event(c, n, json_object_get(m, "event"));
    } else if (!strcmp(type, "spawn_error")) {
        if (current) {
            struct failure f = {.kind = F_SPAWN, .rank = -1, .code = -1, .sig = -1, .not_retryable = 1};
            snprintf(f.node, sizeof f.node, "%s", n->name);
            snprintf(f.what, sizeof f.what, "cannot start the ranks on %s: %s", n->name,
                     json_string_value(json_object_get(m, "error")));
            attempt_fail(c, &f);
        }
    } else {
        node_lost(c, n, "it sent an unknown message type");
    }
}

void agents_node_io(struct ctl *c, struct node *n, short revents)
{
    if ((revents & POLLOUT) && msgconn_flush(&n->conn) < 0)
        return node_lost(c, n, "its connection broke");
    if (!(revents & (POLLIN | POLLHUP | POLLERR)))
        return;
    int r = msgconn_read(&n->conn);
    json_t *m;
    char err[256];
    int k;
    while (n->conn.fd >= 0 && (k = msgconn_next(&n->conn, &m, err, sizeof err)) > 0) {
        n->last_heard = now_ms();
        on_agent_message(c, n, m);
        json_decref(m);
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

void agents_timers(struct ctl *c)
{
    int64_t now = now_ms();
    for (int i = c->npend - 1; i >= 0; i--)
        if (now >= c->pend[i].deadline)
            drop_pending(c, i, "no hello within the handshake timeout");
    for (int i = 0; i < c->nnodes; i++) {
        struct node *n = &c->nodes[i];
        if (n->state == NODE_STARTING && now >= c->wait_deadline)
            node_lost(c, n, "its agent did not connect within --agent-timeout");
        if (n->state != NODE_READY)
            continue;
        if (now - n->last_heard >= c->cfg->heartbeat_timeout_ms) {
            node_lost(c, n, "no heartbeat within --heartbeat-timeout");
            continue;
        }
        if (now >= n->next_hb) {
            agents_send(c, n, json_pack("{s:s}", "type", "hb"));
            n->next_hb = now + c->hb_interval_ms;
        }
    }
}

void agents_reap(struct ctl *c)
{
    int st, reaped = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        reaped = 1;
        for (int i = 0; i < c->nnodes; i++) {
            struct node *n = &c->nodes[i];
            if (n->agent_pid != pid)
                continue;
            n->agent_pid = 0;
            char why[128];
            if (WIFEXITED(st))
                snprintf(why, sizeof why, "its agent exited with code %d", WEXITSTATUS(st));
            else
                snprintf(why, sizeof why, "its agent was killed by signal %d", WTERMSIG(st));
            if (c->state != C_DONE)
                node_lost(c, n, why);
        }
    }
    if (reaped)
        agents_kill_strays(c);
}

/* Processes a dead agent left behind (escaped from its ranks' sessions,
 * now reparented to the controller, a subreaper) are KILLed: only the live
 * agents' subtrees are spared, so nothing outlives its agent into the next
 * attempt. */
void agents_kill_strays(struct ctl *c)
{
    pid_t live[MAX_NODES];
    int n = 0;
    for (int i = 0; i < c->nnodes; i++)
        if (c->nodes[i].agent_pid > 0)
            live[n++] = c->nodes[i].agent_pid;
    spawn_signal_descendants(SIGKILL, live, n, NULL, 0);
}

void node_lost(struct ctl *c, struct node *n, const char *why)
{
    if (n->state == NODE_LOST || n->state == NODE_EXCLUDED)
        return;
    int was_active = n->group_rank >= 0 && (c->state == C_RUNNING || c->state == C_STOPPING);
    n->state = NODE_EXCLUDED;
    msgconn_close(&n->conn);
    if (n->agent_pid > 0)
        kill(n->agent_pid, SIGKILL); /* its ranks follow through PDEATHSIG */
    log_error("node %s lost: %s; excluded from this run", n->name, why);
    journal_event(&c->j, "node_lost", json_pack("{s:s,s:s,s:i}", "node", n->name, "reason", why, "attempt",
                                                   c->attempt));
    journal_event(&c->j, "node_excluded", json_pack("{s:s,s:s}", "node", n->name, "reason", why));
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
    if (n->state == NODE_LOST || n->state == NODE_EXCLUDED)
        return;
    n->state = NODE_EXCLUDED;
    log_error("node %s excluded from this run: %s", n->name, why);
    journal_event(&c->j, "node_excluded", json_pack("{s:s,s:s}", "node", n->name, "reason", why));
    if (n->conn.fd >= 0) {
        json_t *m = json_pack("{s:s,s:b,s:i,s:i}", "type", "stop", "shutdown", 1, "signal", SIGKILL, "grace_ms", 0);
        msgconn_send(&n->conn, m);
        json_decref(m);
        msgconn_flush(&n->conn);
    }
}

/* Ends every agent: shutdown message, a bounded wait, then KILL. */
void agents_shutdown(struct ctl *c)
{
    int64_t flush_deadline = now_ms() + 1000; /* one second for all, not per node */
    for (int i = 0; i < c->nnodes; i++) {
        struct node *n = &c->nodes[i];
        if (n->conn.fd < 0)
            continue;
        json_t *m = json_pack("{s:s,s:b,s:i,s:i}", "type", "stop", "shutdown", 1, "signal", SIGKILL, "grace_ms", 0);
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
        if (!left && !killed) {
            /* orphans reparented to us (we are a subreaper) go too */
            killed = 1;
            spawn_signal_descendants(SIGKILL, NULL, 0, NULL, 0);
            deadline = now_ms() + 2000;
        }
        if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD && !left)
            break;
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
        if (poll(&p, 1, ms_until(deadline)) > 0) {
            struct signalfd_siginfo si;
            while (read(c->sfd, &si, sizeof si) == (ssize_t)sizeof si)
                ;
        }
    }
    for (int i = 0; i < c->nnodes; i++)
        msgconn_close(&c->nodes[i].conn);
}
