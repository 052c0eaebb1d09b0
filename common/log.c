/* log: endure's own diagnostics on stderr (see log.h). One write() per
 * message so that lines from several processes do not interleave. */
#include "common/log.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/util.h"

static char log_who[64];
static int log_level = -1;

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
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
