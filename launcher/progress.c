/* progress: the default progress matcher, one PCRE2 pattern compiled with JIT
 * and run with match and depth limits (see progress.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "launcher/progress.h"
#include <pcre2.h>
#include <stdlib.h>

struct progress {
    pcre2_code *re;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    unsigned long limit_hits;
};

int progress_new(struct progress **out, const char *pattern, struct buf *err)
{
    int ec;
    PCRE2_SIZE off;
    struct progress *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->re = pcre2_compile((PCRE2_SPTR)(pattern ? pattern : PROGRESS_DEFAULT_RE), PCRE2_ZERO_TERMINATED,
                          0, &ec, &off, NULL);
    if (!p->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        buf_printf(err, "invalid --progress-regex at offset %zu: %s", (size_t)off, (char *)msg);
        free(p);
        return -1;
    }
    pcre2_jit_compile(p->re, PCRE2_JIT_COMPLETE);
    p->md = pcre2_match_data_create_from_pattern(p->re, NULL);
    p->mc = pcre2_match_context_create(NULL);
    if (!p->md || !p->mc) {
        progress_free(p);
        return -1;
    }
    pcre2_set_match_limit(p->mc, 100000);
    pcre2_set_depth_limit(p->mc, 1000);
    *out = p;
    return 0;
}

int progress_line(struct progress *p, const char *line, size_t len)
{
    int rc = pcre2_match(p->re, (PCRE2_SPTR)line, len, 0, 0, p->md, p->mc);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
        p->limit_hits++;
    return rc >= 0;
}

unsigned long progress_limit_hits(const struct progress *p)
{
    return p ? p->limit_hits : 0;
}

void progress_free(struct progress *p)
{
    if (!p)
        return;
    pcre2_match_data_free(p->md);
    pcre2_match_context_free(p->mc);
    pcre2_code_free(p->re);
    free(p);
}
