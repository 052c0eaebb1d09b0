/* test_ckpt_store: paths, CRCs, manifests, restore choice (missing,
 * partial, corrupt, incomplete TAGs), retention and start-up cleaning. */
#include "tests/unit/harness.h"
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "checkpoint/ckpt.h"
#include "checkpoint/ckpt_internal.h"
#include "common/util.h"
#include "tests/unit/ckpt_testutil.h"

TEST(ckpt_relpath_rules)
{
    CHECK(ckpt_relpath_ok("model.pt"));
    CHECK(ckpt_relpath_ok("shards/opt-00.bin"));
    const char *bad[] = {"", "/etc/passwd", "..", "../x", "a/../../b", "a//b", "a/", "./a", ".endure-x", "a/./b"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(!ckpt_relpath_ok(bad[i]));
}

TEST(ckpt_open_under_refuses_symlinks)
{
    char d[512], p[600];
    snprintf(d, sizeof d, "%s/base", test_tmpdir());
    CHECK(mkdir_p(d, 0755) == 0);
    snprintf(p, sizeof p, "%s/real", d);
    CHECK(mkdir(p, 0755) == 0);
    snprintf(p, sizeof p, "%s/real/f", d);
    CHECK(write_file_durable(p, "x", 1) == 0);
    snprintf(p, sizeof p, "%s/link", d);
    CHECK(symlink("real", p) == 0);
    snprintf(p, sizeof p, "%s/flink", d);
    CHECK(symlink("real/f", p) == 0);
    int dfd = open(d, O_RDONLY | O_DIRECTORY);
    int fd = ckpt_open_under(dfd, "real/f", O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
    CHECK(ckpt_open_under(dfd, "link/f", O_RDONLY) < 0);
    CHECK(ckpt_open_under(dfd, "flink", O_RDONLY) < 0);
    CHECK(ckpt_open_under(dfd, "../base/real/f", O_RDONLY) < 0);
    close(dfd);
}

TEST(ckpt_chunked_crc_matches_whole_file)
{
    /* persist a 5 MiB + 3 byte file in 1 MiB chunks on 3 threads; the
     * manifest CRC (merged with crc32_combine) must equal zlib on the whole */
    ckpt_chunk_bytes = 1 << 20;
    char stage[512], ckpt[512];
    snprintf(stage, sizeof stage, "%s/stage", test_tmpdir());
    snprintf(ckpt, sizeof ckpt, "%s/ckpt", test_tmpdir());
    size_t size = (5u << 20) + 3;
    CHECK(tu_stage_part(stage, 0, 0, "t1", 1, "big.bin", size, 9) == 0);
    int r = 0;
    json_t *ev = json_array();
    CHECK(tu_persist(stage, ckpt, "n1", 1, &r, 1, ev) == 0);
    CHECK(tu_count(ev, "persisted") == 1);
    json_decref(ev);
    char p[700];
    snprintf(p, sizeof p, "%s/rank-0/slot-0/big.bin", stage);
    size_t len;
    char *data = read_file_capped(p, size + 1, &len);
    CHECK(data && len == size);
    uLong whole = crc32(crc32(0, Z_NULL, 0), (const Bytef *)data, (uInt)len);
    uLong a = crc32(crc32(0, Z_NULL, 0), (const Bytef *)data, 1000);
    uLong b = crc32(crc32(0, Z_NULL, 0), (const Bytef *)data + 1000, (uInt)(len - 1000));
    CHECK(crc32_combine(a, b, (z_off_t)(len - 1000)) == whole);
    free(data);
    snprintf(p, sizeof p, "%s/t1/n1/manifest.json", ckpt);
    json_t *m = ckpt_read_json(p, 1 << 20, NULL);
    CHECK(m);
    json_t *f = json_array_get(json_object_get(m, "files"), 0);
    CHECK_STR(json_string_value(json_object_get(f, "path")), "rank-0/big.bin");
    CHECK(json_integer_value(json_object_get(f, "size")) == (json_int_t)size);
    CHECK((uLong)json_integer_value(json_object_get(f, "crc32")) == whole);
    json_decref(m);
}

TEST(ckpt_manifest_fields)
{
    char stage[512], ckpt[512], p[700];
    snprintf(stage, sizeof stage, "%s/stage", test_tmpdir());
    snprintf(ckpt, sizeof ckpt, "%s/ckpt", test_tmpdir());
    CHECK(tu_stage_part(stage, 2, 1, "step-7", 7, "m.pt", 100, 1) == 0);
    CHECK(tu_stage_part(stage, 3, 0, "step-7", 7, "m.pt", 200, 2) == 0);
    int ranks[] = {2, 3};
    CHECK(tu_persist(stage, ckpt, "node-x", 4, ranks, 2, NULL) == 0);
    snprintf(p, sizeof p, "%s/step-7/node-x/manifest.json", ckpt);
    json_t *m = ckpt_read_json(p, 1 << 20, NULL);
    CHECK(m);
    CHECK_STR(json_string_value(json_object_get(m, "tag")), "step-7");
    CHECK_STR(json_string_value(json_object_get(m, "node")), "node-x");
    CHECK_STR(json_string_value(json_object_get(m, "endure_version")), ENDURE_VERSION);
    CHECK(json_string_value(json_object_get(m, "created")) != NULL);
    CHECK(json_integer_value(json_object_get(m, "step")) == 7);
    CHECK(json_integer_value(json_object_get(m, "world_size")) == 4);
    CHECK(json_integer_value(json_object_get(m, "bytes")) == 300);
    CHECK(json_array_size(json_object_get(m, "ranks")) == 2);
    CHECK(json_array_size(json_object_get(m, "files")) == 2);
    CHECK(json_object_get(json_object_get(m, "commits"), "3") != NULL);
    json_decref(m);
    json_t *probs = json_array();
    json_t *v = ckpt_verify_node(ckpt, "step-7", "node-x", 7, 1, probs);
    CHECK(v && json_array_size(probs) == 0);
    json_decref(v);
    /* a manifest path that escapes is refused */
    v = ckpt_read_json(p, 1 << 20, NULL);
    json_object_set_new(json_array_get(json_object_get(v, "files"), 0), "path", json_string("rank-2/../../../x"));
    CHECK(ckpt_write_json(p, v) == 0);
    json_decref(v);
    v = ckpt_verify_node(ckpt, "step-7", "node-x", 7, 0, probs);
    CHECK(v == NULL && json_array_size(probs) == 1);
    CHECK(strstr(json_string_value(json_object_get(json_array_get(probs, 0), "problem")), "escapes"));
    json_decref(probs);
}

/* Path of node n's model file in TAG step. */
static void model_path(char *out, size_t n, const char *ckpt, long step, const char *node, int rank)
{
    snprintf(out, n, "%s/step-%09ld/%s/rank-%d/model.pt", ckpt, step, node, rank);
}

TEST(ckpt_restore_falls_back)
{
    char ckpt[512], p[800];
    const char *root = test_tmpdir();
    snprintf(ckpt, sizeof ckpt, "%s/ckpt", root);
    CHECK(tu_make_tag(root, ckpt, 10, 0) == 0);
    CHECK(tu_make_tag(root, ckpt, 20, 0) == 0);
    CHECK(tu_make_tag(root, ckpt, 30, 0) == 0);
    CHECK(tu_make_tag(root, ckpt, 40, 1) == 0); /* incomplete: node b missing */
    snprintf(p, sizeof p, "%s/step-000000050/a.partial", ckpt);
    CHECK(mkdir_p(p, 0755) == 0); /* a crashed persist */
    struct ckpt_choice ch;
    json_t *probs = json_array();
    CHECK(ckpt_choose_restore(ckpt, CKPT_VERIFY_SIZE, &ch, probs) == 1);
    CHECK_STR(ch.tag, "step-000000030");
    CHECK(ch.step == 30 && ch.world_size == 2 && json_array_size(probs) == 0);
    /* flip a byte: size mode misses it, full mode falls back to 20 */
    model_path(p, sizeof p, ckpt, 30, "b", 1);
    CHECK(tu_flip(p, 100) == 0);
    CHECK(ckpt_choose_restore(ckpt, CKPT_VERIFY_SIZE, &ch, probs) == 1 && ch.step == 30);
    CHECK(ckpt_choose_restore(ckpt, CKPT_VERIFY_FULL, &ch, probs) == 1);
    CHECK(ch.step == 20);
    CHECK(json_array_size(probs) == 1);
    json_t *pr = json_array_get(probs, 0);
    CHECK_STR(json_string_value(json_object_get(pr, "tag")), "step-000000030");
    CHECK_STR(json_string_value(json_object_get(pr, "file")), "rank-1/model.pt");
    CHECK(strstr(json_string_value(json_object_get(pr, "problem")), "CRC32"));
    /* a missing file in 20 and a missing manifest: falls back to 10 */
    model_path(p, sizeof p, ckpt, 20, "a", 0);
    CHECK(unlink(p) == 0);
    json_array_clear(probs);
    CHECK(ckpt_choose_restore(ckpt, CKPT_VERIFY_FULL, &ch, probs) == 1 && ch.step == 10);
    CHECK(json_array_size(probs) == 2);
    snprintf(p, sizeof p, "%s/step-000000010/b/manifest.json", ckpt);
    CHECK(unlink(p) == 0);
    json_array_clear(probs);
    CHECK(ckpt_choose_restore(ckpt, CKPT_VERIFY_FULL, &ch, probs) == 0);
    CHECK(json_array_size(probs) == 3);
    json_decref(probs);
    /* the rank map of a complete TAG */
    CHECK(ckpt_durable_rank_dir(ckpt, "step-000000030", 1, p, sizeof p) == 0);
    CHECK(strstr(p, "/step-000000030/b/rank-1") != NULL);
    CHECK(ckpt_durable_rank_dir(ckpt, "step-000000040", 0, p, sizeof p) < 0);
}

TEST(ckpt_mark_complete_checks)
{
    char ckpt[512];
    const char *root = test_tmpdir();
    snprintf(ckpt, sizeof ckpt, "%s/ckpt", root);
    CHECK(tu_make_tag(root, ckpt, 40, 1) == 0);
    struct buf err;
    buf_init(&err, 1024);
    json_t *nodes = json_pack("{s:[i] s:[i]}", "a", 0, "b", 1);
    CHECK(ckpt_mark_complete(ckpt, "step-000000040", 40, nodes, 2, &err) < 0); /* b missing */
    CHECK(strstr(err.p, "b") != NULL);
    json_decref(nodes);
    buf_reset(&err);
    nodes = json_pack("{s:[i]}", "a", 0);
    CHECK(ckpt_mark_complete(ckpt, "step-000000040", 40, nodes, 2, &err) < 0); /* rank 1 uncovered */
    buf_reset(&err);
    CHECK(ckpt_mark_complete(ckpt, "step-000000040", 41, nodes, 1, &err) < 0); /* wrong step */
    buf_reset(&err);
    CHECK(ckpt_mark_complete(ckpt, "../x", 40, nodes, 1, &err) < 0);
    json_decref(nodes);
    buf_free(&err);
}

/* 1 if TAG step-<step> exists under ckpt. */
static int tag_exists(const char *ckpt, long step)
{
    char p[700];
    snprintf(p, sizeof p, "%s/step-%09ld", ckpt, step);
    return access(p, F_OK) == 0;
}

TEST(ckpt_prune_retention)
{
    char ckpt[512], p[700];
    const char *root = test_tmpdir();
    snprintf(ckpt, sizeof ckpt, "%s/ckpt", root);
    long steps[] = {10, 20, 30, 40, 50};
    for (int i = 0; i < 5; i++)
        CHECK(tu_make_tag(root, ckpt, steps[i], 0) == 0);
    CHECK(tu_make_tag(root, ckpt, 35, 1) == 0); /* abandoned incomplete, older than 50 */
    CHECK(tu_make_tag(root, ckpt, 60, 1) == 0); /* incomplete, newer: being written */
    CHECK(tu_make_tag(root, ckpt, 15, 1) == 0);
    snprintf(p, sizeof p, "%s/step-000000015/b.partial", ckpt);
    CHECK(mkdir_p(p, 0755) == 0); /* holds a .partial: never pruned */
    json_t *pruned = json_array();
    CHECK(ckpt_prune(ckpt, 2, 20, pruned) == 3); /* 10, 30, 35 */
    CHECK(!tag_exists(ckpt, 10) && !tag_exists(ckpt, 30) && !tag_exists(ckpt, 35));
    CHECK(tag_exists(ckpt, 20) && tag_exists(ckpt, 40) && tag_exists(ckpt, 50));
    CHECK(tag_exists(ckpt, 60) && tag_exists(ckpt, 15));
    CHECK(json_array_size(pruned) == 3);
    /* keep 0 still keeps the newest complete */
    CHECK(ckpt_prune(ckpt, 0, 0, NULL) == 2);
    CHECK(tag_exists(ckpt, 50) && tag_exists(ckpt, 60) && !tag_exists(ckpt, 40));
    json_t *cleaned = json_array();
    CHECK(ckpt_clean_partials(ckpt, cleaned) == 1);
    CHECK(strstr(json_string_value(json_array_get(cleaned, 0)), "b.partial"));
    CHECK(ckpt_prune(ckpt, 1, 0, NULL) == 1); /* now 15 (no complete, older) goes */
    json_decref(cleaned);
    json_decref(pruned);
}

TEST(ckpt_list_describes_tags)
{
    char ckpt[512];
    const char *root = test_tmpdir();
    snprintf(ckpt, sizeof ckpt, "%s/ckpt", root);
    CHECK(tu_make_tag(root, ckpt, 10, 0) == 0);
    CHECK(tu_make_tag(root, ckpt, 20, 1) == 0);
    json_t *l = ckpt_list(ckpt);
    CHECK(l && json_array_size(l) == 2);
    json_t *t0 = json_array_get(l, 0), *t1 = json_array_get(l, 1);
    CHECK(json_integer_value(json_object_get(t0, "step")) == 20);
    CHECK(json_is_false(json_object_get(t0, "complete")));
    CHECK(json_is_true(json_object_get(t1, "complete")));
    CHECK(json_integer_value(json_object_get(t1, "bytes")) >= 8192);
    json_decref(l);
}
