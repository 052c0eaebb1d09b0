/* run_evidence: the evidence of a run directory's last attempt when the
 * nodes' logs are not on this host. Without a shared filesystem
 * (`endure run --no-shared-fs`, or a node that did not see the run
 * directory) each node keeps attempt-<N>/<node>/ locally, and the
 * controller keeps in attempt-<N>/failure.json every match event of the
 * attempt ("events", as the agents classified the whole logs) and the last
 * lines of every failed rank ("tails": [{"node","rank","file","tail"}]).
 * `endure diagnose RUN_DIR` on the controller's host then takes, for each
 * rank whose log is missing here, its kept events, and classifies its
 * kept tail with the rules of this diagnosis when it has no event; the
 * verdict is picked by the same code as for logs. failure.json is
 * untrusted: bounded read (failure_json_load), bounded counts, every
 * event rebuilt from fields of the right type with a known category and
 * type, node names never used as paths unless they are plain names. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "common/text.h"
#include "common/layout.h"
#include "diagnose/internal.h"
#include "diagnose/offline.h"

#define KEPT_TAILS_MAX 1024        /* tails looked at (the controller keeps 256) */
#define KEPT_EVENTS_MAX (2 * OFFLINE_MAX_EVENTS)
#define KEPT_EVIDENCE_MAX 64       /* evidence lines kept per event */
#define NODE_NAME_MAX 255

struct kept {
    struct offline *o;
    const char *adir;
    json_t *missing;    /* "node\nrank" -> true (log not here) / false (here) */
    json_t *with_events; /* "node\nrank" of missing ranks that brought events */
};

/* A plain file name (no '/', not "." or ".."): usable under adir. */
static int plain_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= NODE_NAME_MAX && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

static void rank_key(char *key, size_t n, const char *node, json_int_t rank)
{
    snprintf(key, n, "%.*s\n%lld", NODE_NAME_MAX, node ? node : "", (long long)rank);
}

/* 1 when the log of node/rank is not a regular file here (or cannot be
 * named safely), cached per rank. */
static int log_missing(struct kept *k, const char *node, json_int_t rank, const char *key)
{
    json_t *c = json_object_get(k->missing, key);
    if (c)
        return json_is_true(c);
    char dir[PATH_MAX], path[PATH_MAX];
    struct stat st;
    int missing = 1;
    if (plain_name(node) && rank >= 0 && rank <= INT_MAX &&
        snprintf(dir, sizeof dir, "%s/%s", k->adir, node) < (int)sizeof dir &&
        layout_rank_log(path, sizeof path, dir, (int)rank) == 0)
        missing = !(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
    json_object_set_new(k->missing, key, json_boolean(missing));
    return missing;
}

/* A string field, sanitised and capped; NULL when not a string. */
static json_t *str_field(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? json_text(s, json_string_length(json_object_get(o, key))) : NULL;
}

static void copy_str(json_t *dst, const json_t *src, const char *key)
{
    json_t *s = str_field(src, key);
    json_object_set_new(dst, key, s ? s : json_null());
}

static void copy_typed(json_t *dst, const json_t *src, const char *key, int number)
{
    json_t *x = json_object_get(src, key);
    int ok = number ? json_is_number(x) : json_is_integer(x);
    json_object_set_new(dst, key, ok ? json_copy(x) : json_null());
}

/* The capture groups the verdict reads (culprit host, rank, gpu ...). */
static json_t *clean_groups(const json_t *g)
{
    json_t *out = json_object();
    for (int i = 0; i < NGROUPS; i++) {
        json_t *x = json_object_get(g, group_names[i]);
        if (json_is_string(x))
            json_object_set_new(out, group_names[i], str_field(g, group_names[i]));
        else if (json_is_integer(x))
            json_object_set_new(out, group_names[i], json_copy(x));
    }
    return out;
}

static json_t *clean_evidence(const json_t *ev)
{
    json_t *out = json_array(), *l;
    size_t i;
    json_array_foreach(ev, i, l)
    {
        if (i >= KEPT_EVIDENCE_MAX)
            break;
        if (json_is_string(l))
            json_array_append_new(out, json_text(json_string_value(l), json_string_length(l)));
    }
    return out;
}

/* A copy of an agent's event with only the fields the verdict and the
 * printers read, of the right types; NULL when its role, category or type
 * is not one of the taxonomy's. */
static json_t *clean_event(const json_t *e)
{
    const char *cat = json_string_value(json_object_get(e, "category"));
    const char *type = json_string_value(json_object_get(e, "failure_type"));
    const char *role = json_string_value(json_object_get(e, "role"));
    const char *action = json_string_value(json_object_get(e, "action"));
    if (!cat || !type || !role || !category_valid(cat) || !type_in_category(cat, type) || role_parse(role) < 0 ||
        (action && !action_valid(action)))
        return NULL;
    json_t *c = json_object();
    static const char *const strs[] = {"rule", "category", "failure_type", "role", "action",
                                       "node", "file", "text", "explain"};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        copy_str(c, e, strs[i]);
    static const char *const ints[] = {"priority", "rank", "line", "seq"};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
        copy_typed(c, e, ints[i], 0);
    copy_typed(c, e, "ts", 1);
    copy_typed(c, e, "arrival", 1);
    static const char *const flags[] = {"teardown", "vague"};
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        if (json_is_true(json_object_get(e, flags[i])))
            json_object_set_new(c, flags[i], json_true());
    json_object_set_new(c, "groups", clean_groups(json_object_get(e, "groups")));
    json_object_set_new(c, "evidence", clean_evidence(json_object_get(e, "evidence")));
    return c;
}

static void keep_events(struct kept *k, const json_t *events)
{
    size_t i;
    json_t *e;
    char key[NODE_NAME_MAX + 32];
    json_array_foreach(events, i, e)
    {
        if (i >= KEPT_EVENTS_MAX)
            break;
        const char *node = json_string_value(json_object_get(e, "node"));
        json_t *rank = json_object_get(e, "rank");
        rank_key(key, sizeof key, node, json_is_integer(rank) ? json_integer_value(rank) : -1);
        if (!log_missing(k, node, json_is_integer(rank) ? json_integer_value(rank) : -1, key))
            continue;
        json_t *c = clean_event(e);
        if (!c)
            continue;
        offline_keep_event(k->o, c);
        json_decref(c);
        json_object_set_new(k->with_events, key, json_true());
    }
}

/* Classifies the kept tail of every failed rank that is missing here and
 * brought no event. */
static void read_tails(struct kept *k, const json_t *tails)
{
    size_t i;
    json_t *t;
    char key[NODE_NAME_MAX + 32], display[PATH_MAX];
    json_array_foreach(tails, i, t)
    {
        if (i >= KEPT_TAILS_MAX)
            break;
        const char *node = json_string_value(json_object_get(t, "node"));
        const char *file = json_string_value(json_object_get(t, "file"));
        json_t *rank = json_object_get(t, "rank"), *lines = json_object_get(t, "tail");
        json_int_t r = json_is_integer(rank) ? json_integer_value(rank) : -1;
        rank_key(key, sizeof key, node, r);
        if (!json_is_array(lines) || !log_missing(k, node, r, key) || json_object_get(k->with_events, key))
            continue;
        snprintf(display, sizeof display, "%.1024s (last lines, kept in failure.json)",
                 file ? file : node ? node : "?");
        offline_read_lines(k->o, display, plain_name(node) ? node : NULL, r >= 0 && r <= INT_MAX ? (long)r : -1,
                           lines);
        json_object_set_new(k->with_events, key, json_true());
    }
}

size_t offline_kept_evidence(struct offline *o, const char *dir, char *src, size_t srclen)
{
    char adir[PATH_MAX];
    size_t n = 0;
    if (run_dir_last_attempt(dir, adir, sizeof adir, src, srclen) < 0)
        return 0;
    json_t *f = failure_json_load(adir);
    json_t *events = json_object_get(f, "events"), *tails = json_object_get(f, "tails");
    if (json_is_array(events) || json_is_array(tails)) {
        struct kept k = {o, adir, json_object(), json_object()};
        keep_events(&k, events);
        read_tails(&k, tails);
        n = json_object_size(k.with_events);
        json_decref(k.missing);
        json_decref(k.with_events);
    }
    json_decref(f);
    o->kept += n;
    return n;
}
