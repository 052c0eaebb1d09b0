/* test_ctl_state: the controller's and the nodes' transition tables, driven
 * directly (no processes): every state x event gives a defined answer, the
 * documented paths hold, and terminal states stay terminal. */
#include "supervisor/ctl_state.h"
#include "tests/unit/harness.h"

TEST(ctl_table_every_pair_is_defined)
{
    for (int s = 0; s < C__COUNT; s++) {
        CHECK(ctl_state_name((enum ctl_state)s)[0] != '?');
        for (int e = 0; e < CE__COUNT; e++) {
            int n = ctl_next((enum ctl_state)s, (enum ctl_event)e);
            CHECK(n == -1 || (n >= 0 && n < C__COUNT));
            CHECK(ctl_event_name((enum ctl_event)e)[0] != '?');
        }
    }
    CHECK(ctl_next(C__COUNT, CE_FINISH) == -1);
    CHECK(ctl_next(C_RUNNING, CE__COUNT) == -1);
}

TEST(ctl_table_done_is_terminal_and_finish_ends_everything_else)
{
    for (int e = 0; e < CE__COUNT; e++)
        CHECK(ctl_next(C_DONE, (enum ctl_event)e) == -1);
    for (int s = 0; s < C_DONE; s++)
        CHECK(ctl_next((enum ctl_state)s, CE_FINISH) == C_DONE);
}

/* applies events in order from s; returns the last state or -1 */
static int walk(enum ctl_state s, const enum ctl_event *ev, int n)
{
    int cur = s;
    for (int i = 0; i < n && cur >= 0; i++)
        cur = ctl_next((enum ctl_state)cur, ev[i]);
    return cur;
}

TEST(ctl_table_documented_paths)
{
    enum ctl_event restart[] = {CE_NODES_READY, CE_HEALTHY, CE_RESTORED, CE_FAILURE, CE_ALL_STOPPED,
                                CE_DIAGNOSED, CE_RESTART, CE_BACKOFF_OVER, CE_HEALTHY, CE_RESTORED};
    CHECK(walk(C_WAIT_AGENTS, restart, 10) == C_RUNNING);
    CHECK(walk(C_WAIT_AGENTS, restart, 7) == C_BACKOFF);
    CHECK(walk(C_WAIT_AGENTS, restart, 8) == C_HEALTH);
    /* no rank starts before the health checks and the restore choice */
    CHECK(ctl_next(C_HEALTH, CE_RESTORED) == -1);
    CHECK(ctl_next(C_WAIT_AGENTS, CE_HEALTHY) == -1);
    CHECK(ctl_next(C_HEALTH, CE_FINISH) == C_DONE);
    enum ctl_event save[] = {CE_SAVE, CE_SAVE_OVER, CE_ALL_STOPPED};
    CHECK(walk(C_RUNNING, save, 3) == C_DIAGNOSING);
    CHECK(ctl_next(C_RUNNING, CE_SUCCESS) == C_STOPPING);
    /* a hang: stacks first, then the stop; nothing else leaves C_DUMPING */
    enum ctl_event dump[] = {CE_HANG_DUMP, CE_DUMP_OVER, CE_ALL_STOPPED, CE_DIAGNOSED};
    CHECK(walk(C_RUNNING, dump, 4) == C_DECIDING);
    CHECK(ctl_next(C_DUMPING, CE_FAILURE) == -1 && ctl_next(C_DUMPING, CE_SAVE_OVER) == -1);
    CHECK(ctl_next(C_DUMPING, CE_SUCCESS) == -1 && ctl_next(C_DUMPING, CE_FINISH) == C_DONE);
    CHECK(ctl_next(C_SAVING, CE_HANG_DUMP) == -1 && ctl_next(C_STOPPING, CE_DUMP_OVER) == -1);
    /* a failure while saving or stopping does not start a second stop */
    CHECK(ctl_next(C_SAVING, CE_FAILURE) == -1);
    CHECK(ctl_next(C_STOPPING, CE_FAILURE) == -1);
    CHECK(ctl_next(C_STOPPING, CE_SUCCESS) == -1);
    /* ranks cannot start before the restore choice */
    CHECK(ctl_next(C_WAIT_AGENTS, CE_RESTORED) == -1);
    CHECK(ctl_next(C_BACKOFF, CE_RESTORED) == -1);
    CHECK(ctl_next(C_BACKOFF, CE_NODES_READY) == -1);
}

/* --llm advise: the decision may wait in C_LLM_WAIT for the LLM, and leaves
 * it on the answer or when --llm-wait is over, never otherwise. */
TEST(ctl_table_llm_wait)
{
    CHECK(ctl_next(C_DIAGNOSING, CE_LLM_ASKED) == C_LLM_WAIT);
    CHECK(ctl_next(C_DIAGNOSING, CE_DIAGNOSED) == C_DECIDING); /* a confident rule verdict never waits */
    CHECK(ctl_next(C_LLM_WAIT, CE_LLM_DONE) == C_DECIDING);
    CHECK(ctl_next(C_LLM_WAIT, CE_LLM_WAIT_OVER) == C_DECIDING);
    CHECK(ctl_next(C_LLM_WAIT, CE_FINISH) == C_DONE); /* a signal ends the run while waiting */
    for (int e = 0; e < CE__COUNT; e++)
        if (e != CE_LLM_DONE && e != CE_LLM_WAIT_OVER && e != CE_FINISH)
            CHECK(ctl_next(C_LLM_WAIT, (enum ctl_event)e) == -1);
    /* an answer or the end of the wait outside C_LLM_WAIT (a late verdict) changes nothing */
    for (int s = 0; s < C__COUNT; s++) {
        if (s != C_LLM_WAIT) {
            CHECK(ctl_next((enum ctl_state)s, CE_LLM_DONE) == -1);
            CHECK(ctl_next((enum ctl_state)s, CE_LLM_WAIT_OVER) == -1);
        }
        if (s != C_DIAGNOSING)
            CHECK(ctl_next((enum ctl_state)s, CE_LLM_ASKED) == -1);
    }
    enum ctl_event llm[] = {CE_NODES_READY, CE_HEALTHY, CE_RESTORED, CE_FAILURE, CE_ALL_STOPPED,
                            CE_LLM_ASKED, CE_LLM_WAIT_OVER, CE_RESTART, CE_BACKOFF_OVER};
    CHECK(walk(C_WAIT_AGENTS, llm, 9) == C_HEALTH);
    CHECK(walk(C_WAIT_AGENTS, llm, 6) == C_LLM_WAIT);
}

TEST(node_table)
{
    for (int s = 0; s < NODE__COUNT; s++)
        for (int e = 0; e <= NE__COUNT; e++) {
            int n = node_next((enum node_state)s, (enum node_event)e);
            CHECK(n == -1 || (n >= 0 && n < NODE__COUNT));
        }
    CHECK(node_next(NODE_STARTING, NE_CONNECTED) == NODE_READY);
    CHECK(node_next(NODE_STARTING, NE_LOST) == NODE_LOST);
    CHECK(node_next(NODE_STARTING, NE_BLAMED) == -1);
    CHECK(node_next(NODE_READY, NE_LOST) == NODE_LOST);
    CHECK(node_next(NODE_READY, NE_BLAMED) == NODE_EXCLUDED);
    CHECK(node_next(NODE_READY, NE_CONNECTED) == -1);
    CHECK(node_next(NODE_STARTING, NE_READMIT) == -1);
    CHECK(node_next(NODE_READY, NE_READMIT) == -1);
    /* lost and excluded nodes come back only when their exclusion expires (--exclude-for) */
    for (int e = 0; e < NE__COUNT; e++) {
        int want = e == NE_READMIT ? NODE_STARTING : -1;
        CHECK(node_next(NODE_LOST, (enum node_event)e) == want);
        CHECK(node_next(NODE_EXCLUDED, (enum node_event)e) == want);
    }
}
