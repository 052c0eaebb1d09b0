/* persist: the agent's background persister. One manager thread takes node
 * parts (jobs) in FIFO order; for each it shares-locks the ranks' slots,
 * re-checks the commits, and has a pool of copy threads copy the files in
 * 64 MiB chunks into <ckpt>/<TAG>/<node>.partial/ with pread/pwrite through a
 * 1 MiB buffer per thread (memory is bounded whatever the sizes), computing
 * CRC32 of each chunk (merged with crc32_combine), fsyncing every file; then
 * it writes the manifest, renames .partial to <node> and fsyncs the parents.
 * Results (event objects) go to a list and an eventfd wakes the agent. */
#include "checkpoint/persist.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "common/util.h"

struct task {
    size_t file;
    uint64_t off, len;
    uint32_t crc;
};
struct qjob {
    struct ckpt_pjob *job;
    struct qjob *next;
};

struct ckpt_persister {
    pthread_mutex_t mu;
    pthread_cond_t cv_job, cv_work, cv_done;
    pthread_t manager, *workers;
    int nworkers, started, have_manager;
    atomic_int stop;
    struct qjob *head, *tail;
    int running;
    /* the current job's copy tasks (under mu) */
    struct ckpt_pcopy *files;
    struct task *tasks;
    size_t ntasks, next, done;
    int failed;
    char errmsg[2048];
    json_t *results; /* array of events, under mu */
    int efd;
    char *ckpt_dir, *node;
};

uint64_t ckpt_chunk_bytes = 64ull << 20;

json_t *ckpt_event(const char *type, const char *tag, long step, const char *node)
{
    char when[64];
    ckpt_now_str(when, sizeof when);
    return json_pack("{s:s s:s s:s s:I s:s}", "event", type, "time", when, "tag", tag, "step", (json_int_t)step,
                     "node", node);
}

void ckpt_pjob_free(struct ckpt_pjob *job)
{
    if (job) {
        json_decref(job->commits);
        free(job);
    }
}

/* Copies one chunk; 0 or -1 with msg. */
static int copy_chunk(struct ckpt_persister *p, struct task *t, char *b, char *msg, size_t msglen)
{
    struct ckpt_pcopy *f = &p->files[t->file];
    uLong crc = crc32(0L, Z_NULL, 0);
    uint64_t off = t->off, end = t->off + t->len;
    while (off < end) {
        if (atomic_load(&p->stop)) {
            snprintf(msg, msglen, "cancelled");
            return -1;
        }
        size_t want = end - off < CKPT_COPY_BUF ? (size_t)(end - off) : CKPT_COPY_BUF;
        ssize_t n = pread(f->src, b, want, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(msg, msglen, "read %s: %s", f->dst_rel, n ? strerror(errno) : "file shrank while copying");
            return -1;
        }
        crc = crc32(crc, (const Bytef *)b, (uInt)n);
        for (ssize_t w = 0, k; w < n; w += k) { /* a short write is retried: the retry names the error */
            k = pwrite(f->dst, b + w, (size_t)(n - w), (off_t)off + w);
            if (k < 0 && errno == EINTR) {
                k = 0;
                continue;
            }
            if (k <= 0) {
                snprintf(msg, msglen, "write %s: %s", f->dst_rel, strerror(k < 0 ? errno : EIO));
                return -1;
            }
        }
        off += (uint64_t)n;
    }
    /* start write-back of this chunk now, so that the disk works while the
     * next chunks are copied and the final fsync has little left to do */
    sync_file_range(f->dst, (off64_t)t->off, (off64_t)t->len, SYNC_FILE_RANGE_WRITE);
    t->crc = (uint32_t)crc;
    return 0;
}

static void *worker_main(void *arg)
{
    struct ckpt_persister *p = arg;
    char *b = malloc(CKPT_COPY_BUF);
    char msg[2048];
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!atomic_load(&p->stop) && (!p->tasks || p->next >= p->ntasks))
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (!p->tasks || p->next >= p->ntasks)
            break; /* stopping and nothing left */
        struct task *t = &p->tasks[p->next++];
        int skip = p->failed, rc = -1;
        pthread_mutex_unlock(&p->mu);
        if (!skip && !b)
            snprintf(msg, sizeof msg, "out of memory for a copy buffer");
        else if (!skip)
            rc = copy_chunk(p, t, b, msg, sizeof msg);
        pthread_mutex_lock(&p->mu);
        struct ckpt_pcopy *f = &p->files[t->file];
        if (rc < 0 && !skip && !p->failed) {
            p->failed = 1;
            snprintf(p->errmsg, sizeof p->errmsg, "%s", msg);
        }
        if (--f->chunks_left == 0 && !p->failed) {
            pthread_mutex_unlock(&p->mu);
            int frc = fsync(f->dst);
            int e = errno;
            pthread_mutex_lock(&p->mu);
            if (frc < 0 && !p->failed) {
                p->failed = 1;
                snprintf(p->errmsg, sizeof p->errmsg, "fsync %s: %s", f->dst_rel, strerror(e));
            }
        }
        if (++p->done == p->ntasks)
            pthread_cond_signal(&p->cv_done);
    }
    pthread_mutex_unlock(&p->mu);
    free(b);
    return NULL;
}

int ckpt_persist_copy(struct ckpt_persister *p, struct ckpt_pcopy *files, size_t nfiles, uint32_t *crcs,
                      char *err, size_t errlen)
{
    size_t n = 0;
    for (size_t i = 0; i < nfiles; i++)
        n += files[i].size ? (size_t)((files[i].size + ckpt_chunk_bytes - 1) / ckpt_chunk_bytes) : 1;
    struct task *tasks = calloc(n ? n : 1, sizeof *tasks);
    if (!tasks) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < nfiles; i++) {
        uint64_t off = 0;
        files[i].chunks_left = 0;
        do {
            uint64_t len = files[i].size - off < ckpt_chunk_bytes ? files[i].size - off : ckpt_chunk_bytes;
            tasks[k++] = (struct task){.file = i, .off = off, .len = len};
            files[i].chunks_left++;
            off += len;
        } while (off < files[i].size);
    }
    pthread_mutex_lock(&p->mu);
    int rc = -1;
    if (atomic_load(&p->stop)) { /* the workers may be gone already */
        snprintf(err, errlen, "cancelled");
        goto out;
    }
    p->files = files;
    p->tasks = tasks;
    p->ntasks = n;
    p->next = p->done = 0;
    p->failed = 0;
    pthread_cond_broadcast(&p->cv_work);
    while (p->done < p->ntasks)
        pthread_cond_wait(&p->cv_done, &p->mu);
    rc = p->failed ? -1 : 0;
    if (rc < 0)
        snprintf(err, errlen, "%s", p->errmsg);
    p->tasks = NULL;
    p->files = NULL;
    p->ntasks = p->next = p->done = 0;
out:
    pthread_mutex_unlock(&p->mu);
    /* merge the chunk CRCs of each file in order */
    for (size_t i = 0, t = 0; rc == 0 && i < nfiles; i++) {
        uint32_t crc = tasks[t++].crc;
        while (t < n && tasks[t].file == i) {
            crc = (uint32_t)crc32_combine(crc, tasks[t].crc, (z_off_t)tasks[t].len);
            t++;
        }
        crcs[i] = crc;
    }
    free(tasks);
    return rc;
}

int ckpt_persist_cancelled(struct ckpt_persister *p)
{
    return atomic_load(&p->stop);
}

static void *manager_main(void *arg)
{
    struct ckpt_persister *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!atomic_load(&p->stop) && !p->head)
            pthread_cond_wait(&p->cv_job, &p->mu);
        if (atomic_load(&p->stop))
            break;
        struct qjob *q = p->head;
        p->head = q->next;
        if (!p->head)
            p->tail = NULL;
        p->running = 1;
        pthread_mutex_unlock(&p->mu);
        json_t *ev = ckpt_run_job(p, p->ckpt_dir, p->node, q->job);
        ckpt_pjob_free(q->job);
        free(q);
        pthread_mutex_lock(&p->mu);
        p->running = 0;
        if (ev && !atomic_load(&p->stop))
            json_array_append(p->results, ev);
        json_decref(ev);
        uint64_t one = 1;
        if (write(p->efd, &one, sizeof one) < 0) {
            /* the counter cannot overflow in practice; nothing to do */
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

struct ckpt_persister *ckpt_persist_start(const char *ckpt_dir, const char *node, int threads, struct buf *err)
{
    struct ckpt_persister *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_job, NULL);
    pthread_cond_init(&p->cv_work, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    p->results = json_array();
    p->ckpt_dir = strdup(ckpt_dir);
    p->node = strdup(node);
    p->nworkers = threads > 0 ? threads : 2;
    p->workers = calloc((size_t)p->nworkers, sizeof *p->workers);
    if (p->efd < 0 || !p->ckpt_dir || !p->node || !p->workers || !p->results) {
        buf_printf(err, "persister: %s", strerror(errno ? errno : ENOMEM));
        goto fail;
    }
    for (; p->started < p->nworkers; p->started++)
        if (thread_start(&p->workers[p->started], worker_main, p)) {
            buf_printf(err, "persister: cannot start threads");
            goto fail;
        }
    if (thread_start(&p->manager, manager_main, p)) {
        buf_printf(err, "persister: cannot start threads");
        goto fail;
    }
    p->have_manager = 1;
    return p;
fail:
    ckpt_persist_stop(p);
    return NULL;
}

int ckpt_persist_fd(const struct ckpt_persister *p)
{
    return p->efd;
}

void ckpt_persist_submit(struct ckpt_persister *p, struct ckpt_pjob *job)
{
    struct qjob *q = calloc(1, sizeof *q);
    if (!q) {
        ckpt_pjob_free(job);
        return;
    }
    q->job = job;
    pthread_mutex_lock(&p->mu);
    if (p->tail)
        p->tail->next = q;
    else
        p->head = q;
    p->tail = q;
    pthread_cond_signal(&p->cv_job);
    pthread_mutex_unlock(&p->mu);
}

json_t *ckpt_persist_take(struct ckpt_persister *p)
{
    uint64_t v;
    if (read(p->efd, &v, sizeof v) < 0) {
        /* EAGAIN: nothing signalled, the list may still hold results */
    }
    pthread_mutex_lock(&p->mu);
    json_t *r = p->results;
    p->results = json_array();
    pthread_mutex_unlock(&p->mu);
    return r;
}

int ckpt_persist_idle(struct ckpt_persister *p)
{
    pthread_mutex_lock(&p->mu);
    int idle = !p->head && !p->running && json_array_size(p->results) == 0;
    pthread_mutex_unlock(&p->mu);
    return idle;
}

void ckpt_persist_stop(struct ckpt_persister *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->cv_job);
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    if (p->have_manager)
        pthread_join(p->manager, NULL);
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->workers[i], NULL);
    while (p->head) {
        struct qjob *q = p->head;
        p->head = q->next;
        ckpt_pjob_free(q->job);
        free(q);
    }
    if (p->efd >= 0)
        close(p->efd);
    json_decref(p->results);
    free(p->workers);
    free(p->ckpt_dir);
    free(p->node);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_job);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_done);
    free(p);
}
