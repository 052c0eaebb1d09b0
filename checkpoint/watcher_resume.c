/* watcher_resume: where each local rank resumes from (its staged slot when it
 * holds exactly the commit recorded in the TAG's manifest, else the durable
 * copy) and forgetting staged commits of an abandoned timeline. */
#include "checkpoint/watcher_int.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/util.h"

static int local_index(const struct ckpt_agent *a, int rank)
{
    for (int i = 0; i < a->nranks; i++)
        if (a->ranks[i] == rank)
            return i;
    return -1;
}

/* 1 if slot dir holds every manifest file of rank with its size, and the
 * commit lists exactly as many files. */
static int slot_matches(const char *slotdir, const json_t *manifest, int rank, const json_t *commit)
{
    int dfd = open(slotdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return 0;
    char prefix[32];
    layout_rank_prefix(prefix, sizeof prefix, rank);
    int plen = (int)strlen(prefix);
    size_t i, count = 0;
    json_t *f;
    int ok = 1;
    json_array_foreach(json_object_get(manifest, "files"), i, f) {
        const char *p = json_string_value(json_object_get(f, "path"));
        if (!p || strncmp(p, prefix, (size_t)plen))
            continue;
        count++;
        struct stat st;
        int fd = ckpt_open_under(dfd, p + plen, O_RDONLY);
        if (fd < 0 || fstat(fd, &st) < 0 || st.st_size != json_integer_value(json_object_get(f, "size")))
            ok = 0;
        if (fd >= 0)
            close(fd);
    }
    close(dfd);
    return ok && count == json_array_size(json_object_get(commit, "files"));
}

int ckpt_agent_resume_dir(struct ckpt_agent *a, const char *tag, int global_rank, char *out, size_t outlen)
{
    char durable[PATH_MAX], mpath[PATH_MAX + 32], key[32];
    if (ckpt_durable_rank_dir(a->ckpt_dir, tag, global_rank, durable, sizeof durable) < 0)
        return -1;
    char *slash = strrchr(durable, '/'); /* .../<TAG>/<node>/rank-R -> manifest of <node> */
    *slash = '\0';
    layout_manifest(mpath, sizeof mpath, durable);
    *slash = '/';
    json_t *m = ckpt_read_json(mpath, CKPT_JSON_MAX, NULL);
    snprintf(key, sizeof key, "%d", global_rank);
    json_t *want = json_object_get(json_object_get(m, "commits"), key);
    int li = ckpt_commit_replicated(m) == 1 ? -1 : local_index(a, global_rank), rc = 0; /* replicated: durable */
    for (int k = 0; m && want && li >= 0 && k < LAYOUT_SLOTS && rc == 0; k++) {
        json_t *c = ckpt_stage_commit(a->stage, global_rank, k, NULL);
        char slot[PATH_MAX];
        if (c && json_equal(json_object_get(c, "id"), want) &&
            layout_stage_slot(slot, sizeof slot, a->stage, global_rank, k) == 0 &&
            slot_matches(slot, m, global_rank, c) && snprintf(out, outlen, "%s", slot) < (int)outlen) {
            a->pinned[li] = k;
            a->pinned_at[li] = wall_time();
            rc = 1;
        }
        json_decref(c);
    }
    json_decref(m);
    if (rc == 0 && snprintf(out, outlen, "%s", durable) >= (int)outlen)
        return -1;
    return rc;
}

int ckpt_agent_discard_after(struct ckpt_agent *a, long step)
{
    int count = 0, blocked = 0;
    for (int i = 0; i < a->nranks; i++)
        for (int k = 0; k < LAYOUT_SLOTS; k++) {
            json_t *c = ckpt_stage_commit(a->stage, a->ranks[i], k, NULL);
            long s = c ? ckpt_json_step(c) : -1;
            json_decref(c);
            if (s <= step)
                continue;
            char path[PATH_MAX];
            layout_stage_slot_lock(path, sizeof path, a->stage, a->ranks[i], k);
            int lfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (lfd < 0 || flock(lfd, LOCK_EX | LOCK_NB) < 0) {
                blocked = 1;
            } else {
                layout_stage_slot_commit(path, sizeof path, a->stage, a->ranks[i], k);
                count += unlink(path) == 0;
            }
            if (lfd >= 0)
                close(lfd);
        }
    if (blocked) {
        errno = EBUSY;
        return -1;
    }
    return count;
}
