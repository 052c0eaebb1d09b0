/* disk: the bytes a run keeps on disk, for `endure status` (weeks without a
 * human need to see what grows). One nftw walk of the run directory sorts
 * its regular files into rank logs (rank-R.log and its rotated, compressed
 * segments), the journal (events.jsonl) and the rest (failure.json, stacks,
 * health results); the checkpoint store is summed as the checkpoint module
 * sums a tree. Symbolic links are never followed and the walk stops after
 * DISK_MAX_ENTRIES entries, so a huge tree cannot stall the command. */
#include "oncall/oncall.h"
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include "checkpoint/ckpt.h"
#include "common/layout.h"

#define DISK_MAX_ENTRIES 2000000

static _Thread_local struct disk_use *walking; /* nftw's callback has no context */
static _Thread_local long entries;

static int add_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    const char *name = path + ftw->base;
    long seg;
    int gz;
    if (++entries > DISK_MAX_ENTRIES) {
        walking->partial = 1;
        return 1; /* stops the walk */
    }
    if (type != FTW_F || !S_ISREG(st->st_mode))
        return 0;
    if (ftw->level == 1 && !strcmp(name, LAYOUT_EVENTS))
        walking->journal += st->st_size;
    else if (layout_parse_rank_log_name(name) >= 0 || layout_parse_rank_segment_name(name, &seg, &gz) >= 0)
        walking->logs += st->st_size;
    else
        walking->other += st->st_size;
    return 0;
}

int disk_use(const char *run_dir, const char *ckpt_dir, struct disk_use *d)
{
    struct stat st;
    memset(d, 0, sizeof *d);
    d->ckpt = -1;
    if (stat(run_dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return -1;
    walking = d;
    entries = 0;
    nftw(run_dir, add_entry, 16, FTW_PHYS);
    walking = NULL;
    if (ckpt_dir && *ckpt_dir && stat(ckpt_dir, &st) == 0 && S_ISDIR(st.st_mode))
        d->ckpt = (long long)ckpt_tree_bytes(ckpt_dir);
    return 0;
}

json_t *disk_use_json(const struct disk_use *d, const char *ckpt_dir)
{
    return json_pack("{s:I,s:I,s:I,s:o,s:s?,s:b}", "logs_bytes", (json_int_t)d->logs, "journal_bytes",
                     (json_int_t)d->journal, "other_bytes", (json_int_t)d->other, "ckpt_bytes",
                     d->ckpt >= 0 ? json_integer((json_int_t)d->ckpt) : json_null(), "ckpt_dir",
                     ckpt_dir && *ckpt_dir ? ckpt_dir : NULL, "partial", d->partial);
}
