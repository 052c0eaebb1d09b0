/* llm_prompt: the prompt sent to the LLM (see llm.h): a versioned template
 * file (rules/llm-prompt.txt) with the taxonomy, the rule verdict and the
 * condensed log (diagnose --compress) filled in, within a byte budget.
 * When the log does not fit, the lines the rules flagged ("!!") and the
 * lines around them are kept first, then the last lines, then the rest in
 * order; left-out runs are marked "(N lines left out)". */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "diagnose/llm.h"

#define TEMPLATE_MAX (64u << 10)
#define AROUND 3      /* lines kept around a flagged line */
#define TAIL_LINES 40 /* the last lines, next */

char *llm_template_load(const char *path, struct buf *err)
{
    char dir[PATH_MAX], p[PATH_MAX + 32];
    if (!path) {
        if (ruleset_default_dir(dir, sizeof dir) < 0) {
            buf_puts(err, "cannot find the shipped rules directory (set ENDURE_RULES_DIR)\n");
            return NULL;
        }
        snprintf(p, sizeof p, "%s/llm-prompt.txt", dir);
        path = p;
    }
    size_t len;
    char *t = read_file_capped(path, TEMPLATE_MAX, &len);
    if (!t)
        buf_printf(err, "prompt template %s: %s\n", path, file_strerror(errno));
    return t;
}

long llm_template_version(const char *tmpl)
{
    const char *tag = "# endure-llm-prompt v";
    long v = 0;
    if (!strncmp(tmpl, tag, strlen(tag)))
        parse_digits(tmpl + strlen(tag), 1000000, &v);
    return v;
}

/* The template without its comment lines. */
static void strip_comments(const char *t, struct buf *out)
{
    while (*t) {
        const char *e = strchr(t, '\n');
        size_t n = e ? (size_t)(e - t) + 1 : strlen(t);
        if (t[0] != '#')
            buf_append(out, t, n);
        t += n;
    }
}

/* Substitutes {{name}} in tmpl by vals[i] (log: the placeholder "{{log}}"
 * kept when vals[i] is NULL). */
static int fill(const char *tmpl, const char *const *names, const char *const *vals, size_t n,
                struct buf *out)
{
    const char *p = tmpl;
    while (*p) {
        const char *o = strstr(p, "{{");
        if (!o)
            return buf_puts(out, p);
        if (buf_append(out, p, (size_t)(o - p)) < 0)
            return -1;
        size_t i = 0;
        while (i < n && strncmp(o + 2, names[i], strlen(names[i])))
            i++;
        if (i < n && !strncmp(o + 2 + strlen(names[i]), "}}", 2)) {
            if (buf_puts(out, vals[i] ? vals[i] : "") < 0)
                return -1;
            p = o + 4 + strlen(names[i]);
        } else {
            if (buf_append(out, "{{", 2) < 0)
                return -1;
            p = o + 2;
        }
    }
    return 0;
}

struct line {
    const char *s;
    size_t n;   /* with its newline */
    int keep;
};

/* Marks lines to keep in priority order while they fit in budget. */
static void choose(struct line *l, size_t n, size_t budget)
{
    size_t used = 0;
    for (int pass = 0; pass < 3; pass++)
        for (size_t k = 0; k < n; k++) {
            size_t i = pass == 1 ? n - 1 - k : k;
            int want = 0;
            if (pass == 0)
                for (size_t j = i >= AROUND ? i - AROUND : 0; j < n && j <= i + AROUND; j++)
                    want |= !strncmp(l[j].s, "!! ", 3);
            else
                want = pass == 2 || k < TAIL_LINES;
            if (want && !l[i].keep && used + l[i].n + 32 <= budget) {
                l[i].keep = 1;
                used += l[i].n;
            }
        }
}

/* The condensed log cut to budget bytes into out. */
static int fit_log(const char *log, size_t budget, struct buf *out)
{
    size_t n = 0, cap = 1024;
    struct line *l = malloc(cap * sizeof *l);
    for (const char *p = log; l && *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) + 1 : strlen(p);
        if (n == cap) {
            struct line *nl = realloc(l, (cap *= 2) * sizeof *l);
            if (!nl)
                break;
            l = nl;
        }
        l[n++] = (struct line){p, len, 0};
        p += len;
    }
    if (!l)
        return -1;
    choose(l, n, budget);
    size_t gap = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && !l[i].keep) {
            gap++;
            continue;
        }
        if (gap)
            buf_printf(out, "(%zu lines left out)\n", gap);
        gap = 0;
        if (i < n)
            buf_append(out, l[i].s, l[i].n);
    }
    free(l);
    return 0;
}

int llm_prompt_build(const char *tmpl, const char *condensed, const json_t *rule_verdict,
                     size_t max, struct buf *out)
{
    static const char *const names[] = {"taxonomy", "verdict", "log"};
    json_t *tax = llm_taxonomy(), *v = json_deep_copy(rule_verdict);
    json_object_del(v, "evidence"); /* the log has it */
    char *ts = json_dumps(tax, JSON_COMPACT), *vs = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(3));
    struct buf body, log;
    int rc = -1;
    buf_init(&body, 0);
    buf_init(&log, 0);
    strip_comments(tmpl, &body);
    const char *vals[] = {ts, vs ? vs : "null", ""};
    buf_reset(out);
    if (ts && body.p && fill(body.p, names, vals, 3, out) == 0 && out->len < max) {
        size_t budget = max - out->len > 40 ? max - out->len - 40 : 0; /* the last marker */
        buf_reset(out);
        if (fit_log(condensed ? condensed : "", budget, &log) == 0) {
            vals[2] = log.p ? log.p : "";
            rc = fill(body.p, names, vals, 3, out);
        }
    }
    json_decref(tax);
    json_decref(v);
    free(ts);
    free(vs);
    buf_free(&body);
    buf_free(&log);
    return rc;
}
