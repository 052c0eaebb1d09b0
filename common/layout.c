/* layout: the builders and parsers of every on-disk name (see layout.h).
 * Each builder is one formatted write checked for truncation. */
#include "common/layout.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "common/util.h"

/* snprintf into out; 0, or -1 with ENAMETOOLONG when it does not fit. */
__attribute__((format(printf, 3, 4))) static int fmt(char *out, size_t n, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int k = vsnprintf(out, n, f, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= n) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* ---- the run directory ---- */
int layout_run_dir(char *out, size_t n, const char *log_dir, const char *run_id)
{
    return fmt(out, n, "%s/%s", log_dir, run_id);
}

int layout_node_rank_dir(char *out, size_t n, const char *shared_dir, int node_rank)
{
    return fmt(out, n, "%s/node-rank-%d", shared_dir, node_rank);
}

int layout_run_file(char *out, size_t n, const char *run_dir, const char *name)
{
    return fmt(out, n, "%s/%s", run_dir, name);
}

int layout_attempt_dir(char *out, size_t n, const char *run_dir, long attempt)
{
    return run_dir ? fmt(out, n, "%s/" LAYOUT_ATTEMPT_PREFIX "%ld", run_dir, attempt)
                   : fmt(out, n, LAYOUT_ATTEMPT_PREFIX "%ld", attempt);
}

int layout_failure_json(char *out, size_t n, const char *run_dir, long attempt)
{
    if (attempt < 0)
        return run_dir ? fmt(out, n, "%s/" LAYOUT_FAILURE_JSON, run_dir) : fmt(out, n, LAYOUT_FAILURE_JSON);
    return run_dir ? fmt(out, n, "%s/" LAYOUT_ATTEMPT_PREFIX "%ld/" LAYOUT_FAILURE_JSON, run_dir, attempt)
                   : fmt(out, n, LAYOUT_ATTEMPT_PREFIX "%ld/" LAYOUT_FAILURE_JSON, attempt);
}

int layout_node_dir(char *out, size_t n, const char *run_dir, long attempt, const char *node)
{
    return run_dir ? fmt(out, n, "%s/" LAYOUT_ATTEMPT_PREFIX "%ld/%s", run_dir, attempt, node)
                   : fmt(out, n, LAYOUT_ATTEMPT_PREFIX "%ld/%s", attempt, node);
}

int layout_rank_log(char *out, size_t n, const char *node_dir, int rank)
{
    return fmt(out, n, "%s/rank-%d.log", node_dir, rank);
}

int layout_heartbeat(char *out, size_t n, const char *node_dir, int rank)
{
    return fmt(out, n, "%s/heartbeat-%d", node_dir, rank);
}

int layout_error_file(char *out, size_t n, const char *node_dir, int rank)
{
    return fmt(out, n, "%s/error-%d.json", node_dir, rank);
}

/* prefix<digits><one of the suffixes> -> the number, else -1. */
static long parse_name(const char *name, const char *prefix, const char *const *suffixes)
{
    size_t pl = strlen(prefix);
    long v;
    size_t d = name && !strncmp(name, prefix, pl) ? parse_digits(name + pl, INT_MAX, &v) : 0;
    for (size_t i = 0; d && suffixes[i]; i++)
        if (!strcmp(name + pl + d, suffixes[i]))
            return v;
    return -1;
}

long layout_parse_attempt_name(const char *name)
{
    static const char *const none[] = {"", NULL};
    return parse_name(name, LAYOUT_ATTEMPT_PREFIX, none);
}

long layout_last_attempt(const char *run_dir, const char *holding)
{
    DIR *d = opendir(run_dir);
    struct dirent *e;
    long best = -1;
    while (d && (e = readdir(d))) {
        long n = layout_parse_attempt_name(e->d_name);
        char dir[PATH_MAX], path[PATH_MAX];
        struct stat st;
        if (n <= best || n >= LAYOUT_ATTEMPT_MAX)
            continue;
        if (holding && (layout_attempt_dir(dir, sizeof dir, run_dir, n) < 0 ||
                        layout_run_file(path, sizeof path, dir, holding) < 0 || lstat(path, &st) < 0))
            continue;
        best = n;
    }
    if (d)
        closedir(d);
    return best;
}

long layout_parse_rank_log_name(const char *name)
{
    static const char *const logs[] = {".log", ".log.gz", NULL};
    return parse_name(name, "rank-", logs);
}

int layout_rank_log_segment(char *out, size_t n, const char *node_dir, int rank, long seg, int gz)
{
    return fmt(out, n, "%s/rank-%d.log.%ld%s", node_dir, rank, seg, gz ? ".gz" : "");
}

long layout_parse_rank_segment_name(const char *name, long *seg, int *gz)
{
    long rank, k;
    size_t d = name && !strncmp(name, "rank-", 5) ? parse_digits(name + 5, INT_MAX, &rank) : 0;
    const char *p = name ? name + 5 + d : NULL;
    if (!d || strncmp(p, ".log.", 5))
        return -1;
    p += 5;
    size_t dk = parse_digits(p, INT_MAX, &k);
    if (!dk || k < 1 || (strcmp(p + dk, "") && strcmp(p + dk, ".gz")))
        return -1;
    *seg = k;
    *gz = p[dk] != '\0';
    return rank;
}

/* ---- the node-local stage ---- */
int layout_stage_default(char *out, size_t n, const char *run_id, const char *uid, const char *node)
{
    return uid ? fmt(out, n, LAYOUT_STAGE_ROOT "/" LAYOUT_STAGE_PREFIX "%s-%s-%s", run_id, uid, node)
               : fmt(out, n, LAYOUT_STAGE_ROOT "/" LAYOUT_STAGE_PREFIX "%s-%s", run_id, node);
}

int layout_stage_rank(char *out, size_t n, const char *stage, int rank)
{
    return fmt(out, n, "%s/" LAYOUT_RANK_DIR_FMT, stage, rank);
}

int layout_stage_slot(char *out, size_t n, const char *stage, int rank, int slot)
{
    return fmt(out, n, "%s/" LAYOUT_RANK_DIR_FMT "/" LAYOUT_SLOT_DIR_FMT, stage, rank, slot);
}

int layout_stage_slot_lock(char *out, size_t n, const char *stage, int rank, int slot)
{
    return fmt(out, n, "%s/" LAYOUT_RANK_DIR_FMT "/" LAYOUT_SLOT_LOCK_FMT, stage, rank, slot);
}

int layout_stage_slot_commit(char *out, size_t n, const char *stage, int rank, int slot)
{
    return fmt(out, n, "%s/" LAYOUT_RANK_DIR_FMT "/" LAYOUT_SLOT_COMMIT_FMT, stage, rank, slot);
}

int layout_slot_commit_name(char *out, size_t n, int slot)
{
    return fmt(out, n, LAYOUT_SLOT_COMMIT_FMT, slot);
}

int layout_rank_name(char *out, size_t n, int rank)
{
    return fmt(out, n, LAYOUT_RANK_DIR_FMT, rank);
}

int layout_rank_prefix(char *out, size_t n, int rank)
{
    return fmt(out, n, LAYOUT_RANK_DIR_FMT "/", rank);
}

/* "rank-<R>" then end (a name) or '/' and more (a path): R, or -1. R is
 * written as endure writes it: no sign, no leading zeros, <= 9 digits. */
static long strict_rank(const char *s, int path)
{
    if (!s || strncmp(s, "rank-", 5))
        return -1;
    const char *d = s + 5;
    size_t k = strspn(d, "0123456789");
    if (k == 0 || k > 9 || (d[0] == '0' && k > 1))
        return -1;
    if (path ? d[k] != '/' || !d[k + 1] : d[k] != '\0')
        return -1;
    long v;
    parse_digits(d, INT_MAX, &v);
    return v;
}

long layout_parse_rank_path(const char *path)
{
    return strict_rank(path, 1);
}

long layout_parse_rank_name(const char *name)
{
    return strict_rank(name, 0);
}

int layout_plain_tmp_name(char *out, size_t n, int rank, int pid)
{
    return fmt(out, n, LAYOUT_PLAIN_TMP_FMT, rank, pid);
}

/* ---- the durable store ---- */
int layout_ckpt_lock(char *out, size_t n, const char *ckpt_dir, int node_rank)
{
    return node_rank >= 0 ? fmt(out, n, "%s/.endure-run-node-rank-%d.lock", ckpt_dir, node_rank)
                          : fmt(out, n, "%s/.endure-run.lock", ckpt_dir);
}

int layout_ckpt_run(char *out, size_t n, const char *ckpt_dir)
{
    return fmt(out, n, "%s/" LAYOUT_CKPT_RUN, ckpt_dir);
}

int layout_tag_dir(char *out, size_t n, const char *ckpt_dir, const char *tag)
{
    return fmt(out, n, "%s/%s", ckpt_dir, tag);
}

int layout_complete(char *out, size_t n, const char *ckpt_dir, const char *tag)
{
    return fmt(out, n, "%s/%s/" LAYOUT_COMPLETE, ckpt_dir, tag);
}

int layout_part_dir(char *out, size_t n, const char *ckpt_dir, const char *tag, const char *node)
{
    return fmt(out, n, "%s/%s/%s", ckpt_dir, tag, node);
}

int layout_partial_dir(char *out, size_t n, const char *ckpt_dir, const char *tag, const char *node)
{
    return fmt(out, n, "%s/%s/%s" LAYOUT_PARTIAL_SUFFIX, ckpt_dir, tag, node);
}

int layout_manifest(char *out, size_t n, const char *part_dir)
{
    return fmt(out, n, "%s/" LAYOUT_MANIFEST, part_dir);
}

int layout_durable_rank(char *out, size_t n, const char *ckpt_dir, const char *tag, const char *node, int rank)
{
    return fmt(out, n, "%s/%s/%s/" LAYOUT_RANK_DIR_FMT, ckpt_dir, tag, node, rank);
}

int layout_trash(char *out, size_t n, const char *parent, const char *name, int pid)
{
    return fmt(out, n, "%s/" LAYOUT_TRASH_PREFIX "%s-%d", parent, name, pid);
}

int layout_trash_prefix(char *out, size_t n, const char *name)
{
    return fmt(out, n, LAYOUT_TRASH_PREFIX "%s-", name);
}

int layout_is_partial_name(const char *name, const char *node)
{
    size_t n = strlen(name), s = strlen(LAYOUT_PARTIAL_SUFFIX);
    if (n <= s || strcmp(name + n - s, LAYOUT_PARTIAL_SUFFIX))
        return 0;
    return !node || (strlen(node) == n - s && !strncmp(name, node, n - s));
}

int layout_is_trash_name(const char *name)
{
    return !strncmp(name, LAYOUT_TRASH_PREFIX, strlen(LAYOUT_TRASH_PREFIX));
}
