/* oncall: the tools of the people who watch a run: `endure status`,
 * `endure report`, `endure bundle`, and the Prometheus exposition the
 * controller writes (--metrics-file). All read a run through the fold of
 * its journal (oncall/runview.h). */
#ifndef ENDURE_ONCALL_H
#define ENDURE_ONCALL_H
#include <jansson.h>
#include "common/buf.h"
#include "oncall/runview.h"

/* The commands (main.c's table). */
int cmd_status(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_bundle(int argc, char **argv);

/* The status object of `endure status --json` at wall time now. */
json_t *status_json(const struct runview *rv, double now);

/* Bytes a run keeps on disk (oncall/disk.c): apparent sizes of regular
 * files, links not followed. */
struct disk_use {
    long long logs;            /* rank logs, live and rotated (plain or gzipped) */
    long long journal;         /* <run_dir>/events.jsonl */
    long long other;           /* the rest of the run directory */
    long long ckpt;            /* the checkpoint store; -1: none or unreadable */
    int partial;               /* the walk stopped at its entry cap */
};
/* Walks run_dir and ckpt_dir (NULL: none). Returns 0, or -1 with errno
 * when run_dir cannot be opened. */
int disk_use(const char *run_dir, const char *ckpt_dir, struct disk_use *d);
/* {"logs_bytes","journal_bytes","other_bytes","ckpt_bytes","ckpt_dir","partial"} */
json_t *disk_use_json(const struct disk_use *d, const char *ckpt_dir);
/* The text of `endure status`, rendered from status_json()'s object. */
void status_text(const json_t *st, struct buf *out);
/* A duration for people: "4.2s", "45s", "12m05s", "3h12m", "2d04h". */
void status_dur(char *out, size_t n, double seconds);

/* The run report: one self-contained HTML page (no script, nothing loaded
 * from the network) of the run directory whose journal rv folded. */
int report_html(const struct runview *rv, const char *run_dir, struct buf *out);

/* Live figures the journal does not carry, supplied by the controller. */
struct metrics_live {
    int up;                    /* 1 while the controller runs */
    long long log_bytes;       /* bytes of rank logs (-1 unknown) */
};
/* Prometheus text exposition (with # HELP and # TYPE) of the run. */
void metrics_render(const struct runview *rv, const struct metrics_live *live, double now, struct buf *out);

#endif
