/* llm_store: review of the learned rules file (`endure rules learned`).
 * The file is the one llm_learn.c appends to: a rule list whose entries
 * start with "- id: ID" at column 0 and carry "  status: candidate" until
 * accepted. accept rewrites that line to "  status: accepted", reject
 * removes the entry; the result must still load as rules, and is written
 * durably (temp file and rename) under the file's lock. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "common/util.h"
#include "diagnose/llm.h"
#include "diagnose/rules_load.h"

#define LEARNED_MAX (4u << 20)

/* The entry of id in text: [*start, *end). 0, or -1 when absent. */
static int find_entry(const char *text, const char *id, size_t *start, size_t *end)
{
    size_t idl = strlen(id);
    const char *p = text;
    while (p && *p) {
        if (!strncmp(p, "- id: ", 6) && !strncmp(p + 6, id, idl) && (p[6 + idl] == '\n' || !p[6 + idl])) {
            const char *q = strchr(p, '\n');
            while (q && q[1] && q[1] != '-')
                q = strchr(q + 1, '\n');
            *start = (size_t)(p - text);
            *end = q ? (size_t)(q - text) + 1 : strlen(text);
            return 0;
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return -1;
}

char *learned_show(const char *path, const char *id)
{
    size_t len, s, e;
    char *text = read_regular_capped(path, LEARNED_MAX, &len, O_NOFOLLOW), *out = NULL;
    if (text && find_entry(text, id, &s, &e) == 0)
        out = strndup(text + s, e - s);
    free(text);
    return out;
}

/* The edited text (malloc'd) or NULL with err. */
static char *edit(const char *text, const char *id, int accept, struct buf *err)
{
    size_t s, e;
    struct buf out;
    if (find_entry(text, id, &s, &e) < 0) {
        buf_printf(err, "no learned rule '%s'\n", id);
        return NULL;
    }
    buf_init(&out, LEARNED_MAX);
    buf_append(&out, text, s);
    if (accept) {
        const char *st = strstr(text + s, "\n  status: candidate\n");
        if (!st || (size_t)(st - text) >= e) {
            buf_printf(err, "learned rule '%s' is not a candidate\n", id);
            buf_free(&out);
            return NULL;
        }
        buf_append(&out, text + s, (size_t)(st - text) - s);
        buf_puts(&out, "\n  status: accepted\n");
        buf_append(&out, st + 21, e - ((size_t)(st - text) + 21));
    }
    buf_puts(&out, text + e);
    return out.p ? buf_steal(&out) : strdup("");
}

int learned_set(const char *path, const char *id, int accept, struct buf *err)
{
    int fd = open_regular(AT_FDCWD, path, O_RDWR | O_NOFOLLOW, 0);
    if (fd < 0 || flock(fd, LOCK_EX) < 0) {
        buf_printf(err, "%s: %s\n", path, file_strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t len;
    int rc = -1;
    char *text = read_regular_capped(path, LEARNED_MAX, &len, O_NOFOLLOW), *nt = NULL;
    struct ruleset *rs = NULL;
    if (!text)
        buf_printf(err, "%s: %s\n", path, file_strerror(errno));
    else if ((nt = edit(text, id, accept, err)) &&
             (!*nt || ruleset_load_text(&rs, path, nt, strlen(nt), err) == 0)) {
        rc = write_file_durable(path, nt, strlen(nt));
        if (rc < 0)
            buf_printf(err, "%s: %s\n", path, strerror(errno));
    }
    ruleset_free(rs);
    free(text);
    free(nt);
    close(fd);
    return rc;
}
