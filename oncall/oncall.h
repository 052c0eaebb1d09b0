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
