/* Unit tests of the condensed log: identical-after-templating lines from
 * many ranks fold into one with count and rank range, failure lines fold
 * only when identical, noise is dropped, output is smaller than input. */
#include <stdlib.h>
#include "tests/unit/harness.h"
#include "diagnose/compress.h"

TEST(diag_compress_folds_and_keeps_failures)
{
    struct compressor *z = compressor_new();
    char line[128];
    CHECK(z != NULL);
    for (int r = 0; r < 64; r++) {
        int n = snprintf(line, sizeof line, "step %d loss 2.%02d at 0x7f%04x", 100 + r, r, r);
        compressor_line(z, line, (size_t)n, r, 0, (size_t)n);
    }
    for (int r = 8; r < 16; r++)
        compressor_line(z, "Watchdog caught collective operation timeout", 44, r, 1, 44);
    compressor_line(z, "Watchdog caught collective operation timeout 2", 46, 3, 1, 46);
    for (int i = 0; i < 100; i++)
        compressor_drop(z, 60);
    CHECK(compressor_dropped(z) == 100);
    char *out = NULL;
    size_t outlen = 0, in_bytes = 0;
    FILE *f = open_memstream(&out, &outlen);
    size_t printed = compressor_print(z, f, &in_bytes);
    fclose(f);
    CHECK(strstr(out, "[x64 ranks 0-63] step 100 loss 2.00 at 0x7f0000\n") != NULL);
    CHECK(strstr(out, "(last: step 163 loss 2.63 at 0x7f003f)") != NULL);
    CHECK(strstr(out, "!! [x8 ranks 8-15] Watchdog caught collective operation timeout\n") != NULL);
    CHECK(strstr(out, "!! Watchdog caught collective operation timeout 2\n") != NULL);
    CHECK(printed == outlen);
    CHECK(in_bytes > 10 * printed);
    free(out);
    compressor_free(z);
}
