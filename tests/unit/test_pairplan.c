/* Unit tests of the pairwise plan (supervisor/pairplan.c) against a model
 * of the cluster: each node is fine, broken (every pair with it fails), or
 * has a link speed (a pair runs at the slower one's). The plan is driven
 * to its end as ctl_pairs.c drives it, and the verdicts are checked. */
#include "tests/unit/harness.h"
#include "supervisor/pairplan.h"

struct model {
    int n;
    int bad[16];      /* 1: every pair with it fails; 2: the backend skips */
    double speed[16]; /* GB/s; 0: 10 */
    int ref[16];
    int pairs, batches, max_batch_load;
};

static double speed(const struct model *m, int i)
{
    return m->speed[i] > 0 ? m->speed[i] : 10;
}

/* Runs the plan to its end; 0, or -1 if a node was in two pairs of one batch. */
static int drive(struct model *m, struct pairplan *p)
{
    if (pairplan_init(p, m->n, 0.5) < 0)
        return -1;
    for (int i = 0; i < m->n; i++)
        if (m->ref[i])
            pairplan_set_ref(p, i, speed(m, i));
    int k;
    while ((k = pairplan_next(p)) > 0) {
        int seen[16] = {0};
        m->batches++;
        for (int j = 0; j < k; j++) {
            int a = p->batch[j].a, b = p->batch[j].b;
            if (seen[a]++ || seen[b]++ || a == b)
                return -1;
            m->pairs++;
            if (m->bad[a] == 2 || m->bad[b] == 2)
                pairplan_result(p, j, -1, -1, "no libnccl.so.2");
            else if (m->bad[a] || m->bad[b])
                pairplan_result(p, j, 0, -1, "connection refused");
            else
                pairplan_result(p, j, 1, speed(m, a) < speed(m, b) ? speed(m, a) : speed(m, b), NULL);
        }
    }
    return 0;
}

static int count(const struct pairplan *p, enum pp_state s)
{
    int c = 0;
    for (int i = 0; i < p->n; i++)
        c += p->nodes[i].state == s;
    return c;
}

TEST(pairplan_all_healthy_one_round)
{
    struct model m = {.n = 6};
    struct pairplan p;
    CHECK(drive(&m, &p) == 0);
    CHECK(count(&p, PP_PASSED) == 6 && m.batches == 1 && m.pairs == 3);
    for (int i = 0; i < 6; i++)
        CHECK(!p.nodes[i].straggler && p.nodes[i].gbps == 10);
    pairplan_free(&p);
}

TEST(pairplan_broken_node_is_faulty_and_its_partner_cleared)
{
    struct model m = {.n = 4, .bad = {[2] = 1}};
    struct pairplan p;
    CHECK(drive(&m, &p) == 0);
    CHECK(p.nodes[2].state == PP_FAULTY && count(&p, PP_FAULTY) == 1);
    CHECK(p.nodes[3].state == PP_PASSED && m.batches == 2);
    CHECK(strstr(p.nodes[2].why, "connection refused") != NULL);
    pairplan_free(&p);
}

TEST(pairplan_odd_one_out_is_tested_in_round_two)
{
    struct model m = {.n = 5, .bad = {[4] = 1}};
    struct pairplan p;
    CHECK(drive(&m, &p) == 0);
    CHECK(p.nodes[4].state == PP_FAULTY && count(&p, PP_PASSED) == 4);
    struct model ok = {.n = 5};
    pairplan_free(&p);
    CHECK(drive(&ok, &p) == 0);
    CHECK(count(&p, PP_PASSED) == 5 && ok.pairs == 3);
    pairplan_free(&p);
}

TEST(pairplan_slow_node_is_the_only_straggler)
{
    struct model m = {.n = 4, .speed = {[1] = 0.1}};
    struct pairplan p;
    CHECK(drive(&m, &p) == 0);
    CHECK(count(&p, PP_PASSED) == 4 && m.batches == 2);
    CHECK(p.nodes[1].straggler && p.nodes[1].gbps < 0.2);
    CHECK(!p.nodes[0].straggler && p.nodes[0].gbps == 10); /* cleared by its round-2 pair */
    CHECK(!p.nodes[2].straggler && !p.nodes[3].straggler && p.median == 10);
    pairplan_free(&p);
}

TEST(pairplan_no_node_passed_tries_new_partners)
{
    struct model m = {.n = 3, .bad = {[0] = 1}};
    struct pairplan p;
    CHECK(drive(&m, &p) == 0);
    CHECK(p.nodes[0].state == PP_FAULTY && p.nodes[1].state == PP_PASSED && p.nodes[2].state == PP_PASSED);
    pairplan_free(&p);
    struct model two = {.n = 2, .bad = {[1] = 1}}; /* nobody to tell them apart */
    CHECK(drive(&two, &p) == 0);
    CHECK(count(&p, PP_FAULTY) == 2);
    pairplan_free(&p);
}

TEST(pairplan_references_pair_with_new_nodes)
{
    struct model m = {.n = 5, .ref = {1, 1, 1}, .bad = {[3] = 1}};
    struct pairplan p;
    CHECK(drive(&m, &p) == 0);
    CHECK(m.batches == 1 && m.pairs == 2);
    CHECK(p.nodes[3].state == PP_FAULTY && p.nodes[4].state == PP_PASSED && count(&p, PP_PASSED) == 4);
    pairplan_free(&p);
}

TEST(pairplan_skip_and_single_node)
{
    struct model m = {.n = 4, .bad = {2, 2, 2, 2}};
    struct pairplan p;
    CHECK(drive(&m, &p) == 0);
    CHECK(count(&p, PP_SKIPPED) == 4 && count(&p, PP_FAULTY) == 0);
    pairplan_free(&p);
    struct model one = {.n = 1};
    CHECK(drive(&one, &p) == 0);
    CHECK(count(&p, PP_SKIPPED) == 1 && one.pairs == 0);
    pairplan_free(&p);
}

TEST(pairplan_many_broken_nodes_terminate)
{
    struct model m = {.n = 16};
    for (int i = 0; i < 16; i += 3)
        m.bad[i] = 1;
    struct pairplan p;
    CHECK(drive(&m, &p) == 0);
    for (int i = 0; i < 16; i++)
        CHECK((p.nodes[i].state == PP_FAULTY) == (m.bad[i] == 1));
    pairplan_free(&p);
}
