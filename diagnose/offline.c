/* offline: a diagnose session over saved logs (see offline.h). */
#include "diagnose/offline.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/lines.h"
#include "common/text.h"
#include "diagnose/culprit.h"
#include "diagnose/linemarks.h"
#include "diagnose/prefix.h"

#define BLOCK_BEFORE 8 /* lines around the key line searched for a summary block */
#define BLOCK_AFTER 8
#define WRAP_BEFORE 2 /* lines before the key line that may begin its message */
#define ROOT_AFTER 40 /* lines after the key line searched for TorchElastic's "Root Cause" */
#define ROOT_LINES 8  /* lines of its entry */
#define ENTRY_BACK 150 /* lines of an entry's traceback searched back for its fields */
#define FIELD_AROUND 40 /* lines around the key line searched for a description's node */
#define PROMPT_BEFORE 200 /* lines before the key line searched for the prompt it follows */

#define STREAM_SLOTS (OFFLINE_MAX_STREAMS * 2)

struct stream {
    long rank, local_rank, pid;
    struct classifier *c;
    char host[64];  /* the host every prefixed line of the stream named, "" while none */
    int host_mixed; /* two lines named two hosts: the stream names none */
};

struct reading {
    struct offline *o;
    const struct input *in;
    struct stream *s;
    size_t ns;
    struct stream *last;
    struct stream *emitting;       /* the stream whose classifier is delivering events */
    struct stream fallback;
    uint16_t slot[STREAM_SLOTS]; /* hash of (rank, local rank) -> index + 1 */
    struct prefix_info *cur;       /* prefixes of the line being classified */
    const char *line;              /* and the line, and its number */
    size_t len;
    long lineno;
};

int offline_init(struct offline *o, const struct ruleset *rs, int compress)
{
    memset(o, 0, sizeof *o);
    o->rs = rs;
    o->events = json_array();
    o->kept_tails = json_object();
    o->z = compress ? compressor_new() : NULL;
    activity_init(&o->act);
    last_resort_init(&o->last); /* without it, no culprit from prompts */
    return o->events && o->kept_tails && (!compress || o->z) ? 0 : -1;
}

void offline_free(struct offline *o)
{
    last_resort_free(&o->last);
    json_decref(o->events);
    json_decref(o->kept_tails);
    compressor_free(o->z);
    memset(o, 0, sizeof *o);
}

/* The device of NCCL's "host:pid:tid [N] ... NCCL WARN" line as the GPU
 * of an infrastructure event or a GPU out-of-memory (as the OOM rules name
 * "GPU N") the rule named none for: the GPU the failing NCCL call ran on
 * ("[0] include/alloc.h:112 NCCL WARN Cuda failure 999 'unknown error'"). */
static void nccl_gpu(json_t *ev, const struct prefix_info *p)
{
    json_t *g = json_object_get(ev, "groups");
    const char *cat = json_string_value(json_object_get(ev, "category"));
    const char *type = json_string_value(json_object_get(ev, "failure_type"));
    int gpu_fault = (cat && !strcmp(cat, "infrastructure")) || (type && !strcmp(type, "cuda_oom"));
    if (p->gpu < 0 || !json_is_object(g) || !gpu_fault || json_object_get(g, "gpu"))
        return;
    char n[24];
    snprintf(n, sizeof n, "%ld", p->gpu);
    json_object_set_new(g, "gpu", json_string(n));
}

/* Keeps an event; a node still unknown is taken from the line's host
 * prefix (syslog, NCCL, pdsh) when there is one, else from its "[node:N]"
 * (endure's console, Open MPI's "[host:pid]"), which the stream's classifier
 * took only from the stream's first line; an event of an earlier
 * line (a traceback, delivered when it ends) takes the host every prefixed
 * line of its stream named. A rank still unknown is the stream's local
 * rank ([default3]:), also for a traceback the log's end closes. */
static void on_event(void *ctx, json_t *ev)
{
    struct reading *r = ctx;
    struct offline *o = r->o;
    const struct stream *s = r->emitting;
    int now = r->cur && json_integer_value(json_object_get(ev, "line")) == r->lineno;
    if (now && json_is_null(json_object_get(ev, "node"))) {
        prefix_nccl(r->line, r->len, r->cur); /* only now: most lines have no event */
        if (r->cur->host[0])
            json_object_set_new(ev, "node", json_string(r->cur->host));
        else if (r->cur->node[0]) /* a stream whose first line had no "[node:N]" */
            json_object_set_new(ev, "node", json_string(r->cur->node));
        nccl_gpu(ev, r->cur);
    } else if (!now && s && s->host[0] && !s->host_mixed && json_is_null(json_object_get(ev, "node")))
        json_object_set_new(ev, "node", json_string(s->host));
    if (s && s->local_rank >= 0 && json_is_null(json_object_get(ev, "rank")))
        json_object_set_new(ev, "local_rank", json_integer(s->local_rank));
    offline_keep_event(o, ev);
}

void offline_keep_event(struct offline *o, json_t *ev)
{
    const char *role = json_string_value(json_object_get(ev, "role"));
    size_t n = json_array_size(o->events);
    /* Past the cap, keep roots only (up to twice the cap). */
    if (n >= OFFLINE_MAX_EVENTS * 2 ||
        (n >= OFFLINE_MAX_EVENTS && !(role && !strcmp(role, "root")))) {
        o->events_dropped++;
        return;
    }
    json_array_append(o->events, ev);
}

static struct classifier *new_cls(struct reading *r, long rank, const char *node)
{
    struct classifier *c = classifier_new(r->o->rs);
    if (c && r->o->z)
        classifier_report_noise(c, 1);
    if (c)
        classifier_set_source(c, r->in->node ? r->in->node : (node && *node ? node : NULL),
                              rank, r->in->display);
    return c;
}

static int same_stream(const struct stream *s, long rank, const struct prefix_info *p)
{
    return s->rank == rank && s->local_rank == p->local_rank && s->pid == p->pid;
}

/* The stream of a line (by rank, local rank and Ray worker): the last one
 * when the prefix agrees, else a hash lookup, else a new one (or the
 * fallback when there are too many). */
static struct stream *find_stream(struct reading *r, const struct prefix_info *p)
{
    long rank = p->rank >= 0 ? p->rank : r->in->rank;
    struct stream *s = r->last;
    if (s && same_stream(s, rank, p))
        return s;
    size_t h = ((size_t)rank * 2654435761u + (size_t)p->local_rank * 40503u + (size_t)p->pid * 97u) %
               STREAM_SLOTS;
    for (; r->slot[h]; h = (h + 1) % STREAM_SLOTS) {
        s = &r->s[r->slot[h] - 1];
        if (same_stream(s, rank, p))
            return r->last = s;
    }
    if (r->ns >= OFFLINE_MAX_STREAMS)
        return r->last = &r->fallback;
    s = &r->s[r->ns];
    s->rank = rank;
    s->local_rank = p->local_rank;
    s->pid = p->pid;
    s->c = new_cls(r, rank, p->node);
    if (!s->c)
        return r->last = &r->fallback;
    r->slot[h] = (uint16_t)++r->ns;
    return r->last = s;
}

static void on_line(void *ctx, const char *line, size_t len, long lineno, unsigned flags)
{
    struct reading *r = ctx;
    struct offline *o = r->o;
    struct prefix_info p;
    prefix_strip(line, len, &p);
    struct stream *s = find_stream(r, &p);
    if (p.host[0] && !s->host[0])
        memcpy(s->host, p.host, sizeof s->host);
    else if (p.host[0] && strcmp(p.host, s->host))
        s->host_mixed = 1;
    last_resort_prefix_host_note(&o->last, p.host[0] ? p.host : p.node);
    r->emitting = s;
    r->cur = &p;
    r->line = line;
    r->len = len;
    r->lineno = lineno;
    o->lines++;
    o->truncated += (flags & LINE_TRUNCATED) != 0;
    classifier_set_ts(s->c, p.ts >= 0 ? p.ts : -2);
    size_t events0 = json_array_size(o->events);
    int f = classifier_line(s->c, line + p.skip, len - p.skip, lineno, on_event, r);
    uint32_t marks; /* found in the rules' walk over the line, or walked for alone */
    if (classifier_line_marks(s->c, &marks) < 0)
        marks = linemarks_scan(line + p.skip, len - p.skip);
    o->act.file = r->in->display;
    o->act.lineno = lineno;
    o->act.rank = p.rank;
    o->act.host = p.host[0] ? p.host : NULL;
    if (activity_line_marks(&o->act, line + p.skip, len - p.skip, classifier_progress_step(s->c), marks,
                            (f & CLS_PROGRESS) != 0))
        o->done_events = events0;
    if (f & CLS_PROGRESS) {
        double loss = classifier_progress_loss(s->c);
        activity_loss(&o->act, loss, line + p.skip, len - p.skip, classifier_progress_step(s->c));
        if (isfinite(loss)) /* training went on: a NaN or Inf loss before it was a skipped step */
            o->loss_ok_events = events0;
    }
    last_resort_line_marks(&o->last, line + p.skip, len - p.skip, marks);
    r->cur = NULL;
    if (!o->z)
        return;
    if (f & CLS_NOISE)
        compressor_drop(o->z, len);
    else
        compressor_line(o->z, line + p.skip, len - p.skip, s->rank, (f & CLS_FAILURE) != 0, len);
}

/* The streams of one input: 0, or -1 (no memory; reading_end still due). */
static int reading_start(struct reading *r, struct offline *o, const struct input *in)
{
    memset(r, 0, sizeof *r);
    r->o = o;
    r->in = in;
    r->s = calloc(OFFLINE_MAX_STREAMS, sizeof *r->s);
    r->fallback.rank = in->rank;
    r->fallback.local_rank = -1;
    r->fallback.pid = -1;
    r->fallback.c = new_cls(r, in->rank, NULL);
    return r->s && r->fallback.c ? 0 : -1;
}

/* Delivers the pending events of every stream and frees them. */
static void reading_end(struct reading *r, int finish)
{
    for (size_t i = 0; finish && i < r->ns; i++) {
        r->emitting = &r->s[i];
        classifier_finish(r->s[i].c, on_event, r);
    }
    r->emitting = &r->fallback;
    if (finish)
        classifier_finish(r->fallback.c, on_event, r);
    for (size_t i = 0; r->s && i < r->ns; i++)
        classifier_free(r->s[i].c);
    classifier_free(r->fallback.c);
    free(r->s);
}

int offline_read(struct offline *o, const struct input *in, struct buf *err)
{
    struct reading r;
    size_t bytes = 0;
    int rc = -1;
    if (reading_start(&r, o, in) < 0) {
        buf_printf(err, "%s: out of memory\n", in->display);
        reading_end(&r, 0);
        return -1;
    }
    rc = input_read(in, on_line, &r, err, o->max_bytes, &bytes);
    o->bytes += bytes;
    reading_end(&r, 1);
    return rc;
}

int offline_read_lines(struct offline *o, const char *display, const char *node, long rank,
                       const json_t *lines)
{
    struct input in = {.path = NULL, .display = (char *)display, .node = (char *)node, .rank = rank};
    struct reading r;
    size_t i;
    json_t *l;
    /* each line is matched from a copy with slack after it, as lines read
     * from files are: PCRE2's JIT may load a few bytes past the subject's
     * end (within the page), which memcheck reports on an exact-size string */
    char *line = calloc(1, LINE_CAP_DEFAULT + 64);
    if (!line || reading_start(&r, o, &in) < 0) {
        if (line)
            reading_end(&r, 0);
        free(line);
        return -1;
    }
    json_array_foreach(lines, i, l)
    {
        const char *s = json_string_value(l);
        size_t len = json_string_length(l), n = len > LINE_CAP_DEFAULT ? LINE_CAP_DEFAULT : len;
        if (!s)
            continue;
        memcpy(line, s, n);
        memset(line + n, 0, 64);
        on_line(&r, line, n, (long)i + 1, len > LINE_CAP_DEFAULT ? LINE_TRUNCATED : 0);
        o->bytes += len;
    }
    free(line);
    reading_end(&r, 1);
    json_object_set(o->kept_tails, display, (json_t *)lines);
    return 0;
}

/* Lines first..last (1-based) of a kept tail, as context. */
static void tail_context(const json_t *tail, json_int_t first, json_int_t last, json_t *evid)
{
    for (json_int_t i = first; i <= last; i++) {
        const char *s = json_string_value(json_array_get(tail, (size_t)i - 1));
        if (s)
            json_array_append_new(evid, json_text(s, strlen(s)));
    }
}

/* Context lines around the key line, when the event brought no evidence. */
static void add_context(json_t *v, const struct input_list *inputs, const struct offline *o)
{
    size_t max_bytes = o->max_bytes;
    json_t *key = json_object_get(v, "key_line");
    json_t *evid = json_object_get(v, "evidence");
    const char *file = json_string_value(json_object_get(key, "file"));
    json_int_t line = json_integer_value(json_object_get(key, "line"));
    if (!file || line <= 0 || json_array_size(evid) > 0)
        return;
    for (size_t i = 0; i < inputs->n; i++)
        if (!strcmp(inputs->v[i].display, file)) {
            input_context(inputs->v[i].path, line > 3 ? (long)line - 3 : 1, (long)line + 2, max_bytes,
                          evid);
            return;
        }
    json_t *tail = json_object_get(o->kept_tails, file);
    if (tail)
        tail_context(tail, line > 3 ? line - 3 : 1, line + 2, evid);
}

/* The lines first..last of the input the key line came from (a file read
 * again, or a kept tail) into arr. */
static void key_lines(const json_t *key, const struct input_list *inputs, const struct offline *o,
                      long first, long last, json_t *arr)
{
    const char *file = json_string_value(json_object_get(key, "file"));
    if (!file)
        return;
    for (size_t i = 0; i < inputs->n; i++)
        if (!strcmp(inputs->v[i].display, file)) {
            input_context(inputs->v[i].path, first, last, o->max_bytes, arr);
            return;
        }
    json_t *tail = json_object_get(o->kept_tails, file);
    if (tail)
        tail_context(tail, first, last, arr);
}

/* TorchElastic's summary lists every failed rank under "Failures:" and the
 * first observed failure under "Root Cause (first observed failure):"; the
 * key line can be any of them (they print the same signal or exit code),
 * the culprit is the root cause's host and rank. */
static void root_cause_culprit(struct culprit_x *x, json_t *cul, const json_t *arr, size_t from)
{
    size_t n = json_array_size(arr);
    for (size_t i = from; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (!s || !strstr(s, "Root Cause (first observed failure)"))
            continue;
        for (size_t j = i + 1; j < n && j <= i + ROOT_LINES; j++) {
            const json_t *l = json_array_get(arr, j);
            struct prefix_info p;
            prefix_strip(json_string_value(l), json_string_length(l), &p);
            culprit_x_fill(x, cul, json_string_value(l) + p.skip, json_string_length(l) - p.skip, CX_BLOCK);
        }
        return;
    }
}

/* Whether s is the `traceback :` field of a TorchElastic summary entry. */
static int traceback_field(const char *s)
{
    s += strspn(s, " \t");
    if (strncmp(s, "traceback", 9))
        return 0;
    s += 9 + strspn(s + 9, " \t");
    return *s == ':';
}

/* TorchElastic prints a failed rank's traceback (from its error file) as the
 * last field of its summary entry, indented under the entry's `host :` and
 * `rank :` fields; a key line inside that traceback is that entry's. */
static void entry_culprit(struct culprit_x *x, json_t *cul, const json_t *arr, long k)
{
    const char *key = json_string_value(json_array_get(arr, (size_t)k));
    if (!key || (*key != ' ' && *key != '\t'))
        return;
    for (long i = k - 1; i >= 0 && k - i <= ENTRY_BACK; i--) {
        const char *s = json_string_value(json_array_get(arr, (size_t)i));
        if (!s || (*s != ' ' && *s != '\t'))
            return; /* the entry's indented lines end here */
        if (!traceback_field(s))
            continue;
        for (long j = i - 1; j >= 0 && j >= i - ROOT_LINES; j--) {
            const json_t *l = json_array_get(arr, (size_t)j);
            culprit_x_fill(x, cul, json_string_value(l), json_string_length(l), CX_BLOCK);
        }
        return;
    }
}

/* The "TAG: " (a driver's or subsystem's name, as "NVRM: ") that a
 * message begins with, within the first bytes of s (after a dmesg or
 * journal stamp the prefix parser leaves, "[   38.773764] NVRM: ..."):
 * its offset in *at and its length, or 0. */
static size_t message_tag(const char *s, size_t n, size_t *at)
{
    for (size_t i = 0; i < n && i < 40; i++) {
        if (i && s[i - 1] != ' ' && s[i - 1] != ']')
            continue;
        size_t j = i;
        while (j < n && j - i < 16 && ((s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= 'a' && s[j] <= 'z') || s[j] == '_'))
            j++;
        if (j - i >= 2 && j + 1 < n && s[j] == ':' && s[j + 1] == ' ') {
            *at = i;
            return j + 2 - i;
        }
    }
    return 0;
}

/* The GPU still unknown, from the line after the key line when it goes on
 * with the same message tag: a driver names the device on the next line
 * of its report ("NVRM: RmInitAdapter failed! (0x26:0xffff:1127)" then
 * "NVRM: rm_init_adapter failed for device bearing minor number 0"). */
static void continued_gpu(struct culprit_x *x, json_t *cul, const json_t *arr, long k)
{
    const json_t *a = json_array_get(arr, (size_t)k), *b = json_array_get(arr, (size_t)k + 1);
    const json_t *g = json_object_get(cul, "gpu");
    if (!json_is_string(a) || !json_is_string(b) || (g && !json_is_null(g)))
        return;
    struct prefix_info pa, pb;
    const char *sa = json_string_value(a), *sb = json_string_value(b);
    prefix_strip(sa, json_string_length(a), &pa);
    prefix_strip(sb, json_string_length(b), &pb);
    size_t na = json_string_length(a) - pa.skip, nb = json_string_length(b) - pb.skip;
    size_t ia = 0, ib = 0, t = message_tag(sa + pa.skip, na, &ia);
    if (!t || message_tag(sb + pb.skip, nb, &ib) != t || memcmp(sa + pa.skip + ia, sb + pb.skip + ib, t))
        return;
    json_t *only = json_pack("{s:n}", "gpu");
    culprit_x_fill(x, only, sb + pb.skip, nb, CX_LINE);
    if (!json_is_null(json_object_get(only, "gpu")))
        json_object_set(cul, "gpu", json_object_get(only, "gpu"));
    json_decref(only);
}

/* One value seen in the lines' prefixes: "" or -1 while none, conflict when two differ. */
struct agreed {
    char host[64];
    long rank;
    int host_conflict, rank_conflict;
};

/* The host and rank still unknown, from the prefixes of the lines around
 * the key line (NCCL's host:pid:tid, pdsh's host:, [rankN]:) when every
 * prefixed line there names the same one: a message printed without a
 * prefix (a C++ log line, a kernel assertion) amid its process's prefixed
 * lines belongs to that process. Lines of two processes name nothing. The
 * host is taken for infrastructure faults only: a script error does not
 * make its node bad. */
static void neighbour_culprit(json_t *v, json_t *cul, const json_t *arr, long k)
{
    struct agreed a = {.rank = -1};
    for (long i = k - BLOCK_BEFORE; i <= k + BLOCK_AFTER; i++) {
        const json_t *l = i >= 0 ? json_array_get(arr, (size_t)i) : NULL;
        if (!json_is_string(l))
            continue;
        struct prefix_info p;
        prefix_parse(json_string_value(l), json_string_length(l), &p);
        if (p.host[0] && !a.host[0])
            memcpy(a.host, p.host, sizeof a.host);
        else if (p.host[0] && strcmp(p.host, a.host))
            a.host_conflict = 1;
        if (p.rank >= 0 && a.rank < 0)
            a.rank = p.rank;
        else if (p.rank >= 0 && p.rank != a.rank)
            a.rank_conflict = 1;
    }
    const json_t *h = json_object_get(cul, "host"), *r = json_object_get(cul, "rank");
    const char *cat = json_string_value(json_object_get(v, "category"));
    int infra = cat && !strcmp(cat, "infrastructure"); /* a script error names no node */
    if (infra && a.host[0] && !a.host_conflict && (!h || json_is_null(h)))
        json_object_set_new(cul, "host", json_string(a.host));
    if (a.rank >= 0 && !a.rank_conflict && (!r || json_is_null(r)))
        json_object_set_new(cul, "rank", json_integer(a.rank));
}

/* The lines of a description around the key line (FIELD_AROUND either
 * side, nearest first) that name its node: kubectl describe prints a pod's
 * `Node:` field a dozen lines from its `Message:` or `Exit Code:`. */
static void field_culprit(struct culprit_x *x, json_t *cul, const json_t *arr, long k)
{
    const json_t *h = json_object_get(cul, "host");
    for (long d = 1; d <= FIELD_AROUND && (!h || json_is_null(h)); d++)
        for (int side = 0; side < 2; side++) {
            long i = side ? k + d : k - d;
            const json_t *l = i >= 0 ? json_array_get(arr, (size_t)i) : NULL;
            struct prefix_info p; /* a field after a timestamp (kubectl logs --timestamps) */
            if (json_is_string(l)) {
                prefix_strip(json_string_value(l), json_string_length(l), &p);
                culprit_x_fill(x, cul, json_string_value(l) + p.skip, json_string_length(l) - p.skip, CX_FIELD);
            }
            h = json_object_get(cul, "host");
        }
}

/* The host still unknown, from the shell prompt the key line's output
 * follows (lastresort.h). */
static void prompt_culprit(json_t *cul, const json_t *arr, long k, const struct offline *o)
{
    const json_t *h = json_object_get(cul, "host");
    char host[64];
    if ((!h || json_is_null(h)) && last_resort_prompt_before(&o->last, arr, k, PROMPT_BEFORE, host, sizeof host))
        json_object_set_new(cul, "host", json_string(host));
}

/* Culprit fields still unknown, from the lines around the key line: a
 * summary block (TorchElastic's "Root Cause": `host : X`, `rank : N` on
 * lines of their own, before or after the exit code that was the key line),
 * the start of a message wrapped over several lines, the prefixes of its
 * neighbours, the node field of a description around it, or the prompt
 * whose command printed it. */
static void block_culprit(json_t *v, const struct input_list *inputs, const struct offline *o)
{
    json_t *cul = json_object_get(v, "culprit"), *key = json_object_get(v, "key_line");
    json_int_t line = json_integer_value(json_object_get(key, "line"));
    if (!json_is_object(cul) || line <= 0)
        return;
    json_t *arr = json_array();
    struct culprit_x *x = culprit_x_new();
    long first = line > PROMPT_BEFORE ? (long)line - PROMPT_BEFORE : 1, k = (long)line - first;
    key_lines(key, inputs, o, first, (long)line + (ROOT_AFTER > FIELD_AROUND ? ROOT_AFTER : FIELD_AROUND), arr);
    root_cause_culprit(x, cul, arr, k > BLOCK_BEFORE ? (size_t)(k - BLOCK_BEFORE) : 0);
    entry_culprit(x, cul, arr, k);
    continued_gpu(x, cul, arr, k);
    double key_ts = -1;
    int wrap = 1;
    for (long d = 0; d <= BLOCK_BEFORE || d <= BLOCK_AFTER; d++) /* nearest lines first */
        for (int side = 0; side < 2 && (d || !side); side++) {
            json_t *l = json_array_get(arr, (size_t)(side ? k + d : k - d));
            const char *s = json_string_value(l);
            if (!s)
                continue;
            struct prefix_info p;
            size_t n = json_string_length(l);
            prefix_strip(s, n, &p);
            if (d == 0)
                key_ts = p.ts;
            /* the two lines before the key line may be the start of its
             * message (a wrapped paste): every pattern there; not a line
             * stamped a second or more apart from the key line (an
             * earlier record of its own), nor any line before that */
            if (!side && d && p.ts >= 0 && (key_ts < 0 || fabs(p.ts - key_ts) >= 1))
                wrap = 0;
            culprit_x_fill(x, cul, s + p.skip, n - p.skip, !side && d && d <= WRAP_BEFORE && wrap ? CX_LINE : CX_BLOCK);
        }
    neighbour_culprit(v, cul, arr, k);
    field_culprit(x, cul, arr, k);
    prompt_culprit(cul, arr, k, o);
    culprit_x_free(x);
    json_decref(arr);
}

/* A type whose fault is a GPU's: its culprit names the GPU. */
static int gpu_type(const char *type)
{
    static const char *const t[] = {"cuda_oom", "cuda_error", "ecc_error", "gpu_lost", "nvlink_error",
                                    "device_side_assert"};
    for (size_t i = 0; type && i < sizeof t / sizeof *t; i++)
        if (!strcmp(type, t[i]))
            return 1;
    return 0;
}

/* Culprits of last resort (lastresort.h): the one host the log's pasted shell
 * prompts name (for an infrastructure fault, else the one host of its NCCL
 * lines; for a failed connection, else the rendezvous endpoint; else,
 * but for a script error, the one node a launcher named for a failed
 * process, then the one host of the lines' own prefixes, then the one
 * host of its NCCL lines: a log captured on one node), the one rank its
 * launcher reported failed, and for a GPU's fault the one GPU index the
 * log names; each only when nothing else named that field. */
static void last_resort_culprit(json_t *v, const struct offline *o)
{
    json_t *cul = json_object_get(v, "culprit");
    if (!json_is_object(cul))
        return;
    const char *host = last_resort_host(&o->last), *cat = json_string_value(json_object_get(v, "category"));
    const char *type = json_string_value(json_object_get(v, "type"));
    if (!host && cat && !strcmp(cat, "infrastructure"))
        host = last_resort_nccl_host(&o->last);
    if (!host && type && !strcmp(type, "connection_error"))
        host = last_resort_endpoint(&o->last);
    if (!host && !(cat && !strcmp(cat, "script"))) { /* as verdict.c: a script error fails on any node */
        host = last_resort_failed_node(&o->last);
        if (!host)
            host = last_resort_prefix_host(&o->last);
        if (!host) /* an infrastructure fault asked it first, above */
            host = last_resort_nccl_host(&o->last);
    }
    long rank = last_resort_rank(&o->last), gpu = gpu_type(type) ? last_resort_gpu(&o->last) : -1;
    json_t *h = json_object_get(cul, "host"), *r = json_object_get(cul, "rank"), *g = json_object_get(cul, "gpu");
    if (host && (!h || json_is_null(h)))
        json_object_set_new(cul, "host", json_string(host));
    if (rank >= 0 && (!r || json_is_null(r)))
        json_object_set_new(cul, "rank", json_integer(rank));
    if (gpu >= 0 && (!g || json_is_null(g)))
        json_object_set_new(cul, "gpu", json_integer(gpu));
}

/* The events that can decide: a symptom kept before the log's last
 * completion line did not end the run (a library's warning at start-up, a
 * connection retried and made), so it is left out; so is a NaN or Inf loss,
 * root or symptom, that a progress line with a finite loss followed (a
 * mixed-precision step the loss scaler skipped: training went on;
 * twenty-eighth session). Other roots always count, and so does whatever
 * follows. New reference. */
static json_t *deciding_events(const struct offline *o)
{
    if (!o->done_events && !o->loss_ok_events) /* nothing any later line outweighs */
        return json_incref(o->events);
    json_t *keep = json_array();
    size_t i;
    json_t *ev;
    json_array_foreach(o->events, i, ev) {
        const char *role = json_string_value(json_object_get(ev, "role"));
        int symptom = role && !strcmp(role, "symptom");
        const char *type = json_string_value(json_object_get(ev, "failure_type"));
        int skipped = i < o->loss_ok_events && type && !strcmp(type, "nan_loss");
        if (!skipped && (i >= o->done_events || !symptom))
            json_array_append(keep, ev);
    }
    return keep;
}

json_t *offline_verdict(struct offline *o, const struct input_list *inputs)
{
    json_t *v;
    if (o->lines == 0 && !o->kept) {
        json_t *ff = json_pack("{s:s?,s:[]}", "file", inputs->n ? inputs->v[0].display : NULL,
                               "tail");
        v = verdict_pick(o->events, ff, o->rs);
        json_object_set_new(v, "explanation", json_string("The input is empty: nothing to "
                                                          "diagnose."));
        json_decref(ff);
        return v;
    }
    json_t *events = deciding_events(o);
    v = verdict_pick(events, NULL, o->rs);
    json_decref(events);
    if (v && !o->kept) {
        activity_verdict(&o->act, v);
        activity_interrupted(&o->act, v);
        if (!o->act.trained) /* the log shows no training step */
            verdict_setup_action(v, o->rs);
    }
    if (v && json_is_string(json_object_get(v, "rule")))
        block_culprit(v, inputs, o);
    if (v && json_is_string(json_object_get(v, "rule")))
        last_resort_culprit(v, o);
    if (v)
        add_context(v, inputs, o);
    if (v && !o->kept)
        activity_interrupted_wait(&o->act, v);
    return v;
}
