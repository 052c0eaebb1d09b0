/* notify: the notifier's queues and threads (see notify.h). The loop queues
 * a serialized body for every target under the mutex and signals; each
 * target's thread delivers its bodies in turn: a POST by libcurl (a per-request timeout,
 * no redirects, http/https only) or the command (/bin/sh -c, the body on
 * its stdin, its own process group, KILLed at NOTIFY_CMD_TIMEOUT_MS). A
 * failed try is retried NOTIFY_TRIES times with doubling back-off, waiting
 * on the condition variable so that a drain is never held up by it. A target
 * reports when it starts failing (once, whatever the retries and later
 * failures) and when it recovers. The thread blocks every signal (the
 * controller reads its signals through a signalfd). Every target has its own
 * queue and thread, so that a slow or hung one never holds up the others.
 * Owns the queues, copies of the targets, the threads. */
#include "oncall/notify.h"
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/http.h"
#include "common/util.h"

extern char **environ;

struct notifier;
struct target {               /* one per URL and one for the command, each with its own queue and thread */
    struct notifier *n;
    char *url;                /* NULL: the command */
    char name[300];           /* redacted URL, or "--notify-cmd" */
    int failing;              /* reported failing, not yet recovered */
    int failed;               /* notifications lost since */
    char *q[NOTIFY_QUEUE];    /* a ring of serialized bodies and their kinds */
    char qkind[NOTIFY_QUEUE][24];
    int qhead, qlen;
    int dropped;              /* said once */
    pthread_t thread;
    int started;
};

struct report {
    char event[24];
    char target[300];
    char kind[24];
    char error[200];
    int count;
};

struct notifier {
    pthread_mutex_t mu;
    pthread_mutex_t spawn_mu; /* held across spawning the command and setting child, and by
                               * notifier_child_hold's caller: no command is born unseen */
    pthread_cond_t cv;
    struct target t[NOTIFY_MAX_URLS + 1];
    int nt;
    char *cmd;
    /* reports to the loop */
    struct report r[32];
    int nr;
    /* stop: drain until abort_at (monotonic ms), then abort */
    int stopping;
    _Atomic int64_t abort_at; /* INT64_MAX while running */
    /* the running command */
    pid_t child;
    int child_reaped, child_status;
};

static void report(struct notifier *n, const char *event, const struct target *t, const char *kind,
                   const char *error, int count)
{
    if (n->nr >= (int)(sizeof n->r / sizeof *n->r))
        return;
    struct report *r = &n->r[n->nr++];
    snprintf(r->event, sizeof r->event, "%s", event);
    snprintf(r->target, sizeof r->target, "%s", t ? t->name : "");
    snprintf(r->kind, sizeof r->kind, "%s", kind ? kind : "");
    snprintf(r->error, sizeof r->error, "%s", error ? error : "");
    r->count = count;
}

static int64_t deadline_of(struct notifier *n, int64_t timeout_ms)
{
    int64_t a = atomic_load(&n->abort_at), d = now_ms() + timeout_ms;
    return a < d ? a : d;
}

static void abs_time(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static size_t discard(char *p, size_t size, size_t nmemb, void *arg)
{
    (void)p;
    (void)arg;
    return size * nmemb;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    struct notifier *n = arg;
    return now_ms() >= atomic_load(&n->abort_at); /* non-zero aborts the transfer */
}

/* One POST. 0, or -1 with why in err (no URL in it). */
static int post(struct notifier *n, const char *url, const char *body, char *err, size_t errlen)
{
    int64_t left = deadline_of(n, NOTIFY_TIMEOUT_MS) - now_ms();
    if (left <= 0) {
        snprintf(err, errlen, "not sent: endure was exiting");
        return -1;
    }
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    if (!h || !hdr) {
        curl_easy_cleanup(h);
        curl_slist_free_all(hdr);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    http_post_setup(h, url, hdr, body, (long)left, 3000);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "endure/" ENDURE_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, n);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdr);
    if (rc != CURLE_OK) /* curl_easy_strerror: a fixed text, never the URL */
        snprintf(err, errlen, "%s", rc == CURLE_ABORTED_BY_CALLBACK ? "aborted: endure was exiting"
                                                                     : curl_easy_strerror(rc));
    else if (status < 200 || status > 299)
        snprintf(err, errlen, "HTTP status %ld", status);
    return rc == CURLE_OK && status >= 200 && status <= 299 ? 0 : -1;
}

/* Waits for the command to end (its status in *st) until deadline. 1 ended,
 * 0 not yet; abortable: a drain's deadline counts too. The controller's
 * loop may reap it first (notifier_reaped). */
static int child_wait(struct notifier *n, pid_t pid, int pidfd, int64_t deadline, int abortable, int *st)
{
    for (;;) {
        pthread_mutex_lock(&n->mu);
        int done = n->child_reaped;
        *st = n->child_status;
        pthread_mutex_unlock(&n->mu);
        if (done)
            return 1;
        pid_t r = waitpid(pid, st, WNOHANG);
        if (r == pid)
            return 1;
        int ms = ms_until(abortable ? deadline_min(deadline, atomic_load(&n->abort_at)) : deadline);
        if (ms <= 0)
            return 0;
        if (ms > 100)
            ms = 100; /* a drain may bring the deadline nearer */
        if (r < 0) { /* ECHILD: reaped by the loop, its status on the way */
            pthread_mutex_lock(&n->mu);
            struct timespec ts;
            abs_time(&ts, 50);
            if (!n->child_reaped)
                pthread_cond_timedwait(&n->cv, &n->mu, &ts);
            pthread_mutex_unlock(&n->mu);
            continue;
        }
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        poll(&p, pidfd >= 0 ? 1 : 0, ms);
    }
}

static int spawn_cmd(struct notifier *n, int in_fd, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    char *argv[] = {"/bin/sh", "-c", n->cmd, NULL};
    int e = posix_spawn(pid, "/bin/sh", &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return e ? -1 : 0;
}

/* One run of the command with body on its stdin. 0, or -1 with why. */
static int run_cmd(struct notifier *n, const char *body, char *err, size_t errlen)
{
    int p[2];
    pid_t pid = 0;
    int pidfd = -1, st = 0, rc = -1;
    int64_t deadline = deadline_of(n, NOTIFY_CMD_TIMEOUT_MS);
    if (pipe2(p, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    pthread_mutex_lock(&n->spawn_mu);
    pthread_mutex_lock(&n->mu);
    int spawned = spawn_cmd(n, p[0], &pid) == 0;
    n->child = spawned ? pid : 0;
    n->child_reaped = 0;
    pthread_mutex_unlock(&n->mu);
    pthread_mutex_unlock(&n->spawn_mu);
    close(p[0]);
    if (!spawned) {
        close(p[1]);
        snprintf(err, errlen, "cannot run /bin/sh: %s", strerror(errno));
        return -1;
    }
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    /* the body (small, bounded) into the pipe, without waiting past the deadline */
    fd_set_nonblock(p[1]);
    size_t len = strlen(body), off = 0;
    while (off < len && ms_until(deadline) > 0) {
        ssize_t w = write(p[1], body + off, len - off);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            break; /* EPIPE: it did not read it all; its status says the rest */
        struct pollfd pf = {.fd = p[1], .events = POLLOUT};
        poll(&pf, 1, ms_until(deadline));
    }
    close(p[1]);
    int ended = child_wait(n, pid, pidfd, deadline, 1, &st);
    if (!ended) {
        kill(-pid, SIGKILL);
        child_wait(n, pid, pidfd, now_ms() + 5000, 0, &st); /* reaped: KILL is prompt */
        snprintf(err, errlen, "the command ran past its deadline (%ds, or endure's exit): killed",
                 NOTIFY_CMD_TIMEOUT_MS / 1000);
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        rc = 0;
    } else if (WIFEXITED(st)) {
        snprintf(err, errlen, "the command exited with code %d", WEXITSTATUS(st));
    } else {
        snprintf(err, errlen, "the command was killed by signal %d", WTERMSIG(st));
    }
    kill(-pid, SIGKILL); /* what it left in its group */
    if (pidfd >= 0)
        close(pidfd);
    pthread_mutex_lock(&n->mu);
    n->child = 0;
    pthread_mutex_unlock(&n->mu);
    return rc;
}

/* Waits ms on the condition variable (a drain's deadline cuts it short). */
static void backoff(struct notifier *n, int64_t ms)
{
    int64_t until = now_ms() + ms;
    pthread_mutex_lock(&n->mu);
    for (;;) {
        int64_t left = deadline_min(until, atomic_load(&n->abort_at)) - now_ms();
        if (left <= 0)
            break;
        struct timespec ts;
        abs_time(&ts, left);
        pthread_cond_timedwait(&n->cv, &n->mu, &ts);
    }
    pthread_mutex_unlock(&n->mu);
}

static void deliver(struct notifier *n, struct target *t, const char *kind, const char *body)
{
    char err[200] = "";
    int ok = 0;
    int64_t wait = NOTIFY_BACKOFF_MS;
    for (int i = 0; i < NOTIFY_TRIES && !ok; i++) {
        if (i) {
            backoff(n, wait);
            wait *= 2;
        }
        if (now_ms() >= atomic_load(&n->abort_at))
            break;
        ok = (t->url ? post(n, t->url, body, err, sizeof err) : run_cmd(n, body, err, sizeof err)) == 0;
    }
    pthread_mutex_lock(&n->mu);
    if (!ok && !t->failing)
        report(n, "notify_failed", t, kind, err[0] ? err : "not sent: endure was exiting", 1);
    else if (ok && t->failing)
        report(n, "notify_recovered", t, kind, NULL, t->failed);
    if (!ok) {
        t->failing = 1;
        t->failed++;
    } else {
        t->failing = 0;
        t->failed = 0;
    }
    pthread_mutex_unlock(&n->mu);
}

static void *target_main(void *arg)
{
    struct target *t = arg;
    struct notifier *n = t->n;
    pthread_mutex_lock(&n->mu);
    for (;;) {
        while (!t->qlen && !n->stopping)
            pthread_cond_wait(&n->cv, &n->mu);
        if (!t->qlen)
            break; /* stopping, nothing left */
        char *body = t->q[t->qhead];
        char kind[24];
        memcpy(kind, t->qkind[t->qhead], sizeof kind);
        t->qhead = (t->qhead + 1) % NOTIFY_QUEUE;
        t->qlen--;
        pthread_mutex_unlock(&n->mu);
        deliver(n, t, kind, body);
        free(body);
        pthread_mutex_lock(&n->mu);
    }
    pthread_mutex_unlock(&n->mu);
    return NULL;
}

int notifier_start(struct notifier **out, char *const *urls, int nurls, const char *cmd)
{
    struct notifier *n = calloc(1, sizeof *n);
    if (!n)
        return -1;
    pthread_mutex_init(&n->mu, NULL);
    pthread_mutex_init(&n->spawn_mu, NULL);
    pthread_cond_init(&n->cv, NULL);
    atomic_store(&n->abort_at, INT64_MAX);
    for (int i = 0; i < nurls && i < NOTIFY_MAX_URLS; i++) {
        struct target *t = &n->t[n->nt++];
        t->url = strdup(urls[i]);
        notify_redact_url(urls[i], t->name, sizeof t->name);
        if (!t->url)
            goto fail;
    }
    if (cmd) {
        snprintf(n->t[n->nt++].name, sizeof n->t[0].name, "--notify-cmd");
        if (!(n->cmd = strdup(cmd)))
            goto fail;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT); /* before the threads: not thread-safe everywhere */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old); /* the threads inherit it */
    for (int i = 0; i < n->nt; i++) {
        n->t[i].n = n;
        int e = pthread_create(&n->t[i].thread, NULL, target_main, &n->t[i]);
        if (e) {
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            errno = e;
            goto fail;
        }
        n->t[i].started = 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    *out = n;
    return 0;
fail:
    notifier_free(n);
    return -1;
}

int notifier_post(struct notifier *n, const json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    const char *kind = json_string_value(json_object_get(json_object_get(body, "endure"), "kind"));
    int rc = s ? 0 : -1;
    pthread_mutex_lock(&n->mu);
    for (int i = 0; s && i < n->nt; i++) {
        struct target *t = &n->t[i];
        char *copy = t->qlen < NOTIFY_QUEUE && !n->stopping ? strdup(s) : NULL;
        if (copy) {
            int slot = (t->qhead + t->qlen++) % NOTIFY_QUEUE;
            t->q[slot] = copy;
            snprintf(t->qkind[slot], sizeof t->qkind[slot], "%s", kind ? kind : "");
        } else {
            rc = -1;
            if (!t->dropped++)
                report(n, "notify_dropped", t, kind, "its queue is full (the target is too slow)", 1);
        }
    }
    pthread_cond_broadcast(&n->cv);
    pthread_mutex_unlock(&n->mu);
    free(s);
    return rc;
}

json_t *notifier_take_report(struct notifier *n)
{
    json_t *o = NULL;
    pthread_mutex_lock(&n->mu);
    if (n->nr) {
        struct report *r = &n->r[0];
        o = json_pack("{s:s,s:s}", "event", r->event, "kind", r->kind);
        if (r->target[0])
            json_object_set_new(o, "target", json_string(r->target));
        if (r->error[0])
            json_object_set_new(o, "error", json_string(r->error));
        if (!strcmp(r->event, "notify_recovered"))
            json_object_set_new(o, "lost", json_integer(r->count));
        memmove(&n->r[0], &n->r[1], (size_t)(n->nr - 1) * sizeof *n->r);
        n->nr--;
    }
    pthread_mutex_unlock(&n->mu);
    return o;
}

pid_t notifier_child_hold(struct notifier *n)
{
    if (!n)
        return 0;
    pthread_mutex_lock(&n->spawn_mu);
    pthread_mutex_lock(&n->mu);
    pid_t p = n->child;
    pthread_mutex_unlock(&n->mu);
    return p;
}

void notifier_child_release(struct notifier *n)
{
    if (n)
        pthread_mutex_unlock(&n->spawn_mu);
}

int notifier_reaped(struct notifier *n, pid_t pid, int status)
{
    if (!n || pid <= 0)
        return 0;
    pthread_mutex_lock(&n->mu);
    int mine = n->child == pid;
    if (mine) {
        n->child_reaped = 1;
        n->child_status = status;
        pthread_cond_broadcast(&n->cv);
    }
    pthread_mutex_unlock(&n->mu);
    return mine;
}

void notifier_drain(struct notifier *n, int64_t grace_ms)
{
    if (!n)
        return;
    pthread_mutex_lock(&n->mu);
    n->stopping = 1;
    if (now_ms() + grace_ms < atomic_load(&n->abort_at))
        atomic_store(&n->abort_at, now_ms() + grace_ms);
    pthread_cond_broadcast(&n->cv);
    pthread_mutex_unlock(&n->mu);
    for (int i = 0; i < n->nt; i++)
        if (n->t[i].started) {
            pthread_join(n->t[i].thread, NULL);
            n->t[i].started = 0;
        }
}

void notifier_free(struct notifier *n)
{
    if (!n)
        return;
    notifier_drain(n, 0);
    for (int i = 0; i < n->nt; i++) {
        struct target *t = &n->t[i];
        for (; t->qlen; t->qlen--, t->qhead = (t->qhead + 1) % NOTIFY_QUEUE)
            free(t->q[t->qhead]);
        free(t->url);
    }
    free(n->cmd);
    pthread_mutex_destroy(&n->mu);
    pthread_mutex_destroy(&n->spawn_mu);
    pthread_cond_destroy(&n->cv);
    free(n);
}
