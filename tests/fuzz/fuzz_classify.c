/* libFuzzer target: the line classifier (prefix stripping, prefilter, the
 * English of localized forms (seed l10n.txt),
 * PCRE2 under limits, traceback state, event building with UTF-8
 * sanitising) and the activity tracker of a log with no failure found
 * (diagnose/activity.c: setup, completion, error and frame lines, gradient
 * norms, epochs; lines that need not end in a NUL) on arbitrary bytes
 * split into lines and cleaned of terminal
 * escape sequences (common/ansi.c), with the shipped rules
 * ($ENDURE_RULES_DIR, default rules/) or the unit-test rules. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/ansi.h"
#include "diagnose/activity.h"
#include "diagnose/diagnose.h"
#include "diagnose/internal.h"
#include "diagnose/prefix.h"

static struct ruleset *rs;

static void on_event(void *ctx, json_t *ev)
{
    char *s = json_dumps(ev, 0); /* must always be valid JSON */
    if (!s)
        abort();
    free(s);
    (void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rs) {
        struct buf err;
        const char *paths[] = {getenv("ENDURE_RULES_DIR") ? getenv("ENDURE_RULES_DIR") : "rules",
                               "tests/data/rules-unit/basic.yaml"};
        buf_init(&err, 1 << 20);
        if (ruleset_load(&rs, paths, 1, &err) < 0 && ruleset_load(&rs, paths + 1, 1, &err) < 0)
            abort();
        buf_free(&err);
    }
    struct classifier *c = classifier_new(rs);
    struct activity act;
    activity_init(&act);
    struct buf clean;
    buf_init(&clean, 1 << 16);
    int pasted = ansi_pasted((const char *)data, size);
    const char *p = (const char *)data, *end = p + size;
    long n = 0;
    while (p <= end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *line = ansi_clean(&clean, p, &len, pasted); /* as input.c and the agent read lines */
        struct prefix_info pi;
        prefix_parse(line, len, &pi);
        classifier_set_ts(c, pi.ts >= 0 ? pi.ts : -2);
        classifier_line(c, line + pi.skip, len - pi.skip, ++n, on_event, NULL);
        /* a copy of exactly len bytes, no NUL after it: ASan sees any read past the line */
        char *own = malloc(len - pi.skip ? len - pi.skip : 1);
        if (!own)
            abort();
        memcpy(own, line + pi.skip, len - pi.skip);
        activity_line(&act, own, len - pi.skip, -1);
        free(own);
        if (!nl)
            break;
        p = nl + 1;
    }
    classifier_finish(c, on_event, NULL);
    json_t *v = verdict_base("none", "success", "none", 0.7, "No failure was found.");
    activity_verdict(&act, v);
    on_event(NULL, v);
    json_decref(v);
    classifier_free(c);
    buf_free(&clean);
    return 0;
}
