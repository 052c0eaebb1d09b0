/* proto: length-prefixed JSON messages and HMAC challenge helpers (proto.h). */
#include "common/proto.h"
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "common/util.h"

void msgconn_init(struct msgconn *c, int fd)
{
    c->fd = fd;
    buf_init(&c->in, PROTO_MAX_MSG + 4);
    buf_init(&c->out, PROTO_MAX_QUEUE);
}

void msgconn_close(struct msgconn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    buf_free(&c->in);
    buf_free(&c->out);
}

int msgconn_send(struct msgconn *c, json_t *msg)
{
    char *s = json_dumps(msg, JSON_COMPACT);
    if (!s)
        return -1;
    size_t n = strlen(s);
    int rc = -1;
    if (n <= PROTO_MAX_MSG && c->out.max - c->out.len >= n + 4) {
        unsigned char hdr[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                                (unsigned char)(n >> 8), (unsigned char)n};
        rc = buf_append(&c->out, hdr, 4) == 0 && buf_append(&c->out, s, n) == 0 ? 0 : -1;
    }
    free(s);
    return rc;
}

int msgconn_want_write(const struct msgconn *c)
{
    return c->out.len > 0;
}

int msgconn_flush(struct msgconn *c)
{
    while (c->out.len) {
        ssize_t n = send(c->fd, c->out.p, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return -1;
        }
        buf_consume(&c->out, (size_t)n);
    }
    return 0;
}

int msgconn_flush_wait(struct msgconn *c, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    while (c->out.len) {
        if (msgconn_flush(c) < 0)
            return -1;
        if (!c->out.len)
            break;
        struct pollfd p = {.fd = c->fd, .events = POLLOUT};
        int t = ms_until(deadline);
        if (t == 0 || poll(&p, 1, t) == 0)
            return -1;
    }
    return 0;
}

int msgconn_read(struct msgconn *c)
{
    char tmp[65536];
    for (;;) {
        size_t room = c->in.max - c->in.len;
        if (room == 0)
            return 1; /* msgconn_next will report the oversize message */
        ssize_t n = recv(c->fd, tmp, room < sizeof tmp ? room : sizeof tmp, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 1;
            return -1;
        }
        if (n == 0)
            return 0;
        buf_append(&c->in, tmp, (size_t)n);
    }
}

int msgconn_next(struct msgconn *c, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (c->in.len < 4)
        return 0;
    const unsigned char *h = (const unsigned char *)c->in.p;
    size_t n = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    if (n > PROTO_MAX_MSG) {
        snprintf(err, errlen, "oversized message (%zu bytes, limit %u)", n, PROTO_MAX_MSG);
        return -1;
    }
    if (c->in.len < n + 4)
        return 0;
    json_error_t je;
    json_t *j = json_loadb(c->in.p + 4, n, JSON_REJECT_DUPLICATES, &je);
    buf_consume(&c->in, n + 4);
    if (!j) {
        snprintf(err, errlen, "malformed message: %s", je.text);
        return -1;
    }
    if (!json_is_object(j) || !json_is_string(json_object_get(j, "type"))) {
        json_decref(j);
        snprintf(err, errlen, "malformed message: not an object with a type");
        return -1;
    }
    *out = j;
    return 1;
}

int proto_random_hex(char *out, size_t nbytes)
{
    unsigned char raw[64];
    if (nbytes > sizeof raw)
        return -1;
    size_t got = 0;
    while (got < nbytes) {
        ssize_t n = getrandom(raw + got, nbytes - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)n;
    }
    for (size_t i = 0; i < nbytes; i++)
        sprintf(out + 2 * i, "%02x", raw[i]);
    out[2 * nbytes] = '\0';
    return 0;
}

int proto_hmac_hex(const char *secret, const char *a, const char *b, char out[65])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    size_t la = strlen(a), lb = strlen(b);
    unsigned char msg[1024];
    if (la + lb + 1 > sizeof msg)
        return -1;
    memcpy(msg, a, la);
    msg[la] = '|';
    memcpy(msg + la + 1, b, lb);
    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, la + lb + 1, mac, &maclen))
        return -1;
    for (unsigned i = 0; i < maclen && i < 32; i++)
        sprintf(out + 2 * i, "%02x", mac[i]);
    out[64] = '\0';
    return 0;
}

int proto_mac_ok(const char *secret, const char *a, const char *b, const char *mac)
{
    char want[65];
    if (!mac || strlen(mac) != 64 || proto_hmac_hex(secret, a, b, want) < 0)
        return 0;
    return CRYPTO_memcmp(want, mac, 64) == 0;
}
