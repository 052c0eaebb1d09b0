/* agent_diag: the agent's side of failure diagnosis. Every line of every
 * rank goes through the rule engine (diagnose/diagnose.h) in the agent, so
 * the controller never needs the full log stream: matches of root and
 * symptom rules go upstream as events, progress rules feed hang detection.
 * Also the tail of a failed rank's log, the evidence when no rule matched. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/log.h"
#include "common/text.h"
#include "common/util.h"
#include "common/worker.h"
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

/* A rule-set load on the agent's worker thread: everything it reads is
 * copied in (the start message may be freed by a stop meanwhile), the
 * result waits in rs/err for rules_loaded on the loop's thread. */
struct rules_job {
    int attempt;           /* whose ranks it spawns; moved on by a later start (the loop's thread only) */
    char **paths;          /* the start message's rule paths, then the learned file (or NULL) */
    size_t n;              /* rule paths, without the learned file */
    int candidates;
    int64_t delay_ms;      /* ENDURE_TEST_RULES_DELAY_MS: a test hook (a slow load) */
    int plain_fallback;    /* when the learned file does not load: load without it (else keep the rules) */
    char sig[160];
    struct ruleset *rs;    /* NULL with rc 0: keep the rules loaded before */
    struct buf err, learned_err;
    int ran, rc, learned_failed;
};

static void rules_job_free(struct rules_job *j)
{
    for (size_t i = 0; j->paths && i <= j->n; i++)
        free(j->paths[i]);
    free(j->paths);
    ruleset_free(j->rs);
    buf_free(&j->err);
    buf_free(&j->learned_err);
    free(j);
}

/* The load itself (any thread: it touches only j). A learned file that
 * does not load is left out. */
static void rules_job_run(void *arg)
{
    struct rules_job *j = arg;
    const char *const *p = (const char *const *)j->paths;
    j->ran = 1;
    if (j->delay_ms > 0)
        poll(NULL, 0, (int)j->delay_ms); /* test hook: a slow load, on this thread only */
    j->rc = j->sig[0] ? ruleset_load_ex(&j->rs, p, j->n + 1, j->candidates, &j->learned_err) : -1;
    j->learned_failed = j->sig[0] && j->rc < 0;
    if (j->rc < 0 && j->plain_fallback)
        j->rc = ruleset_load(&j->rs, p, j->n, &j->err);
    else if (j->rc < 0)
        j->rc = 0, j->rs = NULL; /* keep the rules loaded before */
}

/* Installs a load's rule set (0), or -1 when none loaded. */
static int rules_take(struct agent *a, struct rules_job *j)
{
    if (j->learned_failed)
        log_warn("the learned rules in %s do not load: left out (%s)", j->paths[j->n],
                 j->learned_err.p ? j->learned_err.p : "?");
    if (j->rc < 0)
        return -1;
    if (j->rs) {
        ruleset_free(a->rs);
        a->rs = j->rs;
        j->rs = NULL;
    }
    snprintf(a->learned_sig, sizeof a->learned_sig, "%s", j->sig);
    return 0;
}

/* A load's done callback (the loop's thread): the rule set is installed,
 * and the attempt it was loaded for spawns its ranks unless it was stopped
 * since (or the agent is closing: worker_stop runs this too). */
static void rules_loaded(void *ctx, void *arg)
{
    struct agent *a = ctx;
    struct rules_job *j = arg;
    if (a->rules_inflight == j)
        a->rules_inflight = NULL;
    int rc = j->ran ? rules_take(a, j) : -1;
    if (j->ran && !a->closing && a->state == A_LOADING && j->attempt == a->attempt) {
        if (rc < 0)
            ranks_start_failed(a, j->err.p ? j->err.p : "the rules do not load");
        else
            ranks_spawn(a);
    }
    rules_job_free(j);
}

static struct rules_job *rules_job_new(struct agent *a, const struct msg_start *st, const char *sig)
{
    const json_t *paths = st->rules;
    struct rules_job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->attempt = st->attempt;
    j->n = json_array_size(paths);
    j->candidates = st->learned_candidates;
    j->plain_fallback = !a->rs || a->learned_sig[0];
    const char *d = getenv("ENDURE_TEST_RULES_DELAY_MS");
    j->delay_ms = d ? atoll(d) : 0;
    snprintf(j->sig, sizeof j->sig, "%s", sig);
    buf_init(&j->err, 1024);
    buf_init(&j->learned_err, 1024);
    j->paths = calloc(j->n + 1, sizeof *j->paths);
    int ok = j->paths != NULL;
    for (size_t i = 0; ok && i < j->n; i++)
        ok = (j->paths[i] = strdup(json_string_value(json_array_get(paths, i)) ?: "")) != NULL;
    if (ok && st->learned)
        ok = (j->paths[j->n] = strdup(st->learned)) != NULL;
    if (!ok) {
        rules_job_free(j);
        return NULL;
    }
    return j;
}

/* Loads the rule set named by the start message once per agent, and again
 * when the learned file (rules the LLM proposed, endure run --llm) changed
 * since: an attempt classifies with what the previous one learned. A
 * learned file that does not load is left out (with a warning). The load
 * (about 0.1 s of CPU for the shipped rules; seconds on a loaded node) runs
 * on the agent's worker thread, so that heartbeats go on meanwhile: 1 when
 * it was queued (rules_loaded spawns the ranks), 0 when the rules loaded
 * before serve (the caller spawns), -1 with err. */
int agent_diag_start(struct agent *a, const struct msg_start *st, struct buf *err)
{
    char sig[sizeof a->learned_sig];
    a->events_sent = 0;
    a->attempt_boot_s = oom_boot_seconds();
    a->oom_kills_at_start = oom_cgroup_kills();
    learned_sig(st, sig, sizeof sig);
    if ((a->rs && !strcmp(sig, a->learned_sig)) || !json_is_array(st->rules))
        return 0;
    struct rules_job *j = a->rules_inflight;
    if (j && !strcmp(j->sig, sig)) { /* a stopped attempt's load still runs: it serves this one */
        j->attempt = st->attempt;
        return 1;
    }
    j = rules_job_new(a, st, sig);
    if (!j) {
        buf_printf(err, "out of memory loading the rules");
        return -1;
    }
    if (!a->bio && worker_start(&a->bio) < 0)
        a->bio = NULL; /* no thread: the load runs here, as a last resort */
    if (a->bio && worker_submit(a->bio, rules_job_run, rules_loaded, a, j) == 0) {
        a->rules_inflight = j;
        return 1;
    }
    rules_job_run(j);
    int rc = rules_take(a, j);
    if (rc < 0)
        buf_printf(err, "%s", j->err.p ? j->err.p : "the rules do not load");
    rules_job_free(j);
    return rc;
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
