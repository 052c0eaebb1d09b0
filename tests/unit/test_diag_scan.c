/* test_diag_scan: the Aho-Corasick prefilter (diagnose/ac.c) against a naive
 * reference on random input: every rule whose literal occurs in a line (ASCII
 * case-insensitively) must be a candidate, and with verified literals nothing
 * else may be. Small alphabets make literals overlap, share anchors and occur
 * often; lengths cover short literals, the 8-byte word compare with and
 * without an overlapping last word, literals longer than the word compare,
 * and lines cut into interleaved segments. */
#include <stdint.h>
#include <stdlib.h>
#include "diagnose/internal.h"
#include "tests/unit/harness.h"

#define NLIT 60
#define NRULE 40
#define LINE_MAX_T 300

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

/* A random byte from a small alphabet (letters of either case, digits,
 * punctuation and now and then any byte at all). */
static char rnd_byte(int folded)
{
    static const char alpha[] = "abcAB:_ 1[";
    char ch = alpha[rnd() % (sizeof alpha - 1)];
    if (rnd() % 50 == 0)
        ch = (char)(1 + rnd() % 255);
    if (folded && ch >= 'A' && ch <= 'Z')
        ch = (char)(ch - 'A' + 'a');
    return ch;
}

static int occurs(const char *text, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    for (size_t i = 0; i + n <= len; i++) {
        size_t k = 0;
        while (k < n) {
            unsigned char t = (unsigned char)text[i + k];
            if ((t >= 'A' && t <= 'Z' ? t - 'A' + 'a' : t) != (unsigned char)lit[k])
                break;
            k++;
        }
        if (k == n)
            return 1;
    }
    return 0;
}

/* One random automaton and many random lines; exact: verify every literal
 * (the result must equal the reference) or none (it must contain it). */
static int one_round(int exact)
{
    char *lits[NLIT], text[LINE_MAX_T];
    uint32_t rule_of[NLIT], gen[NRULE] = {0}, cand[NRULE];
    uint8_t ex[NLIT];
    int ok = 1;
    for (size_t i = 0; i < NLIT; i++) {
        static const size_t lens[] = {1, 2, 3, 5, 6, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 40};
        size_t n = rnd() % 3 ? 1 + rnd() % 10 : lens[rnd() % (sizeof lens / sizeof *lens)];
        lits[i] = malloc(n + 1);
        for (size_t k = 0; k < n; k++)
            do
                lits[i][k] = rnd_byte(1);
            while (!lits[i][k]);
        lits[i][n] = '\0';
        rule_of[i] = rnd() % NRULE;
        ex[i] = (uint8_t)exact;
    }
    struct ac *a = ac_build(lits, rule_of, ex, NLIT);
    if (!a)
        return 0;
    for (int line = 0; line < 400 && ok; line++) {
        size_t len = rnd() % LINE_MAX_T;
        for (size_t k = 0; k < len; k++)
            text[k] = rnd_byte(0);
        if (len && rnd() % 2) { /* plant a literal somewhere, in random case */
            const char *l = lits[rnd() % NLIT];
            size_t n = strlen(l);
            if (n <= len) {
                size_t at = rnd() % (len - n + 1);
                for (size_t k = 0; k < n; k++)
                    text[at + k] = rnd() % 2 && l[k] >= 'a' && l[k] <= 'z' ? l[k] - 32 : l[k];
            }
        }
        struct ac_hits h = {gen, (uint32_t)line + 1, cand, 0};
        ac_scan(a, text, len, &h);
        int want[NRULE] = {0}, got[NRULE] = {0};
        for (size_t i = 0; i < NLIT; i++)
            want[rule_of[i]] |= occurs(text, len, lits[i]);
        for (size_t i = 0; i < h.n; i++)
            got[cand[i]]++;
        for (size_t r = 0; r < NRULE; r++)
            if (got[r] > 1 || (exact ? got[r] != want[r] : want[r] && !got[r])) {
                fprintf(stderr, "  rule %zu: got %d want %d (line of %zu bytes)\n", r, got[r],
                        want[r], len);
                ok = 0;
            }
    }
    ac_free(a);
    for (size_t i = 0; i < NLIT; i++)
        free(lits[i]);
    return ok;
}

TEST(diag_scan_matches_naive_reference)
{
    for (int round = 0; round < 40; round++)
        CHECK(one_round(1));
}

TEST(diag_scan_unverified_literals_are_a_superset)
{
    for (int round = 0; round < 20; round++)
        CHECK(one_round(0));
}
