/* ctl_state: the controller's transition table (see ctl_state.h). */
#include "supervisor/ctl_state.h"
#include "common/log.h"
#include "supervisor/ctl_int.h"

int ctl_next(enum ctl_state s, enum ctl_event e)
{
    if ((unsigned)s >= C__COUNT || (unsigned)e >= CE__COUNT || s == C_DONE)
        return -1;
    if (e == CE_FINISH)
        return C_DONE; /* a fatal condition or a decision ends the run from any state */
    switch (s) {
    case C_WAIT_AGENTS: return e == CE_NODES_READY ? C_HEALTH : -1;
    case C_HEALTH: return e == CE_HEALTHY ? C_RESTORING : -1;
    case C_RESTORING: return e == CE_RESTORED ? C_RUNNING : -1;
    case C_RUNNING:
        if (e == CE_FAILURE || e == CE_SUCCESS)
            return C_STOPPING;
        return e == CE_SAVE ? C_SAVING : e == CE_HANG_DUMP ? C_DUMPING : -1;
    case C_SAVING: return e == CE_SAVE_OVER ? C_STOPPING : -1;
    case C_DUMPING: return e == CE_DUMP_OVER ? C_STOPPING : -1;
    case C_STOPPING: return e == CE_ALL_STOPPED ? C_DIAGNOSING : -1;
    case C_DIAGNOSING:
        if (e == CE_DIAGNOSED)
            return C_DECIDING;
        return e == CE_LLM_ASKED ? C_LLM_WAIT : -1;
    case C_LLM_WAIT: return e == CE_LLM_DONE || e == CE_LLM_WAIT_OVER ? C_DECIDING : -1;
    case C_DECIDING: return e == CE_RESTART ? C_BACKOFF : -1;
    case C_BACKOFF: return e == CE_BACKOFF_OVER ? C_HEALTH : -1;
    default: return -1;
    }
}

const char *ctl_state_name(enum ctl_state s)
{
    static const char *names[C__COUNT] = {"wait_agents", "health", "restoring", "running", "saving", "dumping",
                                          "stopping", "diagnosing", "llm_wait", "deciding", "backoff", "done"};
    return (unsigned)s < C__COUNT ? names[s] : "?";
}

const char *ctl_event_name(enum ctl_event e)
{
    static const char *names[CE__COUNT] = {"nodes_ready", "healthy", "restored", "failure", "success", "save", "save_over",
                                           "hang_dump", "dump_over", "all_stopped", "diagnosed", "llm_asked",
                                           "llm_done", "llm_wait_over", "restart", "backoff_over", "finish"};
    return (unsigned)e < CE__COUNT ? names[e] : "?";
}

int ctl_on(struct ctl *c, enum ctl_event e)
{
    int next = ctl_next(c->state, e);
    if (next < 0) {
        log_debug("controller: event %s ignored in state %s", ctl_event_name(e), ctl_state_name(c->state));
        return -1;
    }
    log_debug("controller: %s -[%s]-> %s", ctl_state_name(c->state), ctl_event_name(e),
              ctl_state_name((enum ctl_state)next));
    c->state = (enum ctl_state)next;
    return 0;
}

int node_next(enum node_state s, enum node_event e)
{
    if ((unsigned)e >= NE__COUNT)
        return -1;
    switch (s) {
    case NODE_STARTING:
        return e == NE_CONNECTED ? NODE_READY : e == NE_LOST ? NODE_LOST : -1;
    case NODE_READY:
        return e == NE_LOST ? NODE_LOST : e == NE_BLAMED ? NODE_EXCLUDED : -1;
    case NODE_LOST:
    case NODE_EXCLUDED:
        return e == NE_READMIT ? NODE_STARTING : -1;
    default:
        return -1;
    }
}

const char *node_state_name(enum node_state s)
{
    static const char *names[NODE__COUNT] = {"starting", "ready", "lost", "excluded"};
    return (unsigned)s < NODE__COUNT ? names[s] : "?";
}

int node_on(struct node *n, enum node_event e)
{
    int next = node_next(n->state, e);
    if (next < 0)
        return -1;
    log_debug("node %s: %s -> %s", n->name, node_state_name(n->state), node_state_name((enum node_state)next));
    n->state = (enum node_state)next;
    return 0;
}
