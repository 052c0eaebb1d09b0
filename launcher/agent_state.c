/* agent_state: the agent's transition table (see agent_state.h). */
#include "launcher/agent_state.h"
#include "common/log.h"
#include "launcher/agent_int.h"

int agent_next(enum agent_state s, enum agent_event e)
{
    if ((unsigned)s >= A__COUNT || (unsigned)e >= AE__COUNT)
        return -1;
    switch (s) {
    case A_IDLE: return e == AE_START ? A_LOADING : e == AE_QUIT ? A_DONE : e == AE_CHECK ? A_HEALTH : -1;
    case A_HEALTH: return e == AE_CHECKED ? A_IDLE : e == AE_QUIT ? A_DONE : -1;
    case A_LOADING: return e == AE_LOADED ? A_RUNNING : e == AE_STOP ? A_TERM : -1;
    case A_RUNNING: return e == AE_STOP ? A_TERM : -1;
    case A_TERM: return e == AE_GRACE_OVER ? A_KILL : e == AE_REAPED ? A_DRAINING : -1;
    case A_KILL: return e == AE_REAPED ? A_DRAINING : -1;
    case A_DRAINING: return e == AE_DRAINED ? A_IDLE : -1;
    default: return -1; /* A_DONE is final */
    }
}

const char *agent_state_name(enum agent_state s)
{
    static const char *names[A__COUNT] = {"idle", "loading", "running", "term", "kill", "draining", "health", "done"};
    return (unsigned)s < A__COUNT ? names[s] : "?";
}

const char *agent_event_name(enum agent_event e)
{
    static const char *names[AE__COUNT] = {"start", "loaded", "stop", "grace_over", "reaped", "drained", "quit", "check",
                                             "checked"};
    return (unsigned)e < AE__COUNT ? names[e] : "?";
}

int agent_on(struct agent *a, enum agent_event e)
{
    int next = agent_next(a->state, e);
    if (next < 0) {
        log_debug("agent: event %s ignored in state %s", agent_event_name(e), agent_state_name(a->state));
        return -1;
    }
    log_debug("agent: %s -[%s]-> %s", agent_state_name(a->state), agent_event_name(e),
              agent_state_name((enum agent_state)next));
    a->state = (enum agent_state)next;
    return 0;
}
