/* proto: the controller <-> agent wire format and its authentication.
 * A message is a 4-byte big-endian length followed by that many bytes of one
 * JSON object with a string "type". Messages over PROTO_MAX_MSG, bad JSON or
 * non-objects are protocol errors: the peer is dropped.
 * Authentication is an HMAC-SHA256 challenge on a per-run secret that travels
 * only on the agent's stdin, never in an environment, on argv or in logs
 * (ENDURE_SECRET is still removed from every environment passed on). */
#ifndef ENDURE_PROTO_H
#define ENDURE_PROTO_H
#include <stddef.h>
#include <jansson.h>
#include "common/buf.h"

#define PROTO_MAX_MSG (1u << 20)
#define PROTO_MAX_QUEUE (16u << 20) /* unsent bytes before a peer counts as stuck */
#define PROTO_SECRET_ENV "ENDURE_SECRET"

/* One non-blocking connection. Owns fd (closed by msgconn_close). */
struct msgconn {
    int fd;
    struct buf in;
    struct buf out;
};

void msgconn_init(struct msgconn *c, int fd);
void msgconn_close(struct msgconn *c);
/* Queues one message (not consumed). -1 when it is too big or the queue is full. */
int msgconn_send(struct msgconn *c, json_t *msg);
/* Writes as much of the queue as the socket takes. -1 on a broken peer. */
int msgconn_flush(struct msgconn *c);
/* Writes the whole queue, blocking up to timeout_ms (for shutdown paths). */
int msgconn_flush_wait(struct msgconn *c, int timeout_ms);
int msgconn_want_write(const struct msgconn *c);
/* Reads what the socket has. Returns 1 if the peer is still open, 0 on EOF,
 * -1 on error. */
int msgconn_read(struct msgconn *c);
/* Takes the next complete message: 1 and *out (caller owns) when one is
 * ready, 0 when more bytes are needed, -1 on a protocol error (err says). */
int msgconn_next(struct msgconn *c, json_t **out, char *err, size_t errlen);

/* Fills out with 2*nbytes hex chars of randomness plus a NUL. */
int proto_random_hex(char *out, size_t nbytes);
/* out = hex(HMAC-SHA256(secret, a "|" b)); out must hold 65 bytes. */
int proto_hmac_hex(const char *secret, const char *a, const char *b, char out[65]);
/* Constant-time check of a received hex MAC against the expected one. */
int proto_mac_ok(const char *secret, const char *a, const char *b, const char *mac);

#endif
