/* buf: the one growable byte buffer of endure, with a hard cap.
 * Every buffer that holds untrusted or unbounded input (rank output, network
 * messages, rule files) is a struct buf with a max, so no input can grow
 * memory without bound. The buffer owns its storage; buf_free releases it. */
#ifndef ENDURE_BUF_H
#define ENDURE_BUF_H
#include <stddef.h>
#include <stdarg.h>

struct buf {
    char *p;      /* data, always NUL-terminated when non-NULL */
    size_t len;   /* bytes in use */
    size_t cap;   /* bytes allocated (excluding the NUL) */
    size_t max;   /* hard cap on len; 0 means 1 GiB */
};

/* Initialises an empty buffer that may hold at most max bytes. */
void buf_init(struct buf *b, size_t max);
/* Releases the storage; the buffer is empty and reusable afterwards. */
void buf_free(struct buf *b);
/* Forgets the content, keeps the storage. */
void buf_reset(struct buf *b);
/* Appends n bytes. Returns 0, or -1 (nothing appended) when the cap or memory
 * would be exceeded. */
int buf_append(struct buf *b, const void *data, size_t n);
/* Appends as much of data as fits under the cap; returns the bytes taken. */
size_t buf_append_some(struct buf *b, const void *data, size_t n);
/* Appends one NUL-terminated string. */
int buf_puts(struct buf *b, const char *s);
/* printf-style append; -1 when it does not fit. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Drops the first n bytes (n > len drops all). */
void buf_consume(struct buf *b, size_t n);
/* Returns the content as a malloc'd string that the caller owns; resets b. */
char *buf_steal(struct buf *b);

#endif
