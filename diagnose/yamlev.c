/* yamlev: shared libyaml event helpers (see yamlev.h). */
#include "diagnose/yamlev.h"
#include <stdio.h>

void errors_vadd(struct buf *err, int *n, const char *file, size_t line, size_t col,
                 const char *fmt, va_list ap)
{
    (*n)++;
    if (*n > YEV_ERRORS_MAX)
        return;
    if (*n == YEV_ERRORS_MAX) {
        buf_printf(err, "%s: too many errors, stopping the list here\n", file);
        return;
    }
    buf_printf(err, "%s:%zu:%zu: ", file, line, col);
    buf_vprintf(err, fmt, ap);
    buf_puts(err, "\n");
}

void yev_error(struct yev *y, yaml_mark_t m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    errors_vadd(y->err, y->nerrors, y->file, m.line + 1, m.column + 1, fmt, ap);
    va_end(ap);
}

int yev_open(struct yev *y, const char *file, const char *text, size_t len, struct buf *err,
             int *nerrors)
{
    *y = (struct yev){.file = file, .err = err, .nerrors = nerrors};
    if (!yaml_parser_initialize(&y->p))
        return -1;
    y->init = 1;
    yaml_parser_set_input_string(&y->p, (const unsigned char *)text, len);
    return 0;
}

void yev_close(struct yev *y)
{
    if (y->have)
        yaml_event_delete(&y->ev);
    if (y->init)
        yaml_parser_delete(&y->p);
    y->have = y->init = 0;
}

int yev_next(struct yev *y)
{
    if (y->have)
        yaml_event_delete(&y->ev);
    y->have = 0;
    if (y->failed)
        return -1;
    y->failed = 1;
    if (!yaml_parser_parse(&y->p, &y->ev)) {
        yev_error(y, y->p.problem_mark, "YAML: %s", y->p.problem ? y->p.problem : "parse error");
        return -1;
    }
    y->have = 1;
    y->events++;
    yaml_event_type_t t = y->ev.type;
    if (t == YAML_ALIAS_EVENT) {
        yev_error(y, y->ev.start_mark, "YAML aliases are not supported");
        return -1;
    }
    if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
        if (++y->depth > YEV_DEPTH_MAX) {
            yev_error(y, y->ev.start_mark, "nesting deeper than %d levels", YEV_DEPTH_MAX);
            return -1;
        }
    } else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT)
        y->depth--;
    y->failed = 0;
    return 0;
}

int yev_skip(struct yev *y)
{
    int depth = 0;
    do {
        yaml_event_type_t t = y->ev.type;
        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT)
            depth++;
        else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT)
            depth--;
        if (depth == 0)
            return 0;
    } while (yev_next(y) == 0);
    return -1;
}

int yev_item(struct yev *y)
{
    if (yev_next(y) < 0)
        return -1;
    yaml_event_type_t t = y->ev.type;
    return t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT ? 0 : 1;
}

/* Stream start, document start, then the top-level node: 1 with it
 * current, 0 for an empty stream or document, -1 on an error. */
static int doc_begin(struct yev *y)
{
    if (yev_next(y) < 0 || yev_next(y) < 0)
        return -1;
    if (y->ev.type == YAML_STREAM_END_EVENT)
        return 0;
    if (yev_next(y) < 0)
        return -1;
    if (y->ev.type == YAML_SCALAR_EVENT && !y->ev.data.scalar.length)
        return 0;
    return 1;
}

int yev_parse(struct yev *y, const char *file, const char *text, size_t len, struct buf *err,
              int *nerrors, yev_top_fn top, void *arg)
{
    int rc = -1;
    if (yev_open(y, file, text, len, err, nerrors) == 0) {
        rc = doc_begin(y);
        if (rc > 0)
            rc = top(y, arg);
    }
    yev_close(y);
    return rc;
}
