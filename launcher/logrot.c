/* logrot: the rank logs' background compression and disk cap (see
 * logrot.h). One thread, one mutex: the loop queues jobs and marks
 * protected segments; the thread compresses and trims. */
#include "launcher/logrot.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "common/layout.h"
#include "common/util.h"

#define GZ_CHUNK (256 * 1024)
#define MAX_PROTECTED 100000 /* segments marked in one agent's life; beyond, the oldest marks are kept */
#define MAX_SEGS 200000      /* compressed segments one check considers */

struct job {
    struct job *next;
    char *path;              /* NULL: a cap check alone */
};

struct logrot {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* a job was queued, or stop */
    pthread_cond_t idle_cv;  /* the queue emptied */
    struct job *head, *tail;
    int busy;                /* the thread runs a job */
    atomic_int stop;
    char *run_dir, *node;
    uint64_t keep;
    char **prot;             /* protected plain segment paths */
    size_t nprot;
    struct logrot_stats st;
};

int logrot_gzip_file(const char *src, const char *dst, const atomic_int *stop)
{
    char tmp[PATH_MAX];
    int in = -1, out = -1, rc = -1;
    gzFile gz = NULL;
    char *chunk = malloc(GZ_CHUNK);
    if (!chunk || snprintf(tmp, sizeof tmp, "%s.tmp", dst) >= (int)sizeof tmp)
        goto done;
    in = open_regular(AT_FDCWD, src, O_RDONLY | O_NOFOLLOW, 0);
    out = in < 0 ? -1 : open_regular(AT_FDCWD, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
    gz = out < 0 ? NULL : gzdopen(out, "wb1"); /* fast: keep up with a flooding rank */
    if (!gz)
        goto done;
    out = -1; /* gzclose closes it */
    ssize_t n;
    while ((n = read(in, chunk, GZ_CHUNK)) > 0) {
        if ((stop && *stop) || gzwrite(gz, chunk, (unsigned)n) != (int)n)
            goto done;
    }
    if (n < 0)
        goto done;
    int zrc = gzclose(gz);
    gz = NULL;
    if (zrc != Z_OK || rename(tmp, dst) < 0)
        goto done;
    unlink(src);
    rc = 0;
done:
    if (gz)
        gzclose(gz);
    if (out >= 0)
        close(out);
    if (in >= 0)
        close(in);
    if (rc < 0 && chunk)
        unlink(tmp);
    free(chunk);
    return rc;
}

struct seg {
    long attempt, seg, rank;
    uint64_t size;
    char *path;
};

static int cmp_seg(const void *x, const void *y)
{
    const struct seg *a = x, *b = y;
    if (a->attempt != b->attempt)
        return a->attempt < b->attempt ? -1 : 1;
    if (a->seg != b->seg)
        return a->seg < b->seg ? -1 : 1;
    return (a->rank > b->rank) - (a->rank < b->rank);
}

/* Whether plain (a segment's plain name) is protected; under lr->mu. */
static int is_protected(struct logrot *lr, const char *plain)
{
    for (size_t i = 0; i < lr->nprot; i++)
        if (!strcmp(lr->prot[i], plain))
            return 1;
    return 0;
}

/* Adds the files of one node directory: every regular file to *total, the
 * compressed segments to the candidates. */
static void scan_node_dir(struct logrot *lr, const char *dir, long attempt, uint64_t *total, struct seg **v,
                          size_t *n, size_t *cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[PATH_MAX];
        struct stat st;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
            lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        *total += (uint64_t)st.st_size;
        long k;
        int gz;
        long rank = layout_parse_rank_segment_name(e->d_name, &k, &gz);
        if (rank < 0 || !gz || *n >= MAX_SEGS)
            continue;
        char plain[PATH_MAX];
        layout_rank_log_segment(plain, sizeof plain, dir, (int)rank, k, 0);
        pthread_mutex_lock(&lr->mu);
        int prot = is_protected(lr, plain);
        pthread_mutex_unlock(&lr->mu);
        if (prot)
            continue;
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 64;
            struct seg *nv = realloc(*v, nc * sizeof *nv);
            if (!nv)
                continue;
            *v = nv;
            *cap = nc;
        }
        (*v)[(*n)++] = (struct seg){attempt, k, rank, (uint64_t)st.st_size, strdup(path)};
    }
    if (d)
        closedir(d);
}

/* Keeps the node's files under the cap: oldest compressed segments of the
 * oldest attempts go first. */
static void check_cap(struct logrot *lr)
{
    pthread_mutex_lock(&lr->mu);
    uint64_t keep = lr->keep;
    char *run_dir = lr->run_dir ? strdup(lr->run_dir) : NULL, *node = lr->node ? strdup(lr->node) : NULL;
    pthread_mutex_unlock(&lr->mu);
    DIR *d = keep && run_dir && node ? opendir(run_dir) : NULL;
    struct seg *v = NULL;
    size_t n = 0, cap = 0;
    uint64_t total = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        long att = layout_parse_attempt_name(e->d_name);
        char nd[PATH_MAX];
        if (att >= 0 && layout_node_dir(nd, sizeof nd, run_dir, att, node) == 0)
            scan_node_dir(lr, nd, att, &total, &v, &n, &cap);
    }
    if (d)
        closedir(d);
    if (v)
        qsort(v, n, sizeof *v, cmp_seg);
    uint64_t removed = 0, removed_bytes = 0, errors = 0;
    for (size_t i = 0; i < n && total > keep && !lr->stop; i++) {
        if (unlink(v[i].path) < 0) {
            errors++;
            continue;
        }
        total -= v[i].size;
        removed++;
        removed_bytes += v[i].size;
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].path);
    free(v);
    pthread_mutex_lock(&lr->mu);
    lr->st.removed += removed;
    lr->st.removed_bytes += removed_bytes;
    lr->st.errors += errors;
    if (keep && run_dir && node)
        lr->st.over_cap = total > keep;
    pthread_mutex_unlock(&lr->mu);
    free(run_dir);
    free(node);
}

static void run_job(struct logrot *lr, struct job *j)
{
    if (j->path) {
        char gz[PATH_MAX];
        int ok = snprintf(gz, sizeof gz, "%s.gz", j->path) < (int)sizeof gz &&
                 logrot_gzip_file(j->path, gz, &lr->stop) == 0;
        pthread_mutex_lock(&lr->mu);
        if (ok)
            lr->st.compressed++;
        else if (!lr->stop)
            lr->st.errors++;
        pthread_mutex_unlock(&lr->mu);
    }
    /* the cap is checked once the queue is empty: closed segments still
     * waiting for their gzip would count at their plain size and push out
     * compressed ones that the cap can hold once they are compressed */
    pthread_mutex_lock(&lr->mu);
    int idle = !lr->head;
    pthread_mutex_unlock(&lr->mu);
    if (!lr->stop && idle)
        check_cap(lr);
}

static void *thread_main(void *arg)
{
    struct logrot *lr = arg;
    pthread_mutex_lock(&lr->mu);
    for (;;) {
        while (!lr->head && !lr->stop)
            pthread_cond_wait(&lr->cv, &lr->mu);
        if (lr->stop)
            break;
        struct job *j = lr->head;
        lr->head = j->next;
        if (!lr->head)
            lr->tail = NULL;
        lr->busy = 1;
        pthread_mutex_unlock(&lr->mu);
        run_job(lr, j);
        free(j->path);
        free(j);
        pthread_mutex_lock(&lr->mu);
        lr->busy = 0;
        if (!lr->head)
            pthread_cond_broadcast(&lr->idle_cv);
    }
    pthread_mutex_unlock(&lr->mu);
    return NULL;
}

int logrot_start(struct logrot **out)
{
    struct logrot *lr = calloc(1, sizeof *lr);
    *out = NULL;
    if (!lr)
        return -1;
    pthread_mutex_init(&lr->mu, NULL);
    pthread_cond_init(&lr->cv, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&lr->idle_cv, &ca);
    pthread_condattr_destroy(&ca);
    int err = thread_start(&lr->th, thread_main, lr);
    if (err) {
        pthread_cond_destroy(&lr->cv);
        pthread_cond_destroy(&lr->idle_cv);
        pthread_mutex_destroy(&lr->mu);
        free(lr);
        errno = err;
        return -1;
    }
    *out = lr;
    return 0;
}

void logrot_configure(struct logrot *lr, const char *run_dir, const char *node, uint64_t keep)
{
    pthread_mutex_lock(&lr->mu);
    free(lr->run_dir);
    free(lr->node);
    lr->run_dir = run_dir ? strdup(run_dir) : NULL;
    lr->node = node ? strdup(node) : NULL;
    lr->keep = keep;
    pthread_mutex_unlock(&lr->mu);
}

static int queue(struct logrot *lr, const char *path)
{
    struct job *j = calloc(1, sizeof *j);
    if (!j || (path && !(j->path = strdup(path)))) {
        free(j);
        return -1;
    }
    pthread_mutex_lock(&lr->mu);
    if (lr->tail)
        lr->tail->next = j;
    else
        lr->head = j;
    lr->tail = j;
    pthread_cond_signal(&lr->cv);
    pthread_mutex_unlock(&lr->mu);
    return 0;
}

int logrot_compress(struct logrot *lr, const char *path)
{
    return queue(lr, path);
}

int logrot_check(struct logrot *lr)
{
    return queue(lr, NULL);
}

void logrot_protect(struct logrot *lr, const char *path)
{
    pthread_mutex_lock(&lr->mu);
    if (!is_protected(lr, path) && lr->nprot < MAX_PROTECTED) {
        char **nv = realloc(lr->prot, (lr->nprot + 1) * sizeof *nv);
        if (nv) {
            lr->prot = nv;
            if ((nv[lr->nprot] = strdup(path)))
                lr->nprot++;
        }
    }
    pthread_mutex_unlock(&lr->mu);
}

int logrot_wait(struct logrot *lr, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&lr->mu);
    int rc = 0;
    while ((lr->head || lr->busy) && rc == 0)
        rc = pthread_cond_timedwait(&lr->idle_cv, &lr->mu, &until);
    int idle = !lr->head && !lr->busy;
    pthread_mutex_unlock(&lr->mu);
    return idle ? 0 : -1;
}

void logrot_get_stats(struct logrot *lr, struct logrot_stats *out)
{
    pthread_mutex_lock(&lr->mu);
    *out = lr->st;
    pthread_mutex_unlock(&lr->mu);
}

void logrot_stop(struct logrot *lr)
{
    if (!lr)
        return;
    pthread_mutex_lock(&lr->mu);
    lr->stop = 1;
    pthread_cond_broadcast(&lr->cv);
    pthread_mutex_unlock(&lr->mu);
    pthread_join(lr->th, NULL);
    for (struct job *j = lr->head, *nx; j; j = nx) {
        nx = j->next;
        free(j->path);
        free(j);
    }
    for (size_t i = 0; i < lr->nprot; i++)
        free(lr->prot[i]);
    free(lr->prot);
    free(lr->run_dir);
    free(lr->node);
    pthread_cond_destroy(&lr->cv);
    pthread_cond_destroy(&lr->idle_cv);
    pthread_mutex_destroy(&lr->mu);
    free(lr);
}
