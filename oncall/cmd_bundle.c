/* cmd_bundle: `endure bundle RUN_DIR [-o FILE.tar.gz] [--max-size SIZE]`,
 * the archive to attach to a ticket (oncall/bundle.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "common/exitcodes.h"
#include "common/util.h"
#include "oncall/bundle.h"
#include "oncall/oncall.h"

static const char usage_text[] =
    "usage: endure bundle RUN_DIR [-o FILE.tar.gz] [--max-size SIZE]\n"
    "Packs what a ticket needs: the journal, the configuration, every attempt's\n"
    "failure.json and health.json, `endure diagnose --compress` of every failed\n"
    "attempt and the last 500 lines of every failing rank, with a MANIFEST.txt.\n"
    "Secrets are scrubbed from every member: 64-hex tokens, URL paths and\n"
    "queries, values of environment variables named like *KEY*, *TOKEN*,\n"
    "*SECRET*, *PASSW*, *CREDENTIAL*, *AUTH*, *WEBHOOK*.\n\n"
    "  -o, --output FILE   the archive (default endure-bundle.tar.gz)\n"
    "  --max-size SIZE     at most this big (default 20M); what does not fit is\n"
    "                      left out and listed in MANIFEST.txt\n"
    "exit: 0 written, 1 the run cannot be read or FILE cannot be written, 2 usage\n";

int cmd_bundle(int argc, char **argv)
{
    static const struct option longs[] = {{"output", required_argument, 0, 'o'},
                                           {"max-size", required_argument, 0, 'm'},
                                           {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *dir = NULL, *out = "endure-bundle.tar.gz";
    uint64_t max = 20u << 20;
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "-:ho:", longs, NULL)) != -1) {
        if (ch == 'o' && *optarg) out = optarg;
        else if (ch == 'm' && parse_size(optarg, &max) == 0 && max >= (256u << 10)) continue;
        else if (ch == 'h') { fputs(usage_text, stdout); return EXIT_OK; }
        else if (ch == 1 && !dir) dir = optarg;
        else {
            fprintf(stderr, "endure bundle: bad usage (see endure bundle --help; --max-size is at least 256K)\n");
            return EXIT_USAGE;
        }
    }
    if (!dir) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    struct buf err;
    buf_init(&err, 4096);
    int rc = bundle_write(dir, out, max, &err) == 0 ? EXIT_OK : EXIT_FAILED;
    if (rc == EXIT_OK)
        fprintf(stderr, "endure bundle: wrote %s\n", out);
    else
        fprintf(stderr, "endure bundle: %s\n", err.p ? err.p : "failed");
    buf_free(&err);
    return rc;
}
