/* run_report: the story of an endure run directory for `endure diagnose
 * RUN_DIR` (see run_report() in offline.h). A run that failed and then
 * succeeded after a restart must not read as a clean run: every attempt is
 * listed with its outcome (the journal's attempt_end), what the controller
 * saw (its failure event) and its verdict (attempt-<N>/failure.json), and
 * the run's end (run_end). The journal is untrusted input: only regular
 * files, at most JOURNAL_MAX bytes, lines capped, only the few events
 * needed are parsed, and only fields of the right type are kept. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/lines.h"
#include "diagnose/offline.h"

#define JOURNAL_MAX ((size_t)1 << 30) /* bytes of events.jsonl read */

struct att {
    long n;
    int ok;       /* attempt_end: 1 ok, 0 failed, -1 none seen */
    json_t *what; /* the first failure event's "what" (string) */
};

struct story {
    struct att *a;
    size_t n;
    int journal;    /* events.jsonl was read */
    json_t *end;    /* the run_end event, or NULL */
};

static int cmp_att(const void *key, const void *elem)
{
    long k = *(const long *)key, n = ((const struct att *)elem)->n;
    return (k > n) - (k < n);
}

static struct att *find(struct story *s, const json_t *e)
{
    json_t *a = json_object_get(e, "attempt");
    long k = json_is_integer(a) ? (long)json_integer_value(a) : -1;
    return k < 0 ? NULL : bsearch(&k, s->a, s->n, sizeof *s->a, cmp_att);
}

/* A new run in the same directory (a reused run id) starts the story over. */
static void reset(struct story *s)
{
    for (size_t i = 0; s->a && i < s->n; i++) {
        s->a[i].ok = -1;
        json_decref(s->a[i].what);
        s->a[i].what = NULL;
    }
    json_decref(s->end);
    s->end = NULL;
}

static void on_event(struct story *s, const json_t *e)
{
    const char *ev = json_string_value(json_object_get(e, "event"));
    json_t *ok = json_object_get(e, "ok"), *what = json_object_get(e, "what");
    struct att *a = find(s, e);
    if (!ev)
        return;
    if (!strcmp(ev, "run_start")) {
        reset(s);
    } else if (!strcmp(ev, "attempt_end") && a && json_is_boolean(ok)) {
        a->ok = json_is_true(ok);
    } else if (!strcmp(ev, "failure") && a && !a->what && json_is_string(what)) {
        a->what = json_incref(what);
    } else if (!strcmp(ev, "run_end")) {
        json_decref(s->end);
        s->end = json_deep_copy(e);
    }
}

static void on_line(void *ctx, const char *line, size_t len, unsigned flags)
{
    static const char *const wanted[] = {"\"event\":\"attempt_end\"", "\"event\":\"failure\"",
                                         "\"event\":\"run_end\"", "\"event\":\"run_start\""};
    int hit = 0;
    if (flags & LINE_TRUNCATED)
        return;
    for (size_t i = 0; i < sizeof wanted / sizeof *wanted && !hit; i++)
        hit = memmem(line, len, wanted[i], strlen(wanted[i])) != NULL;
    json_t *e = hit ? json_loadb(line, len, 0, NULL) : NULL;
    if (json_is_object(e))
        on_event(ctx, e);
    json_decref(e);
}

static void read_journal(const char *dir, struct story *s)
{
    char path[PATH_MAX], chunk[64 * 1024];
    struct stat st;
    struct linesplit ls;
    size_t total = 0;
    ssize_t n;
    if (layout_run_file(path, sizeof path, dir, LAYOUT_EVENTS) < 0)
        return;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return;
    }
    s->journal = 1;
    linesplit_init(&ls, LINE_CAP_DEFAULT);
    while (total < JOURNAL_MAX && ((n = read(fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))) {
        if (n < 0)
            continue;
        total += (size_t)n;
        linesplit_feed(&ls, chunk, (size_t)n, on_line, s);
    }
    linesplit_finish(&ls, on_line, s);
    linesplit_free(&ls);
    close(fd);
}

json_t *verdict_brief(const json_t *v)
{
    static const char *const keys[] = {"category", "type", "culprit", "action", "rule",
                                       "confidence", "key_line", "explanation"};
    json_t *b = json_object();
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        json_t *x = json_object_get(v, keys[i]);
        if (x)
            json_object_set_new(b, keys[i], json_deep_copy(x));
    }
    return b;
}

/* One entry of the attempt list. */
static json_t *attempt_entry(const char *dir, const struct story *s, size_t i, int *failed)
{
    const struct att *a = &s->a[i];
    char adir[PATH_MAX], src[64];
    layout_attempt_dir(adir, sizeof adir, dir, a->n);
    json_t *v = attempt_dir_verdict(adir);
    const char *outcome = a->ok == 1 ? "succeeded"
                          : a->ok == 0 || v ? "failed"
                          : s->journal && !s->end && i + 1 == s->n ? "unfinished"
                                                                    : "unknown";
    *failed += !strcmp(outcome, "failed");
    layout_failure_json(src, sizeof src, NULL, a->n);
    json_t *e = json_pack("{s:I,s:s,s:O?,s:o,s:s?}", "attempt", (json_int_t)a->n, "outcome", outcome,
                          "what", a->what, "verdict", v ? verdict_brief(v) : json_null(), "source",
                          v ? src : NULL);
    json_decref(v);
    return e;
}

static json_t *run_summary(const struct story *s, int failed)
{
    json_t *code = json_object_get(s->end, "exit_code"), *reason = json_object_get(s->end, "reason");
    const char *outcome = !s->journal ? "unknown"
                          : !s->end   ? "unfinished"
                          : json_is_integer(code) && json_integer_value(code) == 0 ? "succeeded"
                                                                                  : "failed";
    return json_pack("{s:s,s:o,s:o,s:I,s:i}", "outcome", outcome, "exit_code",
                     json_is_integer(code) ? json_copy(code) : json_null(), "reason",
                     json_is_string(reason) ? json_copy(reason) : json_null(), "attempts",
                     (json_int_t)s->n, "failed", failed);
}

json_t *run_report(const char *dir)
{
    struct story s = {0};
    long *nums = input_attempts(dir, &s.n);
    json_t *r = NULL;
    int failed = 0;
    if (!nums || !s.n || !(s.a = calloc(s.n, sizeof *s.a)))
        goto out;
    for (size_t i = 0; i < s.n; i++)
        s.a[i] = (struct att){nums[i], -1, NULL};
    read_journal(dir, &s);
    json_t *list = json_array();
    for (size_t i = 0; i < s.n; i++)
        json_array_append_new(list, attempt_entry(dir, &s, i, &failed));
    r = json_pack("{s:o,s:o}", "attempts", list, "run", run_summary(&s, failed));
out:
    reset(&s);
    free(s.a);
    free(nums);
    return r;
}
