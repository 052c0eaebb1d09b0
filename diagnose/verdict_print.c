/* verdict_print: the human text of a verdict, in the two forms endure
 * prints (see diagnose.h): the full block of `endure diagnose` and the
 * controller's short diagnosis. It formats into a buffer and hands each
 * piece to the caller's sink, so that each caller keeps its own output path
 * (stdout, or the controller's non-blocking log); text that comes from logs
 * is escaped for a terminal when asked (text_fputs_escaped). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/text.h"
#include "diagnose/diagnose.h"

#define PIECE_MAX (4u << 20)
#define BRIEF_EVIDENCE 8 /* evidence lines in the short form */

struct vp {
    const struct verdict_print_opts *o;
    struct buf b; /* the piece being built */
};

/* Appends s, escaped for a terminal when the options say so. */
static void text(struct vp *p, const char *s, int keep_newline)
{
    if (!p->o->escape) {
        buf_puts(&p->b, s);
        return;
    }
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (f) {
        text_fputs_escaped(s, f, keep_newline);
        fclose(f);
    }
    if (out)
        buf_append(&p->b, out, len);
    free(out);
}

/* Hands the piece built so far to the sink. */
static void flush(struct vp *p)
{
    if (p->b.len)
        p->o->write(p->o->arg, p->b.p);
    buf_reset(&p->b);
}

/* The field's string, or dflt when it is missing or not a string. */
static const char *str(const json_t *o, const char *k, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : dflt;
}

static const char *const culprit_keys[] = {"host", "rank", "gpu"};

static void full_culprit(struct vp *p, const json_t *c)
{
    int any = 0;
    buf_puts(&p->b, "culprit:     ");
    for (int i = 0; i < 3; i++) {
        json_t *x = json_object_get(c, culprit_keys[i]);
        if (!x || json_is_null(x))
            continue;
        buf_printf(&p->b, "%s%s ", any++ ? ", " : "", culprit_keys[i]);
        if (json_is_integer(x))
            buf_printf(&p->b, "%lld", (long long)json_integer_value(x));
        else
            text(p, json_string_value(x), 0);
    }
    buf_printf(&p->b, "%s\n", any ? "" : "none identified");
    flush(p);
}

/* `endure diagnose`: one labelled line per field, the key line, the
 * evidence and the explanation. */
static void full(struct vp *p, const json_t *v)
{
    const json_t *key = json_object_get(v, "key_line");
    buf_puts(&p->b, "category:    ");
    text(p, str(v, "category", "-"), 0);
    buf_puts(&p->b, "\ntype:        ");
    text(p, str(v, "type", "-"), 0);
    buf_puts(&p->b, "\n");
    flush(p);
    full_culprit(p, json_object_get(v, "culprit"));
    buf_puts(&p->b, "action:      ");
    text(p, str(v, "action", "-"), 0);
    buf_puts(&p->b, "\nrule:        ");
    text(p, str(v, "rule", "-"), 0);
    buf_printf(&p->b, " (confidence %.2f)\n", json_number_value(json_object_get(v, "confidence")));
    flush(p);
    if (json_is_object(key)) {
        json_t *line = json_object_get(key, "line");
        buf_puts(&p->b, "key line:    ");
        text(p, str(key, "file", "-"), 0);
        if (json_is_integer(line))
            buf_printf(&p->b, ":%lld", (long long)json_integer_value(line));
        buf_puts(&p->b, "\n    > ");
        text(p, str(key, "text", "-"), 0);
        buf_puts(&p->b, "\n");
        flush(p);
    }
    size_t i;
    json_t *e;
    if (json_array_size(json_object_get(v, "evidence")))
        buf_puts(&p->b, "evidence:\n");
    json_array_foreach(json_object_get(v, "evidence"), i, e) {
        buf_puts(&p->b, "    ");
        text(p, json_string_value(e) ? json_string_value(e) : "", 0);
        buf_puts(&p->b, "\n");
        flush(p);
    }
    buf_puts(&p->b, "explanation:\n    ");
    text(p, str(v, "explanation", "-"), 1);
    buf_puts(&p->b, "\n");
    flush(p);
}

/* The controller's form: one headline, then the explanation, the key line
 * and at most BRIEF_EVIDENCE evidence lines, each piece one line. */
static void brief(struct vp *p, const json_t *v)
{
    const json_t *cul = json_object_get(v, "culprit"), *key = json_object_get(v, "key_line");
    char where[256] = "";
    for (int i = 0; i < 3; i++) {
        json_t *x = json_object_get(cul, culprit_keys[i]);
        if (!x || json_is_null(x))
            continue;
        size_t l = strlen(where);
        if (json_is_string(x))
            snprintf(where + l, sizeof where - l, " %s %s", culprit_keys[i], json_string_value(x));
        else
            snprintf(where + l, sizeof where - l, " %s %lld", culprit_keys[i], (long long)json_integer_value(x));
    }
    buf_printf(&p->b, "endure: attempt %d diagnosis: %s/%s%s", p->o->attempt, str(v, "category", ""),
               str(v, "type", ""), where[0] ? ", culprit" : "");
    text(p, where, 0);
    buf_printf(&p->b, ", action %s (rule %s, confidence %.2f)\n", p->o->action ? p->o->action : "",
               json_is_string(json_object_get(v, "rule")) ? str(v, "rule", "") : "none",
               json_number_value(json_object_get(v, "confidence")));
    flush(p);
    buf_puts(&p->b, "  why: ");
    size_t before = p->b.len;
    text(p, str(v, "explanation", ""), 0);
    if (p->b.len > before) {
        buf_puts(&p->b, "\n");
        flush(p);
    }
    buf_reset(&p->b);
    if (json_is_object(key)) {
        buf_puts(&p->b, "  key line: ");
        text(p, str(key, "file", ""), 0);
        buf_printf(&p->b, ":%lld: ", (long long)json_integer_value(json_object_get(key, "line")));
        text(p, str(key, "text", ""), 0);
        buf_puts(&p->b, "\n");
        flush(p);
    }
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(v, "evidence"), i, e) {
        if (i == 0) {
            buf_puts(&p->b, "  evidence:\n");
            flush(p);
        }
        if (i == BRIEF_EVIDENCE) {
            buf_printf(&p->b, "    ... (%zu lines in failure.json)\n", json_array_size(json_object_get(v, "evidence")));
            flush(p);
            break;
        }
        buf_puts(&p->b, "    ");
        text(p, json_string_value(e) ? json_string_value(e) : "", 0);
        buf_puts(&p->b, "\n");
        flush(p);
    }
}

void verdict_print(const json_t *v, const struct verdict_print_opts *o)
{
    struct vp p = {.o = o};
    buf_init(&p.b, PIECE_MAX);
    if (o->style == VERDICT_PRINT_BRIEF)
        brief(&p, v);
    else
        full(&p, v);
    buf_free(&p.b);
}
