/* pair: the backend table of the pairwise test, its defaults, the result
 * object and the parser of nccl-tests' output (PCRE2). See pair.h. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "health/pair.h"

static const char *const names[PAIR__COUNT] = {"tcp", "nccl", "command"};

void pair_opts_init(struct pair_opts *o)
{
    *o = (struct pair_opts){.backend = PAIR_TCP, .bytes = 64u << 20, .iters = 5, .timeout_ms = 60000,
                            .nccl_lib = "libnccl.so.2", .cuda_lib = "libcuda.so.1"};
}

const char *pair_backend_name(enum pair_backend b)
{
    return (unsigned)b < PAIR__COUNT ? names[b] : "?";
}

int pair_backend_of(const char *name)
{
    for (int i = 0; name && i < PAIR__COUNT; i++)
        if (!strcmp(name, names[i]))
            return i;
    return -1;
}

void pair_set(json_t *result, const char *res, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    json_object_set_new(result, "result", json_string(res));
    json_object_set_new(result, "reason", json_string(reason));
}

json_t *pair_run(const struct pair_opts *o, pair_ready_fn ready, void *arg)
{
    static int (*const run[PAIR__COUNT])(const struct pair_opts *, pair_ready_fn, void *, json_t *) = {
        [PAIR_TCP] = pair_tcp, [PAIR_NCCL] = pair_nccl, [PAIR_COMMAND] = pair_command};
    json_t *r = json_object();
    int64_t t0 = now_ms();
    if (!r)
        return NULL;
    if ((unsigned)o->backend >= PAIR__COUNT) {
        pair_set(r, "fail", "unknown backend");
    } else if (run[o->backend](o, ready, arg, r) < 0) {
        json_decref(r);
        return NULL;
    }
    json_object_set_new(r, "backend", json_string(pair_backend_name(o->backend)));
    json_object_set_new(r, "ms", json_integer(now_ms() - t0));
    return r;
}

int pair_parse_busbw(const char *out, size_t len, double *gbps)
{
    static const char pat[] = "^#\\s*Avg bus bandwidth\\s*:\\s*([0-9]+(?:\\.[0-9]+)?)\\s*$";
    int errc, rc = -1;
    PCRE2_SIZE erroff;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_MULTILINE, &errc, &erroff, NULL);
    pcre2_match_data *md = re ? pcre2_match_data_create_from_pattern(re, NULL) : NULL;
    if (md && pcre2_match(re, (PCRE2_SPTR)out, len, 0, 0, md, NULL) > 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        char num[32];
        size_t n = ov[3] - ov[2];
        if (n < sizeof num) {
            memcpy(num, out + ov[2], n);
            num[n] = '\0';
            *gbps = strtod(num, NULL);
            rc = 0;
        }
    }
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return rc;
}
