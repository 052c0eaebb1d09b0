/* report: reads back the last health results of a run directory
 * (<run dir>/attempt-<N>/health.json, written by the controller), an
 * untrusted file: bounded read, no symlinks, shape checked. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/layout.h"
#include "common/util.h"
#include "health/health.h"

json_t *health_load_run(const char *run_dir, long *attempt, struct buf *err)
{
    char dir[PATH_MAX], path[PATH_MAX + 32];
    long n = layout_last_attempt(run_dir, LAYOUT_HEALTH_JSON);
    if (n < 0) {
        buf_printf(err, "no %s under %s/attempt-*/", LAYOUT_HEALTH_JSON, run_dir);
        return NULL;
    }
    layout_attempt_dir(dir, sizeof dir, run_dir, n);
    layout_run_file(path, sizeof path, dir, LAYOUT_HEALTH_JSON);
    size_t len = 0;
    char *text = read_regular_capped(path, HEALTH_JSON_MAX, &len, O_NOFOLLOW);
    if (!text) {
        buf_printf(err, "%s: %s", path, errno == EFBIG ? "larger than 16 MiB" : file_strerror(errno));
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!json_is_object(j) || !json_is_object(json_object_get(j, "nodes"))) {
        buf_printf(err, "%s: %s", path, j ? "not an object with \"nodes\"" : je.text);
        json_decref(j);
        return NULL;
    }
    *attempt = n;
    return j;
}
