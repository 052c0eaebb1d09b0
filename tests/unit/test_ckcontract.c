/* test_ckcontract: the checkpoint contract's scopes. A replicated commit
 * (one rank saves the whole job's state) is a node part by itself, completes
 * its TAG alone and hands every rank the saver's directory; a TAG that only
 * some local ranks committed (sharded) is reported incomplete, once; an
 * unknown scope is refused; export hands the saver's part over. */
#include "tests/unit/harness.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "checkpoint/ckpt.h"
#include "checkpoint/ckpt_internal.h"
#include "common/util.h"
#include "tests/unit/ckpt_testutil.h"

/* Stages a part like tu_stage_part, then sets the commit's scope. */
static int stage_scoped(const char *stage, int rank, int slot, const char *tag, long step, const char *scope)
{
    char p[1024], tmp[1100];
    if (tu_stage_part(stage, rank, slot, tag, step, "state.pt", 3000, (unsigned)(rank + step)) < 0)
        return -1;
    snprintf(p, sizeof p, "%s/rank-%d/slot-%d.commit", stage, rank, slot);
    json_t *c = ckpt_read_json(p, CKPT_COMMIT_MAX, NULL);
    if (!c)
        return -1;
    json_object_set_new(c, "scope", json_string(scope));
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    int rc = json_dump_file(c, tmp, 0) == 0 && rename(tmp, p) == 0 ? 0 : -1;
    json_decref(c);
    return rc;
}

/* The first event of type in evs, or NULL. */
static json_t *first_event(json_t *evs, const char *type)
{
    size_t i;
    json_t *e;
    json_array_foreach(evs, i, e) if (!strcmp(json_string_value(json_object_get(e, "event")), type)) return e;
    return NULL;
}

TEST(ckcontract_replicated_part_completes_alone)
{
    char stage[512], ckpt[512], dir[1024], want[1024];
    snprintf(stage, sizeof stage, "%s/stage", test_tmpdir());
    snprintf(ckpt, sizeof ckpt, "%s/ckpt", test_tmpdir());
    int ranks[] = {0, 1}; /* node n1 of a world of 4; rank 1 never saves */
    json_t *ev = json_array();
    CHECK(stage_scoped(stage, 0, 0, "step-7", 7, "replicated") == 0);
    CHECK(tu_persist(stage, ckpt, "n1", 4, ranks, 2, ev) == 0);
    json_t *pe = first_event(ev, "persisted");
    CHECK(pe && !strcmp(json_string_value(json_object_get(pe, "scope")), "replicated"));
    CHECK(json_array_size(json_object_get(pe, "ranks")) == 1);
    CHECK(json_integer_value(json_array_get(json_object_get(pe, "ranks"), 0)) == 0);
    CHECK(tu_count(ev, "incomplete") == 0);
    struct buf err;
    buf_init(&err, 512);
    json_t *two = json_pack("{s:[i] s:[i]}", "n1", 0, "n2", 2);
    CHECK(ckpt_mark_complete(ckpt, "step-7", 7, two, 4, &err) < 0); /* n2 has no part */
    json_decref(two);
    buf_reset(&err);
    json_t *nodes = json_pack("{s:[i]}", "n1", 0);
    CHECK(ckpt_mark_complete(ckpt, "step-7", 7, nodes, 4, &err) == 0);
    json_decref(nodes);
    CHECK(ckpt_verify_tag(ckpt, "step-7", CKPT_VERIFY_FULL, NULL) == 0);
    struct ckpt_choice ch;
    CHECK(ckpt_choose_restore(ckpt, CKPT_VERIFY_SIZE, &ch, NULL) == 1);
    CHECK(ch.step == 7 && ch.saver == 0 && ch.world_size == 4);
    snprintf(want, sizeof want, "%s/step-7/n1/rank-0", ckpt);
    for (int r = 0; r < 4; r++) {
        CHECK(ckpt_durable_rank_dir(ckpt, "step-7", r, dir, sizeof dir) == 0);
        CHECK_STR(dir, want);
    }
    CHECK(ckpt_durable_rank_dir(ckpt, "step-7", 4, dir, sizeof dir) < 0); /* outside the world */
    /* export: the saver's part only, marked replicated */
    char out[600], rec[1200];
    snprintf(out, sizeof out, "%s/export", test_tmpdir());
    json_t *report = json_array();
    CHECK(ckpt_export(ckpt, &ch, out, report, &err) == 0);
    CHECK(json_array_size(report) == 1);
    snprintf(rec, sizeof rec, "%s/step-7/rank-0/.endure-commit.json", out);
    json_t *c = ckpt_read_json(rec, CKPT_JSON_MAX, NULL);
    CHECK(c && !strcmp(json_string_value(json_object_get(c, "scope")), "replicated"));
    json_decref(c);
    json_decref(report);
    buf_free(&err);
    json_decref(ev);
}

TEST(ckcontract_sharded_coverage_unchanged)
{
    char stage[512], ckpt[512];
    snprintf(stage, sizeof stage, "%s/stage", test_tmpdir());
    snprintf(ckpt, sizeof ckpt, "%s/ckpt", test_tmpdir());
    int r0 = 0;
    CHECK(stage_scoped(stage, 0, 0, "step-3", 3, "sharded") == 0);
    CHECK(tu_persist(stage, ckpt, "n1", 2, &r0, 1, NULL) == 0);
    struct buf err;
    buf_init(&err, 512);
    json_t *nodes = json_pack("{s:[i]}", "n1", 0);
    CHECK(ckpt_mark_complete(ckpt, "step-3", 3, nodes, 2, &err) < 0); /* rank 1 uncovered */
    json_decref(nodes);
    buf_free(&err);
}

TEST(ckcontract_partial_tag_reported_once)
{
    char stage[512], ckpt[512];
    snprintf(stage, sizeof stage, "%s/stage", test_tmpdir());
    snprintf(ckpt, sizeof ckpt, "%s/ckpt", test_tmpdir());
    int ranks[] = {0, 1};
    json_t *ev = json_array();
    /* rank 0 saves steps 10 and 20 sharded, rank 1 never does */
    CHECK(tu_stage_part(stage, 0, 0, "step-10", 10, "m.pt", 100, 1) == 0);
    CHECK(tu_stage_part(stage, 0, 1, "step-20", 20, "m.pt", 100, 2) == 0);
    CHECK(tu_persist(stage, ckpt, "n1", 2, ranks, 2, ev) == 0);
    CHECK(tu_count(ev, "staged") == 0 && tu_count(ev, "persisted") == 0);
    CHECK(tu_count(ev, "incomplete") == 2); /* step-10 (rank 0 moved on), step-20 (at the stop) */
    json_t *ie = first_event(ev, "incomplete");
    CHECK(ie && json_integer_value(json_array_get(json_object_get(ie, "missing"), 0)) == 1);
    CHECK(json_integer_value(json_array_get(json_object_get(ie, "ranks"), 0)) == 0);
    json_decref(ev);
}

TEST(ckcontract_unknown_scope_refused)
{
    char stage[512], ckpt[512];
    snprintf(stage, sizeof stage, "%s/stage", test_tmpdir());
    snprintf(ckpt, sizeof ckpt, "%s/ckpt", test_tmpdir());
    int r0 = 0;
    json_t *ev = json_array();
    CHECK(stage_scoped(stage, 0, 0, "step-1", 1, "everything") == 0);
    CHECK(tu_persist(stage, ckpt, "n1", 1, &r0, 1, ev) == 0);
    CHECK(tu_count(ev, "persisted") == 0);
    json_t *ce = first_event(ev, "corrupt");
    CHECK(ce && strstr(json_string_value(json_object_get(ce, "problem")), "scope") != NULL);
    json_decref(ev);
}
