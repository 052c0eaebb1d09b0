/* agent_logs: the agent's side of bounded rank logs (--log-max-size,
 * --log-keep). A log that would grow past the size is renamed, on the
 * loop, to its closed segment name (a rename and an open: no copy) and the
 * segment is handed to the background compressor (logrot.c), so the pipe
 * drain never waits for zlib. Segments where the classifier found a root
 * or symptom line, and the last segment of a rank that failed, are
 * protected from the cap. With a cap, an attempt's logs are compressed
 * when the attempt ends; without one (and without --plain-logs) they are
 * compressed when the node starts its second attempt after it, so that
 * the logs of a node's last two attempts stay plain: the failed one an
 * on-call engineer opens first, which the LLM's job and `endure diagnose`
 * may still be reading while the next attempt runs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/log.h"
#include "common/util.h"
#include "launcher/agent_int.h"
#include "launcher/logrot.h"

#define LOGROT_EXIT_MS 2000 /* at exit, compressions still queued get this long */

/* The node directory of the current attempt. */
static const char *node_dir(const struct agent *a)
{
    return a->start.u.start.node_dir;
}

/* <run_dir> = the node directory's grandparent (<run_dir>/attempt-<N>/<node>). */
static int run_dir_of(const char *nd, char *out, size_t len)
{
    if (snprintf(out, len, "%s", nd) >= (int)len)
        return -1;
    for (int k = 0; k < 2; k++) {
        char *s = strrchr(out, '/');
        if (!s || s == out)
            return -1;
        *s = '\0';
    }
    return 0;
}

/* The rank logs of one of the node's last attempts, still plain. */
struct old_logs {
    char *dir;    /* the attempt's node directory */
    int n;
    struct old_log { int rank; long seg; } v[];
};

static void old_logs_free1(struct old_logs **o)
{
    if (*o)
        free((*o)->dir);
    free(*o);
    *o = NULL;
}

static void old_logs_free(struct agent *a)
{
    for (int k = 0; k < AGENT_PLAIN_ATTEMPTS; k++)
        old_logs_free1(&a->old_logs[k]);
}

/* Remembers a's ranks' live logs as the newest of the plain ones. */
static void old_logs_keep(struct agent *a)
{
    struct old_logs *o = calloc(1, sizeof *o + (size_t)a->nranks * sizeof o->v[0]);
    if (!o || !(o->dir = strdup(node_dir(a)))) {
        free(o);
        return;
    }
    for (int i = 0; i < a->nranks; i++)
        o->v[o->n++] = (struct old_log){a->ranks[i].global_rank, a->ranks[i].log_seg ? a->ranks[i].log_seg : 1};
    old_logs_free1(&a->old_logs[0]);
    memmove(a->old_logs, a->old_logs + 1, (AGENT_PLAIN_ATTEMPTS - 1) * sizeof *a->old_logs);
    a->old_logs[AGENT_PLAIN_ATTEMPTS - 1] = o;
}

/* A new attempt starts: closes the oldest remembered attempt's logs as
 * segments and queues their gzip, once AGENT_PLAIN_ATTEMPTS are kept. */
static void old_logs_compress(struct agent *a)
{
    struct old_logs *o = a->old_logs[0];
    for (int i = 0; o && a->logrot && i < o->n; i++) {
        char live[PATH_MAX], seg[PATH_MAX];
        if (layout_rank_log(live, sizeof live, o->dir, o->v[i].rank) < 0 ||
            layout_rank_log_segment(seg, sizeof seg, o->dir, o->v[i].rank, o->v[i].seg, 0) < 0)
            continue;
        if (rename(live, seg) < 0) {
            if (errno != ENOENT)
                log_warn("cannot close %s for compression: %s", live, strerror(errno));
            continue;
        }
        if (logrot_compress(a->logrot, seg) < 0)
            log_warn("cannot queue the compression of %s", seg);
    }
    old_logs_free1(&a->old_logs[0]);
}

int agent_logs_start(struct agent *a, const struct msg_start *st)
{
    if (!st->log_max_size && !st->log_keep && (st->plain_logs || !a->old_logs[0])) {
        old_logs_free(a);
        return 0;
    }
    if (!a->logrot && logrot_start(&a->logrot) < 0) {
        log_warn("cannot start the log compressor: %s (logs are not rotated)", strerror(errno));
        return 0;
    }
    char rd[PATH_MAX];
    if (run_dir_of(st->node_dir, rd, sizeof rd) == 0)
        logrot_configure(a->logrot, rd, a->node, (uint64_t)st->log_keep);
    if (st->plain_logs)
        old_logs_free(a);
    old_logs_compress(a);
    return 0;
}

int agent_log_open(struct agent *a, struct rank *r)
{
    char path[PATH_MAX];
    struct stat sb;
    (void)a;
    layout_rank_log(path, sizeof path, node_dir(a), r->global_rank);
    r->log_fd = open_regular(AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0644);
    if (r->log_fd < 0)
        return -1;
    r->log_size = fstat(r->log_fd, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    if (!r->log_seg)
        r->log_seg = 1;
    return 0;
}

/* Closes the live log of r as segment r->log_seg and queues its gzip. */
static int close_segment(struct agent *a, struct rank *r)
{
    char live[PATH_MAX], seg[PATH_MAX];
    if (layout_rank_log(live, sizeof live, node_dir(a), r->global_rank) < 0 ||
        layout_rank_log_segment(seg, sizeof seg, node_dir(a), r->global_rank, r->log_seg, 0) < 0)
        return -1;
    if (r->log_fd >= 0)
        close(r->log_fd);
    r->log_fd = -1;
    if (rename(live, seg) < 0)
        return -1;
    r->log_seg++;
    if (logrot_compress(a->logrot, seg) < 0)
        log_warn("cannot queue the compression of %s", seg);
    return 0;
}

void agent_log_rotate(struct agent *a, struct rank *r, size_t incoming)
{
    int64_t max = a->start.u.start.log_max_size;
    if (!a->logrot || max <= 0 || !r->log_size || r->log_size + incoming <= (uint64_t)max)
        return;
    if (close_segment(a, r) < 0 && !a->log_rot_failed) {
        a->log_rot_failed = 1;
        log_warn("cannot rotate %s: %s (it grows on)", r->log_rel, strerror(errno));
    }
    if (r->log_fd < 0 && agent_log_open(a, r) < 0)
        log_warn("cannot reopen %s: %s", r->log_rel, strerror(errno));
    else
        r->log_size = 0;
}

void agent_log_protect(struct agent *a, struct rank *r)
{
    char seg[PATH_MAX];
    if (a->logrot && layout_rank_log_segment(seg, sizeof seg, node_dir(a), r->global_rank, r->log_seg, 0) == 0)
        logrot_protect(a->logrot, seg);
}

/* 1 if the attempt spawned a rank (or opened its log): an attempt stopped
 * while its rules loaded has no logs to keep plain. */
static int attempt_has_logs(const struct agent *a)
{
    for (int i = 0; a->ranks && i < a->nranks; i++)
        if (a->ranks[i].pid > 0 || a->ranks[i].log_fd >= 0)
            return 1;
    return 0;
}

void agent_logs_attempt_end(struct agent *a)
{
    if (a->start.u.start.log_keep <= 0 && !a->start.u.start.plain_logs && attempt_has_logs(a))
        old_logs_keep(a);
    if (!a->logrot)
        return;
    if (a->start.u.start.log_keep > 0)
        for (int i = 0; a->ranks && i < a->nranks; i++)
            close_segment(a, &a->ranks[i]);
    logrot_check(a->logrot);
}

void agent_logs_close(struct agent *a)
{
    old_logs_free(a);
    if (!a->logrot)
        return;
    if (logrot_wait(a->logrot, LOGROT_EXIT_MS) < 0)
        log_warn("log compression not finished at exit: the plain segments stay (diagnose reads them)");
    struct logrot_stats st;
    logrot_get_stats(a->logrot, &st);
    if (st.errors)
        log_warn("%llu rank-log segment(s) could not be compressed or removed", (unsigned long long)st.errors);
    logrot_stop(a->logrot);
    a->logrot = NULL;
}
