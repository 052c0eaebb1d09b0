/* run: runs the probes, each in a forked child that writes its result as
 * one JSON object to a pipe; one poll() loop with deadlines waits for them
 * all, kills a run that passes its timeout, and reruns a failed probe after
 * a pause until it failed fail_after times in a row (the debounce). A child
 * killed in a driver call may not die at once (uninterruptible sleep): it
 * gets a short grace, then it is reported and left to init. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/text.h"
#include "common/util.h"
#include "health/health_int.h"

#define RESULT_MAX (256u << 10) /* bytes a probe child may write */
#define KILL_GRACE_MS 2000

const char *const health_probe_names[HEALTH_NPROBES] = {"gpu", "cuda", "nic", "storage", "memory"};

void health_opts_init(struct health_opts *o)
{
    memset(o, 0, sizeof *o);
    o->gpu_free_timeout_ms = 30000;
    o->timeout_ms = 30000;
    o->fail_after = 2;
    o->min_copy_gbps = 1.0;
    o->nvml_lib = "libnvidia-ml.so.1";
    o->cuda_lib = "libcuda.so.1";
    o->sysfs = "/sys";
    o->meminfo = "/proc/meminfo";
    o->retry_pause_ms = 500;
    o->storage_slow_ms = 10000;
}

const char *health_result_name(enum health_result r)
{
    static const char *const n[] = {"pass", "warn", "fail", "skip"};
    return (unsigned)r < 4 ? n[r] : "fail";
}

int health_probe_index(const char *name)
{
    for (int i = 0; i < HEALTH_NPROBES; i++)
        if (!strcmp(name, health_probe_names[i]))
            return i;
    return -1;
}

static enum health_result result_of(const char *s)
{
    for (int r = HEALTH_PASS; r <= HEALTH_SKIP; r++)
        if (s && !strcmp(s, health_result_name((enum health_result)r)))
            return (enum health_result)r;
    return HEALTH_FAIL;
}

enum slot_state { WAITING, READY, RUNNING, KILLED, DONE };

struct slot {
    const struct probe_def *d;
    enum slot_state st;
    pid_t pid;
    int fd;
    int64_t start, deadline, ready_at;
    struct buf out;
    int runs;
    char first_failure[HEALTH_REASON_MAX];
    json_t *result; /* of the last finished run */
};

/* In the child: runs the probe, writes {"result","reason","figures"}. */
static void child_main(const struct probe_def *d, const struct health_opts *o, int wfd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    struct probe_out out = {HEALTH_SKIP, "", json_object()};
    d->fn(o, &out);
    json_t *j = json_object();
    json_object_set_new(j, "result", json_string(health_result_name(out.result)));
    json_object_set_new(j, "reason", json_text(out.reason, strlen(out.reason)));
    json_object_set_new(j, "figures", out.figures ? out.figures : json_object());
    char *t = json_dumps(j, JSON_COMPACT);
    if (t)
        write_all(wfd, t, strlen(t));
    free(t);
    json_decref(j);
    _exit(0);
}

static int slot_start(struct slot *s, const struct health_opts *o)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        child_main(s->d, o, p[1]);
    }
    close(p[1]);
    s->pid = pid;
    s->fd = p[0];
    s->start = now_ms();
    s->deadline = s->start + o->timeout_ms + s->d->extra_ms;
    s->runs++;
    buf_reset(&s->out);
    s->st = RUNNING;
    return 0;
}

static json_t *run_result(const char *result, const char *reason)
{
    return json_pack("{s:s,s:o,s:{}}", "result", result, "reason", json_text(reason, strlen(reason)), "figures");
}

/* The child's output (or how it ended) as {"result","reason","figures"}. */
static json_t *parse_child(struct slot *s, int status, int timed_out, const struct health_opts *o)
{
    char why[160];
    if (timed_out) {
        snprintf(why, sizeof why, "timed out after %.1fs%s", (double)(o->timeout_ms + s->d->extra_ms) / 1000,
                 timed_out > 1 ? " (the probe process did not exit: stuck in the kernel?)" : "");
        return run_result("fail", why);
    }
    if (WIFSIGNALED(status)) {
        snprintf(why, sizeof why, "the probe crashed (signal %d)", WTERMSIG(status));
        return run_result("fail", why);
    }
    json_t *j = s->out.len ? json_loadb(s->out.p, s->out.len, 0, NULL) : NULL;
    if (!j && WIFEXITED(status) && WEXITSTATUS(status)) {
        snprintf(why, sizeof why, "the probe exited with status %d", WEXITSTATUS(status));
        return run_result("fail", why);
    }
    if (!json_is_object(j) || !json_is_string(json_object_get(j, "result")) ||
        !json_is_object(json_object_get(j, "figures"))) {
        json_decref(j);
        return run_result("fail", "the probe gave no result");
    }
    return j;
}

/* A run ended: keep its result, or schedule a rerun of a failure. */
static void slot_finish(struct slot *s, json_t *r, const struct health_opts *o)
{
    json_object_set_new(r, "ms", json_integer(now_ms() - s->start));
    json_decref(s->result);
    s->result = r;
    s->pid = -1;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    int failed = result_of(json_string_value(json_object_get(r, "result"))) == HEALTH_FAIL;
    if (failed && !s->first_failure[0])
        snprintf(s->first_failure, sizeof s->first_failure, "%s",
                 json_string_value(json_object_get(r, "reason")) ?: "");
    if (failed && s->runs < o->fail_after) {
        s->st = READY;
        s->ready_at = now_ms() + o->retry_pause_ms;
        return;
    }
    s->st = DONE;
}

/* Reads what the child wrote; at EOF reaps it and finishes the run. */
static void slot_read(struct slot *s, const struct health_opts *o)
{
    char chunk[8192];
    ssize_t n = read(s->fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n > 0) {
        buf_append_some(&s->out, chunk, (size_t)n);
        return;
    }
    int status = 0;
    if (s->st == KILLED) { /* it died after the kill: a timeout all the same */
        waitpid(s->pid, &status, 0);
        slot_finish(s, parse_child(s, status, 1, o), o);
        return;
    }
    while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
        ;
    slot_finish(s, parse_child(s, status, 0, o), o);
}

/* A deadline passed: kill a run that is over time; give up on one that
 * does not die. */
static void slot_deadline(struct slot *s, const struct health_opts *o, int64_t now)
{
    if (s->st == RUNNING && now >= s->deadline) {
        kill(s->pid, SIGKILL);
        s->st = KILLED;
        s->deadline = now + KILL_GRACE_MS;
    } else if (s->st == KILLED && now >= s->deadline) {
        int status;
        int gone = waitpid(s->pid, &status, WNOHANG) == s->pid;
        slot_finish(s, parse_child(s, 0, gone ? 1 : 2, o), o);
    }
}

static void slots_ready(struct slot *sl, size_t n, const struct health_opts *o, int64_t now)
{
    for (size_t i = 0; i < n; i++) {
        struct slot *s = &sl[i];
        if (s->st == WAITING && (s->d->after < 0 || sl[s->d->after].st == DONE)) {
            s->st = READY;
            s->ready_at = now;
        }
        if (s->st == READY && now >= s->ready_at && slot_start(s, o) < 0)
            slot_finish(s, run_result("fail", "cannot start the probe process"), o);
    }
}

/* Runs every slot to DONE. */
static void run_loop(struct slot *sl, size_t n, const struct health_opts *o)
{
    struct pollfd pfd[HEALTH_NPROBES * 2];
    size_t idx[HEALTH_NPROBES * 2];
    for (;;) {
        int64_t now = now_ms(), next = -1;
        slots_ready(sl, n, o, now);
        size_t np = 0, done = 0;
        for (size_t i = 0; i < n; i++) {
            if (sl[i].st == DONE)
                done++;
            if (sl[i].st == RUNNING || sl[i].st == KILLED) {
                pfd[np] = (struct pollfd){.fd = sl[i].fd, .events = POLLIN};
                idx[np++] = i;
                next = deadline_min(next, sl[i].deadline);
            }
            if (sl[i].st == READY)
                next = deadline_min(next, sl[i].ready_at);
        }
        if (done == n)
            return;
        int r = poll(pfd, np, ms_until(next));
        for (size_t k = 0; r > 0 && k < np; k++)
            if (pfd[k].revents)
                slot_read(&sl[idx[k]], o);
        now = now_ms();
        for (size_t i = 0; i < n; i++)
            slot_deadline(&sl[i], o, now);
    }
}

/* The probe's entry of the report. */
static json_t *slot_report(const struct slot *s)
{
    json_t *r = s->result, *e = json_object();
    json_object_set_new(e, "name", json_string(s->d->name));
    json_object_set(e, "result", json_object_get(r, "result"));
    json_object_set(e, "reason", json_object_get(r, "reason"));
    json_object_set(e, "ms", json_object_get(r, "ms"));
    json_object_set_new(e, "runs", json_integer(s->runs));
    json_object_set(e, "figures", json_object_get(r, "figures"));
    if (s->first_failure[0] && result_of(json_string_value(json_object_get(r, "result"))) != HEALTH_FAIL)
        json_object_set_new(e, "transient", json_text(s->first_failure, strlen(s->first_failure)));
    return e;
}

json_t *health_run_defs(const struct health_opts *o, const struct probe_def *defs, size_t n)
{
    struct slot sl[HEALTH_NPROBES * 2];
    int64_t t0 = now_ms();
    if (n > sizeof sl / sizeof *sl)
        return NULL;
    memset(sl, 0, sizeof sl);
    for (size_t i = 0; i < n; i++) {
        sl[i].d = &defs[i];
        sl[i].fd = -1;
        sl[i].pid = -1;
        buf_init(&sl[i].out, RESULT_MAX);
    }
    run_loop(sl, n, o);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    json_t *probes = json_array();
    enum health_result all = HEALTH_PASS;
    for (size_t i = 0; i < n; i++) {
        json_t *e = slot_report(&sl[i]);
        enum health_result r = result_of(json_string_value(json_object_get(e, "result")));
        if (r == HEALTH_FAIL || (r == HEALTH_WARN && all == HEALTH_PASS))
            all = r;
        json_array_append_new(probes, e);
        json_decref(sl[i].result);
        buf_free(&sl[i].out);
    }
    return json_pack("{s:o,s:s,s:I,s:o}", "host", json_text(host, strlen(host)), "result",
                     health_result_name(all), "ms", (json_int_t)(now_ms() - t0), "probes", probes);
}

json_t *health_run(const struct health_opts *o, unsigned mask)
{
    static const probe_fn fns[HEALTH_NPROBES] = {probe_gpu, probe_cuda, probe_nic, probe_storage, probe_memory};
    struct probe_def defs[HEALTH_NPROBES];
    size_t n = 0;
    int gpu_at = -1;
    for (int i = 0; i < HEALTH_NPROBES; i++) {
        if (mask && !(mask & (1u << i)))
            continue;
        defs[n] = (struct probe_def){health_probe_names[i], fns[i], -1, 0};
        if (fns[i] == probe_gpu) {
            gpu_at = (int)n;
            defs[n].extra_ms = o->gpu_free_timeout_ms;
        }
        if (fns[i] == probe_cuda)
            defs[n].after = gpu_at;
        n++;
    }
    return health_run_defs(o, defs, n);
}
