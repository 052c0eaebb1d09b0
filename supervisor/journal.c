/* journal: append-only JSON-lines event log (see journal.h). */
#include "supervisor/journal.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/log.h"
#include "common/util.h"

int journal_open(struct journal *j, const char *path)
{
    j->failed = 0;
    j->fd = open_regular(AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0644);
    return j->fd < 0 ? -1 : 0;
}

void journal_event(struct journal *j, const char *name, json_t *fields)
{
    char ts[40];
    format_time(wall_time(), ts, sizeof ts);
    json_t *o = json_pack("{s:s,s:s}", "ts", ts, "event", name);
    if (fields)
        json_object_update(o, fields);
    json_decref(fields);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!s || j->fd < 0) {
        json_decref(o);
        free(s);
        return;
    }
    size_t n = strlen(s);
    s[n] = '\n'; /* replace the NUL: one write per event */
    if (write_all(j->fd, s, n + 1) < 0 && !j->failed) {
        j->failed = 1;
        log_error("cannot write the journal: %s (supervising on)", strerror(errno));
    }
    free(s);
    if (j->observe)
        j->observe(j->observe_ctx, o);
    json_decref(o);
}

void journal_sync(struct journal *j)
{
    if (j->fd >= 0)
        fsync(j->fd);
}

void journal_close(struct journal *j)
{
    if (j->fd >= 0) {
        fsync(j->fd);
        close(j->fd);
    }
    j->fd = -1;
}
