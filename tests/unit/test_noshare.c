/* Unit tests of the diagnosis of a run directory whose node logs are not on
 * this host (endure run --no-shared-fs): the events and tails kept in
 * attempt-N/failure.json are the evidence (run_evidence.c), hostile
 * content is dropped, logs that are here win, and a failure.json made
 * large by the kept tails still yields the controller's verdict. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "diagnose/offline.h"
#include "harness.h"

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* <tmp>/run/attempt-0 with failure.json = text; returns the run dir. */
static const char *run_with(const char *text)
{
    static char run[512];
    char p[600];
    snprintf(run, sizeof run, "%s/run", test_tmpdir());
    mkdir(run, 0755);
    snprintf(p, sizeof p, "%s/attempt-0", run);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/attempt-0/failure.json", run);
    put(p, text);
    return run;
}

static const char oom_tail[] =
    "{\"category\":\"unknown\",\"type\":\"unknown\",\"tails\":[{\"node\":\"n1\",\"rank\":3,"
    "\"file\":\"attempt-0/n1/rank-3.log\",\"tail\":[\"step 1\",\"Traceback (most recent call last):\","
    "\"  File \\\"x.py\\\", line 1, in <module>\",\"torch.OutOfMemoryError: CUDA out of memory. Tried to "
    "allocate 2.00 GiB\",\"done\"]}]}";

/* The verdict of dir with the shipped rules and only the kept evidence. */
static json_t *kept_verdict(const char *dir, size_t *kept)
{
    struct ruleset *rs = NULL;
    struct buf err;
    struct offline o;
    struct input_list none = {0};
    char src[64];
    json_t *v = NULL;
    buf_init(&err, 1 << 16);
    if (ruleset_load(&rs, NULL, 0, &err) == 0 && offline_init(&o, rs, 0) == 0) {
        *kept = offline_kept_evidence(&o, dir, src, sizeof src);
        v = offline_verdict(&o, &none);
        offline_free(&o);
    }
    ruleset_free(rs);
    buf_free(&err);
    return v;
}

TEST(noshare_tail_reclassified)
{
    size_t kept = 0;
    json_t *v = kept_verdict(run_with(oom_tail), &kept);
    CHECK(v && kept == 1);
    CHECK_STR(json_string_value(json_object_get(v, "category")), "framework");
    CHECK_STR(json_string_value(json_object_get(v, "type")), "cuda_oom");
    json_t *key = json_object_get(v, "key_line");
    CHECK(strstr(json_string_value(json_object_get(key, "file")), "kept in failure.json"));
    CHECK(json_integer_value(json_object_get(key, "line")) == 4);
    CHECK_STR(json_string_value(json_object_get(key, "node")), "n1");
    json_decref(v);
}

TEST(noshare_logs_here_win)
{
    char p[700];
    const char *run = run_with(oom_tail);
    snprintf(p, sizeof p, "%s/attempt-0/n1", run);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/attempt-0/n1/rank-3.log", run);
    put(p, "step 1\n");
    size_t kept = 9;
    json_t *v = kept_verdict(run, &kept);
    CHECK(v && kept == 0);
    CHECK(strcmp(json_string_value(json_object_get(v, "category")), "framework")); /* the tail was not read */
    json_decref(v);
}

/* Events of the wrong shape or outside the taxonomy are dropped; kept
 * ones carry only known fields; a node name with a '/' is never a path. */
TEST(noshare_hostile_events)
{
    const char *run = run_with(
        "{\"events\":[1,\"x\",{\"category\":\"evil\",\"failure_type\":\"cuda_oom\",\"role\":\"root\"},"
        "{\"category\":\"framework\",\"failure_type\":\"ecc_error\",\"role\":\"root\"},"
        "{\"category\":\"framework\",\"failure_type\":\"cuda_oom\",\"role\":\"king\"},"
        "{\"category\":\"infrastructure\",\"failure_type\":\"ecc_error\",\"role\":\"root\",\"priority\":\"9\","
        "\"node\":\"../../etc\",\"rank\":0,\"line\":[1],\"text\":\"ECC\",\"groups\":{\"gpu\":{\"a\":1},\"rank\":2},"
        "\"evidence\":[\"a\",7,{}],\"shell\":\"rm -rf /\"}],\"tails\":{\"not\":\"an array\"}}");
    size_t kept = 0;
    json_t *v = kept_verdict(run, &kept);
    CHECK(v && kept == 1);
    CHECK_STR(json_string_value(json_object_get(v, "type")), "ecc_error");
    json_t *c = json_object_get(v, "culprit");
    CHECK(json_integer_value(json_object_get(c, "rank")) == 2 && json_is_null(json_object_get(c, "gpu")));
    CHECK_STR(json_string_value(json_object_get(c, "host")), "../../etc"); /* data, not a path */
    CHECK(json_array_size(json_object_get(v, "evidence")) == 1);
    json_decref(v);
}

/* 256 tails of 64 KiB make failure.json far larger than its verdict: the
 * verdict must still be read (it was refused above 1 MiB). */
TEST(noshare_large_failure_json_verdict)
{
    size_t n = 3 << 20;
    char *big = malloc(n + 256), *p = big;
    p += sprintf(p, "{\"category\":\"framework\",\"type\":\"cuda_oom\",\"tails\":[{\"tail\":[\"");
    memset(p, 'x', n);
    p += n;
    strcpy(p, "\"]}]}");
    char adir[600];
    snprintf(adir, sizeof adir, "%s/attempt-0", run_with(big));
    free(big);
    json_t *v = attempt_dir_verdict(adir);
    CHECK(v);
    CHECK_STR(json_string_value(json_object_get(v, "type")), "cuda_oom");
    json_decref(v);
}
