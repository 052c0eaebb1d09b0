/* test_ckpt_agent: the agent against a stage written by a simulated rank:
 * stage refusal, persist and resume by rank (staged vs durable), a slot being
 * rewritten is never copied, unsafe commit records, the stage size limit,
 * discarding an abandoned timeline, a rank's note of commits it
 * overwrote before the agent saw them. */
#include "tests/unit/harness.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "checkpoint/ckpt.h"
#include "checkpoint/ckpt_internal.h"
#include "common/util.h"
#include "tests/unit/ckpt_testutil.h"

static void collect(void *ctx, const json_t *ev)
{
    json_array_append((json_t *)ctx, (json_t *)ev);
}

/* Opens an agent for ranks on stage/ckpt under the test dir. */
static struct ckpt_agent *open_agent(const char *stage, const char *ckpt, const int *ranks, int n, json_t *ev,
                                     uint64_t limit)
{
    struct ckpt_agent_cfg cfg = {.stage_dir = stage, .ckpt_dir = ckpt, .node = "n1", .world_size = 4,
                                 .ranks = ranks, .nranks = n, .threads = 2, .stage_limit = limit,
                                 .on_event = collect, .event_ctx = ev};
    struct buf err;
    buf_init(&err, 1024);
    struct ckpt_agent *a = NULL;
    if (ckpt_agent_open(&a, &cfg, &err) < 0)
        fprintf(stderr, "  open: %s\n", err.p);
    buf_free(&err);
    return a;
}

static void paths(char *stage, char *ckpt, size_t n)
{
    snprintf(stage, n, "%s/stage", test_tmpdir());
    snprintf(ckpt, n, "%s/ckpt", test_tmpdir());
}

TEST(ckpt_agent_refuses_bad_stage)
{
    char stage[512], ckpt[512], real[600];
    paths(stage, ckpt, sizeof stage);
    snprintf(real, sizeof real, "%s/real", test_tmpdir());
    CHECK(mkdir(real, 0700) == 0);
    CHECK(symlink(real, stage) == 0);
    int r = 0;
    json_t *ev = json_array();
    CHECK(open_agent(stage, ckpt, &r, 1, ev, 0) == NULL);
    CHECK(unlink(stage) == 0);
    CHECK(mkdir(stage, 0755) == 0);
    if (geteuid() == 0) { /* someone else's directory */
        CHECK(chown(stage, 65534, 65534) == 0);
        CHECK(open_agent(stage, ckpt, &r, 1, ev, 0) == NULL);
        CHECK(chown(stage, 0, 0) == 0);
    }
    struct ckpt_agent *a = open_agent(stage, ckpt, &r, 1, ev, 0);
    CHECK(a != NULL);
    struct stat st;
    CHECK(stat(stage, &st) == 0 && (st.st_mode & 0777) == 0700);
    ckpt_agent_close(a);
    json_decref(ev);
}

TEST(ckpt_agent_persists_and_resumes_by_rank)
{
    char stage[512], ckpt[512], out[1024], p[1200];
    paths(stage, ckpt, sizeof stage);
    int ranks[] = {2, 3};
    json_t *ev = json_array();
    struct ckpt_agent *a = open_agent(stage, ckpt, ranks, 2, ev, 0);
    CHECK(a);
    CHECK(ckpt_agent_fd(a) >= 0);
    CHECK(tu_stage_part(stage, 2, 0, "step-5", 5, "m.pt", 5000, 1) == 0);
    ckpt_agent_dispatch(a);
    CHECK(tu_count(ev, "staged") == 0); /* rank 3 has not committed yet */
    CHECK(tu_stage_part(stage, 3, 0, "step-5", 5, "m.pt", 6000, 2) == 0);
    /* wait on the fd like the agent's poll loop: inotify sees the commit */
    struct pollfd pfd = {.fd = ckpt_agent_fd(a), .events = POLLIN};
    int64_t end = now_ms() + 10000;
    while (tu_count(ev, "persisted") == 0 && now_ms() < end) {
        poll(&pfd, 1, ms_until(deadline_min(end, ckpt_agent_deadline(a))));
        ckpt_agent_dispatch(a);
    }
    CHECK(tu_count(ev, "staged") == 1 && tu_count(ev, "persisted") == 1);
    json_t *pe = json_array_get(ev, json_array_size(ev) - 1);
    CHECK(json_integer_value(json_object_get(pe, "bytes")) == 11000);
    CHECK(json_object_get(pe, "mb_per_s") != NULL);
    /* the controller's part: node n1 has 2,3; another node had 0,1 */
    CHECK(tu_stage_part(stage, 0, 0, "x", 5, "m.pt", 10, 3) == 0); /* unrelated stage dir */
    json_t *nodes = json_pack("{s:[i,i]}", "n1", 2, 3);
    struct buf err;
    buf_init(&err, 512);
    CHECK(ckpt_mark_complete(ckpt, "step-5", 5, nodes, 4, &err) < 0); /* 0,1 uncovered */
    buf_reset(&err);
    CHECK(ckpt_mark_complete(ckpt, "step-5", 5, nodes, 2, &err) < 0); /* ranks 2,3 outside world 2 */
    json_decref(nodes);
    /* resume: staged copy matches the manifest of the durable part */
    json_t *c = json_pack("{s:i s:s s:i s:i s:{s:[i,i]} s:{s:s s:s s:s s:s}}", "format", 1, "tag", "step-5",
                          "step", 5, "world_size", 4, "nodes", "n1", 2, 3, "ranks", "0", "n0", "1", "n0", "2",
                          "n1", "3", "n1");
    snprintf(p, sizeof p, "%s/step-5/COMPLETE", ckpt);
    CHECK(ckpt_write_json(p, c) == 0);
    json_decref(c);
    CHECK(ckpt_agent_resume_dir(a, "step-5", 3, out, sizeof out) == 1);
    CHECK(strstr(out, "/stage/rank-3/slot-0") != NULL);
    CHECK(access(out, F_OK) == 0);
    /* a staged file that no longer matches: durable copy */
    snprintf(p, sizeof p, "%s/rank-2/slot-0/m.pt", stage);
    CHECK(truncate(p, 10) == 0);
    CHECK(ckpt_agent_resume_dir(a, "step-5", 2, out, sizeof out) == 0);
    CHECK(strstr(out, "/ckpt/step-5/n1/rank-2") != NULL);
    /* a rank this node never had: durable dir on the node that had it */
    CHECK(ckpt_agent_resume_dir(a, "step-5", 0, out, sizeof out) == 0);
    CHECK(strstr(out, "/ckpt/step-5/n0/rank-0") != NULL);
    CHECK(ckpt_agent_resume_dir(a, "step-9", 0, out, sizeof out) < 0);
    CHECK(ckpt_agent_remove_stage(a) == 0);
    CHECK(access(stage, F_OK) < 0);
    snprintf(p, sizeof p, "%s/step-5/n1/rank-3/m.pt", ckpt); /* the durable copy stays */
    CHECK(access(p, F_OK) == 0);
    ckpt_agent_close(a);
    buf_free(&err);
    json_decref(ev);
}

TEST(ckpt_agent_never_copies_a_slot_being_written)
{
    char stage[512], ckpt[512], p[1200];
    paths(stage, ckpt, sizeof stage);
    int r = 1;
    json_t *ev = json_array();
    struct ckpt_agent *a = open_agent(stage, ckpt, &r, 1, ev, 0);
    CHECK(a);
    CHECK(tu_stage_part(stage, 1, 0, "step-1", 1, "m.pt", 100, 1) == 0);
    /* the rank starts rewriting slot 0 (exclusive lock) before the persist */
    snprintf(p, sizeof p, "%s/rank-1/slot-0.lock", stage);
    int lfd = open(p, O_RDWR | O_CREAT, 0600);
    CHECK(lfd >= 0 && flock(lfd, LOCK_EX) == 0);
    CHECK(ckpt_agent_drain(a, now_ms() + 10000) == 0);
    CHECK(tu_count(ev, "dropped") == 1 && tu_count(ev, "persisted") == 0);
    snprintf(p, sizeof p, "%s/step-1/n1", ckpt);
    CHECK(access(p, F_OK) < 0);
    snprintf(p, sizeof p, "%s/step-1", ckpt); /* no empty TAG for `ckpt ls` to list */
    CHECK(access(p, F_OK) < 0);
    close(lfd);
    ckpt_agent_close(a);
    json_decref(ev);
}

TEST(ckpt_agent_rejects_unsafe_commit)
{
    char stage[512], ckpt[512], p[1200];
    paths(stage, ckpt, sizeof stage);
    int r = 0;
    json_t *ev = json_array();
    struct ckpt_agent *a = open_agent(stage, ckpt, &r, 1, ev, 0);
    CHECK(a);
    snprintf(p, sizeof p, "%s/rank-0/slot-0.commit", stage);
    json_t *c = json_pack("{s:i s:s s:i s:i s:i s:s s:[{s:s s:i}]}", "format", 1, "tag", "t", "step", 1, "rank",
                          0, "slot", 0, "id", "x", "files", "path", "../../../etc/passwd", "size", 10);
    CHECK(ckpt_write_json(p, c) == 0);
    json_decref(c);
    CHECK(ckpt_agent_drain(a, now_ms() + 10000) == 0);
    CHECK(tu_count(ev, "corrupt") == 1 && tu_count(ev, "staged") == 0);
    ckpt_agent_dispatch(a); /* reported once, not at every scan */
    CHECK(tu_count(ev, "corrupt") == 1);
    /* a symlink in the slot is not followed */
    CHECK(unlink(p) == 0);
    snprintf(p, sizeof p, "%s/rank-0/slot-1", stage);
    CHECK(mkdir(p, 0700) == 0);
    snprintf(p, sizeof p, "%s/rank-0/slot-1/m.pt", stage);
    CHECK(symlink("/etc/hostname", p) == 0);
    snprintf(p, sizeof p, "%s/rank-0/slot-1.commit", stage);
    c = json_pack("{s:i s:s s:i s:i s:i s:s s:[{s:s s:i}]}", "format", 1, "tag", "t", "step", 1, "rank", 0,
                  "slot", 1, "id", "y", "files", "path", "m.pt", "size", 1);
    CHECK(ckpt_write_json(p, c) == 0);
    json_decref(c);
    CHECK(ckpt_agent_drain(a, now_ms() + 10000) == 0);
    CHECK(tu_count(ev, "corrupt") == 2 && tu_count(ev, "persisted") == 0);
    ckpt_agent_close(a);
    json_decref(ev);
}

TEST(ckpt_agent_stage_limit_drops_older)
{
    char stage[512], ckpt[512], p[1200];
    paths(stage, ckpt, sizeof stage);
    int r = 0;
    json_t *ev = json_array();
    struct ckpt_agent *a = open_agent(stage, ckpt, &r, 1, ev, 1); /* any use is over the limit */
    CHECK(a);
    CHECK(tu_stage_part(stage, 0, 0, "step-1", 1, "m.pt", 8192, 1) == 0);
    CHECK(ckpt_agent_drain(a, now_ms() + 10000) == 0);
    CHECK(tu_count(ev, "persisted") == 1 && tu_count(ev, "dropped") == 0); /* the newest stays */
    CHECK(tu_stage_part(stage, 0, 1, "step-2", 2, "m.pt", 8192, 2) == 0);
    CHECK(ckpt_agent_drain(a, now_ms() + 10000) == 0);
    CHECK(tu_count(ev, "persisted") == 2);
    CHECK(tu_count(ev, "dropped") == 1);
    snprintf(p, sizeof p, "%s/rank-0/slot-0.commit", stage);
    CHECK(access(p, F_OK) < 0);
    snprintf(p, sizeof p, "%s/rank-0/slot-1.commit", stage);
    CHECK(access(p, F_OK) == 0);
    /* the durable copy of the dropped staged part is untouched */
    snprintf(p, sizeof p, "%s/step-1/n1/rank-0/m.pt", ckpt);
    struct stat st;
    CHECK(stat(p, &st) == 0 && st.st_size == 8192);
    ckpt_agent_close(a);
    json_decref(ev);
}

TEST(ckpt_agent_restart_cleans_partial_and_skips_durable)
{
    char stage[512], ckpt[512], p[1200];
    paths(stage, ckpt, sizeof stage);
    int r = 0;
    json_t *ev = json_array();
    CHECK(tu_stage_part(stage, 0, 0, "step-1", 1, "m.pt", 100, 1) == 0);
    CHECK(tu_persist(stage, ckpt, "n1", 4, &r, 1, ev) == 0);
    CHECK(tu_count(ev, "persisted") == 1);
    snprintf(p, sizeof p, "%s/step-1/n1.partial/rank-0", ckpt); /* a crashed persist */
    CHECK(mkdir_p(p, 0755) == 0);
    json_array_clear(ev);
    CHECK(tu_persist(stage, ckpt, "n1", 4, &r, 1, ev) == 0);
    CHECK(tu_count(ev, "cleaned") == 1);
    CHECK(tu_count(ev, "persisted") == 1); /* reported as already durable */
    json_t *last = json_array_get(ev, json_array_size(ev) - 1);
    CHECK(json_is_true(json_object_get(last, "already")));
    snprintf(p, sizeof p, "%s/step-1/n1.partial", ckpt);
    CHECK(access(p, F_OK) < 0);
    /* discard_after removes newer commits of an abandoned timeline */
    CHECK(tu_stage_part(stage, 0, 1, "step-2", 2, "m.pt", 100, 2) == 0);
    struct ckpt_agent *a = open_agent(stage, ckpt, &r, 1, ev, 0);
    CHECK(a);
    CHECK(ckpt_agent_discard_after(a, 1) == 1);
    snprintf(p, sizeof p, "%s/rank-0/slot-1.commit", stage);
    CHECK(access(p, F_OK) < 0);
    ckpt_agent_close(a);
    json_decref(ev);
}

TEST(ckpt_agent_recommitted_tag_replaces_incomplete_part)
{
    char stage[512], ckpt[512], p[1200];
    paths(stage, ckpt, sizeof stage);
    int r = 0;
    json_t *ev = json_array();
    struct ckpt_agent *a = open_agent(stage, ckpt, &r, 1, ev, 0);
    CHECK(a);
    CHECK(tu_stage_part(stage, 0, 0, "step-1", 1, "m.pt", 100, 1) == 0);
    CHECK(ckpt_agent_drain(a, now_ms() + 10000) == 0);
    CHECK(tu_count(ev, "persisted") == 1);
    /* a restart redoes step 1 with other content (other commit id) */
    CHECK(ckpt_agent_discard_after(a, 0) == 1);
    CHECK(tu_stage_part(stage, 0, 1, "step-1", 1, "m.pt", 300, 2) == 0);
    CHECK(ckpt_agent_drain(a, now_ms() + 10000) == 0);
    CHECK(tu_count(ev, "persisted") == 2);
    json_t *last = json_array_get(ev, json_array_size(ev) - 1);
    CHECK(!json_object_get(last, "already"));
    snprintf(p, sizeof p, "%s/step-1/n1/rank-0/m.pt", ckpt);
    struct stat st;
    CHECK(stat(p, &st) == 0 && st.st_size == 300);
    /* once complete, a TAG is never rewritten */
    json_t *nodes = json_pack("{s:[i]}", "n1", 0);
    struct buf err;
    buf_init(&err, 512);
    CHECK(ckpt_mark_complete(ckpt, "step-1", 1, nodes, 1, &err) == 0);
    json_decref(nodes);
    buf_free(&err);
    CHECK(ckpt_agent_discard_after(a, 0) == 1);
    CHECK(tu_stage_part(stage, 0, 0, "step-1", 1, "m.pt", 500, 3) == 0);
    CHECK(ckpt_agent_drain(a, now_ms() + 10000) == 0);
    CHECK(tu_count(ev, "dropped") == 1 && tu_count(ev, "persisted") == 2);
    CHECK(stat(p, &st) == 0 && st.st_size == 300);
    ckpt_agent_close(a);
    json_decref(ev);
}

TEST(ckpt_agent_drain_deadline_and_cancel_on_close)
{
    char stage[512], ckpt[512], p[1200], q[1200];
    paths(stage, ckpt, sizeof stage);
    int r = 0;
    json_t *ev = json_array();
    struct ckpt_agent *a = open_agent(stage, ckpt, &r, 1, ev, 0);
    CHECK(a);
    CHECK(tu_stage_part(stage, 0, 0, "step-1", 1, "m.pt", 64u << 20, 1) == 0);
    errno = 0;
    CHECK(ckpt_agent_drain(a, now_ms()) < 0 && errno == ETIMEDOUT); /* queued, not done */
    ckpt_agent_close(a); /* cancels the running persist */
    snprintf(p, sizeof p, "%s/step-1/n1.partial", ckpt);
    snprintf(q, sizeof q, "%s/step-1/n1/manifest.json", ckpt);
    CHECK(access(p, F_OK) < 0); /* never a leftover partial */
    if (access(q, F_OK) < 0) {   /* cancelled (the usual case): nothing in place */
        snprintf(q, sizeof q, "%s/step-1/n1", ckpt);
        CHECK(access(q, F_OK) < 0);
    }
    json_decref(ev);
}

/* Writes text as rank's note of overwritten commits; each "T" in text
 * becomes the current wall time (a commit made since the agent opened). */
static int write_rank_note(const char *stage, int rank, const char *text)
{
    char p[1200], now[32];
    struct buf b;
    buf_init(&b, 4096);
    snprintf(now, sizeof now, "%.3f", wall_time() + 1);
    for (const char *c = text; *c; c++)
        *c == 'T' ? buf_append(&b, now, strlen(now)) : buf_append(&b, c, 1);
    snprintf(p, sizeof p, "%s/rank-%d", stage, rank);
    if (mkdir(p, 0700) < 0 && errno != EEXIST)
        return -1;
    snprintf(p, sizeof p, "%s/rank-%d/replaced.json", stage, rank);
    int rc = write_file_durable(p, b.p, b.len);
    buf_free(&b);
    return rc;
}

static int write_note(const char *stage, const char *text)
{
    return write_rank_note(stage, 0, text);
}

TEST(ckpt_agent_reports_unseen_overwritten_commits)
{
    char stage[512], ckpt[512], p[1200];
    paths(stage, ckpt, sizeof stage);
    int r = 0;
    json_t *ev = json_array();
    struct ckpt_agent *a = open_agent(stage, ckpt, &r, 1, ev, 0);
    CHECK(a);
    CHECK(tu_stage_part(stage, 0, 0, "step-1", 1, "m.pt", 100, 1) == 0);
    CHECK(ckpt_agent_drain(a, now_ms() + 10000) == 0);
    CHECK(tu_count(ev, "persisted") == 1);
    /* persisted (known), unseen, unseen again, older than the agent, unsafe
     * tag, another rank, no step */
    CHECK(write_note(stage, "{\"replaced\": ["
                            "{\"tag\": \"step-1\", \"step\": 1, \"id\": \"step-1-1-0\", \"rank\": 0, \"time\": T},"
                            "{\"tag\": \"step-2\", \"step\": 2, \"id\": \"x2\", \"rank\": 0, \"time\": T},"
                            "{\"tag\": \"step-2\", \"step\": 2, \"id\": \"x2\", \"rank\": 0, \"time\": T},"
                            "{\"tag\": \"step-0\", \"step\": 0, \"id\": \"x0\", \"rank\": 0, \"time\": 1.5},"
                            "{\"tag\": \"../evil\", \"step\": 3, \"id\": \"x3\", \"rank\": 0, \"time\": T},"
                            "{\"tag\": \"step-4\", \"step\": 4, \"id\": \"x4\", \"rank\": 7, \"time\": T},"
                            "{\"tag\": \"step-5\", \"id\": \"x5\", \"rank\": 0, \"time\": T}]}") == 0);
    CHECK(ckpt_agent_drain(a, now_ms() + 10000) == 0);
    CHECK(tu_count(ev, "dropped") == 1);
    json_t *d = json_array_get(ev, json_array_size(ev) - 1);
    CHECK(json_integer_value(json_object_get(d, "step")) == 2);
    CHECK(!strncmp(json_string_value(json_object_get(d, "reason")), "superseded", 10));
    snprintf(p, sizeof p, "%s/rank-0/replaced.json", stage);
    CHECK(access(p, F_OK) < 0); /* taken */
    /* a rewritten note repeats x2: reported once; garbage is dropped quietly */
    CHECK(write_note(stage, "{\"replaced\": [{\"tag\": \"step-2\", \"step\": 2, \"id\": \"x2\", \"rank\": 0, \"time\": T}]}") == 0);
    CHECK(ckpt_agent_drain(a, now_ms() + 10000) == 0);
    CHECK(write_note(stage, "[not json") == 0);
    CHECK(ckpt_agent_drain(a, now_ms() + 10000) == 0);
    CHECK(tu_count(ev, "dropped") == 1);
    CHECK(access(p, F_OK) < 0);
    ckpt_agent_close(a);
    json_decref(ev);
}

TEST(ckpt_agent_reports_one_event_per_unseen_tag)
{
    char stage[512], ckpt[512];
    paths(stage, ckpt, sizeof stage);
    int ranks[] = {0, 1};
    json_t *ev = json_array();
    struct ckpt_agent *a = open_agent(stage, ckpt, ranks, 2, ev, 0);
    CHECK(a);
    /* both local ranks overwrote their commits of step-3 before a scan */
    CHECK(write_rank_note(stage, 0, "{\"replaced\": [{\"tag\": \"step-3\", \"step\": 3, \"id\": \"a0\", \"rank\": 0, \"time\": T}]}") == 0);
    CHECK(write_rank_note(stage, 1, "{\"replaced\": [{\"tag\": \"step-3\", \"step\": 3, \"id\": \"a1\", \"rank\": 1, \"time\": T}]}") == 0);
    CHECK(ckpt_agent_drain(a, now_ms() + 10000) == 0);
    CHECK(tu_count(ev, "dropped") == 1);
    json_t *d = json_array_get(ev, json_array_size(ev) - 1);
    json_t *want = json_pack("[i,i]", 0, 1);
    CHECK(json_equal(json_object_get(d, "ranks"), want));
    json_decref(want);
    ckpt_agent_close(a);
    json_decref(ev);
}
