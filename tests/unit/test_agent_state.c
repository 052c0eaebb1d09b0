/* test_agent_state: the agent's transition table, driven directly (no
 * processes): every state x event has a defined answer, the stop path
 * runs idle -> loading -> running -> term -> kill -> draining -> idle, and
 * done is final; the plain-logs window counts only attempts that spawned a
 * rank. */
#include "launcher/agent_state.h"
#include <string.h>
#include "common/log.h"
#include "launcher/agent_int.h"
#include "tests/unit/harness.h"

TEST(agent_table_every_pair_is_defined)
{
    for (int s = 0; s <= A__COUNT; s++)
        for (int e = 0; e <= AE__COUNT; e++) {
            int n = agent_next((enum agent_state)s, (enum agent_event)e);
            CHECK(n == -1 || (n >= 0 && n < A__COUNT));
            if (s == A__COUNT || e == AE__COUNT)
                CHECK(n == -1);
        }
    for (int s = 0; s < A__COUNT; s++)
        CHECK(agent_state_name((enum agent_state)s)[0] != '?');
    for (int e = 0; e < AE__COUNT; e++)
        CHECK(agent_event_name((enum agent_event)e)[0] != '?');
}

TEST(agent_table_paths)
{
    CHECK(agent_next(A_IDLE, AE_START) == A_LOADING);
    CHECK(agent_next(A_LOADING, AE_LOADED) == A_RUNNING);
    /* a stop (or leaving) while the rules load: nothing was spawned, the stop path reports it */
    CHECK(agent_next(A_LOADING, AE_STOP) == A_TERM);
    CHECK(agent_next(A_LOADING, AE_START) == -1);
    CHECK(agent_next(A_LOADING, AE_CHECK) == -1);
    CHECK(agent_next(A_LOADING, AE_QUIT) == -1);
    CHECK(agent_next(A_IDLE, AE_LOADED) == -1);
    CHECK(agent_next(A_TERM, AE_LOADED) == -1); /* a load that ends after a stop spawns nothing */
    CHECK(agent_next(A_RUNNING, AE_LOADED) == -1);
    CHECK(agent_next(A_RUNNING, AE_STOP) == A_TERM);
    CHECK(agent_next(A_TERM, AE_GRACE_OVER) == A_KILL);
    CHECK(agent_next(A_TERM, AE_REAPED) == A_DRAINING);
    CHECK(agent_next(A_KILL, AE_REAPED) == A_DRAINING);
    CHECK(agent_next(A_DRAINING, AE_DRAINED) == A_IDLE);
    CHECK(agent_next(A_IDLE, AE_QUIT) == A_DONE);
    CHECK(agent_next(A_IDLE, AE_CHECK) == A_HEALTH);
    CHECK(agent_next(A_HEALTH, AE_CHECKED) == A_IDLE);
    CHECK(agent_next(A_HEALTH, AE_QUIT) == A_DONE);
    CHECK(agent_next(A_HEALTH, AE_START) == -1); /* no ranks while the probes run */
    CHECK(agent_next(A_RUNNING, AE_CHECK) == -1);
    /* a second stop, a start while an attempt runs, a quit with ranks alive: ignored */
    CHECK(agent_next(A_TERM, AE_STOP) == -1);
    CHECK(agent_next(A_KILL, AE_STOP) == -1);
    CHECK(agent_next(A_DRAINING, AE_STOP) == -1);
    CHECK(agent_next(A_RUNNING, AE_START) == -1);
    CHECK(agent_next(A_DRAINING, AE_START) == -1);
    CHECK(agent_next(A_RUNNING, AE_QUIT) == -1);
    CHECK(agent_next(A_IDLE, AE_STOP) == -1);
    for (int e = 0; e < AE__COUNT; e++)
        CHECK(agent_next(A_DONE, (enum agent_event)e) == -1);
}

/* Only an attempt that spawned a rank enters the window of attempts whose
 * logs stay plain: one stopped while its rules loaded has no logs, and
 * counting it would gzip a real attempt's logs one attempt early. */
TEST(agent_logs_window_counts_only_spawned_attempts)
{
    struct agent a;
    memset(&a, 0, sizeof a);
    struct rank r[2];
    memset(r, 0, sizeof r);
    r[0].log_fd = r[1].log_fd = -1; /* as ranks_start allocates them */
    r[0].out.fd = r[0].err.fd = r[1].out.fd = r[1].err.fd = -1;
    a.ranks = r;
    a.nranks = 2;
    a.start.u.start.node_dir = "/run/attempt-1/n1";
    agent_logs_attempt_end(&a); /* stopped while loading: nothing spawned */
    CHECK(a.old_logs[AGENT_PLAIN_ATTEMPTS - 1] == NULL);
    r[1].pid = 4242;
    agent_logs_attempt_end(&a);
    CHECK(a.old_logs[AGENT_PLAIN_ATTEMPTS - 1] != NULL);
    CHECK(AGENT_PLAIN_ATTEMPTS < 2 || a.old_logs[AGENT_PLAIN_ATTEMPTS - 2] == NULL);
    a.log_reported = log_dropped(); /* nothing to report: no connection here */
    agent_logs_close(&a);
    CHECK(a.old_logs[AGENT_PLAIN_ATTEMPTS - 1] == NULL);
}
