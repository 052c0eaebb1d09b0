/* Unit tests of common/ansi.c: terminal escape sequences taken out of a log
 * line (CSI, OSC, charset, sequences cut by the line's end) and the bare
 * SGR remnants a paste keeps, only when the line has a bare reset. */
#include <string.h>
#include "common/ansi.h"
#include "tests/unit/harness.h"

/* The stripped copy of s, in out (NUL-terminated); pasted as a file
 * whose first chunk has a bare reset. */
static const char *strip(const char *s, char *out, int pasted)
{
    out[ansi_strip(s, strlen(s), out, pasted)] = '\0';
    return out;
}

TEST(ansi_strips_escape_sequences)
{
    char o[256];
    CHECK_STR(strip("\x1b[31mKeyError: 'x'\x1b[0m", o, 0), "KeyError: 'x'");
    CHECK_STR(strip("\x1b[1;38;5;208m[rank0]:\x1b[m RuntimeError", o, 0), "[rank0]: RuntimeError");
    CHECK_STR(strip("\x1b]0;title\x07step 1\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", o, 0), "step 1link");
    CHECK_STR(strip("\x1b(Bdone\x1b[2K\x1b[1A", o, 0), "done");
    CHECK_STR(strip("cut \x1b[3", o, 0), "cut ");       /* a CSI cut by the line's end */
    CHECK_STR(strip("cut \x1b]0;no end", o, 0), "cut "); /* an OSC cut likewise */
    CHECK_STR(strip("\x1b", o, 0), "");
    /* bare remnants: only in a paste, and only on a line with a bare reset */
    const char *ray = "[36m(RayTrainWorker pid=5, ip=10.0.0.9)[0m KeyError: 1";
    CHECK_STR(strip(ray, o, 1), "(RayTrainWorker pid=5, ip=10.0.0.9) KeyError: 1");
    CHECK_STR(strip(ray, o, 0), ray);
    CHECK_STR(strip("[1;31mERROR[39m: disk full", o, 1), "ERROR: disk full");
    CHECK_STR(strip("array[5m] and [0 m]", o, 1), "array[5m] and [0 m]");
    CHECK_STR(strip("[rank0]: [36m stays without a reset", o, 1), "[rank0]: [36m stays without a reset");
    CHECK(!ansi_present("[rank3]: plain [2024-01-01]", 27, 1));
    CHECK(ansi_present("a \x1b[0m", 6, 0));
    CHECK(ansi_present("x[0m", 4, 1) && !ansi_present("x[0m", 4, 0));
    /* a paste: a bare reset with no ESC before it; real sequences are none */
    static const char *const pasted = "step\n[36m(pid=1)[0m x\n", *real = "\x1b[36m(pid=1)\x1b[0m x\n",
                             *plain = "[rank0]: [0] NCCL INFO\n";
    CHECK(ansi_pasted(pasted, strlen(pasted)));
    CHECK(!ansi_pasted(real, strlen(real)));
    CHECK(!ansi_pasted(plain, strlen(plain)));
    /* in place, as ansi_clean uses it */
    char in[] = "\x1b[31mA\x1b[0mB";
    CHECK(ansi_strip(in, strlen(in), in, 0) == 2 && !memcmp(in, "AB", 2));
}

TEST(ansi_clean_copies_only_when_needed)
{
    struct buf b;
    buf_init(&b, 64);
    const char *plain = "nothing to strip";
    size_t n = strlen(plain);
    CHECK(ansi_clean(&b, plain, &n, 0) == plain && n == strlen(plain));
    const char *col = "\x1b[31mboom\x1b[0m";
    n = strlen(col);
    const char *t = ansi_clean(&b, col, &n, 0);
    CHECK(t == b.p && n == 4 && !memcmp(t, "boom", 4));
    char big[100];
    memset(big, 'x', sizeof big);
    memcpy(big, "\x1b[1m", 4);
    n = sizeof big; /* over the cap: the line as it is */
    CHECK(ansi_clean(&b, big, &n, 0) == big && n == sizeof big);
    buf_free(&b);
}
