/* Unit tests of the cdrv group: the rank of a non-default process group's
 * "[PG ... Rank N]" log prefix is not taken for the global rank (the
 * culprit extractor, and offline diagnosis, where the stream's "[rankN]:"
 * prefix names the rank instead), while the default group's still is. */
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"
#include "diagnose/culprit.h"
#include "diagnose/internal.h"
#include "diagnose/offline.h"
#include "diagnose/rules_load.h"

/* The rank the culprit extractor finds in one line, -1 for none. */
static json_int_t line_rank(const char *text)
{
    json_t *c = json_pack("{s:n,s:n,s:n}", "host", "rank", "gpu");
    struct culprit_x *x = culprit_x_new();
    culprit_x_fill(x, c, text, strlen(text), CX_LINE);
    culprit_x_free(x);
    json_t *r = json_object_get(c, "rank");
    json_int_t v = json_is_integer(r) ? json_integer_value(r) : -1;
    json_decref(c);
    return v;
}

TEST(cdrv_pg_rank_default_group_only)
{
    static const struct {
        const char *text;
        int rank;
    } cases[] = {
        {"[PG ID 0 PG GUID 0(default_pg) Rank 6] Process group watchdog thread terminated", 6},
        {"[PG 0 (default_pg) Rank 3] Timeout at NCCL work: 12", 3},
        {"[PG ID 0 PG GUID 0 Rank 2] Watchdog caught collective operation timeout", 2},
        {"[PG 0 Rank 5] Exception (either an error or timeout) detected by watchdog", 5},
        {"[PG ID 5 PG GUID 55(mesh_replicate) Rank 1] Process group watchdog thread terminated with "
         "exception: CUDA error: unspecified launch failure", -1},
        {"[PG ID 2 PG GUID 3 Rank 0] Process group watchdog thread terminated with", -1},
        {"[PG 1 Rank 3] Exception (either an error or timeout) detected by watchdog at work: 1580", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_int_t got = line_rank(cases[i].text);
        if (got != cases[i].rank)
            fprintf(stderr, "  case %zu: rank %lld\n", i, (long long)got);
        CHECK(got == cases[i].rank);
    }
}

/* An empty capture blocks only its own field: the GPU and host of the same
 * line are still found. */
TEST(cdrv_pg_rank_block_keeps_other_fields)
{
    const char *t = "[PG ID 5 PG GUID 55(mesh_replicate) Rank 1] GPU 3 on host gpu-node-7 failed";
    json_t *c = json_pack("{s:n,s:n,s:n}", "host", "rank", "gpu");
    struct culprit_x *x = culprit_x_new();
    culprit_x_fill(x, c, t, strlen(t), CX_LINE);
    culprit_x_free(x);
    CHECK(json_is_null(json_object_get(c, "rank")));
    CHECK(json_integer_value(json_object_get(c, "gpu")) == 3);
    CHECK_STR(json_string_value(json_object_get(c, "host")), "gpu-node-7");
    json_decref(c);
}

static const char *const launch_rule =
    "- id: t.launch\n  category: infrastructure\n  type: cuda_error\n  role: root\n"
    "  action: restart\n  match: 'unspecified launch failure'\n  explain: 'x'\n"
    "  examples: ['CUDA error: unspecified launch failure']\n";

TEST(cdrv_offline_stream_rank_beats_group_rank)
{
    static const char *const lines[] = {
        "Steps:  25%| 382/1500 [5:29:27<15:48:09, 50.89s/it, loss=0.0841]",
        "[rank9]:[E113 11:43:02.241131296 ProcessGroupNCCL.cpp:1899] [PG ID 5 PG GUID "
        "55(mesh_replicate) Rank 1] Process group watchdog thread terminated with exception: "
        "CUDA error: unspecified launch failure",
    };
    json_t *v = diag_offline_lines(launch_rule, lines, 2);
    CHECK(v != NULL);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.launch");
    json_t *r = json_object_get(json_object_get(v, "culprit"), "rank");
    CHECK(json_is_integer(r) && json_integer_value(r) == 9);
    json_decref(v);
}
