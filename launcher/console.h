/* console: the agent's non-blocking console writer. Selected ranks' lines are
 * prefixed "[node:rank] " and queued in a capped buffer that is flushed when
 * the console accepts bytes; when it cannot keep up, whole lines are dropped
 * and counted, and the ranks are never slowed. Owns its fd. */
#ifndef ENDURE_CONSOLE_H
#define ENDURE_CONSOLE_H
#include <stddef.h>
#include <stdint.h>
#include "common/buf.h"

#define CONSOLE_BUFFER (1u << 20)

struct console {
    int fd;
    int discard;            /* the console is /dev/null */
    struct buf q;
    uint64_t dropped;       /* lines dropped since start */
    uint64_t reported;      /* dropped count already reported upstream */
};

/* Opens a non-blocking writer on stdout without changing stdout's own file
 * status flags (a new open file description where the file type allows).
 * When stdout is /dev/null, lines are discarded before they are formatted. */
int console_open(struct console *c);
/* Queues "[prefix] line\n", or drops it and counts. */
void console_line(struct console *c, const char *prefix, const char *line, size_t len);
/* Writes what the console takes now; 0, or -1 when the console is gone. */
int console_flush(struct console *c);
int console_pending(const struct console *c);
/* Flushes with a bounded blocking wait (for exit paths), then closes. */
void console_close(struct console *c, int wait_ms);

#endif
