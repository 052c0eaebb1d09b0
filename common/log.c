/* log: endure's own diagnostics on stderr (see log.h). Never blocks: stderr
 * is reopened non-blocking where its type allows (a pipe, a FIFO, a
 * terminal), messages that it does not take at once wait in a small capped
 * queue flushed by the poll loops, and when that is full whole messages are
 * dropped and counted (the journal on disk is the record; the console may
 * lose lines). One write() per line so that lines from several processes do
 * not interleave. */
#include "common/log.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/util.h"

#define LOG_QUEUE (64u << 10)

enum { OUT_UNSET, OUT_NONE, OUT_DIRECT, OUT_NONBLOCK, OUT_SOCKET, OUT_POLLED };

static char log_who[64];
static int log_level = -1;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int out_mode = OUT_UNSET;
static int out_fd = -1;
static struct buf queue;
static uint64_t dropped, announced;

void log_set_who(const char *who)
{
    snprintf(log_who, sizeof log_who, "%s", who ? who : "");
}

void log_set_level(int level)
{
    log_level = level;
}

int log_get_level(void)
{
    if (log_level < 0) {
        /* 0 errors .. 3 debug; anything else keeps the default */
        const char *e = getenv("ENDURE_LOG_LEVEL");
        long v;
        log_level = e && parse_long(e, LOG_ERROR, LOG_DEBUG, &v) == 0 ? (int)v : LOG_INFO;
    }
    return log_level;
}

/* Chooses how to write stderr without ever blocking: regular files and
 * /dev/null directly, sockets with MSG_DONTWAIT, the rest through a new
 * non-blocking open file description (stderr's own flags, shared with the
 * shell, stay as they are). */
static void open_out(void)
{
    struct stat st;
    out_fd = STDERR_FILENO;
    buf_init(&queue, LOG_QUEUE);
    if (fstat(STDERR_FILENO, &st) < 0) {
        out_mode = OUT_NONE;
    } else if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
        out_mode = OUT_DIRECT;
    } else if (S_ISSOCK(st.st_mode)) {
        out_mode = OUT_SOCKET;
    } else {
        int fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        out_mode = fd >= 0 ? OUT_NONBLOCK : OUT_POLLED;
        if (fd >= 0)
            out_fd = fd;
    }
}

/* One write that never blocks: bytes taken, 0 when the console is full, -1
 * when it is gone. */
static ssize_t try_write(const char *p, size_t n)
{
    ssize_t w;
    if (out_mode == OUT_POLLED) { /* reopen refused: write only what fits now */
        struct pollfd pf = {.fd = out_fd, .events = POLLOUT};
        if (poll(&pf, 1, 0) != 1 || !(pf.revents & POLLOUT))
            return pf.revents & (POLLERR | POLLHUP | POLLNVAL) ? -1 : 0;
    }
    do
        w = out_mode == OUT_SOCKET ? send(out_fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL) : write(out_fd, p, n);
    while (w < 0 && errno == EINTR);
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    return w;
}

/* Writes queued lines, one write each, until the console stops taking them. */
static void flush_locked(void)
{
    while (queue.len && out_mode != OUT_NONE) {
        char *nl = memchr(queue.p, '\n', queue.len);
        size_t n = nl ? (size_t)(nl - queue.p) + 1 : queue.len;
        ssize_t w = try_write(queue.p, n);
        if (w == 0)
            return;
        if (w < 0) { /* the console is gone (EPIPE, EIO): count, stop trying */
            dropped++;
            buf_reset(&queue);
            out_mode = OUT_NONE;
            return;
        }
        buf_consume(&queue, (size_t)w);
    }
    if (!queue.len && dropped > announced && out_mode != OUT_NONE) {
        char note[160];
        int n = snprintf(note, sizeof note, "endure%s%s%s: warning: %llu message(s) of endure dropped: stderr "
                         "was not being read\n", log_who[0] ? "[" : "", log_who, log_who[0] ? "]" : "",
                         (unsigned long long)(dropped - announced));
        announced = dropped;
        if (n > 0 && buf_append(&queue, note, (size_t)n) == 0)
            flush_locked();
    }
}

/* Queues one formatted message (whole, or dropped and counted). */
static void emit(const char *text, size_t len)
{
    pthread_mutex_lock(&mu);
    if (out_mode == OUT_UNSET)
        open_out();
    if (out_mode == OUT_DIRECT) {
        ssize_t w = write(out_fd, text, len);
        (void)w;
    } else if (out_mode == OUT_NONE || buf_append(&queue, text, len) < 0) {
        dropped++;
    } else {
        flush_locked();
    }
    pthread_mutex_unlock(&mu);
}

void log_msg(int level, const char *fmt, ...)
{
    if (level > log_get_level())
        return;
    char line[2048];
    static const char *names[] = {"error: ", "warning: ", "", ""};
    int n = snprintf(line, sizeof line, "endure%s%s%s: %s", log_who[0] ? "[" : "",
                     log_who, log_who[0] ? "]" : "", names[level & 3]);
    if (n < 0 || (size_t)n >= sizeof line)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    emit(line, len);
}

void log_text(const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (m <= 0)
        return;
    if ((size_t)m >= sizeof text) { /* cut: still end with the newline */
        m = (int)sizeof text - 1;
        text[m - 1] = '\n';
    }
    emit(text, (size_t)m);
}

void log_reopen(void)
{
    pthread_mutex_lock(&mu);
    if (out_mode == OUT_NONBLOCK)
        close(out_fd);
    if (out_mode != OUT_UNSET)
        buf_free(&queue);
    out_mode = OUT_UNSET;
    out_fd = -1;
    dropped = announced = 0;
    pthread_mutex_unlock(&mu);
}

void log_flush(void)
{
    pthread_mutex_lock(&mu);
    flush_locked();
    pthread_mutex_unlock(&mu);
}

int log_pending_fd(void)
{
    pthread_mutex_lock(&mu);
    int fd = queue.len && out_mode != OUT_NONE ? out_fd : -1;
    pthread_mutex_unlock(&mu);
    return fd;
}

uint64_t log_dropped(void)
{
    pthread_mutex_lock(&mu);
    uint64_t d = dropped;
    pthread_mutex_unlock(&mu);
    return d;
}

void log_drain(int wait_ms)
{
    int64_t deadline = now_ms() + wait_ms;
    for (;;) {
        log_flush();
        int fd = log_pending_fd(), t = ms_until(deadline);
        if (fd < 0 || t == 0)
            return;
        struct pollfd pf = {.fd = fd, .events = POLLOUT};
        if (poll(&pf, 1, t) <= 0)
            return;
    }
}
