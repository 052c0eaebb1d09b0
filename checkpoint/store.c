/* store: the durable checkpoint directory as a whole: listing TAGs,
 * retention (prune) and start-up cleaning of crashed persists. Deletions
 * rename a TAG to .trash-* first so that a half-deleted TAG is never seen. */
#include "checkpoint/ckpt.h"
#include "checkpoint/ckpt_internal.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/util.h"

/* Sum of regular file sizes under dir (no symlinks followed), bounded depth. */
static uint64_t tree_bytes(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d || depth > 34) {
        if (d)
            closedir(d);
        return 0;
    }
    uint64_t sum = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[PATH_MAX];
        struct stat st;
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p || lstat(p, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode))
            sum += tree_bytes(p, depth + 1);
        else if (S_ISREG(st.st_mode))
            sum += (uint64_t)st.st_size;
    }
    closedir(d);
    return sum;
}

/* Describes one TAG directory: step from COMPLETE, else from a manifest. */
static json_t *describe_tag(const char *ckpt_dir, const char *tag)
{
    char dir[PATH_MAX], p[PATH_MAX];
    struct stat st;
    if (layout_tag_dir(dir, sizeof dir, ckpt_dir, tag) < 0 || lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return NULL;
    if (layout_complete(p, sizeof p, ckpt_dir, tag) < 0)
        return NULL;
    struct buf why;
    buf_init(&why, 256);
    json_t *c = ckpt_read_json(p, CKPT_JSON_MAX, &why);
    int absent = !c && errno == ENOENT;
    long step = c ? ckpt_json_step(c) : -1;
    int partial = 0;
    json_t *nodes = json_array();
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int is_partial = layout_is_partial_name(e->d_name, NULL);
        partial |= is_partial;
        if (e->d_name[0] == '.' || !safe_component(e->d_name) || !strcmp(e->d_name, LAYOUT_COMPLETE) || is_partial)
            continue;
        char part[PATH_MAX];
        if (layout_part_dir(part, sizeof part, ckpt_dir, tag, e->d_name) < 0 || layout_manifest(p, sizeof p, part) < 0)
            continue;
        json_t *m = ckpt_read_json(p, CKPT_JSON_MAX, NULL);
        if (m) {
            json_array_append_new(nodes, json_string(e->d_name));
            if (step < 0)
                step = ckpt_json_step(m);
        }
        json_decref(m);
    }
    if (d)
        closedir(d);
    json_t *o = json_pack("{s:s s:I s:b s:o s:I s:I s:b}", "tag", tag, "step", (json_int_t)step, "complete",
                          c != NULL && step >= 0, "nodes", nodes, "bytes", (json_int_t)tree_bytes(dir, 0),
                          "age_s", (json_int_t)(wall_time() - (double)st.st_mtime), "partial", partial);
    if (!c && !absent) /* a COMPLETE that cannot be read (a FIFO, garbage) is a problem, not silence */
        json_object_set_new(o, "complete_problem", json_string(why.p ? why.p : "unreadable"));
    json_decref(c);
    buf_free(&why);
    return o;
}

static int cmp_tags(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t sx = json_integer_value(json_object_get(x, "step"));
    json_int_t sy = json_integer_value(json_object_get(y, "step"));
    if (sx != sy)
        return sx < sy ? 1 : -1;
    return -strcmp(json_string_value(json_object_get(x, "tag")), json_string_value(json_object_get(y, "tag")));
}

json_t *ckpt_list(const char *ckpt_dir)
{
    DIR *d = opendir(ckpt_dir);
    if (!d)
        return NULL;
    size_t n = 0, cap = 16;
    json_t **v = malloc(cap * sizeof *v);
    struct dirent *e;
    while (v && (e = readdir(d))) {
        if (e->d_name[0] == '.' || !safe_component(e->d_name))
            continue;
        json_t *t = describe_tag(ckpt_dir, e->d_name);
        if (!t)
            continue;
        if (n == cap) {
            json_t **nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv) {
                json_decref(t);
                break;
            }
            v = nv;
        }
        v[n++] = t;
    }
    closedir(d);
    if (!v)
        return NULL;
    qsort(v, n, sizeof *v, cmp_tags);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, v[i]);
    free(v);
    return arr;
}

int ckpt_prune(const char *ckpt_dir, int keep, long keep_every, json_t *pruned)
{
    json_t *tags = ckpt_list(ckpt_dir);
    if (!tags)
        return -1;
    if (keep < 1)
        keep = 1;
    int kept = 0, count = 0;
    long newest = -1;
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t) {
        long step = (long)json_integer_value(json_object_get(t, "step"));
        int complete = json_is_true(json_object_get(t, "complete"));
        int del;
        if (complete) {
            if (newest < 0)
                newest = step;
            del = kept >= keep && !(keep_every > 0 && step % keep_every == 0);
            kept += !del;
        } else {
            /* incomplete: only abandoned ones, older than the newest complete */
            del = newest >= 0 && step >= 0 && step < newest;
        }
        if (!del || json_is_true(json_object_get(t, "partial")))
            continue;
        const char *tag = json_string_value(json_object_get(t, "tag"));
        if (ckpt_remove_dir(ckpt_dir, tag) < 0)
            continue;
        count++;
        if (pruned)
            json_array_append_new(pruned, json_pack("{s:s s:I s:b}", "tag", tag, "step", (json_int_t)step,
                                                    "complete", complete));
    }
    json_decref(tags);
    return count;
}

/* Removes .partial and .trash-* entries directly under dir. */
static int clean_level(const char *dir, int partials, json_t *cleaned)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int is_partial = partials && layout_is_partial_name(e->d_name, NULL);
        if (!is_partial && !layout_is_trash_name(e->d_name))
            continue;
        char p[PATH_MAX];
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p || ckpt_rmtree(p) < 0)
            continue;
        count++;
        if (cleaned)
            json_array_append_new(cleaned, json_string(p));
    }
    closedir(d);
    return count;
}

int ckpt_clean_partials(const char *ckpt_dir, json_t *cleaned)
{
    DIR *d = opendir(ckpt_dir);
    if (!d)
        return -1;
    int count = clean_level(ckpt_dir, 0, cleaned);
    struct dirent *e;
    while ((e = readdir(d))) {
        char p[PATH_MAX];
        struct stat st;
        if (e->d_name[0] == '.' || snprintf(p, sizeof p, "%s/%s", ckpt_dir, e->d_name) >= (int)sizeof p ||
            lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
            continue;
        count += clean_level(p, 1, cleaned);
    }
    closedir(d);
    return count;
}
