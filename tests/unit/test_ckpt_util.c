/* test_ckpt_util: the helpers of ckpt_testutil.h (no tests here). */
#include "tests/unit/ckpt_testutil.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "checkpoint/ckpt.h"
#include "common/util.h"

int tu_stage_part(const char *stage, int rank, int slot, const char *tag, long step, const char *name,
                  size_t size, unsigned seed)
{
    char dir[1024], path[1200], rec[1300];
    snprintf(dir, sizeof dir, "%s/rank-%d/slot-%d", stage, rank, slot);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (mkdir_p(dir, 0700) < 0)
        return -1;
    char *data = malloc(size ? size : 1);
    for (size_t i = 0; data && i < size; i++)
        data[i] = (char)((i * 131 + seed * 7 + i / 4096) & 0xff);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int rc = data && fd >= 0 && write_all(fd, data, size) == 0 ? 0 : -1;
    if (fd >= 0)
        close(fd);
    free(data);
    if (rc < 0)
        return -1;
    snprintf(path, sizeof path, "%s/rank-%d/slot-%d.commit", stage, rank, slot);
    json_t *c = json_pack("{s:i s:s s:i s:i s:i s:s s:f s:[{s:s s:I}]}", "format", 1, "tag", tag, "step", (int)step,
                          "rank", rank, "slot", slot, "id", tag, "time", wall_time(), "files", "path", name,
                          "size", (json_int_t)size);
    char idbuf[300];
    snprintf(idbuf, sizeof idbuf, "%s-%u-%d", tag, seed, rank);
    json_object_set_new(c, "id", json_string(idbuf));
    char *text = json_dumps(c, 0);
    snprintf(rec, sizeof rec, "%s.tmp", path);
    rc = write_file_durable(rec, text, strlen(text)) == 0 && rename(rec, path) == 0 ? 0 : -1;
    free(text);
    json_decref(c);
    return rc;
}

static void collect(void *ctx, const json_t *ev)
{
    if (ctx)
        json_array_append((json_t *)ctx, (json_t *)ev);
}

int tu_persist(const char *stage, const char *ckpt, const char *node, int world, const int *ranks, int n,
               json_t *events)
{
    struct ckpt_agent_cfg cfg = {.stage_dir = stage, .ckpt_dir = ckpt, .node = node, .world_size = world,
                                 .ranks = ranks, .nranks = n, .threads = 2, .on_event = collect,
                                 .event_ctx = events};
    struct buf err;
    buf_init(&err, 1024);
    struct ckpt_agent *a;
    int rc = ckpt_agent_open(&a, &cfg, &err);
    if (rc == 0) {
        rc = ckpt_agent_drain(a, now_ms() + 10000);
        ckpt_agent_close(a);
    } else {
        fprintf(stderr, "  agent: %s\n", err.p);
    }
    buf_free(&err);
    return rc;
}

int tu_make_tag(const char *root, const char *ckpt, long step, int incomplete)
{
    char tag[64], sa[512], sb[512];
    snprintf(tag, sizeof tag, "step-%09ld", step);
    snprintf(sa, sizeof sa, "%s/stage-a", root);
    snprintf(sb, sizeof sb, "%s/stage-b", root);
    int r0 = 0, r1 = 1;
    int slot = (int)(step / 10 % 2);
    if (tu_stage_part(sa, 0, slot, tag, step, "model.pt", 4096, (unsigned)step) < 0 ||
        tu_persist(sa, ckpt, "a", 2, &r0, 1, NULL) < 0)
        return -1;
    if (incomplete)
        return 0;
    if (tu_stage_part(sb, 1, slot, tag, step, "model.pt", 4096, (unsigned)step + 1) < 0 ||
        tu_persist(sb, ckpt, "b", 2, &r1, 1, NULL) < 0)
        return -1;
    json_t *nodes = json_pack("{s:[i] s:[i]}", "a", 0, "b", 1);
    struct buf err;
    buf_init(&err, 1024);
    int rc = ckpt_mark_complete(ckpt, tag, step, nodes, 2, &err);
    if (rc < 0)
        fprintf(stderr, "  mark complete: %s\n", err.p);
    buf_free(&err);
    json_decref(nodes);
    return rc;
}

int tu_count(const json_t *events, const char *type)
{
    int n = 0;
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e) n += !strcmp(json_string_value(json_object_get(e, "event")), type);
    return n;
}

int tu_flip(const char *path, long off)
{
    int fd = open(path, O_RDWR);
    unsigned char c;
    int rc = -1;
    if (fd >= 0 && pread(fd, &c, 1, off) == 1) {
        c ^= 0x5a;
        rc = pwrite(fd, &c, 1, off) == 1 ? 0 : -1;
    }
    if (fd >= 0)
        close(fd);
    return rc;
}
