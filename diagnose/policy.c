/* policy: per-type and per-category overrides of the verdict's action,
 * read from a small YAML mapping:
 *   overrides:  {nccl_timeout: restart, syntax_error: stop}
 *   categories: {infrastructure: exclude_node}
 * Keys and values are validated against the taxonomy, with file:line:column
 * errors (libyaml events, aliases rejected, nesting and file capped); a key
 * given twice is an error, not a silent override. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "common/util.h"
#include "diagnose/internal.h"
#include "diagnose/yamlev.h"

#define POLICY_MAX_BYTES (256 * 1024)
#define POLICY_MAX_ENTRIES 256

struct entry {
    char *key, *action;
    int is_category;
    size_t line; /* where the key is, for duplicate errors */
};

struct policy {
    struct entry e[POLICY_MAX_ENTRIES];
    size_t n;
};

struct pl {
    struct yev y;
    int nerr;
    struct policy *p; /* being filled */
};

#define perr(L, m, ...) yev_error(&(L)->y, m, __VA_ARGS__)
#define pnext(L) yev_next(&(L)->y)

static const char *sval(struct pl *L)
{
    return (const char *)L->y.ev.data.scalar.value;
}

/* Reads one "key: action" mapping (current event: its start). */
static int read_map(struct pl *L, struct policy *p, int is_cat)
{
    if (L->y.ev.type != YAML_MAPPING_START_EVENT) {
        perr(L, L->y.ev.start_mark, "%s", is_cat ? "'categories' must be a mapping"
                                               : "'overrides' must be a mapping");
        return -1;
    }
    for (;;) {
        int more = yev_item(&L->y);
        if (more <= 0)
            return more;
        if (L->y.ev.type != YAML_SCALAR_EVENT) {
            perr(L, L->y.ev.start_mark, "%s", "keys must be strings");
            return -1;
        }
        const char *k = sval(L);
        int ok = is_cat ? category_valid(k) && strcmp(k, "noise") && strcmp(k, "progress")
                        : type_known(k);
        if (!ok)
            perr(L, L->y.ev.start_mark, is_cat ? "unknown category '%s'" : "unknown type '%s'", k);
        yaml_mark_t km = L->y.ev.start_mark;
        for (size_t i = 0; ok && i < p->n; i++)
            if (p->e[i].is_category == is_cat && !strcmp(p->e[i].key, k)) {
                perr(L, km, "duplicate key '%s' (first at line %zu)", k, p->e[i].line);
                ok = 0;
            }
        if (ok && p->n == POLICY_MAX_ENTRIES) {
            perr(L, km, "too many entries (at most %d)", POLICY_MAX_ENTRIES);
            ok = 0;
        }
        char *key = strdup(k);
        if (pnext(L) < 0) {
            free(key);
            return -1;
        }
        const char *a = L->y.ev.type == YAML_SCALAR_EVENT ? sval(L) : "";
        if (!action_valid(a) || !strcmp(a, "ignore")) {
            perr(L, L->y.ev.start_mark, "unknown action '%s' (restart, exclude_node, stop)", a);
            ok = 0;
        }
        if (ok && key) {
            p->e[p->n++] = (struct entry){key, strdup(a), is_cat, km.line + 1};
            key = NULL;
        }
        free(key);
        if (L->y.ev.type != YAML_SCALAR_EVENT)
            return -1;
    }
}

/* The document's top-level node (yev_parse's callback). */
static int read_policy(struct yev *y, void *arg)
{
    struct pl *L = arg;
    struct policy *p = L->p;
    (void)y; /* L->y */
    if (L->y.ev.type != YAML_MAPPING_START_EVENT) {
        perr(L, L->y.ev.start_mark, "%s", "a policy must be a mapping");
        return -1;
    }
    size_t seen[2] = {0, 0}; /* line of each top-level key, 0: not yet */
    for (;;) {
        int more = yev_item(&L->y);
        if (more <= 0)
            return more;
        const char *k = L->y.ev.type == YAML_SCALAR_EVENT ? sval(L) : "";
        int which = !strcmp(k, "overrides") ? 0 : !strcmp(k, "categories") ? 1 : -1;
        if (which < 0) {
            perr(L, L->y.ev.start_mark, "unknown key '%s' (overrides, categories)", k);
            return -1;
        }
        if (seen[which]) {
            perr(L, L->y.ev.start_mark, "duplicate key '%s' (first at line %zu)", k, seen[which]);
            return -1;
        }
        seen[which] = L->y.ev.start_mark.line + 1;
        if (pnext(L) < 0 || read_map(L, p, which) < 0)
            return -1;
    }
}

int policy_load(struct policy **out, const char *path, struct buf *err)
{
    size_t len;
    char *text = read_file_capped(path, POLICY_MAX_BYTES, &len);
    struct policy *p = calloc(1, sizeof *p);
    struct pl L = {.nerr = 0, .p = p};
    int rc = -1;
    *out = NULL;
    if (!text) {
        buf_printf(err, "%s:0:0: cannot read: %s\n", path,
                   errno == EFBIG ? "file too large" : file_strerror(errno));
        goto done;
    }
    if (!p)
        goto done;
    rc = yev_parse(&L.y, path, text, len, err, &L.nerr, read_policy, &L) < 0 || L.nerr ? -1 : 0;
done:
    free(text);
    if (rc == 0)
        *out = p;
    else
        policy_free(p);
    return rc;
}

const char *policy_action(const struct policy *p, const json_t *verdict)
{
    const char *type = json_string_value(json_object_get(verdict, "type"));
    const char *cat = json_string_value(json_object_get(verdict, "category"));
    const char *own = json_string_value(json_object_get(verdict, "action"));
    if (!p || (cat && !strcmp(cat, "none")))
        return own;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < p->n; i++) {
            const char *want = pass == 0 ? type : cat;
            if (p->e[i].is_category == pass && want && !strcmp(p->e[i].key, want))
                return p->e[i].action;
        }
    return own;
}

void policy_free(struct policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->e[i].key);
        free(p->e[i].action);
    }
    free(p);
}
