/* pair_tcp: the tcp backend of the pairwise test. Rank 0 listens on every
 * address (port 0: one the kernel picks) and takes the first connection
 * that sends the pair's token; then rank 1 sends `bytes` and rank 0 acks
 * (rank 1 times it), and rank 0 sends `bytes` back and rank 1 acks (rank 0
 * times it). Each side reports the bandwidth of what it sent; the
 * controller takes the lower. All I/O is non-blocking under one deadline. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "common/util.h"
#include "health/pair.h"

#define CHUNK (1u << 20)
#define TOKEN_WAIT_MS 5000 /* a connection must send its token within this */

/* Waits for ev on fd until deadline: 0, or -1 (errno ETIMEDOUT or poll's). */
static int wait_fd(int fd, short ev, int64_t deadline)
{
    for (;;) {
        int ms = ms_until(deadline);
        struct pollfd p = {.fd = fd, .events = ev};
        if (ms <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        int r = poll(&p, 1, ms);
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

/* Sends (or receives) exactly n bytes through buf: 0, or -1 with errno
 * (EPIPE when the peer closed). */
static int xfer(int fd, char *buf, uint64_t n, int sending, int64_t deadline)
{
    while (n > 0) {
        size_t k = n < CHUNK ? (size_t)n : CHUNK;
        ssize_t r = sending ? send(fd, buf, k, MSG_NOSIGNAL) : recv(fd, buf, k, 0);
        if (r > 0) {
            n -= (uint64_t)r;
            continue;
        }
        if (r == 0) {
            errno = EPIPE;
            return -1;
        }
        if (errno != EAGAIN && errno != EINTR)
            return -1;
        if (wait_fd(fd, sending ? POLLOUT : POLLIN, deadline) < 0)
            return -1;
    }
    return 0;
}

/* Sends bytes and waits for the one-byte ack: the bandwidth in GB/s. */
static int send_timed(int fd, char *buf, uint64_t bytes, int64_t deadline, double *gbps)
{
    double t0 = mono_time();
    if (xfer(fd, buf, bytes, 1, deadline) < 0 || xfer(fd, buf, 1, 0, deadline) < 0)
        return -1;
    double dt = mono_time() - t0;
    *gbps = (double)bytes / (dt > 1e-9 ? dt : 1e-9) / 1e9;
    return 0;
}

static int recv_acked(int fd, char *buf, uint64_t bytes, int64_t deadline)
{
    if (xfer(fd, buf, bytes, 0, deadline) < 0)
        return -1;
    buf[0] = 'k';
    return xfer(fd, buf, 1, 1, deadline);
}

static const char *io_why(void)
{
    return errno == ETIMEDOUT ? "timed out" : errno == EPIPE ? "the peer closed the connection" : strerror(errno);
}

/* The first connection that sends the token, or -1 at the deadline. */
static int accept_peer(int ls, const char *token, int64_t deadline, int *refused)
{
    char got[PAIR_TOKEN_LEN];
    while (wait_fd(ls, POLLIN, deadline) == 0) {
        int fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        int64_t d = deadline_min(deadline, now_ms() + TOKEN_WAIT_MS);
        if (xfer(fd, got, PAIR_TOKEN_LEN, 0, d) == 0 && CRYPTO_memcmp(got, token, PAIR_TOKEN_LEN) == 0)
            return fd;
        (*refused)++;
        close(fd);
    }
    return -1;
}

static int serve(const struct pair_opts *o, pair_ready_fn ready, void *arg, json_t *res, char *buf, int64_t dl)
{
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), fd = -1, one = 1, refused = 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    socklen_t sl = sizeof sa;
    double gbps;
    if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 8) < 0 ||
        getsockname(ls, (struct sockaddr *)&sa, &sl) < 0) {
        pair_set(res, "fail", "cannot listen on port %d: %s", o->port, strerror(errno));
        goto out;
    }
    json_t *r = json_pack("{s:i}", "port", ntohs(sa.sin_port));
    ready(r, arg);
    json_decref(r);
    if ((fd = accept_peer(ls, o->token, dl, &refused)) < 0) {
        pair_set(res, "fail", "no connection from the peer within the timeout (%d refused)", refused);
        goto out;
    }
    if (recv_acked(fd, buf, o->bytes, dl) < 0 || send_timed(fd, buf, o->bytes, dl, &gbps) < 0) {
        pair_set(res, "fail", "transfer with the peer: %s", io_why());
        goto out;
    }
    pair_set(res, "pass", "%.3f GB/s to the peer", gbps);
    json_object_set_new(res, "gbps", json_real(gbps));
out:
    if (fd >= 0)
        close(fd);
    if (ls >= 0)
        close(ls);
    return 0;
}

static int connect_peer(const struct pair_opts *o, int64_t dl, json_t *res)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    int fd, err = 0, one = 1;
    socklen_t el = sizeof err;
    if (!o->addr || inet_pton(AF_INET, o->addr, &sa.sin_addr) != 1) {
        pair_set(res, "fail", "bad peer address '%s'", o->addr ? o->addr : "");
        return -1;
    }
    if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
        err = errno;
    else if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS)
        err = errno;
    else if (wait_fd(fd, POLLOUT, dl) < 0)
        err = errno;
    else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
        err = errno;
    if (err) {
        pair_set(res, "fail", "cannot connect to %s:%d: %s", o->addr, o->port,
                 err == ETIMEDOUT ? "timed out" : strerror(err));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int client(const struct pair_opts *o, json_t *res, char *buf, int64_t dl)
{
    double gbps;
    int fd = connect_peer(o, dl, res);
    if (fd < 0)
        return 0;
    if (xfer(fd, (char *)o->token, PAIR_TOKEN_LEN, 1, dl) < 0 || send_timed(fd, buf, o->bytes, dl, &gbps) < 0 ||
        recv_acked(fd, buf, o->bytes, dl) < 0) {
        pair_set(res, "fail", "transfer with %s:%d: %s", o->addr, o->port, io_why());
    } else {
        pair_set(res, "pass", "%.3f GB/s to %s", gbps, o->addr);
        json_object_set_new(res, "gbps", json_real(gbps));
    }
    close(fd);
    return 0;
}

int pair_tcp(const struct pair_opts *o, pair_ready_fn ready, void *arg, json_t *res)
{
    if (!o->token || strlen(o->token) != PAIR_TOKEN_LEN) {
        pair_set(res, "fail", "the tcp test needs the pair's %d-character token", PAIR_TOKEN_LEN);
        return 0;
    }
    char *buf = calloc(1, CHUNK);
    if (!buf)
        return -1;
    int64_t dl = now_ms() + o->timeout_ms;
    int rc = o->rank == 0 ? serve(o, ready, arg, res, buf, dl) : client(o, res, buf, dl);
    free(buf);
    return rc;
}
