/* test_layout: common/layout builds every on-disk name exactly as the
 * documented layouts spell them, refuses to truncate (-1, ENAMETOOLONG),
 * and its parsers read back what its builders write (and nothing else);
 * the controller's verdict carries the node of the key line from the
 * deciding event, not from the log's path. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include "common/layout.h"
#include "diagnose/diagnose.h"
#include "tests/unit/harness.h"

TEST(layout_run_dir_paths)
{
    char p[256];
    CHECK(layout_run_dir(p, sizeof p, "/logs", "job") == 0);
    CHECK_STR(p, "/logs/job");
    CHECK(layout_node_rank_dir(p, sizeof p, "/logs/job", 2) == 0);
    CHECK_STR(p, "/logs/job/node-rank-2");
    CHECK(layout_run_file(p, sizeof p, "/r", LAYOUT_RUN_JSON) == 0);
    CHECK_STR(p, "/r/run.json");
    CHECK(layout_run_file(p, sizeof p, "/r", LAYOUT_EVENTS) == 0);
    CHECK_STR(p, "/r/events.jsonl");
    CHECK(layout_run_file(p, sizeof p, "/r", LAYOUT_CONTROLLER_LOCK) == 0);
    CHECK_STR(p, "/r/.controller.lock");
    CHECK(layout_attempt_dir(p, sizeof p, "/r", 3) == 0);
    CHECK_STR(p, "/r/attempt-3");
    CHECK(layout_attempt_dir(p, sizeof p, NULL, 3) == 0);
    CHECK_STR(p, "attempt-3");
    CHECK(layout_failure_json(p, sizeof p, "/r", 1) == 0);
    CHECK_STR(p, "/r/attempt-1/failure.json");
    CHECK(layout_failure_json(p, sizeof p, NULL, 1) == 0);
    CHECK_STR(p, "attempt-1/failure.json");
    CHECK(layout_failure_json(p, sizeof p, "/r/attempt-4", -1) == 0);
    CHECK_STR(p, "/r/attempt-4/failure.json");
    CHECK(layout_failure_json(p, sizeof p, NULL, -1) == 0);
    CHECK_STR(p, "failure.json");
    CHECK(layout_node_dir(p, sizeof p, "/r", 0, "n1") == 0);
    CHECK_STR(p, "/r/attempt-0/n1");
    CHECK(layout_node_dir(p, sizeof p, NULL, 0, "n1") == 0);
    CHECK_STR(p, "attempt-0/n1");
    CHECK(layout_rank_log(p, sizeof p, "attempt-0/n1", 7) == 0);
    CHECK_STR(p, "attempt-0/n1/rank-7.log");
    CHECK(layout_heartbeat(p, sizeof p, "/d", 7) == 0);
    CHECK_STR(p, "/d/heartbeat-7");
    CHECK(layout_error_file(p, sizeof p, "/d", 7) == 0);
    CHECK_STR(p, "/d/error-7.json");
}

TEST(layout_stage_paths)
{
    char p[256];
    CHECK(layout_stage_default(p, sizeof p, "job", "abc", "n1") == 0);
    CHECK_STR(p, "/dev/shm/endure-job-abc-n1");
    CHECK(layout_stage_default(p, sizeof p, "job", NULL, "n1") == 0);
    CHECK_STR(p, "/dev/shm/endure-job-n1");
    CHECK(layout_stage_rank(p, sizeof p, "/s", 3) == 0);
    CHECK_STR(p, "/s/rank-3");
    CHECK(layout_stage_slot(p, sizeof p, "/s", 3, 1) == 0);
    CHECK_STR(p, "/s/rank-3/slot-1");
    CHECK(layout_stage_slot_lock(p, sizeof p, "/s", 3, 0) == 0);
    CHECK_STR(p, "/s/rank-3/slot-0.lock");
    CHECK(layout_stage_slot_commit(p, sizeof p, "/s", 3, 1) == 0);
    CHECK_STR(p, "/s/rank-3/slot-1.commit");
    CHECK(layout_slot_commit_name(p, sizeof p, 0) == 0);
    CHECK_STR(p, "slot-0.commit");
    CHECK(layout_rank_name(p, sizeof p, 12) == 0);
    CHECK_STR(p, "rank-12");
    CHECK(layout_rank_prefix(p, sizeof p, 12) == 0);
    CHECK_STR(p, "rank-12/");
    CHECK(layout_plain_tmp_name(p, sizeof p, 2, 99) == 0);
    CHECK_STR(p, ".rank-2.tmp-99");
}

TEST(layout_store_paths)
{
    char p[256];
    CHECK(layout_ckpt_lock(p, sizeof p, "/c", -1) == 0);
    CHECK_STR(p, "/c/.endure-run.lock");
    CHECK(layout_ckpt_lock(p, sizeof p, "/c", 1) == 0);
    CHECK_STR(p, "/c/.endure-run-node-rank-1.lock");
    CHECK(layout_ckpt_run(p, sizeof p, "/c") == 0);
    CHECK_STR(p, "/c/.endure-run.json");
    CHECK(layout_tag_dir(p, sizeof p, "/c", "step-5") == 0);
    CHECK_STR(p, "/c/step-5");
    CHECK(layout_complete(p, sizeof p, "/c", "step-5") == 0);
    CHECK_STR(p, "/c/step-5/COMPLETE");
    CHECK(layout_part_dir(p, sizeof p, "/c", "step-5", "n1") == 0);
    CHECK_STR(p, "/c/step-5/n1");
    CHECK(layout_partial_dir(p, sizeof p, "/c", "step-5", "n1") == 0);
    CHECK_STR(p, "/c/step-5/n1.partial");
    CHECK(layout_manifest(p, sizeof p, "/c/step-5/n1") == 0);
    CHECK_STR(p, "/c/step-5/n1/manifest.json");
    CHECK(layout_durable_rank(p, sizeof p, "/c", "step-5", "n1", 4) == 0);
    CHECK_STR(p, "/c/step-5/n1/rank-4");
    CHECK(layout_trash(p, sizeof p, "/c", "step-5", 42) == 0);
    CHECK_STR(p, "/c/.trash-step-5-42");
    CHECK(layout_trash_prefix(p, sizeof p, "n1") == 0);
    CHECK_STR(p, ".trash-n1-");
}

/* Every builder refuses a result that does not fit, whatever the size. */
TEST(layout_truncation_refused)
{
    char p[16];
    errno = 0;
    CHECK(layout_rank_log(p, sizeof p, "/a/long/node/dir", 1) == -1 && errno == ENAMETOOLONG);
    CHECK(layout_node_dir(p, sizeof p, "/r", 1, "a-very-long-node") == -1);
    CHECK(layout_failure_json(p, sizeof p, "/run", 12) == -1);
    CHECK(layout_stage_slot_commit(p, sizeof p, "/s", 1, 0) == -1);
    CHECK(layout_stage_default(p, sizeof p, "job", "uid", "n") == -1);
    CHECK(layout_durable_rank(p, sizeof p, "/c", "tag", "node", 1) == -1);
    CHECK(layout_trash(p, sizeof p, "/c", "tagname", 12345) == -1);
    CHECK(layout_ckpt_lock(p, sizeof p, "/ckpt", 3) == -1);
    /* exactly fitting (15 characters and the NUL) is fine; one more is not */
    CHECK(layout_run_dir(p, sizeof p, "/aaaaa", "bbbbbbbb") == 0);
    CHECK_STR(p, "/aaaaa/bbbbbbbb");
    CHECK(layout_run_dir(p, sizeof p, "/aaaaa", "bbbbbbbbb") == -1);
}

TEST(layout_parsers_round_trip)
{
    char p[64], name[64];
    for (int v = 0; v < 100000; v = v * 3 + 1) {
        CHECK(layout_attempt_dir(p, sizeof p, NULL, v) == 0);
        CHECK(layout_parse_attempt_name(p) == v);
        CHECK(layout_node_dir(p, sizeof p, NULL, 0, "n") == 0 && layout_rank_log(name, sizeof name, p, v) == 0);
        CHECK(layout_parse_rank_log_name(strrchr(name, '/') + 1) == v);
        CHECK(layout_rank_name(name, sizeof name, v) == 0 && layout_parse_rank_name(name) == v);
        CHECK(layout_rank_prefix(name, sizeof name, v) == 0);
        strcat(name, "model.pt");
        CHECK(layout_parse_rank_path(name) == v);
    }
    CHECK(layout_parse_rank_log_name("rank-3.log.gz") == 3);
    const char *bad_attempt[] = {"attempt-", "attempt-x", "attempt-1x", "attempt--1", "attempt-+1", "attempt 1",
                                 "xattempt-1", "attempt-1/"};
    for (size_t i = 0; i < sizeof bad_attempt / sizeof *bad_attempt; i++)
        CHECK(layout_parse_attempt_name(bad_attempt[i]) == -1);
    const char *bad_log[] = {"rank-.log", "rank-1", "rank-1.log.bak", "rank-1.txt", "rank--1.log", "Rank-1.log"};
    for (size_t i = 0; i < sizeof bad_log / sizeof *bad_log; i++)
        CHECK(layout_parse_rank_log_name(bad_log[i]) == -1);
    const char *bad_name[] = {"rank-", "rank-01", "rank-+1", "rank-1x", "rank-1/", "rank-1234567890"};
    for (size_t i = 0; i < sizeof bad_name / sizeof *bad_name; i++)
        CHECK(layout_parse_rank_name(bad_name[i]) == -1);
    CHECK(layout_is_partial_name("n1.partial", NULL) && layout_is_partial_name("n1.partial", "n1"));
    CHECK(!layout_is_partial_name("n10.partial", "n1") && !layout_is_partial_name(".partial", NULL));
    CHECK(!layout_is_partial_name("n1", NULL));
    CHECK(layout_trash(p, sizeof p, "/c", "t", 1) == 0 && layout_is_trash_name(strrchr(p, '/') + 1));
    CHECK(!layout_is_trash_name("trash-x"));
}

/* The verdict's key line names the node of the event that decided it (the
 * controller excludes that node), even when the log path says otherwise:
 * nothing parses the node back out of a path. */
TEST(layout_verdict_key_line_carries_node)
{
    json_t *events = json_pack("[{s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:i,s:s,s:f}]", "role", "root", "category", "hardware",
                               "failure_type", "ecc_error", "action", "exclude_node", "node", "nodeB", "rank", 3,
                               "file", "attempt-0/nodeA/rank-3.log", "line", 4, "text", "ECC error", "time", 1.0);
    json_t *v = verdict_pick(events, NULL, NULL);
    json_t *key = json_object_get(v, "key_line");
    CHECK(key != NULL);
    CHECK_STR(json_string_value(json_object_get(key, "node")), "nodeB");
    CHECK_STR(json_string_value(json_object_get(key, "file")), "attempt-0/nodeA/rank-3.log");
    json_decref(v);
    json_decref(events);
    /* no rule matched: the first failure's node */
    json_t *ff = json_pack("{s:s,s:i,s:s,s:[s]}", "node", "nodeC", "rank", 1, "file", "x.log", "tail", "boom");
    v = verdict_pick(NULL, ff, NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "key_line"), "node")), "nodeC");
    json_decref(v);
    json_decref(ff);
}
