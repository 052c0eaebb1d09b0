/* test_chang: the NCCL host of last resort (diagnose/lastresort.c): the host
 * of a log's `host:pid:tid [dev] NCCL` lines when they all name one host;
 * two hosts name none, and lines that only resemble the prefix name none.
 * Lightning's process-group init is collective setup (diagnose/activity.c). */
#include <string.h>
#include "diagnose/activity.h"
#include "diagnose/internal.h"
#include "diagnose/lastresort.h"
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

TEST(chang_nccl_host_one_node)
{
    struct last_resort p;
    CHECK(last_resort_init(&p) == 0);
    static const char *const log[] = {
        "pt-worker-0:4288:4521 [1] NCCL INFO proxy.cc:878 -> 6 [Progress Thread]",
        "pt-worker-0:4287:4512 [0] NCCL INFO [Service thread] Connection closed by localRank 0",
        "ncclRemoteError: A call failed possibly due to a network error or a remote process exiting prematurely.",
        "socketProgressOpt: Call to recv from 10.119.24.53<49901> failed : Broken pipe", NULL};
    diag_last_resort_feed(&p, log);
    CHECK(last_resort_nccl_host(&p) && !strcmp(last_resort_nccl_host(&p), "pt-worker-0"));
    CHECK(last_resort_host(&p) == NULL); /* not a shell prompt */
    last_resort_free(&p);
}

TEST(chang_nccl_host_two_nodes_or_lookalikes)
{
    struct last_resort p;
    CHECK(last_resort_init(&p) == 0);
    static const char *const look[] = {"node3:12:34 [0] INFO not an NCCL line", "node3:12 [0] NCCL INFO x",
                                       "node3:x:34 [0] NCCL INFO y", NULL};
    diag_last_resort_feed(&p, look);
    CHECK(last_resort_nccl_host(&p) == NULL);
    static const char *const two[] = {"gcn14:3570218:3570218 [2] NCCL INFO NET/Plugin : No plugin found",
                                      "gcn15:2242307:2242307 [1] NCCL INFO Bootstrap : Using ib-bond0:172.22.62.15<0>",
                                      NULL};
    diag_last_resort_feed(&p, two);
    CHECK(last_resort_nccl_host(&p) == NULL); /* two nodes: none */
    last_resort_free(&p);
}

/* Lightning's process-group init ("Initializing distributed: GLOBAL_RANK",
 * "initializing ddp: GLOBAL_RANK" before 1.6) as the last thing a log shows
 * is collective setup: a suspected hang, not "no failure found". */
TEST(chang_lightning_pg_init_is_setup)
{
    static const char *const forms[][3] = {
        {"[rank: 0] Seed set to 42", "Initializing distributed: GLOBAL_RANK: 0, MEMBER: 1/5", NULL},
        {"LOCAL_RANK: 1 - CUDA_VISIBLE_DEVICES: [0,1,2,3]", "initializing ddp: GLOBAL_RANK: 1, MEMBER: 2/8", NULL},
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        struct activity a;
        activity_init(&a);
        for (const char *const *l = forms[i]; *l; l++)
            activity_line(&a, *l, strlen(*l), -1);
        json_t *v = verdict_base("none", "success", "none", 0.7, "No failure was found in the logs.");
        activity_verdict(&a, v);
        CHECK_STR(json_string_value(json_object_get(v, "type")), "hang");
        CHECK(json_is_true(json_object_get(v, "suspected")));
        json_decref(v);
    }
}
