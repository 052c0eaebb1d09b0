/* llm_reply: what the LLM answered, parsed and checked (see llm.h). The
 * reply is untrusted: the object is found in the whole text, a ```json
 * fence or after leading prose (nothing else), every field is checked
 * against the taxonomy, the key line must occur verbatim in the logs and
 * the culprit must be a host and rank of this run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common/text.h"
#include "diagnose/internal.h"
#include "diagnose/llm.h"
#include "diagnose/prefix.h"

#define KEY_MIN 8          /* a shorter key line says nothing */
#define EXPLAIN_MAX 4096
#define PROSE_TRIES 64     /* '{' positions tried after leading prose */

static int only_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(" \t\r\n", s[i]))
            return 0;
    return 1;
}

/* An object that fills s[0..n) but for surrounding blanks, or NULL. */
static json_t *whole(const char *s, size_t n)
{
    json_error_t e;
    json_t *v = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &e);
    size_t used = v ? (size_t)e.position : 0;
    if (v && json_is_object(v) && only_space(s + used, n - used))
        return v;
    json_decref(v);
    return NULL;
}

json_t *llm_reply_parse(const char *content, struct buf *why)
{
    size_t n = strlen(content);
    json_t *v = whole(content, n);
    if (v)
        return v;
    const char *f = strstr(content, "```");
    if (f) {
        const char *body = strchr(f, '\n');
        const char *end = body ? strstr(body, "```") : NULL;
        if (body && end && (v = whole(body, (size_t)(end - body))) && only_space(end + 3, strlen(end + 3)))
            return v;
        json_decref(v);
        buf_puts(why, "the fenced block is not one JSON object (or text follows it)");
        return NULL;
    }
    const char *p = content;
    for (int tries = 0; tries < PROSE_TRIES && (p = strchr(p, '{')); tries++, p++)
        if ((v = whole(p, n - (size_t)(p - content))))
            return v;
    buf_puts(why, "no JSON object in the reply (not JSON, not in a ```json fence, not after prose)");
    return NULL;
}

/* s without leading and trailing blanks, into out (malloc'd). */
static char *trimmed(const char *s)
{
    while (*s && strchr(" \t\r\n", *s))
        s++;
    size_t n = strlen(s);
    while (n && strchr(" \t\r\n", s[n - 1]))
        n--;
    return strndup(s, n);
}

int llm_facts_from(const json_t *reply, struct llm_facts *f, struct buf *why)
{
    const json_t *cul = json_object_get(reply, "culprit");
    memset(f, 0, sizeof *f);
    f->rank = -1;
    f->key_line = json_string_value(json_object_get(reply, "key_line"));
    if (!f->key_line) {
        buf_puts(why, "no key_line string");
        return -1;
    }
    f->host = json_string_value(json_object_get(cul, "host"));
    if (json_is_integer(json_object_get(cul, "rank")))
        f->rank = (long)json_integer_value(json_object_get(cul, "rank"));
    return 0;
}

struct scan {
    struct llm_facts *f;
    const struct input *in;
    char *key;
    size_t keylen;
    json_t *ranks, *hosts;
};

static void note(json_t *set, const char *k)
{
    if (k && *k && json_object_size(set) < 4096)
        json_object_set_new(set, k, json_true());
}

static void on_line(void *ctx, const char *line, size_t len, long lineno, unsigned flags)
{
    struct scan *s = ctx;
    struct llm_facts *f = s->f;
    struct prefix_info p;
    char r[32];
    (void)flags;
    prefix_parse(line, len, &p);
    long rank = p.rank >= 0 ? p.rank : s->in->rank;
    if (rank >= 0) {
        snprintf(r, sizeof r, "%ld", rank);
        note(s->ranks, r);
    }
    note(s->hosts, p.host);
    note(s->hosts, p.node);
    if (!f->key_found && s->keylen >= KEY_MIN && memmem(line, len, s->key, s->keylen)) {
        f->key_found = 1;
        f->key_lineno = lineno;
        snprintf(f->key_file, sizeof f->key_file, "%s", s->in->display);
    }
    if (f->host && !f->host_found && memmem(line, len, f->host, strlen(f->host)))
        f->host_found = 1;
}

int llm_scan_inputs(const struct input_list *in, size_t max_bytes, struct llm_facts *f)
{
    struct scan s = {.f = f, .key = trimmed(f->key_line ? f->key_line : ""), .ranks = json_object(),
                     .hosts = json_object()};
    struct buf err;
    int rc = 0;
    buf_init(&err, 4096);
    s.keylen = s.key ? strlen(s.key) : 0;
    for (size_t i = 0; s.key && i < in->n; i++) {
        char r[32];
        size_t bytes;
        s.in = &in->v[i];
        note(s.hosts, in->v[i].node);
        if (in->v[i].rank >= 0) {
            snprintf(r, sizeof r, "%ld", in->v[i].rank);
            note(s.ranks, r);
        }
        rc |= input_read(&in->v[i], on_line, &s, &err, max_bytes, &bytes);
    }
    char r[32];
    snprintf(r, sizeof r, "%ld", f->rank);
    f->nranks = json_object_size(s.ranks);
    f->nhosts = json_object_size(s.hosts);
    f->rank_found = f->rank >= 0 && (json_object_get(s.ranks, r) || (!f->nranks && f->rank == 0));
    f->host_found |= f->host && json_object_get(s.hosts, f->host);
    free(s.key);
    json_decref(s.ranks);
    json_decref(s.hosts);
    buf_free(&err);
    return rc ? -1 : 0;
}

/* category and type of the taxonomy (not noise or progress), the type of
 * that category. */
static int check_taxonomy(const char *cat, const char *type, const char *action, struct buf *why)
{
    if (!cat || !category_valid(cat) || !strcmp(cat, "noise") || !strcmp(cat, "progress"))
        return buf_printf(why, "unknown category '%s'", cat ? cat : "(none)"), -1;
    if (!type || !type_known(type) || !strcmp(type, "success") || !strcmp(type, "noise") ||
        !strcmp(type, "progress"))
        return buf_printf(why, "unknown type '%s'", type ? type : "(none)"), -1;
    if (!type_in_category(cat, type))
        return buf_printf(why, "type '%s' is not of category '%s'", type, cat), -1;
    if (!action || !action_valid(action) || !strcmp(action, "ignore"))
        return buf_printf(why, "unknown action '%s' (restart, exclude_node, stop)", action ? action : "(none)"), -1;
    return 0;
}

static int check_culprit(const json_t *cul, const struct llm_facts *f, struct buf *why)
{
    const json_t *h = json_object_get(cul, "host"), *r = json_object_get(cul, "rank"),
                 *g = json_object_get(cul, "gpu");
    if (cul && !json_is_null(cul) && !json_is_object(cul))
        return buf_puts(why, "culprit is not an object"), -1;
    if (h && !json_is_null(h) && (!json_is_string(h) || !f->host_found))
        return buf_printf(why, "culprit host '%s' is not a host of this run", json_string_value(h) ?: "?"), -1;
    if (r && !json_is_null(r) && (!json_is_integer(r) || !f->rank_found))
        return buf_printf(why, "culprit rank %lld is not a rank of this run", (long long)json_integer_value(r)), -1;
    if (g && !json_is_null(g) && !json_is_integer(g) && !json_is_string(g))
        return buf_puts(why, "culprit gpu is neither a number nor a string"), -1;
    return 0;
}

json_t *llm_validate(const json_t *reply, const struct llm_facts *f, struct buf *why)
{
    const char *cat = json_string_value(json_object_get(reply, "category"));
    const char *type = json_string_value(json_object_get(reply, "type"));
    const char *action = json_string_value(json_object_get(reply, "action"));
    const char *ex = json_string_value(json_object_get(reply, "explanation"));
    const json_t *conf = json_object_get(reply, "confidence"), *cul = json_object_get(reply, "culprit");
    const json_t *rule = json_object_get(reply, "rule");
    if (check_taxonomy(cat, type, action, why) < 0)
        return NULL;
    double c = json_number_value(conf);
    if (!json_is_number(conf) || !isfinite(c) || c < 0 || c > 1)
        return buf_puts(why, "confidence missing or outside [0,1]"), NULL;
    if (!f->key_found)
        return buf_puts(why, "key_line does not occur verbatim in the logs"), NULL;
    if (check_culprit(cul, f, why) < 0)
        return NULL;
    if (!ex)
        return buf_puts(why, "no explanation"), NULL;
    if (rule && !json_is_null(rule) && !json_is_object(rule))
        return buf_puts(why, "rule is not an object"), NULL;
    char *key = trimmed(f->key_line);
    int stop_low = !strcmp(action, "stop") && c < 0.8;
    json_t *v = json_pack("{s:s,s:s,s:{s:O?,s:O?,s:O?},s:s,s:n,s:f,s:{s:s,s:I,s:o},s:[],s:o,s:s}",
                          "category", cat, "type", type, "culprit", "host", json_object_get(cul, "host"),
                          "rank", json_object_get(cul, "rank"), "gpu", json_object_get(cul, "gpu"), "action",
                          stop_low ? "restart" : action, "rule", "confidence", c, "key_line", "file", f->key_file,
                          "line", (json_int_t)f->key_lineno, "text", json_text(key ? key : "", key ? strlen(key) : 0),
                          "evidence", "explanation", json_text(ex, strlen(ex) > EXPLAIN_MAX ? EXPLAIN_MAX : strlen(ex)),
                          "source", "llm");
    if (v && stop_low)
        json_object_set_new(v, "action_asked", json_string("stop"));
    free(key);
    return v;
}
