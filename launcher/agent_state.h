/* agent_state: the agent's state machine as a table. agent_next() is the
 * pure state x event -> state function (unit-tested for every pair, without
 * processes); agent_on() (agent_state.c) is the only place an agent's state
 * changes, logging each transition at debug level. What each state does is
 * in agent.c (messages, leaving) and agent_stop.c (stop, reap, drain). */
#ifndef ENDURE_AGENT_STATE_H
#define ENDURE_AGENT_STATE_H

enum agent_state {
    A_IDLE,      /* connected, no attempt: waiting for a start */
    A_LOADING,   /* a start arrived: the rule set loads on the worker thread, then the ranks are spawned */
    A_RUNNING,   /* the attempt's ranks run */
    A_TERM,      /* the stop signal was sent; waiting out the grace */
    A_KILL,      /* KILL sent; sweeping descendants until none is left or --kill-timeout */
    A_DRAINING,  /* every process reaped; persisting committed checkpoints before "stopped" */
    A_HEALTH,    /* `endure health` runs on the node for the controller (no ranks) */
    A_DONE,      /* leave the loop */
    A__COUNT
};

enum agent_event {
    AE_START,       /* a start message: its rule set is loaded (off the loop) */
    AE_LOADED,      /* the rule set is ready: the ranks are spawned */
    AE_STOP,        /* stop the ranks (controller's stop, a spawn error, leaving) */
    AE_GRACE_OVER,  /* the stop grace ran out */
    AE_REAPED,      /* no process of the attempt is left (or the kill timeout passed) */
    AE_DRAINED,     /* the checkpoints are persisted (or --persist-timeout passed); "stopped" sent */
    AE_QUIT,        /* shut down (controller's shutdown, controller lost, a signal) */
    AE_CHECK,       /* a health_req: the health command is started */
    AE_CHECKED,     /* the health command ended (or was killed); "health" sent */
    AE__COUNT
};

struct agent;

/* The state after e in s, or -1 when e does not apply in s (ignored). */
int agent_next(enum agent_state s, enum agent_event e);
/* Applies e to a: 0 when the state changed, -1 when e was ignored. */
int agent_on(struct agent *a, enum agent_event e);
const char *agent_state_name(enum agent_state s);
const char *agent_event_name(enum agent_event e);

#endif
