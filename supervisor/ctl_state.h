/* ctl_state: the controller's state machine as a table. ctl_next() is the
 * pure state x event -> state function (unit-tested exhaustively, without
 * processes); ctl_on() is the only place the controller's state changes,
 * and it logs every transition at debug level. What each state does lives
 * in ctl_attempt.c / ctl_decide.c; docs/internals.md has the diagram. */
#ifndef ENDURE_CTL_STATE_H
#define ENDURE_CTL_STATE_H

enum ctl_state {
    C_WAIT_AGENTS,  /* agents starting; the first attempt waits for all of them */
    C_HEALTH,       /* the next attempt's nodes run their health probes (--health) */
    C_RESTORING,    /* choosing the checkpoint the next attempt resumes from */
    C_RUNNING,      /* the attempt's ranks run; failures are watched */
    C_SAVING,       /* --save-signal: the ranks were asked for a last checkpoint */
    C_DUMPING,      /* a hang: the ranks got SIGABRT to print their Python stacks (--hang-dump-timeout) */
    C_STOPPING,     /* TERM (or the forwarded signal), grace, KILL, until every node reports stopped */
    C_DIAGNOSING,   /* the root cause of the failed attempt is picked */
    C_LLM_WAIT,     /* advise: the rule verdict was unknown or weak; the LLM is asked (bounded by --llm-wait) */
    C_DECIDING,     /* policy, budget, crash loop, node exclusion */
    C_BACKOFF,      /* waiting before the next attempt */
    C_DONE,         /* the run is over; exit_code is set */
    C__COUNT
};

enum ctl_event {
    CE_NODES_READY,   /* enough agents are in for an attempt */
    CE_HEALTHY,       /* the next attempt's nodes passed their health checks (or --health off) */
    CE_RESTORED,      /* the checkpoint choice is made */
    CE_FAILURE,       /* a rank failed, a node was lost, a hang, a signal, a spawn error */
    CE_SUCCESS,       /* every rank exited 0 (the stop reaps leftovers) */
    CE_SAVE,          /* a signal with --save-signal: ask for a last checkpoint */
    CE_SAVE_OVER,     /* every rank exited, the grace ran out, or a second signal */
    CE_HANG_DUMP,     /* a hang with --hang-dump-timeout: the ranks are asked for their stacks */
    CE_DUMP_OVER,     /* every rank exited after its dump, the timeout ran out, a signal or a lost node */
    CE_ALL_STOPPED,   /* every active node reported its ranks reaped */
    CE_DIAGNOSED,     /* the verdict is known */
    CE_LLM_ASKED,     /* the rule verdict needs the LLM and the decision waits for it (advise) */
    CE_LLM_DONE,      /* the LLM answered (a verdict, a rejection or an error) */
    CE_LLM_WAIT_OVER, /* --llm-wait has passed: the rule verdict decides */
    CE_RESTART,       /* decided: restart after a back-off */
    CE_BACKOFF_OVER,  /* the back-off has passed */
    CE_FINISH,        /* the run ends (exit code chosen) */
    CE__COUNT
};

/* A node of the run (ctl_int.h's struct node has one). */
enum node_state {
    NODE_STARTING,  /* agent launched, not yet authenticated */
    NODE_READY,     /* authenticated; active in an attempt or a warm spare */
    NODE_LOST,      /* its agent died, its connection broke or its heartbeats stopped */
    NODE_EXCLUDED,  /* a verdict blamed it; its agent was told to shut down */
    NODE__COUNT
};

/* NE_READMIT: a lost or excluded node's exclusion expired (--exclude-for);
 * its agent is launched again (ctl_budget.c). */
enum node_event { NE_CONNECTED, NE_LOST, NE_BLAMED, NE_READMIT, NE__COUNT };

struct ctl;
struct node;

/* The state after event e in state s, or -1 when e does not apply in s (the
 * event is then ignored). */
int ctl_next(enum ctl_state s, enum ctl_event e);
/* Applies event e to c: 0 when the state changed, -1 when e was ignored. */
int ctl_on(struct ctl *c, enum ctl_event e);
const char *ctl_state_name(enum ctl_state s);
/* The node's state after e, or -1 when e does not apply (lost and excluded
 * nodes come back only through NE_READMIT, as NODE_STARTING). */
int node_next(enum node_state s, enum node_event e);
/* Applies e to n: 0 when its state changed, -1 when e was ignored. */
int node_on(struct node *n, enum node_event e);
const char *node_state_name(enum node_state s);
const char *ctl_event_name(enum ctl_event e);

#endif
