/* test_marks: the one-pass fixed-string search of diagnose/marks.c against
 * a memmem per mark: exact case (the automaton folds it), marks at the
 * edges of a line, overlapping marks, several marks with one bit, and
 * random lines compared with the plain search. */
#include <stdlib.h>
#include <string.h>
#include "diagnose/marks.h"
#include "tests/unit/harness.h"

static const char *const mk[] = {"NCCL INFO", "Init COMPLETE", "dzv", "ASTER_ADDR", "aster_addr",
                                 "Training completed", "training completed", "ing comp"};
static const uint32_t bits[] = {1, 1, 2, 2, 2, 4, 4, 8};
#define NMK (sizeof mk / sizeof *mk)

/* The reference: one memmem per mark. */
static uint32_t slow(const char *line, size_t len)
{
    uint32_t k = 0;
    for (size_t i = 0; i < NMK; i++)
        if (memmem(line, len, mk[i], strlen(mk[i])))
            k |= bits[i];
    return k;
}

TEST(marks_exact_case_edges_overlaps)
{
    struct marks *m = marks_new(mk, bits, NMK);
    CHECK(m != NULL);
    static const struct { const char *line; uint32_t want; } cases[] = {
        {"node1:12:34 [0] NCCL INFO Bootstrap", 1},
        {"node1:12:34 [0] nccl info bootstrap", 0}, /* folded only: no mark */
        {"NCCL INFO", 1},                           /* the whole line */
        {"x Init COMPLETE", 1},                     /* at the end */
        {"--rdzv_endpoint=10.0.0.1:29500", 2},
        {"MASTER_ADDR=n1 master_addr", 2},
        {"Training completed in 3h", 4 | 8}, /* overlapping marks, two bits */
        {"TRAINING COMPLETED", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        CHECK(marks_scan(m, cases[i].line, strlen(cases[i].line)) == cases[i].want);
    marks_free(m);
    const char *empty[] = {""};
    const uint32_t one[] = {1};
    CHECK(marks_new(empty, one, 1) == NULL); /* an empty mark is refused */
}

TEST(marks_agree_with_memmem_on_random_lines)
{
    struct marks *m = marks_new(mk, bits, NMK);
    CHECK(m != NULL);
    static const char *const parts[] = {"NCCL ", "INFO", "nccl info", "Init ", "COMPLETE", "dz", "v",
                                        "ASTER", "_ADDR", "aster_", "addr", "Training ", "completed",
                                        "training", " ", "x", "ing", " comp"};
    unsigned seed = 7;
    char line[256];
    for (int t = 0; t < 20000; t++) {
        size_t n = 0;
        int k = (int)(rand_r(&seed) % 8);
        for (int j = 0; j < k; j++) {
            const char *p = parts[rand_r(&seed) % (sizeof parts / sizeof *parts)];
            size_t l = strlen(p);
            memcpy(line + n, p, l);
            n += l;
        }
        if (marks_scan(m, line, n) != slow(line, n)) {
            CHECK(!"marks_scan differs from memmem");
            break;
        }
    }
    marks_free(m);
}

/* The linemarks found in the rules' own walk (classifier_line_marks) are
 * those a walk of their own finds (linemarks_scan), line by line, also on
 * lines a rule matches and in a ruleset whose literals share anchors with
 * the marks. */
#include "diagnose/diagnose.h"
#include "diagnose/linemarks.h"
#include "tests/unit/test_diag_util.h"

TEST(linemarks_from_the_rules_walk_equal_their_own)
{
    static const char rules[] =
        "- id: t.nccl\n  category: infrastructure\n  type: nccl_error\n  role: root\n  action: restart\n"
        "  match: 'NCCL WARN .*failed'\n  literals: ['NCCL WARN']\n  explain: x\n"
        "  examples: ['NCCL WARN NET/IB : failed']\n"
        "- id: t.noise\n  category: noise\n  type: noise\n  role: noise\n  action: ignore\n"
        "  match: 'NCCL INFO'\n  explain: x\n  examples: ['NCCL INFO x']\n";
    static const char *const lines[] = {
        "node1:12:34 [0] NCCL INFO Init COMPLETE comm 0x1 rank 0 nranks 8",
        "node1:12:34 [0] nccl info init complete", /* folded only: no mark */
        "node1:12:34 [0] NCCL WARN NET/IB : failed --rdzv_endpoint=10.0.0.1",
        "Training completed. Training finished iteration 3",
        "torch.distributed.elastic: failed (exitcode: 1) local_rank: 0 (pid: 7) of binary",
        "MASTER_ADDR=n1 MASTER_PORT=29500 Waiting in store based barrier",
        "plain text with nothing",
        "",
    };
    struct buf err;
    struct ruleset *rs = diag_load(diag_write("lm.yaml", rules), &err);
    buf_free(&err);
    CHECK(rs != NULL);
    struct classifier *c = classifier_new(rs);
    CHECK(c != NULL);
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        uint32_t got = 0;
        classifier_line(c, lines[i], strlen(lines[i]), (long)i + 1, NULL, NULL);
        CHECK(classifier_line_marks(c, &got) == 0);
        CHECK(got == linemarks_scan(lines[i], strlen(lines[i])));
    }
    CHECK(linemarks_scan(lines[0], strlen(lines[0])) == LM_SETUP);
    CHECK(linemarks_scan(lines[3], strlen(lines[3])) == (LM_DONE | LM_NOT_DONE));
    CHECK(linemarks_scan(lines[5], strlen(lines[5])) == (LM_SETUP | LM_ENDPOINT));
    classifier_free(c);
    ruleset_free(rs);
}

/* The whole linemarks table fits one automaton: past MARKS_MAX marks_new
 * refuses it and every line is searched for each mark alone (157 marks had
 * passed the old limit of 128 unnoticed). */
TEST(marks_linemarks_table_fits_one_automaton)
{
    const char *const *mark;
    const uint32_t *bits;
    size_t n = linemarks_table(&mark, &bits);
    CHECK(n > 0 && n <= MARKS_MAX);
    struct marks *m = marks_new(mark, bits, n);
    CHECK(m != NULL);
    marks_free(m);
}
