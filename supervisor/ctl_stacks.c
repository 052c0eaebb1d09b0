/* ctl_stacks: what the stack dump of a hang (C_DUMPING) tells. Each rank's
 * exit message carried the end of its log (AGENT_LONG_TAIL lines after the
 * SIGABRT); the faulthandler dump in it is saved as
 * attempt-<N>/stacks/rank-<R>.txt, and the hang's verdict names the odd
 * rank out (diagnose/stacks.c): its innermost frame is the key line. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/layout.h"
#include "common/log.h"
#include "common/util.h"
#include "diagnose/stacks.h"
#include "supervisor/ctl_int.h"

/* Writes the dump of one rank (lines from d->first on). */
static void save_stack(const char *dir, const json_t *t, const struct stack_dump *d)
{
    const json_t *tail = json_object_get(t, "tail");
    char path[PATH_MAX];
    struct buf b;
    snprintf(path, sizeof path, "%s/rank-%lld.txt", dir, json_integer_value(json_object_get(t, "rank")));
    buf_init(&b, 1 << 20);
    for (size_t i = (size_t)d->first; i < json_array_size(tail); i++)
        buf_printf(&b, "%s\n", json_string_value(json_array_get(tail, i)) ?: "");
    if (mkdir_p(dir, 0755) < 0 || write_file_durable(path, b.p ? b.p : "", b.len) < 0)
        log_warn("cannot write %s", path);
    buf_free(&b);
}

/* The odd rank's innermost frame as the verdict's key line. */
static void key_line(json_t *v, const json_t *t, const struct stack_dump *d)
{
    const json_t *tail = json_object_get(t, "tail");
    long total = (long)json_integer_value(json_object_get(t, "lines")), n = (long)json_array_size(tail);
    json_t *k = json_pack("{s:s,s:s?,s:s?}", "text", json_string_value(json_array_get(tail, (size_t)d->top)) ?: "",
                          "file", json_string_value(json_object_get(t, "file")), "node",
                          json_string_value(json_object_get(t, "node")));
    if (total >= n)
        json_object_set_new(k, "line", json_integer(total - n + d->top + 1));
    json_object_set_new(v, "key_line", k);
}

static void explain(json_t *v, const char *text)
{
    const char *old = json_string_value(json_object_get(v, "explanation"));
    char ex[1500];
    snprintf(ex, sizeof ex, "%s %s", old ? old : "", text);
    json_object_set_new(v, "explanation", json_string(ex));
}

/* Sets culprit, key line and explanation of a hang's verdict v from the
 * stacks in the tails; 0 when a rank stood out. */
static int odd_out(struct ctl *c, json_t *v, const struct stack_dump *d, size_t n, const char *sdir)
{
    int odd[8];
    const char *major = "";
    int k = stacks_odd_out(d, (int)n, odd, 8, &major);
    char text[1000];
    if (!k) {
        snprintf(text, sizeof text, "The ranks' stacks (%s) show every rank at the same place, %s: a collective "
                 "waiting on a peer outside the job, or a stuck filesystem or network.", sdir, major[0] ? major : "?");
        explain(v, text);
        return -1;
    }
    const json_t *t = json_array_get(c->tails, (size_t)odd[0]);
    json_t *cul = json_object_get(v, "culprit");
    if (!json_is_object(cul))
        json_object_set_new(v, "culprit", cul = json_object());
    json_object_set(cul, "rank", json_object_get(t, "rank"));
    json_object_set(cul, "host", json_object_get(t, "node"));
    key_line(v, t, &d[odd[0]]);
    json_object_set_new(v, "confidence", json_real(0.8));
    snprintf(text, sizeof text, "The stacks dumped before the stop (%s) name the odd one out: rank %lld on %s was at "
             "%s while the other ranks were at %s%s.", sdir, json_integer_value(json_object_get(t, "rank")),
             json_string_value(json_object_get(t, "node")) ?: "?", stack_signature(&d[odd[0]]), major,
             k > 1 ? " (other ranks differ too: see their stacks)" : "");
    explain(v, text);
    return 0;
}

void ctl_stacks_verdict(struct ctl *c, json_t *v)
{
    size_t n = json_array_size(c->tails), found = 0;
    char adir[PATH_MAX], sdir[PATH_MAX + 16];
    if (c->dump_attempt != c->attempt)
        return;
    struct stack_dump *d = calloc(n ? n : 1, sizeof *d);
    if (!d)
        return;
    layout_attempt_dir(adir, sizeof adir, c->run_dir, c->attempt);
    snprintf(sdir, sizeof sdir, "%s/stacks", adir);
    for (size_t i = 0; i < n; i++) {
        const json_t *t = json_array_get(c->tails, i);
        if (stack_parse(json_object_get(t, "tail"), &d[i]) == 0) {
            save_stack(sdir, t, &d[i]);
            found++;
        }
    }
    journal_event(&c->j, "stacks", json_pack("{s:i,s:i,s:i}", "attempt", c->attempt, "ranks", (int)n, "with_stacks",
                                                (int)found));
    if (!found)
        explain(v, "No rank printed a Python stack after SIGABRT (not Python, PYTHONFAULTHANDLER turned off, or "
                   "no rank exited within --hang-dump-timeout): the hang has no culprit.");
    else
        odd_out(c, v, d, n, sdir);
    free(d);
}
