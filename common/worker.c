/* worker: a job queue served by one thread, results signalled on an
 * eventfd (see worker.h). */
#include "common/worker.h"
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "common/util.h"

struct job {
    worker_fn fn;
    worker_done done;
    void *ctx, *arg;
    struct job *next;
};

struct worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *queued, *queued_tail; /* first in, first out */
    struct job *finished;         /* done callbacks to run (any order is fine: one job at a time) */
    int running;                  /* a job is being run */
    int quit;
    int efd;
};

static void *worker_main(void *p)
{
    struct worker *w = p;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->queued && !w->quit)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->quit)
            break;
        struct job *j = w->queued;
        w->queued = j->next;
        if (!w->queued)
            w->queued_tail = NULL;
        w->running = 1;
        pthread_mutex_unlock(&w->mu);
        j->fn(j->arg);
        pthread_mutex_lock(&w->mu);
        w->running = 0;
        j->next = w->finished;
        w->finished = j;
        uint64_t one = 1;
        if (write(w->efd, &one, sizeof one) < 0) { /* cannot fail short of EBADF; the loop polls anyway */
        }
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int worker_start(struct worker **out)
{
    struct worker *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->efd < 0)
        goto fail;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    int e = thread_start(&w->thread, worker_main, w);
    if (e) {
        errno = e;
        close(w->efd);
        goto fail;
    }
    *out = w;
    return 0;
fail:
    free(w);
    return -1;
}

int worker_fd(const struct worker *w)
{
    return w ? w->efd : -1;
}

int worker_submit(struct worker *w, worker_fn fn, worker_done done, void *ctx, void *arg)
{
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    *j = (struct job){.fn = fn, .done = done, .ctx = ctx, .arg = arg};
    pthread_mutex_lock(&w->mu);
    if (w->queued_tail)
        w->queued_tail->next = j;
    else
        w->queued = j;
    w->queued_tail = j;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

void worker_dispatch(struct worker *w)
{
    uint64_t n;
    if (!w || read(w->efd, &n, sizeof n) < 0) { /* EAGAIN: nothing signalled; look anyway */
    }
    for (;;) {
        pthread_mutex_lock(&w->mu);
        struct job *j = w->finished;
        if (j)
            w->finished = j->next;
        pthread_mutex_unlock(&w->mu);
        if (!j)
            return;
        if (j->done)
            j->done(j->ctx, j->arg);
        free(j);
    }
}

int worker_pending(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    int n = w->running;
    for (struct job *j = w->queued; j; j = j->next)
        n++;
    pthread_mutex_unlock(&w->mu);
    return n;
}

void worker_stop(struct worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    struct job *dropped = w->queued;
    w->queued = w->queued_tail = NULL;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL); /* a running job finishes first */
    worker_dispatch(w);
    while (dropped) {
        struct job *next = dropped->next;
        if (dropped->done)
            dropped->done(dropped->ctx, dropped->arg);
        free(dropped);
        dropped = next;
    }
    close(w->efd);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}
