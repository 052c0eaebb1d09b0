/* test_ctlplane: the controller's accept path with real sockets: idle
 * strangers holding every pending slot cannot lock an agent out, and
 * rejected connections are journaled at a bounded rate with a summary. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/proto.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"
#include "tests/unit/harness.h"

static struct ctl c;
static struct run_config cfg;
static char node_name[] = "n0";

/* A controller with one node, listening on loopback, state C_DONE so that
 * no attempt starts (only the accept path runs). */
static int setup(void)
{
    memset(&c, 0, sizeof c);
    memset(&cfg, 0, sizeof cfg);
    cfg.heartbeat_timeout_ms = 10000;
    c.cfg = &cfg;
    c.epfd = -1; /* no epoll set: ctl_watch does nothing */
    c.state = C_DONE;
    c.hb_interval_ms = 1000;
    snprintf(c.secret, sizeof c.secret, "%s", "0123456789abcdef0123456789abcdef");
    c.nnodes = 1;
    c.nodes[0].name = node_name;
    c.nodes[0].state = NODE_STARTING;
    c.nodes[0].group_rank = -1;
    msgconn_init(&c.nodes[0].conn, -1);
    char path[512];
    snprintf(path, sizeof path, "%s/events.jsonl", test_tmpdir());
    if (journal_open(&c.j, path) < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    c.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.lfd < 0 || bind(c.lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(c.lfd, SOMAXCONN) < 0 ||
        getsockname(c.lfd, (struct sockaddr *)&sa, &sl) < 0)
        return -1;
    return ntohs(sa.sin_port);
}

static void teardown(void)
{
    for (int i = 0; i < c.npend; i++)
        msgconn_close(&c.pend[i].conn);
    msgconn_close(&c.nodes[0].conn);
    journal_close(&c.j);
    close(c.lfd);
}

static int dial(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Accepts every connection waiting (a dialled one is already queued). */
static void accept_all(void)
{
    struct pollfd p = {.fd = c.lfd, .events = POLLIN};
    if (poll(&p, 1, 5000) == 1)
        agents_accept(&c);
}

/* Reads one message from a blocking client socket (with a deadline). */
static json_t *client_recv(struct msgconn *m)
{
    char err[256];
    int64_t deadline = now_ms() + 5000;
    for (;;) {
        json_t *j = NULL;
        int r = msgconn_next(m, &j, err, sizeof err);
        if (r != 0)
            return r > 0 ? j : NULL;
        struct pollfd p = {.fd = m->fd, .events = POLLIN};
        if (poll(&p, 1, ms_until(deadline)) != 1 || msgconn_read(m) <= 0)
            return NULL;
    }
}

/* Lines of the journal holding needle. */
static int journal_lines(const char *needle)
{
    char path[512], line[4096];
    snprintf(path, sizeof path, "%s/events.jsonl", test_tmpdir());
    FILE *f = fopen(path, "r");
    int n = 0;
    while (f && fgets(line, sizeof line, f))
        n += strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return n;
}

/* An agent of node n0 connects, answers the challenge with a hello (of
 * release when not NULL) and sends it. 0 or -1. */
static int agent_hello(struct msgconn *a, int port, const char *release)
{
    msgconn_init(a, dial(port));
    if (a->fd < 0)
        return -1;
    accept_all();
    json_t *ch = client_recv(a);
    char mac[65];
    int rc = ch && proto_hmac_hex(c.secret, json_string_value(json_object_get(ch, "nonce")), "n0", mac) == 0 ? 0 : -1;
    json_decref(ch);
    json_t *hello = rc ? NULL : json_pack("{s:s,s:s,s:i,s:s,s:s,s:i}", "type", "hello", "node", "n0", "pid", 1,
                                          "nonce", "abcd", "mac", mac, "version", MSG_PROTO_VERSION);
    if (hello && release)
        json_object_set_new(hello, "release", json_string(release));
    if (!hello || msgconn_send(a, hello) < 0 || msgconn_flush_wait(a, 5000) < 0)
        rc = -1;
    json_decref(hello);
    return rc;
}

TEST(ctlplane_idle_strangers_do_not_lock_out_an_agent)
{
    int port = setup();
    CHECK(port > 0);
    int idle[MAX_PENDING + 8];
    for (int i = 0; i < MAX_PENDING + 8; i++) {
        idle[i] = dial(port);
        CHECK(idle[i] >= 0);
    }
    accept_all();
    CHECK(c.npend == MAX_PENDING);
    /* the agent: connect, answer the challenge, check the welcome */
    struct msgconn a;
    CHECK(agent_hello(&a, port, NULL) == 0);
    for (int tries = 0; tries < 50 && c.nodes[0].state != NODE_READY; tries++) {
        struct pollfd p[MAX_PENDING];
        for (int i = 0; i < c.npend; i++)
            p[i] = (struct pollfd){.fd = c.pend[i].conn.fd, .events = POLLIN};
        if (poll(p, (nfds_t)c.npend, 100) <= 0)
            continue;
        for (int i = c.npend - 1; i >= 0; i--)
            if (p[i].revents)
                agents_pending_io(&c, i, p[i].revents);
    }
    CHECK(c.nodes[0].state == NODE_READY);
    CHECK(msgconn_flush_wait(&c.nodes[0].conn, 5000) == 0);
    json_t *wel = client_recv(&a);
    CHECK_STR(json_string_value(json_object_get(wel, "type")), "welcome");
    json_decref(wel);
    msgconn_close(&a);
    for (int i = 0; i < MAX_PENDING + 8; i++)
        close(idle[i]);
    teardown();
}

/* An authenticated agent of another endure release loses its node at once,
 * with both versions named (it would otherwise misread the messages). */
TEST(ctlplane_agent_of_another_release_is_refused)
{
    int port = setup();
    CHECK(port > 0);
    struct msgconn a;
    CHECK(agent_hello(&a, port, "0.0.0-old") == 0);
    for (int tries = 0; tries < 50 && c.nodes[0].state == NODE_STARTING && c.npend; tries++) {
        struct pollfd p = {.fd = c.pend[0].conn.fd, .events = POLLIN};
        if (poll(&p, 1, 100) == 1)
            agents_pending_io(&c, 0, p.revents);
    }
    CHECK(c.nodes[0].state == NODE_LOST);
    CHECK(journal_lines("endure 0.0.0-old, this controller endure " ENDURE_VERSION) >= 1);
    msgconn_close(&a);
    teardown();
}

TEST(ctlplane_rejections_are_rate_limited)
{
    int port = setup();
    CHECK(port > 0);
    c.rej_window_end = now_ms() + 3600 * 1000; /* one window, however slow the machine */
    for (int i = 0; i < 60; i++) { /* junk, then close */
        int fd = dial(port);
        CHECK(fd >= 0);
        CHECK(write(fd, "GET / HTTP/1.0\r\n\r\n", 18) == 18);
        close(fd);
        accept_all();
        for (int k = c.npend - 1; k >= 0; k--)
            agents_pending_io(&c, k, POLLIN);
    }
    CHECK(c.rej_total == 60);
    agents_rejected_flush(&c);
    journal_sync(&c.j);
    CHECK(journal_lines("\"agent_rejected\"") == REJECT_LOG_BURST);
    CHECK(journal_lines("\"agent_rejected_summary\"") == 1);
    CHECK(journal_lines("\"count\":55") == 1);
    teardown();
}

/* ---- who killed a rank -------------------------------------------------- */
#include "diagnose/diagnose.h"
#include "launcher/agent_int.h"

TEST(ctlplane_oom_record_for_the_rank)
{
    const char *log = "<6>[  100.000001] Out of memory: Killed process 4242 (python3) total-vm:1kB\n"
                      "<6>[  200.500000] eth0: link up\n"
                      "<3>[  201.000000] Memory cgroup out of memory: Killed process 777 (worker) anon-rss:9kB\n"
                      "<3>[  202.000000] Out of memory: Killed process 4242 (python3) total-vm:187346012kB\n";
    char rec[256];
    /* an old record of the same pid (before the attempt) does not count */
    CHECK(oom_find(log, strlen(log), 4242, 150.0, rec, sizeof rec) == 2);
    CHECK(strstr(rec, "[  202.000000] Out of memory: Killed process 4242") != NULL);
    CHECK(oom_find(log, strlen(log), 5555, 150.0, rec, sizeof rec) == 1); /* another process, this attempt */
    CHECK(strstr(rec, "Killed process") != NULL);
    CHECK(oom_find(log, strlen(log), 5555, 300.0, rec, sizeof rec) == 0);
    CHECK(oom_find("", 0, 1, 0, rec, sizeof rec) == 0);
}

static json_t *kill_verdict(json_t *ff)
{
    json_t *evs = json_array(), *v = verdict_pick(evs, ff, NULL);
    json_decref(evs);
    json_decref(ff);
    return v;
}

TEST(ctlplane_kill_verdicts_say_what_is_known)
{
    /* the kernel log names the rank: host OOM, the record is the evidence */
    json_t *v = kill_verdict(json_pack("{s:s,s:i,s:s,s:[s],s:i,s:s,s:s,s:{s:s,s:s,s:b}}", "node", "n1", "rank", 3,
                                       "file", "attempt-0/n1/rank-3.log", "tail", "loading config", "signal", 9,
                                       "killer", "outside", "kernel_log", "read", "oom", "source", "kernel log",
                                       "record", "Out of memory: Killed process 9 (python3)", "names_rank", 1));
    CHECK_STR(json_string_value(json_object_get(v, "type")), "oom_host");
    CHECK(json_is_null(json_object_get(v, "key_line")));
    CHECK(strstr(json_string_value(json_array_get(json_object_get(v, "evidence"), 1)), "kernel log: Out of memory") != NULL);
    CHECK(strstr(json_string_value(json_object_get(v, "explanation")), "killed by the kernel's OOM killer") != NULL);
    json_decref(v);
    /* endure killed it during a stop */
    v = kill_verdict(json_pack("{s:s,s:i,s:i,s:s}", "node", "n1", "rank", 0, "signal", 9, "killer", "endure"));
    CHECK_STR(json_string_value(json_object_get(v, "type")), "killed");
    CHECK(strstr(json_string_value(json_object_get(v, "explanation")), "endure killed it while stopping") != NULL);
    json_decref(v);
    /* exit 137, a new cgroup OOM kill, unreadable kernel log */
    v = kill_verdict(json_pack("{s:s,s:i,s:i,s:s,s:s,s:{s:s,s:i}}", "node", "n2", "rank", 1, "code", 137, "killer",
                               "outside", "kernel_log", "unreadable", "oom", "source", "cgroup", "kills", 1));
    CHECK_STR(json_string_value(json_object_get(v, "type")), "oom_host");
    CHECK(strstr(json_string_value(json_object_get(v, "explanation")), "counted 1 OOM kill") != NULL);
    json_decref(v);
    /* a symptom rule's guess ("Killed" = host OOM) does not beat the facts */
    json_t *evs = json_array();
    json_array_append_new(evs, json_pack("{s:s,s:s,s:s,s:s,s:i}", "rule", "host.killed_shell", "category",
                                         "infrastructure", "failure_type", "oom_host", "role", "symptom", "priority", 5));
    json_t *ff = json_pack("{s:s,s:i,s:i,s:s,s:s,s:s}", "node", "n1", "rank", 0, "code", 137, "killer", "outside",
                           "kernel_log", "read", "cgroup", "read");
    v = verdict_pick(evs, ff, NULL);
    CHECK_STR(json_string_value(json_object_get(v, "type")), "killed");
    CHECK(strstr(json_string_value(json_object_get(v, "explanation")), "no OOM-killer record was found (searched: "
                                                                      "the kernel log and the memory cgroup") != NULL);
    json_decref(v);
    json_decref(ff);
    json_decref(evs);
}
