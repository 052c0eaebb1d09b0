/* watcher_replaced: saves that vanished before the agent saw them. The
 * trainer never waits for a persist, so a rank may rewrite a slot whose
 * commit the agent has not read yet (the other slot being persisted, or a
 * slow scan). Such a rank appends the commit it overwrote to
 * <stage>/rank-<R>/replaced.json ({"replaced": [commit, ...]}); at each
 * scan the agent takes that note (renames it to its own name, reads and
 * removes it) and reports every listed commit made since it opened, that
 * it never queued and that is not durable, as `dropped` ("superseded"; one
 * event per TAG and scan, naming its ranks), so that each save the trainer
 * made is accounted for in the journal. The note is written by the rank:
 * bounded and checked like a commit record. */
#include "checkpoint/watcher_int.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "common/layout.h"
#include "common/util.h"

#define NOTE_MAX (64u << 10) /* a note lists a few dozen commits at most */
#define NOTE_ENTRIES 64

/* 1 if ids ({"rank": id}) names this commit, or names any commit of the
 * TAG when the commit was replicated (only the lowest such rank's is kept). */
static int ids_hold(const json_t *ids, const char *key, const char *id, int replicated)
{
    const char *have = json_string_value(json_object_get(ids, key));
    return replicated ? json_is_object(ids) : have && !strcmp(have, id);
}

/* 1 if the agent queued this commit of tag (the persist job then reports a
 * later overwrite itself) or this node's durable part of tag holds it. */
static int known_commit(struct ckpt_agent *a, const char *tag, int rank, const char *id, int replicated)
{
    char key[32];
    snprintf(key, sizeof key, "%d", rank);
    struct ckpt_tagst *t = ckpt_agent_find_tag(a, tag);
    if (t && ids_hold(t->ids, key, id, replicated))
        return 1;
    json_t *durable = ckpt_agent_durable_commits(a, tag);
    int held = durable && ids_hold(durable, key, id, replicated);
    json_decref(durable);
    return held;
}

/* Adds one entry of rank's note to lost ({"tag": event}, one event per
 * TAG with every rank that lost it in this scan) when it is valid, new and
 * unseen. */
static void take_entry(struct ckpt_agent *a, int rank, const json_t *e, json_t *lost)
{
    if (ckpt_commit_ident_ok(e, rank, NULL) < 0)
        return; /* not a commit this rank could have made */
    const char *tag = json_string_value(json_object_get(e, "tag"));
    const char *id = json_string_value(json_object_get(e, "id"));
    int replicated = ckpt_commit_replicated(e);
    if (json_number_value(json_object_get(e, "time")) < a->opened_at)
        return; /* made before this agent opened: an earlier agent could see it, and retention may have removed it */
    if (ckpt_ring_seen(a->noted, CKPT_NOTED, &a->nnoted, id) || known_commit(a, tag, rank, id, replicated))
        return;
    json_t *ev = json_object_get(lost, tag);
    if (!ev) {
        ev = ckpt_event("dropped", tag, ckpt_json_step(e), a->node);
        json_object_set_new(ev, "ranks", json_array());
        json_object_set_new(ev, "reason", json_string("superseded: the rank saved again before endure saw this save"));
        json_object_set_new(lost, tag, ev);
    }
    json_array_append_new(json_object_get(ev, "ranks"), json_integer(rank));
}

void ckpt_agent_take_replaced(struct ckpt_agent *a)
{
    json_t *lost = json_object();
    for (int i = 0; lost && i < a->nranks; i++) {
        char note[PATH_MAX], taken[PATH_MAX];
        if (ckpt_stage_path(note, sizeof note, a->stage, a->ranks[i], LAYOUT_REPLACED) < 0 ||
            ckpt_stage_path(taken, sizeof taken, a->stage, a->ranks[i], LAYOUT_REPLACED_TAKEN) < 0 ||
            rename(note, taken) < 0)
            continue; /* no note: nothing was overwritten since the last scan */
        json_t *note_obj = ckpt_read_json(taken, NOTE_MAX, NULL); /* {"replaced": [commit, ...]} */
        unlink(taken);
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(note_obj, "replaced"), j, e) {
            if (j == NOTE_ENTRIES)
                break;
            take_entry(a, a->ranks[i], e, lost);
        }
        json_decref(note_obj);
    }
    const char *tag;
    json_t *ev;
    json_object_foreach(lost, tag, ev) ckpt_agent_emit(a, json_incref(ev));
    json_decref(lost);
}
