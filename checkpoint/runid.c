/* runid: which run a checkpoint directory belongs to. The first start of a
 * run on a checkpoint directory mints a random run uid and records it with
 * the run id in <ckpt>/.endure-run.json; every manifest and COMPLETE marker
 * written afterwards carries that uid ("run"), and restore and verify refuse
 * a TAG whose uid differs: one run's bytes are never restored by another.
 * A later start with the same run id adopts the recorded uid (the same run
 * resuming); a start with another run id is refused. */
#include "checkpoint/ckpt_internal.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "checkpoint/ckpt.h"
#include "common/layout.h"
#include "common/proto.h"
#include "common/util.h"

int ckpt_run_read(const char *ckpt_dir, struct ckpt_run *out)
{
    char path[PATH_MAX];
    if (layout_ckpt_run(path, sizeof path, ckpt_dir) < 0)
        return -1;
    json_t *o = ckpt_read_json(path, 64 * 1024, NULL);
    if (!o)
        return errno == ENOENT ? 0 : -1;
    const char *id = json_string_value(json_object_get(o, "run_id"));
    const char *uid = json_string_value(json_object_get(o, "uid"));
    int ok = id && uid && strlen(id) < sizeof out->run_id && strlen(uid) == CKPT_UID_HEX;
    if (ok) {
        snprintf(out->run_id, sizeof out->run_id, "%s", id);
        snprintf(out->uid, sizeof out->uid, "%s", uid);
    }
    json_decref(o);
    if (!ok)
        errno = EINVAL;
    return ok ? 1 : -1;
}

/* Writes a fresh identity unless one exists (link() never replaces: of two
 * starts racing, exactly one identity wins). 0 or -1/errno. */
static int mint(const char *ckpt_dir, const char *run_id)
{
    char uid[CKPT_UID_HEX + 1], when[64], tmp[PATH_MAX], path[PATH_MAX];
    if (proto_random_hex(uid, CKPT_UID_HEX / 2) < 0)
        return -1;
    ckpt_now_str(when, sizeof when);
    snprintf(tmp, sizeof tmp, "%s/" LAYOUT_CKPT_RUN ".tmp-%d", ckpt_dir, (int)getpid());
    layout_ckpt_run(path, sizeof path, ckpt_dir);
    json_t *o = json_pack("{s:i,s:s,s:s,s:s}", "format", CKPT_FORMAT, "run_id", run_id, "uid", uid, "created", when);
    int rc = o ? ckpt_write_json(tmp, o) : -1;
    json_decref(o);
    if (rc == 0 && link(tmp, path) < 0 && errno != EEXIST)
        rc = -1;
    int e = errno;
    unlink(tmp);
    if (rc == 0)
        fsync_dir(ckpt_dir);
    errno = e;
    return rc;
}

int ckpt_run_claim(const char *ckpt_dir, const char *run_id, struct ckpt_run *out, struct buf *err)
{
    int r = ckpt_run_read(ckpt_dir, out);
    if (r == 0 && mint(ckpt_dir, run_id) == 0)
        r = ckpt_run_read(ckpt_dir, out);
    if (r <= 0) {
        buf_printf(err, "checkpoint directory %s: cannot read or write its run record " LAYOUT_CKPT_RUN ": %s", ckpt_dir,
                   strerror(errno));
        return -1;
    }
    if (strcmp(out->run_id, run_id)) {
        buf_printf(err,
                   "checkpoint directory %s belongs to run %s, not %s: pass --rdzv-id %s to resume that run, "
                   "or choose another --ckpt-dir",
                   ckpt_dir, out->run_id, run_id, out->run_id);
        return -1;
    }
    return 0;
}

int ckpt_run_check(const char *ckpt_dir, const json_t *o, const char *tag, const char *node, const char *file,
                   json_t *problems)
{
    struct ckpt_run own;
    int r = ckpt_run_read(ckpt_dir, &own);
    if (r == 0)
        return 0; /* a directory without a run record (not written by endure run) */
    const char *uid = json_string_value(json_object_get(o, "run"));
    if (r < 0) {
        ckpt_problem(problems, tag, node, file, "the directory's run record " LAYOUT_CKPT_RUN " is unreadable");
        return -1;
    }
    if (uid && !strcmp(uid, own.uid))
        return 0;
    ckpt_problem(problems, tag, node, file,
                 "written by another run (run uid %.40s), not by run %s (uid %s) that owns this directory",
                 uid ? uid : "none recorded", own.run_id, own.uid);
    return -1;
}
