/* verify: the durable side's trust checks. A node part is trusted only when
 * its manifest parses, names the right tag/step/node, keeps every path inside
 * the node directory and every file has the recorded size (and CRC32 in full
 * mode); a TAG is restorable only with a COMPLETE marker whose nodes cover
 * ranks 0..world_size-1 exactly once and all verify. Also: marking complete,
 * choosing the restore TAG, locating a rank's durable directory. */
#include "checkpoint/ckpt.h"
#include "checkpoint/ckpt_internal.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/util.h"

/* 1 if rank appears in the JSON int array. */
static int has_rank(const json_t *ranks, long r)
{
    size_t i;
    json_t *v;
    json_array_foreach(ranks, i, v) if (json_is_integer(v) && json_integer_value(v) == r) return 1;
    return 0;
}

/* 1 if two JSON int arrays hold the same ranks, in any order. */
static int same_ranks(const json_t *x, const json_t *y)
{
    if (!json_is_array(x) || !json_is_array(y) || json_array_size(x) != json_array_size(y))
        return 0;
    size_t i;
    json_t *v;
    json_array_foreach(x, i, v) if (!json_is_integer(v) || !has_rank(y, (long)json_integer_value(v))) return 0;
    return 1;
}

/* Checks one manifest entry against the file under dirfd. */
static int verify_file(int dirfd, const json_t *ranks, const json_t *f, int full, json_t *problems,
                       const char *tag, const char *node)
{
    const char *path = json_string_value(json_object_get(f, "path"));
    json_t *js = json_object_get(f, "size"), *jc = json_object_get(f, "crc32");
    if (!path || !json_is_integer(js) || json_integer_value(js) < 0 || !json_is_integer(jc)) {
        ckpt_problem(problems, tag, node, path, "malformed file entry");
        return -1;
    }
    long r = layout_parse_rank_path(path);
    if (!ckpt_relpath_ok(path) || r < 0 || !has_rank(ranks, r)) {
        ckpt_problem(problems, tag, node, path, "path escapes its directory or names no local rank");
        return -1;
    }
    int fd = ckpt_open_under(dirfd, path, O_RDONLY);
    if (fd < 0) {
        ckpt_problem(problems, tag, node, path, "cannot open: %s", file_strerror(errno));
        return -1;
    }
    struct stat st;
    int rc = -1;
    uint64_t want = (uint64_t)json_integer_value(js);
    uint32_t crc;
    if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != want)
        ckpt_problem(problems, tag, node, path, "size %lld, manifest says %llu", (long long)st.st_size,
                     (unsigned long long)want);
    else if (full && ckpt_crc_fd(fd, want, &crc) < 0)
        ckpt_problem(problems, tag, node, path, "read error: %s", strerror(errno));
    else if (full && crc != (uint32_t)json_integer_value(jc))
        ckpt_problem(problems, tag, node, path, "CRC32 %08x, manifest says %08x", crc,
                     (uint32_t)json_integer_value(jc));
    else
        rc = 0;
    close(fd);
    return rc;
}

json_t *ckpt_verify_node(const char *ckpt_dir, const char *tag, const char *node, long step, int full,
                         json_t *problems)
{
    char dir[PATH_MAX], mpath[PATH_MAX];
    struct buf why;
    buf_init(&why, 512);
    json_t *m = NULL;
    int dirfd = -1, bad = 0;
    if (!safe_component(tag) || !safe_component(node) ||
        layout_part_dir(dir, sizeof dir, ckpt_dir, tag, node) < 0 || layout_manifest(mpath, sizeof mpath, dir) < 0) {
        ckpt_problem(problems, tag, node, NULL, "bad tag or node name");
        goto fail;
    }
    dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0) {
        ckpt_problem(problems, tag, node, NULL, "node directory: %s", strerror(errno));
        goto fail;
    }
    m = ckpt_read_json(mpath, CKPT_JSON_MAX, &why);
    if (!m) {
        ckpt_problem(problems, tag, node, LAYOUT_MANIFEST, "%s", why.p ? why.p : "unreadable");
        goto fail;
    }
    json_t *ranks = json_object_get(m, "ranks"), *files = json_object_get(m, "files");
    const char *mt = json_string_value(json_object_get(m, "tag"));
    const char *mn = json_string_value(json_object_get(m, "node"));
    if (!mt || strcmp(mt, tag) || !mn || strcmp(mn, node) || !json_is_array(ranks) ||
        !json_is_array(files) || json_array_size(files) > CKPT_MAX_FILES ||
        (step >= 0 && ckpt_json_step(m) != step)) {
        ckpt_problem(problems, tag, node, LAYOUT_MANIFEST, "manifest does not match tag/node/step");
        goto fail;
    }
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f) if (verify_file(dirfd, ranks, f, full, problems, tag, node) < 0) bad = 1;
    if (bad)
        goto fail;
    close(dirfd);
    buf_free(&why);
    return m;
fail:
    if (dirfd >= 0)
        close(dirfd);
    json_decref(m);
    buf_free(&why);
    return NULL;
}

/* Checks that nodes ({"node":[ranks]}) cover 0..world-1 exactly once; for a
 * replicated TAG, that they name exactly one rank of the world (the saver). */
static int check_coverage(const json_t *nodes, int world, int replicated, const char *tag, json_t *problems)
{
    if (!json_is_object(nodes) || world <= 0 || world > 1000000) {
        ckpt_problem(problems, tag, NULL, LAYOUT_COMPLETE, "bad nodes or world size");
        return -1;
    }
    char *seen = calloc((size_t)world, 1);
    int rc = seen ? 0 : -1;
    const char *node;
    json_t *ranks, *r;
    size_t i;
    json_object_foreach((json_t *)nodes, node, ranks) {
        if (!safe_component(node) || !json_is_array(ranks))
            rc = -1;
        json_array_foreach(ranks, i, r) {
            long v = json_is_integer(r) ? (long)json_integer_value(r) : -1;
            if (v < 0 || v >= world || !seen || seen[v]++)
                rc = -1;
        }
    }
    int count = 0;
    for (int k = 0; seen && k < world; k++) {
        count += seen[k];
        if (!seen[k] && !replicated)
            rc = -1;
    }
    free(seen);
    if (replicated && (count != 1 || json_object_size(nodes) != 1))
        rc = -1;
    if (rc < 0 && replicated)
        ckpt_problem(problems, tag, NULL, LAYOUT_COMPLETE, "a replicated checkpoint names exactly one saving rank");
    else if (rc < 0)
        ckpt_problem(problems, tag, NULL, LAYOUT_COMPLETE, "nodes do not cover ranks 0..%d exactly once", world - 1);
    return rc;
}

int ckpt_verify_tag(const char *ckpt_dir, const char *tag, int verify_mode, json_t *problems)
{
    char path[PATH_MAX];
    struct buf why;
    buf_init(&why, 512);
    int rc = -1;
    json_t *c = NULL;
    if (!safe_component(tag) || layout_complete(path, sizeof path, ckpt_dir, tag) < 0) {
        ckpt_problem(problems, tag, NULL, NULL, "bad tag name");
        goto out;
    }
    c = ckpt_read_json(path, CKPT_JSON_MAX, &why);
    if (!c) {
        ckpt_problem(problems, tag, NULL, LAYOUT_COMPLETE, "%s", why.p ? why.p : "unreadable");
        goto out;
    }
    const char *ct = json_string_value(json_object_get(c, "tag"));
    json_t *nodes = json_object_get(c, "nodes");
    json_t *jw = json_object_get(c, "world_size");
    long step = ckpt_json_step(c);
    if (!ct || strcmp(ct, tag) || step < 0 || !json_is_integer(jw)) {
        ckpt_problem(problems, tag, NULL, LAYOUT_COMPLETE, "marker does not match its tag");
        goto out;
    }
    int replicated = ckpt_commit_replicated(c);
    if (replicated < 0 || check_coverage(nodes, (int)json_integer_value(jw), replicated, tag, problems) < 0 ||
        ckpt_run_check(ckpt_dir, c, tag, NULL, LAYOUT_COMPLETE, problems) < 0)
        goto out;
    rc = 0;
    const char *node;
    json_t *ranks;
    json_object_foreach(nodes, node, ranks) {
        json_t *m = ckpt_verify_node(ckpt_dir, tag, node, step, verify_mode == CKPT_VERIFY_FULL, problems);
        if (m && (!same_ranks(json_object_get(m, "ranks"), ranks) || ckpt_commit_replicated(m) != replicated)) {
            ckpt_problem(problems, tag, node, LAYOUT_MANIFEST, "ranks or scope differ from COMPLETE");
            json_decref(m);
            m = NULL;
        }
        if (m && ckpt_run_check(ckpt_dir, m, tag, node, LAYOUT_MANIFEST, problems) < 0) {
            json_decref(m);
            m = NULL;
        }
        if (!m)
            rc = -1;
        json_decref(m);
    }
out:
    json_decref(c);
    buf_free(&why);
    return rc;
}

/* The COMPLETE marker of tag (caller owns), or NULL. */
static json_t *read_complete(const char *ckpt_dir, const char *tag)
{
    char path[PATH_MAX];
    if (!safe_component(tag) || layout_complete(path, sizeof path, ckpt_dir, tag) < 0)
        return NULL;
    return ckpt_read_json(path, CKPT_JSON_MAX, NULL);
}

/* The rank that saved a replicated TAG (the one rank of its "ranks" map),
 * or -1 for a sharded one (or a malformed marker). */
static int saver_of(const json_t *complete)
{
    json_t *ranks = json_object_get(complete, "ranks");
    if (ckpt_commit_replicated(complete) != 1 || json_object_size(ranks) != 1)
        return -1;
    long r;
    char extra;
    const char *key = json_object_iter_key(json_object_iter(ranks));
    return sscanf(key, "%ld%c", &r, &extra) == 1 && r >= 0 && r < INT_MAX ? (int)r : -1;
}

/* <ckpt>/<tag>/<node>/rank-<r> from a COMPLETE marker's "ranks" map (the
 * saver's directory for every rank of a replicated TAG); the node, or NULL
 * when the rank is missing or its node name is unsafe. */
static const char *rank_dir_in(const json_t *complete, const char *ckpt_dir, const char *tag, int r, char *out,
                               size_t outlen)
{
    char key[32];
    int saver = saver_of(complete);
    if (saver >= 0) {
        long world = (long)json_integer_value(json_object_get(complete, "world_size"));
        if (r < 0 || r >= world)
            return NULL;
        r = saver;
    }
    snprintf(key, sizeof key, "%d", r);
    const char *node = json_string_value(json_object_get(json_object_get(complete, "ranks"), key));
    if (!node || !safe_component(node) ||
        layout_durable_rank(out, outlen, ckpt_dir, tag, node, r) < 0)
        return NULL;
    return node;
}

int ckpt_choice_of(const char *ckpt_dir, const char *tag, struct ckpt_choice *out)
{
    json_t *c = read_complete(ckpt_dir, tag);
    if (!c)
        return -1;
    snprintf(out->tag, sizeof out->tag, "%s", tag);
    out->step = ckpt_json_step(c);
    out->world_size = (int)json_integer_value(json_object_get(c, "world_size"));
    out->saver = saver_of(c);
    json_decref(c);
    return 0;
}

static int skipped(const json_t *skip, const char *tag)
{
    size_t i;
    json_t *s;
    json_array_foreach(skip, i, s) {
        if (json_is_string(s) && tag && !strcmp(json_string_value(s), tag))
            return 1;
    }
    return 0;
}

int ckpt_choose_restore(const char *ckpt_dir, int verify_mode, struct ckpt_choice *out, json_t *problems)
{
    return ckpt_choose_restore_ex(ckpt_dir, verify_mode, LONG_MAX, NULL, out, problems);
}

int ckpt_choose_restore_ex(const char *ckpt_dir, int verify_mode, long before_step, const json_t *skip,
                           struct ckpt_choice *out, json_t *problems)
{
    json_t *tags = ckpt_list(ckpt_dir);
    if (!tags)
        return -1;
    int found = 0;
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t) {
        const char *tag = json_string_value(json_object_get(t, "tag"));
        const char *bad = json_string_value(json_object_get(t, "complete_problem"));
        if (bad)
            ckpt_problem(problems, tag, NULL, LAYOUT_COMPLETE, "%s", bad);
        if (!json_is_true(json_object_get(t, "complete")) || skipped(skip, tag))
            continue;
        json_t *st = json_object_get(t, "step");
        if (before_step != LONG_MAX && (!json_is_integer(st) || json_integer_value(st) >= before_step))
            continue;
        if (ckpt_verify_tag(ckpt_dir, tag, verify_mode, problems) < 0 || ckpt_choice_of(ckpt_dir, tag, out) < 0)
            continue;
        if (out->step >= before_step)
            continue; /* the marker's step rules, if the listing's differs */
        found = 1;
        break;
    }
    json_decref(tags);
    return found;
}

int ckpt_durable_rank_dir(const char *ckpt_dir, const char *tag, int global_rank, char *out, size_t outlen)
{
    json_t *c = read_complete(ckpt_dir, tag);
    int rc = rank_dir_in(c, ckpt_dir, tag, global_rank, out, outlen) ? 0 : -1;
    json_decref(c);
    return rc;
}

int ckpt_rank_dirs(const char *ckpt_dir, const struct ckpt_choice *c, json_t *out)
{
    json_t *m = read_complete(ckpt_dir, c->tag);
    int rc = m ? 0 : -1;
    for (int r = 0; rc == 0 && r < c->world_size; r++) {
        char dir[PATH_MAX];
        const char *node = rank_dir_in(m, ckpt_dir, c->tag, r, dir, sizeof dir);
        if (node)
            json_array_append_new(out, json_pack("{s:i,s:s,s:s}", "rank", r, "node", node, "dir", dir));
        else
            rc = -1;
    }
    json_decref(m);
    return rc;
}

int ckpt_mark_complete(const char *ckpt_dir, const char *tag, long step, const json_t *nodes_to_ranks,
                       int world_size, struct buf *err)
{
    char path[PATH_MAX], when[64];
    json_t *problems = json_array(), *c = NULL, *ranks = json_object();
    int rc = -1;
    if (!safe_component(tag) || step < 0 ||
        layout_complete(path, sizeof path, ckpt_dir, tag) < 0) {
        buf_printf(err, "bad tag or step");
        goto out;
    }
    const char *node;
    json_t *nr, *r;
    size_t i;
    int replicated = 0;
    json_object_foreach((json_t *)nodes_to_ranks, node, nr) {
        json_t *m = ckpt_verify_node(ckpt_dir, tag, node, step, 0, problems);
        int same = m && same_ranks(json_object_get(m, "ranks"), nr) && ckpt_commit_replicated(m) >= 0 &&
                   ckpt_run_check(ckpt_dir, m, tag, node, LAYOUT_MANIFEST, problems) == 0;
        replicated |= same && ckpt_commit_replicated(m) == 1;
        json_decref(m);
        if (!same) {
            json_t *p = json_array_get(problems, json_array_size(problems) - 1);
            buf_printf(err, "%s/%s: %s", tag, node,
                       p ? json_string_value(json_object_get(p, "problem")) : "ranks differ from manifest");
            goto out;
        }
        json_array_foreach(nr, i, r) {
            char key[32];
            snprintf(key, sizeof key, "%lld", (long long)json_integer_value(r));
            json_object_set_new(ranks, key, json_string(node));
        }
    }
    if (check_coverage(nodes_to_ranks, world_size, replicated, tag, problems) < 0) {
        buf_printf(err, "%s: %s", tag, replicated ? "a replicated checkpoint names exactly one saving rank"
                                                  : "nodes do not cover ranks 0..world_size-1 exactly once");
        if (!replicated)
            buf_printf(err, " (0..%d)", world_size - 1);
        goto out;
    }
    if (access(path, F_OK) == 0) { /* already complete: never rewritten */
        rc = 0;
        goto out;
    }
    ckpt_now_str(when, sizeof when);
    c = json_pack("{si s:s s:I s:i s:O s:O s:s s:s}", "format", CKPT_FORMAT, "tag", tag, "step",
                  (json_int_t)step, "world_size", world_size, "nodes", nodes_to_ranks, "ranks", ranks,
                  "created", when, "endure_version", ENDURE_VERSION);
    if (c && replicated)
        json_object_set_new(c, "scope", json_string("replicated"));
    struct ckpt_run own;
    if (c && ckpt_run_read(ckpt_dir, &own) == 1)
        json_object_set_new(c, "run", json_string(own.uid));
    if (!c || ckpt_write_json(path, c) < 0) {
        buf_printf(err, "%s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    json_decref(c);
    json_decref(ranks);
    json_decref(problems);
    return rc;
}
