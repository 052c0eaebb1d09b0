/* pairplan: the two-round pairwise health check as a pure state machine
 * over node indices 0..n-1 (no I/O: ctl_pairs.c sends the tests and feeds
 * the results back; unit-tested without processes). The rule (Acme,
 * NSDI'24):
 *   round 1  the untested nodes in pairs (0,1), (2,3), ...; an odd one out
 *            waits for round 2; a pair that fails, or whose bandwidth is
 *            under ratio x the median of round 1's pairs, makes both its
 *            nodes suspects;
 *   round 2  every suspect and every untested node is paired with a node
 *            that passed (references: nodes that passed before this plan),
 *            each passed node in one pair at a time, in as many batches as
 *            it takes. Only when no node passed at all does a suspect pair
 *            with a node it has not met.
 * A pair that passes clears both nodes. A node that fails with a passed
 * partner, or fails twice, is faulty; a suspect left with no partner to
 * try is faulty too; an untested node with nobody to pair with is skipped.
 * A skip (the backend cannot run there) clears both nodes without a
 * figure. At the end, a node whose best bandwidth is under ratio x the
 * median of every node's best is a straggler (needs 3 or more figures).
 *
 * Ownership: pairplan_init allocates, pairplan_free releases. */
#ifndef ENDURE_PAIRPLAN_H
#define ENDURE_PAIRPLAN_H

enum pp_state { PP_UNTESTED, PP_PASSED, PP_SUSPECT, PP_FAULTY, PP_SKIPPED };

#define PP_MAX_TRIES 4 /* pairs one node takes part in, at most */
#define PP_WHY 200

struct pp_node {
    enum pp_state state;
    int fails;                  /* failed pairs */
    int met[PP_MAX_TRIES];      /* the partners it was paired with */
    int nmet;
    double gbps;                /* best passing pair, < 0: none */
    int straggler;
    char why[PP_WHY];           /* the last failure (faulty: the reason) */
};

struct pp_pair {
    int a, b;                   /* a serves (rank 0), b connects */
    int done, result;           /* result: 1 pass, 0 fail, -1 skip */
    double gbps;
    char why[PP_WHY];
};

struct pairplan {
    int n;
    struct pp_node *nodes;
    double ratio;
    int batches;                /* planned so far; batch 1 of a plan without references is round 1 */
    int round;                  /* of the current batch: 1 or 2 */
    struct pp_pair *batch;      /* the current batch (at most n/2 pairs) */
    int nbatch;
    double median;              /* of the node figures, once finished; 0: none */
};

/* n nodes, all untested. 0, or -1 out of memory. */
int pairplan_init(struct pairplan *p, int n, double ratio);
void pairplan_free(struct pairplan *p);
/* Node i passed before this plan, with its figure (< 0: none). */
void pairplan_set_ref(struct pairplan *p, int i, double gbps);
/* Applies the current batch's results (every pair must be done) and plans
 * the next: returns its number of pairs, 0 when the plan is over (the
 * verdicts and stragglers are final). */
int pairplan_next(struct pairplan *p);
/* The result of pair k of the current batch. */
void pairplan_result(struct pairplan *p, int k, int result, double gbps, const char *why);
const char *pp_state_name(enum pp_state s);

#endif
