/* test_ckstage: a run owns its stage and its checkpoint directory (issue 7,
 * group ckstage): the run record of a checkpoint dir, the stage's owner lock
 * and record, and the sweep of dead runs' stages. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "checkpoint/ckpt.h"
#include "common/lockfile.h"
#include "tests/unit/harness.h"

static int open_run_stage(struct ckpt_agent **a, const char *stage, const char *id, const char *uid,
                          struct buf *err);
static int open_stage(struct ckpt_agent **a, const char *stage, const char *uid, struct buf *err)
{
    return open_run_stage(a, stage, "r1", uid, err);
}

static int open_run_stage(struct ckpt_agent **a, const char *stage, const char *id, const char *uid, struct buf *err)
{
    static const int ranks[] = {0};
    char ck[PATH_MAX];
    snprintf(ck, sizeof ck, "%s/ck", test_tmpdir());
    struct ckpt_agent_cfg cfg = {.stage_dir = stage, .ckpt_dir = ck, .node = "n1", .run_id = id,
                                 .run_uid = uid, .world_size = 1, .ranks = ranks, .nranks = 1};
    buf_free(err);
    return ckpt_agent_open(a, &cfg, err);
}

/* Sets the mtime of path to two hours ago. */
static void age(const char *path)
{
    struct timespec ts[2] = {{.tv_sec = time(NULL) - 7200}, {.tv_sec = time(NULL) - 7200}};
    utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
}

static void age_stage(const char *stage)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/rank-0", stage);
    age(p);
    snprintf(p, sizeof p, "%s/.endure-owner.json", stage);
    age(p);
    age(stage);
}

TEST(ckstage_run_record_mint_adopt_refuse)
{
    struct ckpt_run a, b;
    struct buf err;
    buf_init(&err, 512);
    CHECK(ckpt_run_claim(test_tmpdir(), "alpha", &a, &err) == 0);
    CHECK(strlen(a.uid) == CKPT_UID_HEX);
    CHECK(ckpt_run_claim(test_tmpdir(), "alpha", &b, &err) == 0);
    CHECK_STR(a.uid, b.uid);
    CHECK(ckpt_run_claim(test_tmpdir(), "beta", &b, &err) < 0);
    CHECK(err.p && strstr(err.p, "belongs to run alpha"));
    buf_free(&err);
}

TEST(ckstage_stage_has_one_live_owner)
{
    char stage[PATH_MAX];
    snprintf(stage, sizeof stage, "%s/endure-s", test_tmpdir());
    struct ckpt_agent *x = NULL, *y = NULL;
    struct buf err;
    buf_init(&err, 512);
    CHECK(open_stage(&x, stage, "aaaaaaaaaaaaaaaa", &err) == 0);
    CHECK(open_stage(&y, stage, "aaaaaaaaaaaaaaaa", &err) < 0);
    CHECK(err.p && strstr(err.p, "in use by a live run"));
    ckpt_agent_close(x);
    CHECK(open_stage(&y, stage, "bbbbbbbbbbbbbbbb", &err) < 0);
    CHECK(err.p && strstr(err.p, "belongs to run r1 (uid aaaaaaaaaaaaaaaa"));
    CHECK(open_stage(&y, stage, "aaaaaaaaaaaaaaaa", &err) == 0); /* the same run resuming */
    ckpt_agent_close(y);
    buf_free(&err);
}

TEST(ckstage_sweep_removes_only_dead_old_stages)
{
    char live[PATH_MAX], dead[PATH_MAX], young[PATH_MAX], legacy[PATH_MAX];
    snprintf(live, sizeof live, "%s/endure-live", test_tmpdir());
    snprintf(dead, sizeof dead, "%s/endure-dead", test_tmpdir());
    snprintf(young, sizeof young, "%s/endure-young", test_tmpdir());
    snprintf(legacy, sizeof legacy, "%s/endure-legacy", test_tmpdir());
    struct ckpt_agent *l = NULL, *d = NULL;
    struct buf err;
    buf_init(&err, 512);
    CHECK(open_stage(&l, live, "1111111111111111", &err) == 0);
    /* a live stage of the same run id with another uid is refused */
    CHECK(open_stage(&d, dead, "2222222222222222", &err) < 0);
    CHECK(err.p && strstr(err.p, "run id r1 is already used on node n1 by a live run"));
    CHECK(open_run_stage(&d, dead, "r2", "2222222222222222", &err) == 0);
    ckpt_agent_close(d);
    CHECK(open_run_stage(&d, young, "r3", "3333333333333333", &err) == 0);
    ckpt_agent_close(d);
    CHECK(mkdir(legacy, 0700) == 0);
    age_stage(live);
    age_stage(dead);
    age(legacy);
    json_t *removed = json_array();
    CHECK(ckpt_stage_sweep(test_tmpdir(), NULL, 3600000, removed) == 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(removed, 0), "path")), dead);
    CHECK(access(dead, F_OK) < 0 && access(live, F_OK) == 0 && access(young, F_OK) == 0 &&
          access(legacy, F_OK) == 0);
    json_decref(removed);
    ckpt_agent_close(l);
    buf_free(&err);
}

TEST(ckstage_lockfile_live_and_dead)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/x.lock", test_tmpdir());
    CHECK(lockfile_held(p) < 0);
    int fd = lockfile_take(p);
    CHECK(fd >= 0);
    CHECK(lockfile_held(p) == 1);
    CHECK(lockfile_take(p) == -2);
    close(fd);
    CHECK(lockfile_held(p) == 0);
}
