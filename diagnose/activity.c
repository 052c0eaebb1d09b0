/* activity: the last activity of a log with no failure found, and the
 * honest verdict for it (activity.h). Literal markers only: this runs on
 * every line, and the markers are fixed strings printed by NCCL, PyTorch
 * and the usual trainers, all found in one pass over the line (marks.h), so
 * the cost does not grow with their number. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/activity.h"
#include "diagnose/marks.h"
#include "diagnose/prefix.h"

/* Collective/communicator setup: a log that ends here with no step printed
 * is a suspected hang in the first collective. */
static const char *const setup_marks[] = {
    "NCCL INFO", "NCCL version", "ProcessGroupNCCL initialized", "NCCL watchdog thread started",
    "Init COMPLETE", "Connected all rings", "Connected all trees",
    "Waiting in store based barrier", /* process-group init waiting for its peers */
    /* c10d's store-based barrier of every process group it creates
     * (init_process_group, new_group): "Added key: store_based_barrier_key:N
     * to store for rank: R", "Rank R: Completed store-based barrier for
     * key:store_based_barrier_key:N with M nodes." */
    "store_based_barrier_key:",
    /* DeepSpeed's deepspeed.init_distributed() creating the process group */
    "Initializing TorchBackend in DeepSpeed with backend",
    "all-reduces with algorithm = nccl", /* TensorFlow building its NCCL all-reduce */
    "Initializing distributed: GLOBAL_RANK", "initializing ddp: GLOBAL_RANK", /* Lightning's init_process_group */
    /* the rendezvous before any collective: c10d's TCPStore sockets (debug
     * logging), torchelastic's agent, TensorFlow's distributed server, a
     * Ray Train worker group starting or never granted its resources,
     * torch's pipeline stages before their first send/recv */
    "The server socket has started to listen on", "The client socket will attempt to connect to",
    "Rendezvous'ing worker group", "Attempting to join next rendezvous", "Added self to waiting list",
    "Started server with target: grpc://", "cannot be scheduled right now",
    "The following resource request cannot be", /* Ray's scheduler, also cut short */
    "Trainer logs will be logged in", "Started distributed worker processes", /* Ray Train's worker group */
    "Setting up process group for: ",
    "Finished pipeline stage init",
    /* c10d's warnings while its store client resolves and connects to the
     * master (IPv6 lookup, connect retries): still in the rendezvous */
    "cannot be retrieved (gai error", "The client socket has failed to connect to",
    NULL};
/* Completion lines: positive evidence of success. */
static const char *const done_marks[] = {
    "Training completed", "training completed", "Training finished", "training finished",
    "Finished training", "finished training", "after training is done", "'train_runtime'",
    "Process exits successfully", "exits successfully", "training done", "Training done",
    "final checkpoint saved", "saved final model", "Saved final model", "`Trainer.fit` stopped: `max_steps=",
    "`Trainer.fit` stopped: `max_epochs=", "# Avg bus bandwidth", /* nccl-tests' summary */
    "finished successfully", "Finished successfully", "Finished Successfully",
    NULL};
/* Lines that contain a completion mark but report one unit of a run that
 * goes on (Ray Train: "Training finished iteration 3 at ..."). */
static const char *const not_done_marks[] = {"Training finished iteration", NULL};
/* Completion lines too short to be searched for inside other text: they
 * count only as the whole line (kohya sd-scripts' final save). */
static const char *const done_lines[] = {"model saved.", NULL};

static int has_any(const char *line, size_t len, const char *const *marks)
{
    for (const char *const *m = marks; *m; m++)
        if (memmem(line, len, *m, strlen(*m)))
            return 1;
    return 0;
}

static int is_any_line(const char *line, size_t len, const char *const *marks)
{
    while (len && (*line == ' ' || *line == '\t'))
        line++, len--;
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        len--;
    for (const char *const *m = marks; *m; m++)
        if (len == strlen(*m) && !memcmp(line, *m, len))
            return 1;
    return 0;
}

enum mark_kind { K_SETUP = 1, K_DONE = 2, K_NOT_DONE = 4 };
_Static_assert(sizeof setup_marks / sizeof *setup_marks + sizeof done_marks / sizeof *done_marks +
                       sizeof not_done_marks / sizeof *not_done_marks <=
                   MARKS_MAX + 3,
               "raise MARKS_MAX");

/* Every mark in one set, built once per process (read-only after). */
static struct marks *all_marks;
static pthread_once_t marks_once = PTHREAD_ONCE_INIT;

static size_t marks_add(const char **mark, uint32_t *bits, size_t n, const char *const *list,
                        enum mark_kind k)
{
    for (; *list; list++, n++) {
        mark[n] = *list;
        bits[n] = k;
    }
    return n;
}

/* On failure (no memory) all_marks stays NULL and line_marks searches
 * each mark instead. */
static void marks_build(void)
{
    const char *mark[MARKS_MAX + 3];
    uint32_t bits[MARKS_MAX + 3];
    size_t n = marks_add(mark, bits, 0, setup_marks, K_SETUP);
    n = marks_add(mark, bits, n, done_marks, K_DONE);
    n = marks_add(mark, bits, n, not_done_marks, K_NOT_DONE);
    all_marks = marks_new(mark, bits, n);
}

/* The kinds of the marks in line (K_* bits). */
static unsigned line_marks(const char *line, size_t len)
{
    pthread_once(&marks_once, marks_build);
    if (all_marks)
        return marks_scan(all_marks, line, len);
    return (has_any(line, len, setup_marks) ? K_SETUP : 0) | (has_any(line, len, done_marks) ? K_DONE : 0) |
           (has_any(line, len, not_done_marks) ? K_NOT_DONE : 0);
}

void activity_init(struct activity *a)
{
    a->last = ACT_NONE;
    a->step = -1;
    a->done = 0;
    a->setup[0] = '\0';
}

void activity_line(struct activity *a, const char *line, size_t len, long step)
{
    unsigned k = line_marks(line, len);
    if (((k & K_DONE) && !(k & K_NOT_DONE)) || is_any_line(line, len, done_lines))
        a->done = 1;
    if (step >= 0 && step != a->step) {
        a->step = step;
        a->last = ACT_STEP;
    } else if (k & K_SETUP) {
        size_t n = len < sizeof a->setup - 1 ? len : sizeof a->setup - 1;
        a->last = ACT_SETUP;
        memcpy(a->setup, line, n);
        a->setup[n] = '\0';
    }
}

/* The start of NCCL's "host:pid:tid [gpu] NCCL" inside a setup line, past
 * any label in front of it (pdsh's "host: ", a pager's "│ ", "stdout: "):
 * the token before " [gpu] NCCL". s itself when there is no such token. */
static const char *nccl_token(const char *s)
{
    const char *m = strstr(s, "] NCCL"), *p = m;
    while (p && p > s && p[-1] >= '0' && p[-1] <= '9')
        p--;
    if (!p || p == m || p - s < 3 || p[-1] != '[' || p[-2] != ' ')
        return s;
    p -= 2;
    const char *t = p;
    while (t > s && t[-1] != ' ' && t[-1] != '\t')
        t--;
    return t < p ? t : s;
}

void activity_verdict(const struct activity *a, json_t *v)
{
    const char *type = json_string_value(json_object_get(v, "type"));
    if (!type || strcmp(type, "success") || !json_is_null(json_object_get(v, "rule")) || a->done)
        return;
    char last[64];
    if (a->last == ACT_STEP || (a->last == ACT_SETUP && a->step >= 0))
        snprintf(last, sizeof last, "training at step %ld", a->step);
    else
        snprintf(last, sizeof last, "%s", a->last == ACT_SETUP ? "NCCL init" : "none recognised");
    json_object_set_new(v, "last_activity", json_string(last));
    if (a->last == ACT_SETUP && a->step < 0) {
        json_object_set_new(v, "category", json_string("hang"));
        json_object_set_new(v, "type", json_string("hang"));
        json_object_set_new(v, "action", json_string("restart"));
        json_object_set_new(v, "suspected", json_true());
        struct prefix_info p; /* NCCL's "host:pid:tid [gpu] NCCL": the host whose
                               * setup was the last thing logged (a pasted log
                               * may indent it or label it); before a label's
                               * host (pdsh's "worker-3: "), which is only the
                               * launcher's name for the node */
        const char *s = a->setup + strspn(a->setup, " \t"), *t = nccl_token(s);
        prefix_parse(t, strlen(t), &p);
        if (!p.host[0] && t != s)
            prefix_parse(s, strlen(s), &p);
        if (p.host[0])
            json_object_set_new(json_object_get(v, "culprit"), "host", json_string(p.host));
        json_object_set_new(v, "confidence", json_real(0.4));
        json_object_set_new(v, "explanation",
                            json_string("No failure found, but the log ends in collective setup "
                                        "(last activity: NCCL init) and no training step was "
                                        "printed: suspected hang in the first collective (a rank "
                                        "that never joined, or a network that does not connect)."));
        return;
    }
    char msg[256];
    snprintf(msg, sizeof msg,
             "No failure found, and no evidence of success either (no completion line, no exit "
             "status): the log simply stops. Last activity: %s.",
             last);
    json_object_set_new(v, "type", json_string("no_failure"));
    json_object_set_new(v, "confidence", json_real(0.5));
    json_object_set_new(v, "explanation", json_string(msg));
}

void activity_proven(json_t *v, const char *why)
{
    const char *type = json_string_value(json_object_get(v, "type"));
    if (!type || strcmp(type, "no_failure"))
        return;
    json_object_set_new(v, "type", json_string("success"));
    json_object_set_new(v, "confidence", json_real(0.9));
    json_object_set_new(v, "explanation", json_string(why));
}
