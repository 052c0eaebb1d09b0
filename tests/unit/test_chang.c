/* test_chang: the NCCL host of last resort (diagnose/lastresort.c): the host
 * of a log's `host:pid:tid [dev] NCCL` lines when they all name one host;
 * two hosts name none, and lines that only resemble the prefix name none. */
#include <string.h>
#include "diagnose/lastresort.h"
#include "tests/unit/harness.h"

static void feed(struct last_resort *p, const char *const *v)
{
    for (; *v; v++)
        last_resort_line(p, *v, strlen(*v));
}

TEST(chang_nccl_host_one_node)
{
    struct last_resort p;
    CHECK(last_resort_init(&p) == 0);
    static const char *const log[] = {
        "pt-worker-0:4288:4521 [1] NCCL INFO proxy.cc:878 -> 6 [Progress Thread]",
        "pt-worker-0:4287:4512 [0] NCCL INFO [Service thread] Connection closed by localRank 0",
        "ncclRemoteError: A call failed possibly due to a network error or a remote process exiting prematurely.",
        "socketProgressOpt: Call to recv from 10.119.24.53<49901> failed : Broken pipe", NULL};
    feed(&p, log);
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
    feed(&p, look);
    CHECK(last_resort_nccl_host(&p) == NULL);
    static const char *const two[] = {"gcn14:3570218:3570218 [2] NCCL INFO NET/Plugin : No plugin found",
                                      "gcn15:2242307:2242307 [1] NCCL INFO Bootstrap : Using ib-bond0:172.22.62.15<0>",
                                      NULL};
    feed(&p, two);
    CHECK(last_resort_nccl_host(&p) == NULL); /* two nodes: none */
    last_resort_free(&p);
}
