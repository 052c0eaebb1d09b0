/* run_verdict: what the controller itself knew about the last attempt of
 * an endure run directory. A hang, a lost node or a heartbeat timeout
 * leaves no failure line in any rank log, so the logs alone read as a clean
 * run; the controller wrote its verdict to attempt-<N>/failure.json. `endure
 * diagnose RUN_DIR` (and `endure diagnose RUN_DIR/attempt-N`) uses it when
 * the logs give none; the run report lists it for every attempt. The file is untrusted
 * input (bounded read, only the verdict keys with the right types are
 * kept). */
#include "diagnose/offline.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/layout.h"
#include "common/log.h"
#include "common/util.h"

/* Without a shared filesystem failure.json also keeps up to 256 rank
 * tails of 64 KiB and 10000 events (see run_evidence.c). */
#define FAILURE_JSON_MAX ((size_t)64 << 20)

/* key of src when it is a string, else null (a new reference). */
static json_t *str_or_null(const json_t *src, const char *key)
{
    const char *s = json_string_value(json_object_get(src, key));
    return s ? json_string(s) : json_null();
}

/* A copy of the verdict keys of f with their expected types. */
static json_t *sanitized(const json_t *f)
{
    json_t *cul = json_object_get(f, "culprit"), *v = json_object(), *c = json_object();
    const char *names[] = {"host", "rank", "gpu"};
    for (int i = 0; i < 3; i++) {
        json_t *x = json_object_get(cul, names[i]);
        json_object_set_new(c, names[i], json_is_string(x) || json_is_integer(x) ? json_copy(x) : json_null());
    }
    json_object_set_new(v, "category", str_or_null(f, "category"));
    json_object_set_new(v, "type", str_or_null(f, "type"));
    json_object_set_new(v, "culprit", c);
    json_object_set_new(v, "action", str_or_null(f, "action"));
    json_object_set_new(v, "rule", str_or_null(f, "rule"));
    json_t *conf = json_object_get(f, "confidence");
    json_object_set_new(v, "confidence", json_is_number(conf) ? json_real(json_number_value(conf)) : json_null());
    json_t *key = json_object_get(f, "key_line");
    json_object_set_new(v, "key_line", json_is_object(key) ? json_deep_copy(key) : json_null());
    json_t *ev = json_object_get(f, "evidence");
    json_object_set_new(v, "evidence", json_is_array(ev) ? json_deep_copy(ev) : json_array());
    json_object_set_new(v, "explanation", str_or_null(f, "explanation"));
    return v;
}

/* 1 when the last component of dir is attempt-<N>. */
static int is_attempt_dir(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t b = n;
    while (b > 0 && dir[b - 1] != '/')
        b--;
    char name[64];
    return n - b < sizeof name && snprintf(name, sizeof name, "%.*s", (int)(n - b), dir + b) > 0 &&
           layout_parse_attempt_name(name) >= 0;
}

json_t *failure_json_load(const char *adir)
{
    char path[PATH_MAX];
    size_t len;
    if (layout_failure_json(path, sizeof path, adir, -1) < 0)
        return NULL;
    char *text = read_regular_capped(path, FAILURE_JSON_MAX, &len, O_NOFOLLOW);
    if (!text && errno != ENOENT) /* a FIFO or symlink planted there: refused, never blocks */
        log_warn("%s: %s (ignored)", path, errno == EFBIG ? "too large" : file_strerror(errno));
    json_t *f = text ? json_loadb(text, len, 0, NULL) : NULL;
    free(text);
    if (!json_is_object(f)) {
        json_decref(f);
        return NULL;
    }
    return f;
}

json_t *attempt_dir_verdict(const char *adir)
{
    json_t *f = failure_json_load(adir);
    json_t *v = NULL;
    if (json_is_string(json_object_get(f, "category")) && json_is_string(json_object_get(f, "type")))
        v = sanitized(f);
    json_decref(f);
    return v;
}

int run_dir_last_attempt(const char *dir, char *adir, size_t adirlen, char *src, size_t srclen)
{
    long att = input_last_attempt(dir);
    if (att >= 0) {
        if (layout_attempt_dir(adir, adirlen, dir, att) < 0)
            return -1;
        layout_failure_json(src, srclen, NULL, att);
    } else if (is_attempt_dir(dir) && strlen(dir) < adirlen) {
        snprintf(adir, adirlen, "%s", dir);
        layout_failure_json(src, srclen, NULL, -1);
    } else {
        return -1;
    }
    return 0;
}

json_t *run_dir_verdict(const char *dir, char *src, size_t srclen)
{
    char adir[PATH_MAX];
    return run_dir_last_attempt(dir, adir, sizeof adir, src, srclen) < 0 ? NULL : attempt_dir_verdict(adir);
}
