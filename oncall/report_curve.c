/* report_curve: the loss/step points of one rank log for `endure report`:
 * lines with "step N" (and "loss X" when printed), read up to a byte cap,
 * decimated to at most CURVE_MAX points. PCRE2 checks each number's grammar
 * before it is converted. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "oncall/report_int.h"
#include <fcntl.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/lines.h"
#include "common/util.h"

struct scan {
    struct curve *cv;
    pcre2_code *step_re, *loss_re;
    pcre2_match_data *md;
    long stride, seen;
};

static int capture(struct scan *s, pcre2_code *re, const char *line, size_t len, char *out, size_t n)
{
    if (pcre2_match(re, (PCRE2_SPTR)line, len, 0, 0, s->md, NULL) < 2)
        return -1;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
    size_t k = ov[3] - ov[2];
    if (k == 0 || k >= n)
        return -1;
    memcpy(out, line + ov[2], k);
    out[k] = 0;
    return 0;
}

static void on_line(void *ctx, const char *line, size_t len, unsigned flags)
{
    struct scan *s = ctx;
    (void)flags;
    char num[40];
    long step;
    if (capture(s, s->step_re, line, len, num, sizeof num) < 0 || parse_long(num, 0, 999999999999L, &step) < 0)
        return;
    if (s->seen++ % s->stride)
        return;
    struct curve *cv = s->cv;
    if (cv->n == CURVE_MAX) { /* keep every other point, then half as many from now on */
        for (int i = 0; i < CURVE_MAX / 2; i++)
            cv->pt[i] = cv->pt[2 * i];
        cv->n = CURVE_MAX / 2;
        s->stride *= 2;
    }
    double loss = -1;
    if (capture(s, s->loss_re, line, len, num, sizeof num) == 0)
        loss = strtod(num, NULL); /* the pattern allows only a plain decimal */
    cv->pt[cv->n].step = step;
    cv->pt[cv->n++].loss = loss;
    if (loss >= 0)
        cv->has_loss = 1;
}

static pcre2_code *compile(const char *pat)
{
    int e;
    PCRE2_SIZE off;
    return pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_CASELESS, &e, &off, NULL);
}

int curve_load(struct curve *cv, const char *path, size_t max_bytes)
{
    struct scan s = {.cv = cv, .stride = 1};
    struct linesplit ls;
    int rc = -1, fd = open_regular(AT_FDCWD, path, O_RDONLY | O_NOFOLLOW, 0);
    linesplit_init(&ls, 4096);
    s.step_re = compile("\\b(?:step|iter(?:ation)?)\\s*[:=]?\\s*(\\d{1,12})\\b");
    s.loss_re = compile("\\bloss\\s*[:=]?\\s*(\\d{1,12}(?:\\.\\d{1,12})?)\\b");
    s.md = s.step_re ? pcre2_match_data_create_from_pattern(s.step_re, NULL) : NULL;
    if (fd < 0 || !s.loss_re || !s.md)
        goto out;
    char chunk[65536];
    size_t total = 0;
    ssize_t k;
    while (total < max_bytes && (k = read(fd, chunk, sizeof chunk)) > 0) {
        linesplit_feed(&ls, chunk, (size_t)k, on_line, &s);
        total += (size_t)k;
    }
    linesplit_finish(&ls, on_line, &s);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    linesplit_free(&ls);
    pcre2_match_data_free(s.md);
    pcre2_code_free(s.step_re);
    pcre2_code_free(s.loss_re);
    return rc;
}
