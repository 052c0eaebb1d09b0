/* metrics_http: --metrics-addr (see metrics_http.h). libmicrohttpd runs its
 * internal polling thread (started with every signal blocked: the
 * controller reads its signals through a signalfd), at most 16 connections,
 * 10 s idle timeout; GET or HEAD /metrics get the newest text, any other
 * path 404, any other method 405. */
#include "oncall/metrics_http.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"

struct metrics_http {
    struct MHD_Daemon *d;
    pthread_mutex_t mu;
    char *text;               /* newest exposition (owned) */
    size_t len;
    char where[300];
};

int metrics_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *why, size_t whylen)
{
    char host[256] = "127.0.0.1";
    const char *port = s;
    const char *colon = strrchr(s, ':');
    if (s[0] == '[') { /* [v6]:port */
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof host) {
            snprintf(why, whylen, "expected HOST:PORT, [IPV6]:PORT or PORT");
            return -1;
        }
        snprintf(host, sizeof host, "%.*s", (int)(end - s - 1), s + 1);
        port = end + 2;
    } else if (colon) {
        if ((size_t)(colon - s) >= sizeof host) {
            snprintf(why, whylen, "host name too long");
            return -1;
        }
        if (colon > s)
            snprintf(host, sizeof host, "%.*s", (int)(colon - s), s);
        port = colon + 1;
    }
    long p;
    if (parse_long(port, 0, 65535, &p) < 0) {
        snprintf(why, whylen, "the port must be a number from 0 to 65535");
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res;
    char ps[8];
    snprintf(ps, sizeof ps, "%ld", p);
    int e = getaddrinfo(host, ps, &hints, &res);
    if (e) {
        snprintf(why, whylen, "cannot resolve %s: %s", host, gai_strerror(e));
        return -1;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *text, size_t len,
                             const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *data, size_t *data_size, void **state)
{
    (void)version, (void)data, (void)data_size, (void)state;
    struct metrics_http *m = cls;
    static const char plain[] = "text/plain; charset=utf-8";
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics\n", 13, plain);
    if (strcmp(url, "/metrics"))
        return reply(conn, MHD_HTTP_NOT_FOUND, "endure serves /metrics\n", 23, plain);
    pthread_mutex_lock(&m->mu);
    enum MHD_Result ret = reply(conn, MHD_HTTP_OK, m->text ? m->text : "", m->text ? m->len : 0,
                                "text/plain; version=0.0.4; charset=utf-8");
    pthread_mutex_unlock(&m->mu);
    return ret;
}

static void describe(struct metrics_http *m, const struct sockaddr_storage *ss)
{
    char h[INET6_ADDRSTRLEN] = "?";
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = di ? di->port : 0;
    if (ss->ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, h, sizeof h);
        snprintf(m->where, sizeof m->where, "[%s]:%u", h, port);
    } else {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, h, sizeof h);
        snprintf(m->where, sizeof m->where, "%s:%u", h, port);
    }
}

int metrics_http_start(struct metrics_http **out, const char *addr, char *why, size_t whylen)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (metrics_addr_parse(addr, &ss, &len, why, whylen) < 0)
        return -1;
    struct metrics_http *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&m->mu, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old); /* the daemon's thread inherits the mask */
    m->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!m->d) {
        snprintf(why, whylen, "cannot listen on %s (in use, or not an address of this host?)", addr);
        pthread_mutex_destroy(&m->mu);
        free(m);
        return -1;
    }
    describe(m, &ss);
    *out = m;
    return 0;
}

const char *metrics_http_where(const struct metrics_http *m)
{
    return m->where;
}

void metrics_http_set(struct metrics_http *m, const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return; /* the previous text stays */
    memcpy(copy, text, len);
    copy[len] = 0;
    pthread_mutex_lock(&m->mu);
    free(m->text);
    m->text = copy;
    m->len = len;
    pthread_mutex_unlock(&m->mu);
}

void metrics_http_stop(struct metrics_http *m)
{
    if (!m)
        return;
    MHD_stop_daemon(m->d);
    free(m->text);
    pthread_mutex_destroy(&m->mu);
    free(m);
}
