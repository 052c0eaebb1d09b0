/* disk: the bytes a run keeps on disk, for `endure status` (issue: weeks
 * without a human need to see what grows). One walk of the run directory
 * sorts its regular files into rank logs (rank-R.log and its rotated,
 * compressed segments), the journal (events.jsonl) and the rest
 * (failure.json, stacks, health results); a second walk sums the checkpoint
 * store. Symbolic links are never followed and the walks are bounded in
 * depth and entries, so a hostile or huge tree cannot stall the command. */
#include "oncall/oncall.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/util.h"

#define DISK_MAX_DEPTH 8
#define DISK_MAX_ENTRIES 2000000

struct walk {
    struct disk_use *d;
    long long *sum;      /* the bucket of files that are not sorted (the store) */
    long entries;
};

static void add_file(struct walk *w, const char *name, int depth, long long size)
{
    if (w->sum) {
        *w->sum += size;
        return;
    }
    long seg;
    int gz;
    if (depth == 0 && !strcmp(name, "events.jsonl"))
        w->d->journal += size;
    else if (layout_parse_rank_log_name(name) >= 0 || layout_parse_rank_segment_name(name, &seg, &gz) >= 0)
        w->d->logs += size;
    else
        w->d->other += size;
}

/* Walks the directory open as dfd (closed here). */
static void walk_dir(struct walk *w, int dfd, int depth)
{
    DIR *dir = fdopendir(dfd);
    if (!dir) {
        close(dfd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(dir)) && w->entries < DISK_MAX_ENTRIES) {
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        w->entries++;
        if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISREG(st.st_mode)) {
            add_file(w, e->d_name, depth, (long long)st.st_size);
        } else if (S_ISDIR(st.st_mode) && depth + 1 < DISK_MAX_DEPTH) {
            int fd = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0)
                walk_dir(w, fd, depth + 1);
        }
    }
    if (w->entries >= DISK_MAX_ENTRIES && w->d)
        w->d->partial = 1;
    closedir(dir);
}

static int walk_root(struct walk *w, const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    walk_dir(w, fd, 0);
    return 0;
}

int disk_use(const char *run_dir, const char *ckpt_dir, struct disk_use *d)
{
    memset(d, 0, sizeof *d);
    d->ckpt = -1;
    struct walk w = {.d = d};
    if (walk_root(&w, run_dir) < 0)
        return -1;
    if (ckpt_dir && *ckpt_dir) {
        long long sum = 0;
        struct walk c = {.d = d, .sum = &sum, .entries = w.entries};
        if (walk_root(&c, ckpt_dir) == 0)
            d->ckpt = sum;
    }
    return 0;
}

json_t *disk_use_json(const struct disk_use *d, const char *ckpt_dir)
{
    return json_pack("{s:I,s:I,s:I,s:o,s:s?,s:b}", "logs_bytes", (json_int_t)d->logs, "journal_bytes",
                     (json_int_t)d->journal, "other_bytes", (json_int_t)d->other, "ckpt_bytes",
                     d->ckpt >= 0 ? json_integer((json_int_t)d->ckpt) : json_null(), "ckpt_dir",
                     ckpt_dir && *ckpt_dir ? ckpt_dir : NULL, "partial", d->partial);
}
