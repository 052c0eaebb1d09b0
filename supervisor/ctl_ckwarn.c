/* ctl_ckwarn: the controller's warning that checkpoints are saved but never
 * complete. The agents report each saved TAG (a node part "staged", or a
 * TAG only some ranks committed, "incomplete"); when --ckpt-warn-saves such
 * saves or --ckpt-warn-after time pass with no TAG becoming complete, the
 * run is not protected (a restart would lose all the work since the last
 * complete TAG, or all of it), so endure says so on the console, in the
 * journal (ckpt_not_completing) and in the summary. A complete TAG resets it.
 * The usual cause is a trainer that saves on rank 0 only without
 * scope="replicated"; another is persisting slower than saving. */
#include <stdio.h>
#include <string.h>
#include "common/log.h"
#include "common/util.h"
#include "supervisor/ctl_int.h"

#define MAX_SAVES 256 /* saves remembered (the count stops there) */

/* Ranks named missing, as a "0, 1, 2" list (or "" when none). */
static void missing_list(const struct ckwarn *w, char *out, size_t outlen)
{
    const char *key;
    json_t *v;
    size_t n = 0;
    out[0] = '\0';
    json_object_foreach(w->missing, key, v) {
        int k = snprintf(out + n, outlen - n, "%s%s", n ? ", " : "", key);
        if (k < 0 || (size_t)k >= outlen - n)
            break;
        n += (size_t)k;
    }
}

static void warn_now(struct ctl *c, const char *trigger)
{
    struct ckwarn *w = &c->ckwarn;
    char missing[256];
    missing_list(w, missing, sizeof missing);
    double since = (double)(now_ms() - w->since) / 1000.0;
    int n = (int)json_object_size(w->saves);
    w->warned = 1;
    w->warnings++;
    log_warn("checkpoints are NOT completing: %d save%s in %.0fs, none complete (%s): a restart now resumes from %s%s%s%s",
             n, n == 1 ? "" : "s", since, trigger, w->newest[0] ? w->newest : "the very beginning",
             missing[0] ? ". Ranks that never saved these TAGs: " : "", missing,
             missing[0] ? ". Saving on some ranks only? Use endure_ckpt.save(step, scope=\"replicated\") "
                          "on the rank that saves (docs/checkpoints.md)"
                        : ". See ckpt_dropped and ckpt_persist_failed in the journal");
    json_t *tags = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(w->saves, key, v) json_array_append_new(tags, json_string(strchr(key, '/') + 1));
    json_t *ranks = json_array();
    json_object_foreach(w->missing, key, v) json_array_append(ranks, v);
    journal_event(&c->j, "ckpt_not_completing",
                  json_pack("{s:i,s:f,s:s,s:o,s:o,s:s?}", "saves", n, "seconds", since, "trigger", trigger,
                            "tags", tags, "missing_ranks", ranks, "resume_from", w->newest[0] ? w->newest : NULL));
}

void ctl_ckwarn_event(struct ctl *c, const char *what, const json_t *ev)
{
    struct ckwarn *w = &c->ckwarn;
    const char *tag = json_string_value(json_object_get(ev, "tag"));
    if ((strcmp(what, "staged") && strcmp(what, "incomplete")) || !tag || !*tag)
        return;
    if (!w->saves && !(w->saves = json_object()))
        return;
    if (!w->missing && !(w->missing = json_object()))
        return;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(ev, "missing"), i, r) {
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(r));
        if (json_object_size(w->missing) < MAX_SAVES)
            json_object_set(w->missing, key, r);
    }
    char key[300];
    snprintf(key, sizeof key, "%d/%s", c->attempt, tag);
    if (json_object_get(w->saves, key) || json_object_size(w->saves) >= MAX_SAVES)
        return;
    json_object_set(w->saves, key, json_object_get(ev, "step"));
    if (!w->since)
        w->since = now_ms();
    if (!w->warned && (int)json_object_size(w->saves) >= c->cfg->ckpt_warn_saves) {
        char trigger[64];
        snprintf(trigger, sizeof trigger, "--ckpt-warn-saves %d", c->cfg->ckpt_warn_saves);
        warn_now(c, trigger);
    }
}

void ctl_ckwarn_complete(struct ctl *c, const char *tag)
{
    struct ckwarn *w = &c->ckwarn;
    json_object_clear(w->saves);
    json_object_clear(w->missing);
    w->since = 0;
    w->warned = 0;
    w->completed++;
    snprintf(w->newest, sizeof w->newest, "%s", tag);
}

int64_t ctl_ckwarn_deadline(struct ctl *c)
{
    const struct ckwarn *w = &c->ckwarn;
    return w->since && !w->warned ? w->since + c->cfg->ckpt_warn_after_ms : -1;
}

void ctl_ckwarn_timers(struct ctl *c)
{
    int64_t d = ctl_ckwarn_deadline(c);
    if (d >= 0 && now_ms() >= d)
        warn_now(c, "--ckpt-warn-after");
}

void ctl_ckwarn_restart(struct ctl *c)
{
    const struct ckwarn *w = &c->ckwarn;
    int n = (int)json_object_size(w->saves);
    if (c->attempt < 0 || !n)
        return;
    log_warn("restarting from %s: the %d checkpoint save%s since then never completed",
             w->newest[0] ? w->newest : "the very beginning (step 0)", n, n == 1 ? "" : "s");
}

void ctl_ckwarn_summary(struct ctl *c)
{
    const struct ckwarn *w = &c->ckwarn;
    if (!c->cfg->ckpt_dir)
        return;
    int n = (int)json_object_size(w->saves);
    fprintf(stderr, "  checkpoints: %d completed%s%s%s\n", w->completed, w->newest[0] ? " (newest " : "", w->newest,
            w->newest[0] ? ")" : "");
    if (w->warnings)
        fprintf(stderr, "  WARNING: checkpoints were saved but did not complete (%d warning%s, see "
                        "ckpt_not_completing in the journal); at the end %d save%s had not completed\n",
                w->warnings, w->warnings == 1 ? "" : "s", n, n == 1 ? "" : "s");
}

void ctl_ckwarn_free(struct ctl *c)
{
    json_decref(c->ckwarn.saves);
    json_decref(c->ckwarn.missing);
    c->ckwarn.saves = c->ckwarn.missing = NULL;
}
