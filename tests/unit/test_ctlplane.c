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
    if (c.lfd < 0 || bind(c.lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(c.lfd, 128) < 0 ||
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

TEST(ctlplane_idle_strangers_do_not_lock_out_an_agent)
{
    int port = setup();
    CHECK(port > 0);
    int idle[40];
    for (int i = 0; i < 40; i++) {
        idle[i] = dial(port);
        CHECK(idle[i] >= 0);
    }
    accept_all();
    CHECK(c.npend == MAX_PENDING);
    /* the agent: connect, answer the challenge, check the welcome */
    struct msgconn a;
    msgconn_init(&a, dial(port));
    CHECK(a.fd >= 0);
    accept_all();
    json_t *ch = client_recv(&a);
    CHECK(ch != NULL);
    char mac[65];
    CHECK(proto_hmac_hex(c.secret, json_string_value(json_object_get(ch, "nonce")), "n0", mac) == 0);
    json_decref(ch);
    json_t *hello = json_pack("{s:s,s:s,s:s,s:s}", "type", "hello", "node", "n0", "nonce", "abcd", "mac", mac);
    CHECK(msgconn_send(&a, hello) == 0);
    json_decref(hello);
    CHECK(msgconn_flush_wait(&a, 5000) == 0);
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
    for (int i = 0; i < 40; i++)
        close(idle[i]);
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
