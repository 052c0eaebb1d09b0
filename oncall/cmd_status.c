/* cmd_status: `endure status RUN_DIR [--json] [--watch]`, the run's state
 * from its journal, live or after the end, from any host that sees the run
 * directory. --watch redraws in place (cursor home, each line cleared to its
 * end: no flicker) on a poll() deadline loop and exits when the run ends or
 * on SIGINT/SIGTERM (read from a signalfd). */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "common/exitcodes.h"
#include "common/layout.h"
#include "common/util.h"
#include "oncall/oncall.h"

static const char usage_text[] =
    "usage: endure status RUN_DIR [--json] [--watch [--interval DUR]]\n"
    "The state of a run from its journal (RUN_DIR/events.jsonl), live or ended:\n"
    "state, attempt and restarts, nodes, ranks, progress and steps/s, newest\n"
    "checkpoint, last failure with its verdict and key line, time lost, goodput,\n"
    "and the bytes on disk of the rank logs, the journal, the rest of the run\n"
    "directory and the checkpoint store.\n\n"
    "  --json           one JSON object\n"
    "  --watch          redraw in place until the run ends (Ctrl-C to leave)\n"
    "  --interval DUR   redraw period of --watch (default 1s)\n"
    "exit: 0 shown, 1 the journal cannot be read, 2 usage error\n";

/* The run's bytes on disk (dir: the run directory as given; the store as
 * the journal names it, when absolute). */
static json_t *disk_json(const struct runview *rv, const char *dir)
{
    struct disk_use d;
    const char *ck = rv->ckpt_dir[0] == '/' ? rv->ckpt_dir : NULL;
    return disk_use(dir, ck, &d) == 0 ? disk_use_json(&d, rv->ckpt_dir) : json_null();
}

/* Prints one frame; on a terminal in --watch mode each line is cleared to
 * its end and the rest of the screen below the frame is cleared. */
static void print_frame(const struct runview *rv, const char *dir, int json, int redraw)
{
    json_t *st = status_json(rv, wall_time());
    json_object_set_new(st, "disk", disk_json(rv, dir));
    if (json) {
        char *s = json_dumps(st, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
        if (s)
            printf("%s\n", s);
        free(s);
        json_decref(st);
        fflush(stdout);
        return;
    }
    struct buf b;
    buf_init(&b, 1 << 20);
    status_text(st, &b);
    json_decref(st);
    if (redraw) {
        fputs("\033[H", stdout);
        for (char *p = b.p, *nl; p && *p; p = nl + 1) {
            nl = strchr(p, '\n');
            if (!nl)
                break;
            printf("%.*s\033[K\n", (int)(nl - p), p);
        }
        fputs("\033[J", stdout);
    } else {
        fputs(b.p ? b.p : "", stdout);
    }
    fflush(stdout);
    buf_free(&b);
}

static int watch(struct runview *rv, const char *dir, const char *path, int json, int64_t interval)
{
    int tty = !json && isatty(STDOUT_FILENO);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (tty)
        fputs("\033[?25l\033[H\033[2J", stdout); /* hide the cursor, clear once */
    int rc = EXIT_OK;
    int64_t next = now_ms();
    for (;;) {
        if (rv_load(rv, path) < 0) {
            rc = EXIT_FAILED;
            break;
        }
        print_frame(rv, dir, json, tty);
        if (!tty && !json)
            fputs("\n", stdout);
        if (rv->ended)
            break;
        next += interval;
        struct pollfd pf = {.fd = sfd, .events = POLLIN};
        int r = poll(&pf, sfd >= 0 ? 1 : 0, ms_until(next));
        if (r > 0)
            break; /* SIGINT or SIGTERM */
        if (next < now_ms())
            next = now_ms();
    }
    if (tty)
        fputs("\033[?25h", stdout);
    fflush(stdout);
    if (sfd >= 0)
        close(sfd);
    return rc;
}

int cmd_status(int argc, char **argv)
{
    static const struct option longs[] = {{"json", no_argument, 0, 'j'}, {"watch", no_argument, 0, 'w'},
                                           {"interval", required_argument, 0, 'i'}, {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};
    int json = 0, watching = 0, ch;
    int64_t interval = 1000;
    const char *dir = NULL;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "-:h", longs, NULL)) != -1) {
        if (ch == 'j') json = 1;
        else if (ch == 'w') watching = 1;
        else if (ch == 'h') { fputs(usage_text, stdout); return EXIT_OK; }
        else if (ch == 'i' && parse_duration_ms(optarg, &interval) == 0 && interval >= 100) continue;
        else if (ch == 1 && !dir) dir = optarg;
        else {
            fprintf(stderr, "endure status: bad usage (see endure status --help)\n");
            return EXIT_USAGE;
        }
    }
    if (!dir) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    char path[4096];
    if (layout_run_file(path, sizeof path, dir, LAYOUT_EVENTS) < 0) {
        fprintf(stderr, "endure status: run directory name too long\n");
        return EXIT_USAGE;
    }
    struct runview rv;
    rv_init(&rv);
    int rc = EXIT_OK;
    if (watching) {
        rc = watch(&rv, dir, path, json, interval);
    } else if (rv_load(&rv, path) == 0) {
        print_frame(&rv, dir, json, 0);
    } else {
        rc = EXIT_FAILED;
    }
    if (rc == EXIT_FAILED)
        fprintf(stderr, "endure status: cannot read %s: %s\n", path, file_strerror(errno));
    rv_free(&rv);
    return rc;
}
