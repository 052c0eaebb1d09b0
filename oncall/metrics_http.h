/* metrics_http: the /metrics endpoint of --metrics-addr, served by
 * libmicrohttpd in its own thread. The controller's loop renders the text
 * (metrics_render) and hands a copy here under a mutex; a scrape copies
 * the newest text and never touches the loop. Owns the daemon and text. */
#ifndef ENDURE_METRICS_HTTP_H
#define ENDURE_METRICS_HTTP_H
#include <stddef.h>
#include <sys/socket.h>

struct metrics_http;

/* "HOST:PORT", "[V6]:PORT", ":PORT" or "PORT" (host 127.0.0.1) -> a
 * numeric address (HOST resolved, the first address). 0, or -1 with why. */
int metrics_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *why, size_t whylen);
/* Listens on addr (port 0: any free port). 0, or -1 with why. */
int metrics_http_start(struct metrics_http **out, const char *addr, char *why, size_t whylen);
/* "host:port" it listens on (the actual port). */
const char *metrics_http_where(const struct metrics_http *m);
/* Replaces the text served (copied). */
void metrics_http_set(struct metrics_http *m, const char *text, size_t len);
/* Stops the daemon (waits for its thread) and frees m. */
void metrics_http_stop(struct metrics_http *m);

#endif
