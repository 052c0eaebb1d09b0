/* cmd_report: `endure report RUN_DIR [-o FILE]`, the run's HTML report
 * (oncall/report.c), written atomically (default ./report.html; - for
 * standard output). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "common/exitcodes.h"
#include "common/layout.h"
#include "common/util.h"
#include "oncall/oncall.h"

static const char usage_text[] =
    "usage: endure report RUN_DIR [-o FILE]\n"
    "Writes one self-contained HTML page about the run (inline CSS and SVG, no\n"
    "script, nothing loaded from the network): a timeline of every attempt per\n"
    "node, the loss/step curve of rank 0, the failures with verdict, culprit and\n"
    "key line, the checkpoints with their persist times, goodput and time lost\n"
    "by cause. Works on a live run (the journal up to its last complete line).\n\n"
    "  -o, --output FILE   where to write it (default report.html; - for stdout)\n"
    "exit: 0 written, 1 the journal cannot be read or FILE cannot be written, 2 usage\n";

int cmd_report(int argc, char **argv)
{
    static const struct option longs[] = {{"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};
    const char *dir = NULL, *outp = "report.html";
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "-:ho:", longs, NULL)) != -1) {
        if (ch == 'o') outp = optarg;
        else if (ch == 'h') { fputs(usage_text, stdout); return EXIT_OK; }
        else if (ch == 1 && !dir) dir = optarg;
        else {
            fprintf(stderr, "endure report: bad usage (see endure report --help)\n");
            return EXIT_USAGE;
        }
    }
    char path[4096];
    if (!dir || !*outp || layout_run_file(path, sizeof path, dir, LAYOUT_EVENTS) < 0) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    struct runview rv;
    struct buf b;
    rv_init(&rv);
    buf_init(&b, 256u << 20);
    int rc = EXIT_OK;
    if (rv_load(&rv, path) < 0) {
        fprintf(stderr, "endure report: cannot read %s: %s\n", path, file_strerror(errno));
        rc = EXIT_FAILED;
    } else if (report_html(&rv, dir, &b) < 0 || !b.p) {
        fprintf(stderr, "endure report: the report is over its size cap\n");
        rc = EXIT_FAILED;
    } else if (!strcmp(outp, "-") ? write_all(STDOUT_FILENO, b.p, b.len) < 0
                                  : write_file_durable(outp, b.p, b.len) < 0) {
        fprintf(stderr, "endure report: cannot write %s: %s\n", outp, file_strerror(errno));
        rc = EXIT_FAILED;
    } else if (strcmp(outp, "-")) {
        fprintf(stderr, "endure report: wrote %s\n", outp);
    }
    buf_free(&b);
    rv_free(&rv);
    return rc;
}
