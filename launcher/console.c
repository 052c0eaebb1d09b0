/* console: non-blocking, dropping console writer (see console.h). */
#include "launcher/console.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/util.h"

int console_open(struct console *c)
{
    struct stat st;
    memset(c, 0, sizeof *c);
    buf_init(&c->q, CONSOLE_BUFFER);
    c->fd = -1;
    if (fstat(STDOUT_FILENO, &st) < 0)
        return -1;
    struct stat devnull;
    if (S_ISCHR(st.st_mode) && stat("/dev/null", &devnull) == 0 && st.st_rdev == devnull.st_rdev) {
        c->discard = 1; /* nothing to show: do not even format the lines */
        return 0;
    }
    if (S_ISREG(st.st_mode)) {
        /* regular files never block for long; share the description so that
         * the offset stays consistent with the controller's writes */
        c->fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    } else {
        c->fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (c->fd < 0) { /* a socket: no reopen; non-blocking on the shared fd */
            c->fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
            if (c->fd >= 0)
                fd_set_nonblock(c->fd);
        }
    }
    return c->fd < 0 ? -1 : 0;
}

void console_line(struct console *c, const char *prefix, const char *line, size_t len)
{
    if (c->discard)
        return;
    size_t plen = strlen(prefix);
    if (c->fd < 0 || c->q.max - c->q.len < plen + len + 2) {
        c->dropped++;
        return;
    }
    buf_append(&c->q, prefix, plen);
    buf_append(&c->q, line, len);
    buf_append(&c->q, "\n", 1);
    if (c->q.len >= 65536)
        console_flush(c);
}

int console_flush(struct console *c)
{
    while (c->q.len && c->fd >= 0) {
        ssize_t n = write(c->fd, c->q.p, c->q.len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return 0;
            /* the console is gone (EPIPE, EIO): count what is lost, go on */
            c->dropped++;
            buf_reset(&c->q);
            close(c->fd);
            c->fd = -1;
            return -1;
        }
        buf_consume(&c->q, (size_t)n);
    }
    return 0;
}

int console_pending(const struct console *c)
{
    return c->fd >= 0 && c->q.len > 0;
}

void console_close(struct console *c, int wait_ms)
{
    int64_t deadline = now_ms() + wait_ms;
    while (console_pending(c)) {
        if (console_flush(c) < 0 || !console_pending(c))
            break;
        struct pollfd p = {.fd = c->fd, .events = POLLOUT};
        int t = ms_until(deadline);
        if (t == 0 || poll(&p, 1, t) <= 0)
            break;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    buf_free(&c->q);
}
