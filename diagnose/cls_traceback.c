/* cls_traceback: the classifier following Python tracebacks across lines
 * (classifier_int.h): the frames kept in a bounded ring and attached as
 * evidence to the exception line that ends the traceback; a chained
 * exception replaces the earlier one, whose lines become its evidence (the
 * earlier one decides when the later never arrives or matches no rule); a
 * traceback cut off inside its frames decided by the exception its
 * innermost source line raises (tbraise.h), its innermost known frame or
 * its header; a traceback pasted without its header opened on its first
 * File line (its lines still classified on their own); IPython's header
 * and Ray's RayTaskError(X) as a symptom of the exception they name. */
#include <ctype.h>
#include <string.h>
#include "common/util.h"
#include "diagnose/actforms.h"
#include "diagnose/classifier_int.h"
#include "diagnose/tbraise.h"

/* The innermost frame's lines, newest first: its source line, then its
 * File line (a caret line under the source and blank lines skipped); two
 * at most. */
int cls_frame_met(struct classifier *c, const struct rule *r)
{
    if (!r->frame_re)
        return 1;
    if (!c->at_exc)
        return 0;
    size_t seen = 0;
    for (size_t k = 0; k < c->fcount && seen < 2; k++) {
        const char *f = c->frames[(c->fhead + c->fcount - 1 - k) % TB_LINES];
        size_t n = strlen(f);
        if (f[strspn(f, " \t^~")] == '\0')
            continue;
        seen++;
        c->st.regex_runs++;
        if (pcre2_match(r->frame_re, (PCRE2_SPTR)f, n, 0, 0, c->md, c->mctx) >= 0)
            return 1;
    }
    return 0;
}

/* Keeps a frame line in the ring (the oldest goes when it is full). */
static void push_frame(struct classifier *c, const char *line, size_t len, long lineno)
{
    size_t slot = (c->fhead + c->fcount) % TB_LINES;
    if (c->fcount == TB_LINES)
        c->fhead = (c->fhead + 1) % TB_LINES;
    else
        c->fcount++;
    utf8_sanitize(line, len, c->frames[slot], TB_LINE_MAX - 4);
    c->frame_no[slot] = lineno;
}

/* Appends the frames (and the exception line when with_exc) to arr. */
static void frames_to(struct classifier *c, json_t *arr, int with_exc)
{
    for (size_t i = 0; i < c->fcount; i++)
        json_array_append_new(arr, json_string(c->frames[(c->fhead + i) % TB_LINES]));
    if (with_exc)
        json_array_append_new(arr, json_string(c->exc));
    while (json_array_size(arr) > CHAIN_LINES)
        json_array_remove(arr, 0);
}

/* Delivers the exception that ended the last traceback (or, when a chained
 * one never came, the earlier one) and leaves the traceback state. */
int cls_flush_pending(struct classifier *c, cls_event_cb cb, void *ctx)
{
    json_t *ev = c->pending ? c->pending : c->cause;
    json_decref(c->pending ? c->cause : NULL);
    c->pending = c->cause = NULL;
    json_decref(c->chain);
    c->chain = NULL;
    c->tb = TB_NONE;
    if (!ev)
        return 0;
    cls_deliver(c, ev, cb, ctx);
    return CLS_EVENT;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

/* Whether a line ends a Python exception's name: "Name", "mod.Name",
 * "Name: message" (the name capitalised), as the exception line does and a
 * frame's source line seldom does. */
static int exception_shape(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        size_t w = i;
        while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
            i++;
        if (i == w)
            return 0;
        if (i < n && s[i] == '.') {
            i++;
            continue;
        }
        return (s[w] >= 'A' && s[w] <= 'Z') && (i == n || (s[i] == ':' && (i + 1 == n || s[i + 1] == ' ')));
    }
}

/* Whether an exception line is a clean exit, no failure: SystemExit with
 * no status or status 0 (None), GeneratorExit. */
static int clean_exit(const char *s, size_t n)
{
    static const char *const clean[] = {"SystemExit", "SystemExit: 0", "SystemExit: None", "GeneratorExit"};
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    for (size_t i = 0; i < sizeof clean / sizeof *clean; i++)
        if (n == strlen(clean[i]) && !memcmp(s, clean[i], n))
            return 1;
    return 0;
}

/* The exception line that ends a traceback when no rule knows it, whatever
 * its name ("StopIteration", "queue.Empty", "http.client.
 * RemoteDisconnected: ..."): the traceback shows that it was raised, so
 * it is read as an exception line of its base class ("BaseException: "
 * before it: the rules that read exception lines by their words, else the
 * rules' generic exception), a symptom (any other line a rule knows says
 * more) rather than dropped. The caller has seen that the line has an
 * exception's shape and is no clean exit. NULL when no rule reads it so. */
static json_t *base_exception_event(struct classifier *c, const char *line, size_t len, long lineno)
{
    static const char base[] = "BaseException: ";
    char buf[sizeof base + TB_LINE_MAX] = {0}; /* PCRE2's JIT may read past the subject's end */
    size_t n = len < TB_LINE_MAX ? len : TB_LINE_MAX;
    memcpy(buf, base, sizeof base - 1);
    memcpy(buf + sizeof base - 1, line, n);
    const struct rule *r = cls_run_rules(c, buf, sizeof base - 1 + n);
    if (!r || r->role == ROLE_NOISE || r->role == ROLE_PROGRESS)
        return NULL;
    json_t *ev = cls_make_event(c, r, line, len, lineno);
    json_object_set_new(ev, "role", json_string(role_name(ROLE_SYMPTOM)));
    return ev;
}

/* The event, on the line as it is, of the rule that knows the exception
 * exc[0..n) ("Name: ..." as tbraise.h writes it; n 0: none) names; NULL
 * when no rule, a noise or progress rule or only an unknown rule knows it. */
static json_t *exception_event(struct classifier *c, const char *exc, size_t n, const char *line, size_t len,
                               long lineno)
{
    const struct rule *r = n ? cls_run_rules(c, exc, n) : NULL;
    if (!r || r->role == ROLE_NOISE || r->role == ROLE_PROGRESS || !strcmp(r->category, "unknown"))
        return NULL;
    return cls_make_event(c, r, line, len, lineno);
}

/* The exception line cut inside its name ("AssertionErro", a paste that
 * ends there: tb_cut_exception_name): the event of the rule of the name it
 * begins (exception_event). */
static json_t *cut_name_event(struct classifier *c, const char *line, size_t len, long lineno)
{
    char exc[64];
    return exception_event(c, exc, tb_cut_exception_name(line, len, exc, sizeof exc), line, len, lineno);
}

/* Whether a line inside a traceback is one of its frames: 1 a frame, 2 a
 * blank line to skip, 0 the line that ends the frames. A frame is
 * indented; behind a log shipper's timestamp (CloudWatch's "TS<tab>File
 * ...") or after a paste that dropped the indentation it is not, and then
 * its "File \"...\", line N, in f" line is known by its form and the line
 * after it is its source (unless no source was shown: a frozen module's
 * "<frozen ...>", or the next line has an exception's shape). */
static int frame_line(struct classifier *c, const char *line, size_t len)
{
    if (is_blank(line, len)) /* an exporter's blank line between entries: no frame, no end */
        return 2;
    int src = c->src_next;
    c->src_next = 0;
    if (len && (line[0] == ' ' || line[0] == '\t'))
        return 1;
    if (len > 6 && !memcmp(line, "File \"", 6)) {
        c->src_next = line[6] != '<';
        return 1;
    }
    return src && !exception_shape(line, len);
}

/* Whether a line is a frame's File line and nothing more, `  File
 * "train.py", line 12, in main` (actforms.h): the first frame of a
 * traceback pasted without its header (a paste that began below it, a log
 * shipper that dropped it); not a traceback flattened into one line, which
 * has more after the function's name. */
static int headless_frame(const char *s, size_t n) /* s[0..n): not NUL-terminated */
{
    size_t j = act_frame_func(s, n, act_blanks(s, n)), w = j;
    while (j && j < n && !isspace((unsigned char)s[j]))
        j++;
    if (j == w)
        return 0;
    while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r'))
        j++;
    return j == n;
}

/* Where the line's traceback header begins, or -1 when it opens none: the
 * header first on the line, or last after other output on the same line
 * (a progress bar that ended with a carriage return, "Epoch 0:   0%|  |
 * 0/20 [00:00<?, ?it/s]Traceback (most recent call last):"), except
 * after "^C". A header with frames after it on the same line opens none:
 * the whole traceback was flattened into one line ("Traceback (most recent
 * call last): File \"main.py\", line 184, in <module> ... OSError: [Errno
 * 28] No space left on device", a paste or a log shipper that joined its
 * lines), which the rules read as one line. */
static long tb_header(const char *s, size_t n)
{
    static const char h[] = "Traceback (most recent call last):";
    size_t k = sizeof h - 1;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (cls_starts(s, n, "Traceback (most recent call last)")) {
        size_t i = n >= k && !memcmp(s, h, k) ? k : n;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        return i + 6 <= n && !memcmp(s + i, "File \"", 6) ? -1 : 0;
    }
    /* not after a terminal's "^C" echo: "^CTraceback ..." is the interrupt
     * of a stuck run, which its own rule reads on the whole line */
    return n > k && !memcmp(s + n - k, h, k) && !(n - k >= 2 && !memcmp(s + n - k - 2, "^C", 2)) ? (long)(n - k)
                                                                                                : -1;
}

/* Enters the frames of a traceback that the line opens: its header, or
 * (headless) its first frame when the paste left the header out. */
static void open_frames(struct classifier *c, const char *line, size_t len, long lineno, int headless)
{
    c->tb_ignored = headless ? 0 : c->ignored_hint;
    c->tb = TB_FRAMES;
    c->headless = headless;
    c->src_next = 0;
    c->fhead = c->fcount = 0;
    push_frame(c, line, len, lineno);
    if (headless) {
        c->head[0] = '\0';
        c->head_no = -1;
    } else {
        utf8_sanitize(line, len, c->head, TB_LINE_MAX - 4);
        c->head_no = lineno;
    }
}

/* The line that ends a traceback's frames, its exception line: read with
 * the frames (`frame:` rules, an unknown exception decided by its frames,
 * then its base class), its event kept pending until no chained exception
 * follows. Returns 1: the line is consumed. */
static int end_frames(struct classifier *c, const char *line, size_t len, long lineno, int *flags,
                      cls_event_cb cb, void *ctx)
{
    utf8_sanitize(line, len, c->exc, TB_LINE_MAX - 4);
    c->tb = TB_AFTER_EXC;
    c->blanks = 0;
    if (c->tb_ignored) { /* Python printed it and went on: not a failure */
        c->tb = TB_NONE;
        *flags |= CLS_NOISE;
        return 1;
    }
    c->at_exc = 1; /* the rules with `frame:` may read it (cls_frame_met) */
    json_t *ev = cls_unwrap(c, cls_classify(c, line, len, lineno, flags), line, len, lineno);
    c->at_exc = 0;
    if (!ev)
        ev = cut_name_event(c, line, len, lineno);
    if (!ev && exception_shape(line, len) && !clean_exit(line, len)) {
        /* no rule knows the exception: its frames, then its base class */
        if (cls_frames_decide(c, 0, cb, ctx)) {
            *flags |= CLS_EVENT;
            return 1;
        }
        ev = base_exception_event(c, line, len, lineno);
    }
    if (ev) {
        json_t *evid = c->chain ? json_deep_copy(c->chain) : json_array();
        frames_to(c, evid, 0);
        json_object_set_new(ev, "evidence", evid);
        c->pending = ev;
    }
    return 1;
}

/* Traceback states before the exception: returns 1 when the line was
 * consumed as part of a traceback. */
int cls_traceback_step(struct classifier *c, const char *line, size_t len, long lineno,
                          int *flags, cls_event_cb cb, void *ctx)
{
    int after_exc = c->tb == TB_AFTER_EXC || c->tb == TB_CHAIN_WAIT;
    if (after_exc) {
        if (is_blank(line, len) && ++c->blanks <= PENDING_BLANKS)
            return 1;
        if (c->tb == TB_AFTER_EXC &&
            (cls_starts(line, len, "During handling of the above exception") ||
             cls_starts(line, len, "The above exception was the direct cause"))) {
            if (!c->chain)
                c->chain = json_array();
            frames_to(c, c->chain, 1);
            if (c->pending) { /* the earlier exception: kept in case the chain is cut off */
                json_decref(c->cause);
                c->cause = c->pending;
                c->pending = NULL;
            }
            c->tb = TB_CHAIN_WAIT;
            c->blanks = 0;
            return 1;
        }
        int keep_chain = c->tb == TB_CHAIN_WAIT && cls_starts(line, len, "Traceback (most recent");
        json_t *chain = keep_chain ? json_incref(c->chain) : NULL, *cause = NULL;
        if (keep_chain) { /* the chained traceback follows: not the end yet */
            cause = c->cause;
            c->cause = NULL;
        }
        *flags |= cls_flush_pending(c, cb, ctx);
        c->chain = chain;
        c->cause = cause;
    }
    if (c->tb == TB_FRAMES) {
        int frame = frame_line(c, line, len);
        if (frame) {
            if (frame == 1)
                push_frame(c, line, len, lineno);
            return !c->headless; /* a headless traceback's lines reach the rules too */
        }
        if (!c->headless || (exception_shape(line, len) && !clean_exit(line, len)))
            return end_frames(c, line, len, lineno, flags, cb, ctx);
        c->tb = TB_NONE; /* no exception ends headless frames: some other output's */
    }
    long h = tb_header(line, len);
    if (h >= 0) {
        json_t *ev = h ? cls_classify(c, line, (size_t)h, lineno, flags) : NULL; /* the output before it */
        if (ev) {
            cls_deliver(c, ev, cb, ctx);
            *flags |= CLS_EVENT;
        }
        line += h, len -= (size_t)h;
        open_frames(c, line, len, lineno, 0);
        return 1;
    }
    /* a frame with no header before it (not right after an exception: a
     * library's own back trace in its message, HDF5's `File "H5F.c", line
     * 509, in H5Fopen`): its exception, when one ends the frames, is read
     * as a traceback's; the lines still reach the rules on their own */
    if (!after_exc && !c->ignored_hint && headless_frame(line, len))
        open_frames(c, line, len, lineno, 1);
    return 0;
}

/* A header that names its exception before the frames (IPython's, Ray's
 * below; exc[0..n) is "Name: ..." as tbraise.h writes it, n 0 for any
 * other line): a symptom of that exception's rule (not an unknown one),
 * which the exception line, a root, outranks when the paste goes on to
 * it; when the paste is cut off before it, the header's symptom still says
 * what failed. */
static json_t *named_event(struct classifier *c, const char *exc, size_t n, const char *line, size_t len,
                           long lineno)
{
    json_t *ev = exception_event(c, exc, n, line, len, lineno);
    if (ev)
        json_object_set_new(ev, "role", json_string(role_name(ROLE_SYMPTOM)));
    return ev;
}

/* IPython's header: "ImportError      Traceback (most recent call last)". */
json_t *cls_ipython_header_event(struct classifier *c, const char *line, size_t len, long lineno)
{
    char exc[TB_LINE_MAX];
    return named_event(c, exc, tb_ipython_header(line, len, exc, sizeof exc), line, len, lineno);
}

/* Ray's re-raise in the driver names the remote task's exception
 * ("ray.exceptions.RayTaskError(AttributeError): ray::PPOTrainer.train()
 * ..."), a header only an unknown rule knows: when ev is such a rule's
 * event, the symptom of the named exception's rule replaces it, as for
 * IPython's header (the remote traceback's own exception line, when the
 * paste goes on to it, outranks it). So does the exception of a whole
 * traceback a platform's failure reason joined into one line (Cloud ML
 * Engine's "The replica master 0 exited ... Traceback (most recent call
 * last): File ... ValueError: ...": tb_inline_exception). Returns the event
 * to keep. */
json_t *cls_unwrap(struct classifier *c, json_t *ev, const char *line, size_t len, long lineno)
{
    char exc[TB_LINE_MAX];
    json_t *named;
    size_t n;
    if (!ev || strcmp(json_string_value(json_object_get(ev, "category")), "unknown"))
        return ev;
    n = tb_ray_task_error(line, len, exc, sizeof exc);
    if (!n)
        n = tb_inline_exception(line, len, exc, sizeof exc);
    if (!(named = named_event(c, exc, n, line, len, lineno)))
        return ev;
    json_decref(ev);
    return named;
}

static int deliver_frame(struct classifier *c, const struct rule *r, const char *f, long no, int cut,
                         cls_event_cb cb, void *ctx)
{
    json_t *ev = cls_make_event(c, r, f, strlen(f), no), *evid = json_array();
    frames_to(c, evid, 0);
    json_object_set_new(ev, "evidence", evid);
    if (cut)
        json_object_set_new(ev, "truncated_traceback", json_true());
    cls_deliver(c, ev, cb, ctx);
    return 1;
}

/* The rule of the exception the innermost source line raises (tbraise.h:
 * "raise ValueError(..." or "assert ..."; a caret line under it skipped),
 * with that line in *src; NULL when it raises nothing a rule knows. The
 * rules ran on exc (the exception line Python would have printed). */
static const struct rule *raised_rule(struct classifier *c, char *exc, size_t n, const char **src, long *no)
{
    for (size_t k = 0; k < 2 && k < c->fcount; k++) {
        size_t slot = (c->fhead + c->fcount - 1 - k) % TB_LINES;
        const char *f = c->frames[slot];
        if (k == 0 && f[strspn(f, " \t^~")] == '\0')
            continue;
        size_t len = tb_raised_exception(f, strlen(f), exc, n);
        if (!len)
            return NULL;
        const struct rule *r = cls_run_rules(c, exc, len);
        *src = f;
        *no = c->frame_no[slot];
        return r && r->role != ROLE_NOISE ? r : NULL;
    }
    return NULL;
}

/* The frames of a traceback decide (cut: the traceback was cut off inside
 * them, a truncated paste or a rank killed while printing; else it ended in
 * an exception line no rule knows): the innermost frame a rule recognises,
 * with every frame as evidence; frames are tried innermost first. The
 * exception the innermost source line raises (raised_rule) outranks a frame
 * of an outer call and a rule of lower priority on the innermost frame's
 * lines, unless only an unknown rule knows it: then the frames decide
 * first, and that unknown rule (its line the key) after them. When nothing
 * is known and the traceback was cut off, the header "Traceback (most
 * recent call last):" is (py.traceback_cut_off: an exception was raised,
 * which is no clean run). Returns 1 when an event was delivered. */
int cls_frames_decide(struct classifier *c, int cut, cls_event_cb cb, void *ctx)
{
    char exc[TB_LINE_MAX];
    const char *src = NULL;
    long src_no = 0;
    const struct rule *raised = raised_rule(c, exc, sizeof exc, &src, &src_no), *r = NULL;
    int known = raised && strcmp(raised->category, "unknown");
    for (size_t i = c->fcount + 1; i-- > 0;) { /* i == 0: the header, kept apart from the ring */
        size_t slot = (c->fhead + i - 1) % TB_LINES;
        const char *f = i ? c->frames[slot] : c->head;
        long no = i ? c->frame_no[slot] : c->head_no;
        if (i && no == c->head_no) /* the header, while the ring still holds it */
            continue;
        int inner = i + 3 > c->fcount; /* the innermost frame: its File, source and caret lines */
        if (raised && (!i || (known && !inner))) /* the exception first (its match is rerun) */
            break;
        if (!i && !cut)
            continue;
        if (!(r = cls_run_rules(c, f, strlen(f))) || r->role == ROLE_NOISE)
            continue;
        if (known && r->priority < raised->priority)
            break;
        return deliver_frame(c, r, f, no, cut, cb, ctx);
    }
    if (raised && (raised = raised_rule(c, exc, sizeof exc, &src, &src_no)) != NULL)
        return deliver_frame(c, raised, src, src_no, cut, cb, ctx);
    return 0;
}
