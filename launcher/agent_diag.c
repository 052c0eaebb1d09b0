/* agent_diag: the agent's side of failure diagnosis. Every line of every
 * rank goes through the rule engine (diagnose/diagnose.h) in the agent, so
 * the controller never needs the full log stream: matches of root and
 * symptom rules go upstream as events, progress rules feed hang detection.
 * Also the tail of a failed rank's log, the evidence when no rule matched. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/log.h"
#include "common/text.h"
#include "common/util.h"
#include "diagnose/diagnose.h"
#include "launcher/agent_int.h"

#define AGENT_MAX_EVENTS 2000 /* per attempt; the rest are counted */
#define TAIL_BYTES 8192
#define TAIL_BYTES_LONG 65536

/* What identifies the learned file's content ("" when there is none). */
static void learned_sig(const struct msg_start *st, char *out, size_t len)
{
    struct stat sb;
    out[0] = '\0';
    if (st->learned && stat(st->learned, &sb) == 0)
        snprintf(out, len, "%.80s|%llu|%lld|%lld.%09ld|%d", st->learned, (unsigned long long)sb.st_ino,
                 (long long)sb.st_size, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec, st->learned_candidates);
}

/* Loads the rule set named by the start message once per agent, and again
 * when the learned file (rules the LLM proposed, endure run --llm) changed
 * since: an attempt classifies with what the previous one learned. A
 * learned file that does not load is left out (with a warning). */
int agent_diag_start(struct agent *a, const struct msg_start *st, struct buf *err)
{
    const json_t *paths = st->rules;
    char sig[sizeof a->learned_sig];
    a->events_sent = 0;
    a->attempt_boot_s = oom_boot_seconds();
    a->oom_kills_at_start = oom_cgroup_kills();
    learned_sig(st, sig, sizeof sig);
    if ((a->rs && !strcmp(sig, a->learned_sig)) || !json_is_array(paths))
        return 0;
    size_t n = json_array_size(paths);
    const char **p = calloc(n + 1, sizeof *p);
    struct ruleset *rs = NULL;
    if (!p)
        return -1;
    for (size_t i = 0; i < n; i++)
        p[i] = json_string_value(json_array_get(paths, i));
    p[n] = st->learned;
    int rc = sig[0] ? ruleset_load_ex(&rs, p, n + 1, st->learned_candidates, err) : -1;
    if (rc < 0 && sig[0]) {
        log_warn("the learned rules in %s do not load: left out (%s)", st->learned, err->p ? err->p : "?");
        buf_reset(err);
    }
    if (rc < 0 && (!a->rs || a->learned_sig[0]))
        rc = ruleset_load(&rs, p, n, err);
    else if (rc < 0)
        rc = 0, rs = NULL; /* keep the rules loaded before */
    free(p);
    if (rc < 0)
        return -1;
    if (rs) {
        ruleset_free(a->rs);
        a->rs = rs;
    }
    snprintf(a->learned_sig, sizeof a->learned_sig, "%s", sig);
    return 0;
}

void agent_diag_stream(struct agent *a, struct stream *s)
{
    if (!a->rs)
        return;
    s->cls = classifier_new(a->rs);
    if (s->cls)
        classifier_set_source(s->cls, a->node, s->r->global_rank, s->r->log_rel);
}

static void on_event(void *ctx, json_t *ev)
{
    struct stream *s = ctx;
    struct agent *a = s->a;
    json_object_set_new(ev, "seq", json_integer(++a->seq));
    if (a->events_sent >= AGENT_MAX_EVENTS) {
        a->events_dropped++;
        return;
    }
    a->events_sent++;
    agent_log_protect(a, s->r); /* its segment holds a failure's key line: kept under --log-keep */
    struct msg m = {.type = MSG_EVENT, .u.payload = {.attempt = a->attempt, .event = ev}};
    agent_send_msg(a, &m);
}

/* Classifies one line; returns 1 when it shows progress. */
int agent_diag_line(struct stream *s, const char *line, size_t len)
{
    if (!s->cls)
        return 0;
    return (classifier_line(s->cls, line, len, s->r->lineno, on_event, s) & CLS_PROGRESS) != 0;
}

/* End of a stream: an exception held back (a chained one might follow) is
 * delivered now. */
void agent_diag_finish(struct stream *s)
{
    if (s->cls)
        classifier_finish(s->cls, on_event, s);
}

/* The last lines (at most maxlines, of the last 8 KiB, or 64 KiB for a
 * long tail) of a log file, as JSON strings; an empty array when the file
 * cannot be read. */
json_t *agent_log_tail(const char *path, int maxlines)
{
    json_t *out = json_array();
    static char buf[TAIL_BYTES_LONG];
    const off_t cap = maxlines > AGENT_SHORT_TAIL ? TAIL_BYTES_LONG : TAIL_BYTES;
    int fd = open_regular(AT_FDCWD, path, O_RDONLY | O_NOFOLLOW, 0); /* never a FIFO a rank made */
    if (fd < 0)
        return out;
    off_t end = lseek(fd, 0, SEEK_END), start = end > cap ? end - cap : 0;
    ssize_t n = end > 0 ? pread(fd, buf, (size_t)(end - start), start) : 0;
    close(fd);
    if (n <= 0)
        return out;
    /* walk back over maxlines line ends, skipping a trailing one */
    ssize_t i = n;
    while (i > 0 && (buf[i - 1] == '\n' || buf[i - 1] == '\r'))
        i--;
    ssize_t stop = i;
    int lines = 0;
    while (i > 0 && lines < maxlines) {
        if (buf[i - 1] == '\n' && ++lines == maxlines)
            break;
        i--;
    }
    if (i == 0 && start > 0) { /* the first line is cut: drop it */
        while (i < stop && buf[i] != '\n')
            i++;
        i++;
    }
    while (i < stop) {
        char *nl = memchr(buf + i, '\n', (size_t)(stop - i));
        size_t len = nl ? (size_t)(nl - (buf + i)) : (size_t)(stop - i);
        size_t shown = len && buf[i + len - 1] == '\r' ? len - 1 : len;
        json_array_append_new(out, json_text(buf + i, shown));
        i += (ssize_t)len + 1;
    }
    return out;
}
