/* stage: the rank side of the contract, as the agent reads it. Each rank R
 * owns <stage>/rank-<R>/ with two reusable slots slot-0/ and slot-1/; a part
 * is committed when <stage>/rank-<R>/slot-<K>.commit (JSON) appears by
 * atomic rename; slot-<K>.lock is flock()ed exclusively by the rank while it
 * rewrites slot K and shared by the agent while it copies slot K. */
#include "checkpoint/ckpt_internal.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "common/layout.h"
#include "common/util.h"

int ckpt_stage_path(char *out, size_t outlen, const char *stage, int rank, const char *what)
{
    char rd[PATH_MAX];
    if (!what)
        return layout_stage_rank(out, outlen, stage, rank);
    if (layout_stage_rank(rd, sizeof rd, stage, rank) < 0 || snprintf(out, outlen, "%s/%s", rd, what) >= (int)outlen) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

static int ident_bad(struct buf *why, const char *msg)
{
    if (why)
        buf_printf(why, "%s", msg);
    return -1;
}

int ckpt_commit_ident_ok(const json_t *c, int rank, struct buf *why)
{
    const char *tag = json_string_value(json_object_get(c, "tag"));
    const char *id = json_string_value(json_object_get(c, "id"));
    if (!tag || !safe_component(tag) || tag[0] == '.')
        return ident_bad(why, "bad or missing tag");
    if (ckpt_json_step(c) < 0 || !id || !*id || strlen(id) > 128)
        return ident_bad(why, "bad or missing step or id");
    if (json_integer_value(json_object_get(c, "rank")) != rank)
        return ident_bad(why, "rank or slot does not match the file name");
    if (ckpt_commit_replicated(c) < 0)
        return ident_bad(why, "scope must be \"sharded\" or \"replicated\"");
    return 0;
}

/* Validates the fields of a commit record; 0 or -1 with why. */
static int check_commit(const json_t *c, int rank, int slot, struct buf *why)
{
    json_t *files = json_object_get(c, "files");
    if (ckpt_commit_ident_ok(c, rank, why) < 0)
        return -1;
    if (json_integer_value(json_object_get(c, "slot")) != slot) {
        buf_printf(why, "rank or slot does not match the file name");
        return -1;
    }
    if (!json_is_array(files) || json_array_size(files) > CKPT_MAX_FILES) {
        buf_printf(why, "bad file list");
        return -1;
    }
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f) {
        const char *p = json_string_value(json_object_get(f, "path"));
        json_t *s = json_object_get(f, "size");
        if (!p || !ckpt_relpath_ok(p) || !json_is_integer(s) || json_integer_value(s) < 0) {
            buf_printf(why, "unsafe or malformed file entry %s", p ? p : "(no path)");
            return -1;
        }
    }
    return 0;
}

int ckpt_commit_replicated(const json_t *c)
{
    json_t *s = json_object_get(c, "scope");
    if (!s || (json_is_string(s) && !strcmp(json_string_value(s), "sharded")))
        return 0;
    return json_is_string(s) && !strcmp(json_string_value(s), "replicated") ? 1 : -1;
}

json_t *ckpt_stage_commit(const char *stage, int rank, int slot, struct buf *why)
{
    char path[PATH_MAX], name[32];
    if (layout_slot_commit_name(name, sizeof name, slot) < 0 || layout_stage_slot_commit(path, sizeof path, stage, rank, slot) < 0)
        return NULL;
    struct buf local;
    buf_init(&local, 256);
    json_t *c = ckpt_read_json(path, CKPT_COMMIT_MAX, &local);
    int e = errno;
    if (!c) {
        if (e != ENOENT && why)
            buf_printf(why, "%s: %s", name, local.p ? local.p : "unreadable");
        buf_free(&local);
        errno = e;
        return NULL;
    }
    buf_free(&local);
    if (check_commit(c, rank, slot, why ? why : &local) < 0) {
        buf_free(&local);
        json_decref(c);
        errno = EINVAL;
        return NULL;
    }
    return c;
}
