/* ctl_runid: which run this start of `endure run` is, and the directories it
 * owns. A run is one checkpoint lineage: its run id plus the uid recorded in
 * its checkpoint directory (checkpoint/runid.c). A start is "the same run
 * resuming" when its --rdzv-id is the run id recorded there and, if its run
 * directory exists, that directory records the same uid and checkpoint dir;
 * the checkpoint directory and the run directory are each held by a lock
 * for the controller's life, so the same run never runs twice at once.
 * With --node-rank, every node's endure owns <log-dir>/<run-id>/node-rank-<N>/
 * of the shared run directory, and a node says which peers it waits for. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "checkpoint/ckpt.h"
#include "common/layout.h"
#include "common/lockfile.h"
#include "common/log.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

#define PEER_NOTE_MS 5000 /* how often a node-rank node waiting for peers says so */

/* Locks the checkpoint directory and adopts or mints its run uid. */
static int claim_ckpt(struct ctl *c, struct buf *err)
{
    const char *dir = c->cfg->ckpt_dir;
    char lk[PATH_MAX];
    if (mkdir_p(dir, 0755) < 0) {
        buf_printf(err, "checkpoint dir %s: %s", dir, strerror(errno));
        return -1;
    }
    if (layout_ckpt_lock(lk, sizeof lk, dir, c->cfg->node_rank) < 0) {
        buf_printf(err, "checkpoint dir path too long: %s", dir);
        return -1;
    }
    c->ckpt_lockfd = lockfile_take(lk);
    if (c->ckpt_lockfd == -2) {
        buf_printf(err, "checkpoint directory %s is in use by another live `endure run` (lock %s)", dir, lk);
        return -1;
    }
    if (c->ckpt_lockfd < 0) {
        buf_printf(err, "cannot lock %s: %s", lk, strerror(errno));
        return -1;
    }
    struct ckpt_run run;
    if (ckpt_run_claim(dir, c->cfg->run_id, &run, err) < 0)
        return -1;
    snprintf(c->run_uid, sizeof c->run_uid, "%s", run.uid);
    return 0;
}

/* An existing run directory: the same run resuming, or an error. */
static int resume_run_dir(struct ctl *c, struct buf *err)
{
    char p[PATH_MAX];
    layout_run_file(p, sizeof p, c->run_dir, LAYOUT_RUN_JSON);
    json_t *o = json_load_file(p, 0, NULL);
    const char *uid = json_string_value(json_object_get(o, "uid"));
    const char *ck = json_string_value(json_object_get(o, "ckpt_dir"));
    const char *want_ck = c->cfg->ckpt_dir ? c->cfg->ckpt_dir : "";
    int same = o && uid && ck && !strcmp(uid, c->run_uid) && !strcmp(ck, want_ck);
    if (!same)
        buf_printf(err, "the run directory %s exists and %s (choose another --rdzv-id or --log-dir)", c->run_dir,
                   !o ? "is not a run directory endure can resume"
                      : "belongs to another run (another --ckpt-dir or checkpoint lineage)");
    json_decref(o);
    if (!same)
        return -1;
    c->attempt = (int)layout_last_attempt(c->run_dir, NULL);
    c->resumed = 1;
    if (ctl_resume_read(c) < 0)
        log_warn("cannot read the journal of %s: %s (the run goes on without its past)", c->run_dir,
                 strerror(errno));
    return 0;
}

/* Creates or resumes the run directory and locks it. */
static int claim_run_dir(struct ctl *c, const char *parent, struct buf *err)
{
    char shared[PATH_MAX];
    int n = layout_run_dir(shared, sizeof shared, parent, c->cfg->run_id);
    if (n == 0)
        n = c->cfg->node_rank >= 0 ? layout_node_rank_dir(c->run_dir, sizeof c->run_dir, shared, c->cfg->node_rank)
                                   : layout_run_dir(c->run_dir, sizeof c->run_dir, parent, c->cfg->run_id);
    if (n < 0 || !safe_component(c->cfg->run_id)) {
        buf_printf(err, "bad run id or run directory path");
        return -1;
    }
    if (c->cfg->node_rank >= 0) {
        snprintf(c->shared_dir, sizeof c->shared_dir, "%s", shared);
        if (mkdir(c->shared_dir, 0755) < 0 && errno != EEXIST) {
            buf_printf(err, "cannot create the run directory %s: %s", c->shared_dir, strerror(errno));
            return -1;
        }
    }
    if (c->cfg->resume && access(c->run_dir, F_OK) < 0) {
        buf_printf(err, "--resume %s: %s (no run to resume)", c->run_dir, strerror(errno));
        return -1;
    }
    int fresh = mkdir(c->run_dir, 0755) == 0;
    if (!fresh && errno != EEXIST) {
        buf_printf(err, "cannot create the run directory %s: %s", c->run_dir, strerror(errno));
        return -1;
    }
    char lk[PATH_MAX];
    layout_run_file(lk, sizeof lk, c->run_dir, LAYOUT_CONTROLLER_LOCK);
    c->run_lockfd = lockfile_take(lk);
    if (c->run_lockfd == -2) {
        buf_printf(err, "run %s is already running (run directory %s)", c->cfg->run_id, c->run_dir);
        return -1;
    }
    if (c->run_lockfd < 0) {
        buf_printf(err, "cannot lock %s: %s", lk, strerror(errno));
        return -1;
    }
    if (!fresh)
        return resume_run_dir(c, err);
    char p[PATH_MAX];
    layout_run_file(p, sizeof p, c->run_dir, LAYOUT_RUN_JSON);
    json_t *o = json_pack("{s:s,s:s,s:s,s:i}", "run_id", c->cfg->run_id, "uid", c->run_uid, "ckpt_dir",
                          c->cfg->ckpt_dir ? c->cfg->ckpt_dir : "", "node_rank", c->cfg->node_rank);
    int rc = o ? json_dump_file(o, p, JSON_INDENT(1)) : -1;
    json_decref(o);
    if (rc < 0)
        buf_printf(err, "cannot write %s", p);
    return rc;
}

int ctl_claim_run(struct ctl *c, const char *parent, struct buf *err)
{
    if (c->cfg->ckpt_dir && claim_ckpt(c, err) < 0)
        return -1;
    return claim_run_dir(c, parent, err);
}

void ctl_release_run(struct ctl *c)
{
    if (c->ckpt_lockfd >= 0)
        close(c->ckpt_lockfd);
    if (c->run_lockfd >= 0)
        close(c->run_lockfd);
    c->ckpt_lockfd = c->run_lockfd = -1;
}

int64_t ctl_peers_deadline(struct ctl *c)
{
    const struct run_config *cfg = c->cfg;
    if (cfg->node_rank < 0 || cfg->nnodes_max < 2 || c->state != C_RUNNING || c->progressed)
        return -1;
    int64_t first = c->attempt_start + PEER_NOTE_MS;
    return c->next_peer_note > first ? c->next_peer_note : first;
}

/* "node-rank 1, node-rank 2" of the peers whose controller lock in the
 * shared run directory is (want 1) or is not (want 0) held. */
static void peers(struct ctl *c, int want, struct buf *out, json_t *list)
{
    for (int k = 0; k < c->cfg->nnodes_max; k++) {
        char nd[PATH_MAX], lk[PATH_MAX];
        if (layout_node_rank_dir(nd, sizeof nd, c->shared_dir, k) < 0 ||
            layout_run_file(lk, sizeof lk, nd, LAYOUT_CONTROLLER_LOCK) < 0)
            continue;
        if (k == c->cfg->node_rank || (lockfile_held(lk) == 1) != want)
            continue;
        buf_printf(out, "%s%d", out->len ? ", " : "", k);
        json_array_append_new(list, json_integer(k));
    }
}

void ctl_peers_note(struct ctl *c)
{
    int64_t at = ctl_peers_deadline(c), now = now_ms();
    if (at < 0 || now < at)
        return;
    c->next_peer_note = now + PEER_NOTE_MS;
    struct buf here, missing;
    buf_init(&here, 256);
    buf_init(&missing, 256);
    json_t *jh = json_array(), *jm = json_array();
    peers(c, 1, &here, jh);
    peers(c, 0, &missing, jm);
    log_info("node-rank %d: waiting for the other nodes of the job (no progress for %llds): node-rank %s %s "
             "running here in %s; not seen here: node-rank %s",
             c->cfg->node_rank, (long long)((now - c->attempt_start) / 1000), here.len ? here.p : "(none)",
             jh && json_array_size(jh) == 1 ? "is" : "are", c->shared_dir, missing.len ? missing.p : "(none)");
    journal_event(&c->j, "waiting_for_peers",
                  json_pack("{s:i,s:I,s:o,s:o}", "attempt", c->attempt, "idle_ms",
                            (json_int_t)(now - c->attempt_start), "running", jh, "not_seen", jm));
    buf_free(&here);
    buf_free(&missing);
}
