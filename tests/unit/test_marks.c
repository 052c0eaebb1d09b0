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
