/* stage_own: who owns a node stage. The agent that uses a stage holds an
 * OFD lock on <stage>/.endure-lock for as long as it lives and records its
 * run in <stage>/.endure-owner.json, so that a stage belongs to exactly one
 * live run: a second agent is refused while the first lives, another run's
 * stage is never adopted, and a stage whose lock nobody holds is provably
 * dead (ckpt_stage_sweep removes it once it is old enough). */
#include "checkpoint/watcher_int.h"
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/lockfile.h"
#include "common/util.h"

static json_t *read_owner(const char *stage)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s/" LAYOUT_STAGE_OWNER, stage) >= (int)sizeof p)
        return NULL;
    return ckpt_read_json(p, 64 * 1024, NULL);
}

static const char *ostr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "?";
}

/* 1 when some rank-*\/slot-*.commit exists under stage. */
static int has_commits(const char *stage)
{
    DIR *d = opendir(stage);
    struct dirent *e;
    int found = 0;
    while (d && !found && (e = readdir(d))) {
        char p[PATH_MAX];
        long r = layout_parse_rank_name(e->d_name);
        for (int k = 0; k < LAYOUT_SLOTS && r >= 0; k++)
            if (layout_stage_slot_commit(p, sizeof p, stage, (int)r, k) == 0 && access(p, F_OK) == 0)
                found = 1;
    }
    if (d)
        closedir(d);
    return found;
}

int ckpt_stage_claim(struct ckpt_agent *a, const struct ckpt_agent_cfg *cfg, struct buf *err)
{
    char p[PATH_MAX];
    json_t *owner = NULL;
    int rc = -1;
    snprintf(p, sizeof p, "%s/" LAYOUT_STAGE_LOCK, a->stage);
    a->lockfd = lockfile_take(p);
    owner = read_owner(a->stage);
    if (a->lockfd == -2) {
        buf_printf(err, "stage %s is in use by a live run (run id %s, pid %lld, checkpoint dir %s)", a->stage,
                   ostr(owner, "run_id"), (long long)json_integer_value(json_object_get(owner, "pid")),
                   ostr(owner, "ckpt_dir"));
        goto out;
    }
    if (a->lockfd < 0) {
        buf_printf(err, "stage %s: cannot lock %s: %s", a->stage, p, strerror(errno));
        goto out;
    }
    const char *uid = a->run_uid;
    if (owner && (strcmp(ostr(owner, "uid"), uid) || strcmp(ostr(owner, "run_id"), cfg->run_id ? cfg->run_id : "")))
    {
        buf_printf(err,
                   "stage %s belongs to run %s (uid %s, checkpoint dir %s), which is not running: its commits "
                   "are not this run's; remove the stage or choose another --stage-dir",
                   a->stage, ostr(owner, "run_id"), ostr(owner, "uid"), ostr(owner, "ckpt_dir"));
        goto out;
    }
    /* without a run uid (a library user) there is no run to tell apart */
    if (!owner && uid[0] && has_commits(a->stage)) {
        buf_printf(err, "stage %s holds checkpoints of an unknown run (no " LAYOUT_STAGE_OWNER "); remove it or choose another "
                   "--stage-dir", a->stage);
        goto out;
    }
    char when[64];
    ckpt_now_str(when, sizeof when);
    json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s}", "run_id", cfg->run_id ? cfg->run_id : "", "uid", uid, "node",
                          cfg->node, "pid", (int)getpid(), "ckpt_dir", cfg->ckpt_dir, "created", when);
    snprintf(p, sizeof p, "%s/" LAYOUT_STAGE_OWNER, a->stage);
    if (!o || ckpt_write_json(p, o) < 0) {
        buf_printf(err, "stage %s: cannot write its owner record: %s", a->stage, strerror(errno));
        json_decref(o);
        goto out;
    }
    json_decref(o);
    rc = 0;
out:
    json_decref(owner);
    return rc;
}

/* Newest mtime (seconds) of the stage, its owner record and rank dirs. */
static double last_used(const char *stage)
{
    struct stat st;
    double t = lstat(stage, &st) == 0 ? (double)st.st_mtime : 0;
    DIR *d = opendir(stage);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char p[PATH_MAX];
        if ((layout_parse_rank_name(e->d_name) < 0 && strcmp(e->d_name, LAYOUT_STAGE_OWNER)) ||
            snprintf(p, sizeof p, "%s/%s", stage, e->d_name) >= (int)sizeof p)
            continue;
        if (lstat(p, &st) == 0 && (double)st.st_mtime > t)
            t = (double)st.st_mtime;
    }
    if (d)
        closedir(d);
    return t;
}

static _Thread_local uint64_t tree_sum;
static int add_size(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)path;
    (void)ftw;
    if (type == FTW_F && S_ISREG(st->st_mode))
        tree_sum += (uint64_t)st->st_size;
    return 0;
}

uint64_t ckpt_tree_bytes(const char *path)
{
    tree_sum = 0;
    if (nftw(path, add_size, 16, FTW_PHYS) < 0)
        return tree_sum;
    return tree_sum;
}

/* What an entry of the stages' directory is: its owner record when it is a
 * marked stage of this user (caller owns), else NULL. */
static json_t *stage_owner(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
        return NULL;
    return read_owner(path);
}

int ckpt_stage_check_peers(const struct ckpt_agent *a, const struct ckpt_agent_cfg *cfg, struct buf *err)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", a->stage);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir || !cfg->run_id)
        return 0;
    *slash = '\0';
    DIR *d = opendir(dir);
    struct dirent *e;
    int rc = 0;
    while (d && rc == 0 && (e = readdir(d))) {
        char p[PATH_MAX], lk[PATH_MAX];
        if (strncmp(e->d_name, LAYOUT_STAGE_PREFIX, strlen(LAYOUT_STAGE_PREFIX)) || snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p ||
            !strcmp(p, a->stage))
            continue;
        json_t *o = stage_owner(p);
        snprintf(lk, sizeof lk, "%s/" LAYOUT_STAGE_LOCK, p);
        if (o && !strcmp(ostr(o, "run_id"), cfg->run_id) && !strcmp(ostr(o, "node"), cfg->node) &&
            strcmp(ostr(o, "uid"), a->run_uid) && lockfile_held(lk) == 1) {
            buf_printf(err,
                       "run id %s is already used on node %s by a live run (checkpoint dir %s, stage %s): "
                       "the same run id may be used again only by the same run resuming (same --ckpt-dir) "
                       "after it ended",
                       cfg->run_id, cfg->node, ostr(o, "ckpt_dir"), p);
            rc = -1;
        }
        json_decref(o);
    }
    if (d)
        closedir(d);
    return rc;
}

int ckpt_stage_sweep(const char *dir, const char *own_stage, int64_t max_age_ms, json_t *removed)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        char p[PATH_MAX], lk[PATH_MAX];
        if (strncmp(e->d_name, LAYOUT_STAGE_PREFIX, strlen(LAYOUT_STAGE_PREFIX)) || snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p ||
            (own_stage && !strcmp(p, own_stage)))
            continue;
        json_t *o = stage_owner(p);
        double age = o ? wall_time() - last_used(p) : 0;
        snprintf(lk, sizeof lk, "%s/" LAYOUT_STAGE_LOCK, p);
        /* holding the owner lock ourselves proves the owner dead and keeps a
         * resuming agent out while the tree goes */
        int fd = o && age * 1000.0 >= (double)max_age_ms ? lockfile_take(lk) : -1;
        if (fd >= 0) {
            uint64_t bytes = ckpt_tree_bytes(p);
            if (ckpt_rmtree(p) == 0) {
                n++;
                if (removed)
                    json_array_append_new(removed, json_pack("{s:s,s:s,s:I,s:i}", "path", p, "run_id",
                                                             ostr(o, "run_id"), "bytes", (json_int_t)bytes,
                                                             "age_s", (int)age));
            }
            close(fd);
        }
        json_decref(o);
    }
    closedir(d);
    return n;
}
