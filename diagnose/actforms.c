/* actforms: the line forms the activity tracker reads (activity.c), as
 * pure functions of one line: completion lines too short to be searched
 * for inside other text and the Trainer's metrics row, glog and c10d
 * levels and error words, a traceback's frame, a printed gradient norm,
 * the run's last epoch finished. Lines here need not end in a NUL: every
 * read is bounded by the line's length (fuzzed through activity.c in
 * tests/fuzz/fuzz_classify.c). */
#include "diagnose/actforms.h"
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "diagnose/linemarks.h"

/* Completion lines too short to be searched for inside other text: they
 * count only as the whole line, after a Python logger's "INFO:name:", or
 * after a tqdm bar that the line continues (kohya sd-scripts' and
 * musubi-tuner's final save; an IDE's run console, PyCharm's, after a
 * process that exited 0). */
static const char *const done_lines[] = {"model saved.", "Process finished with exit code 0", NULL};

/* Whether s[0..len) is a Python logging prefix ("INFO:name.sub:", the
 * default format of logging.basicConfig) and nothing else. */
static int is_py_logger_prefix(const char *s, size_t len)
{
    static const char *const levels[] = {"INFO:", "WARNING:", "DEBUG:", NULL};
    for (const char *const *l = levels; *l; l++) {
        size_t n = strlen(*l), i = n;
        if (len <= n + 1 || memcmp(s, *l, n) || s[len - 1] != ':')
            continue;
        while (i < len - 1 && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.'))
            i++;
        return i == len - 1;
    }
    return 0;
}

/* Whether what precedes a completion line on its line lets it count:
 * nothing, a logger's prefix, or a tqdm bar (its closing "]" after a rate)
 * with or without a logger's prefix after it. */
static int done_line_head(const char *h, size_t len)
{
    while (len && (*h == ' ' || *h == '\t'))
        h++, len--;
    if (!len || is_py_logger_prefix(h, len))
        return 1;
    const char *bar = memrchr(h, ']', len);
    if (!bar)
        return 0;
    size_t after = (size_t)(h + len - bar - 1);
    if (after && !is_py_logger_prefix(bar + 1, after))
        return 0;
    size_t before = (size_t)(bar - h);
    return memmem(h, before, "it/s", 4) || memmem(h, before, "s/it", 4);
}

/* Whether the line ends with one of the completion lines above, preceded
 * by nothing that makes it part of other text. A suffix compare first:
 * most lines end otherwise and cost no more than that. */
static int ends_in_done_line(const char *line, size_t len)
{
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        len--;
    for (const char *const *m = done_lines; *m; m++) {
        size_t n = strlen(*m);
        if (len >= n && !memcmp(line + len - n, *m, n))
            return done_line_head(line, len - n);
    }
    return 0;
}

/* Whether the line is the train_runtime row of the transformers Trainer's
 * metrics after train() returned ("  train_runtime            = 2:05:47.06":
 * log_metrics pads the key), also in a paste that starts below its
 * "***** train metrics *****" header; not the wandb summary's
 * "train/train_runtime" nor a dict's key. */
static int metrics_row_done(const char *line, size_t len)
{
    static const char key[] = "train_runtime";
    size_t i = 0, n = sizeof key - 1;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (len - i <= n || memcmp(line + i, key, n) || line[i + n] != ' ')
        return 0;
    for (i += n; i < len && line[i] == ' '; i++)
        ;
    return i < len && line[i] == '=';
}

/* The blanks (space, tab, CR) that start line[0..len): lines here need
 * not end in a NUL. */
size_t act_blanks(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
        i++;
    return i;
}

/* The glog or c10d level letter that starts s ("W1203 ", "E1203 ",
 * "[W socket.cpp:601]", "[E ProcessGroupNCCL.cpp:...]", "[E1203 ..."), or
 * 0: W and I lines are no error reports whatever words they quote, E
 * lines are. */
int act_glog_level(const char *s, size_t n)
{
    if (n >= 3 && s[0] == '[' && (s[1] == 'W' || s[1] == 'I' || s[1] == 'E') &&
        (s[2] == ' ' || (s[2] >= '0' && s[2] <= '9')))
        return s[1];
    if (n < 6 || (s[0] != 'W' && s[0] != 'I' && s[0] != 'E') || s[5] != ' ')
        return 0;
    for (int i = 1; i < 5; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return s[0];
}

/* Whether line (lead: its leading blanks) holds an error-level word of
 * linemarks.c as a report of its own: "ERROR", "FATAL" or "CRITICAL" as a
 * word ("ERROR" not in "NCCL_ERROR_HANDLING"), "Error:"/"error:"/"fatal:"
 * at the line's start or after a tool's "name: " ("slurmstepd: error:",
 * "docker: Error response"; not "RuntimeError:", an exception line and the
 * rules' business, nor a quoted "(gai error: -2 ...)"). */
int act_error_word(const char *line, size_t len, size_t lead)
{
    static const char *const words[] = {"ERROR", "FATAL", "CRITICAL", "Error:", "error:", "fatal:", "Fatal:"};
    for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
        size_t n = strlen(words[w]);
        int colon = words[w][n - 1] == ':';
        for (const char *p = line, *end = line + len; (p = memmem(p, (size_t)(end - p), words[w], n));
             p += n) {
            if (colon ? (p == line + lead || (p - line >= 2 && p[-1] == ' ' && p[-2] == ':'))
                      : ((p == line || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
                         (p + n == end || !(isalnum((unsigned char)p[n]) || p[n] == '_'))))
                return 1;
        }
    }
    return 0;
}

/* Where FUNC begins when line (lead: its leading blanks) is a Python
 * traceback's frame, "File \"PATH\", line N, in FUNC" (not faulthandler's
 * "line N in FUNC" of a stack dump, which is no exception), else 0. */
size_t act_frame_func(const char *line, size_t len, size_t lead)
{
    const char *s = line + lead, *end = line + len;
    if ((size_t)(end - s) < 20 || memcmp(s, "File \"", 6))
        return 0;
    const char *q = memmem(s + 6, (size_t)(end - s - 6), "\", line ", 8);
    if (!q || q + 8 >= end || !isdigit((unsigned char)q[8]))
        return 0;
    for (q += 8; q < end && isdigit((unsigned char)*q); q++)
        ;
    return end - q > 5 && !memcmp(q, ", in ", 5) ? (size_t)(q + 5 - line) : 0;
}

/* Whether the line is such a frame: a log that ends among frames ends
 * inside a traceback whose exception line is cut off. */
int act_frame_line(const char *line, size_t len, size_t lead)
{
    return act_frame_func(line, len, lead) != 0;
}

/* The value of the gradient norm line[0..len) prints ("grad_norm: nan",
 * "'grad_norm': inf", "grad norm: 1.25", "The grad norm is nan"): 1 when
 * it is nan or inf, 0 when it is a number, -1 when the line prints none. */
int act_grad_norm(const char *line, size_t len)
{
    static const char *const keys[] = {"grad_norm", "grad norm", "Grad norm"};
    for (size_t w = 0; w < sizeof keys / sizeof *keys; w++) {
        size_t kl = strlen(keys[w]);
        const char *p = memmem(line, len, keys[w], kl), *end = line + len;
        if (!p)
            continue;
        p += kl;
        while (p < end && (*p == '\'' || *p == '"' || *p == ' ' || *p == ':' || *p == '='))
            p++;
        if (end - p >= 3 && !memcmp(p, "is ", 3))
            p += 3;
        if (end - p >= 3 && (!strncasecmp(p, "nan", 3) || !strncasecmp(p, "inf", 3)) &&
            (end - p == 3 || !isalnum((unsigned char)p[3])))
            return 1;
        if (p < end && (isdigit((unsigned char)*p) || (*p == '-' && p + 1 < end && isdigit((unsigned char)p[1]))))
            return 0;
    }
    return -1;
}

/* Reads up to 9 digits at s within end into *v: the first byte after
 * them, or s when there is none (lines here need not end in a NUL, so no
 * strtol). */
static const char *digits(const char *s, const char *end, long *v)
{
    const char *p = s;
    for (*v = 0; p < end && p - s < 9 && isdigit((unsigned char)*p); p++)
        *v = *v * 10 + (*p - '0');
    return p;
}

/* Reads "N/M" at s (digits, a slash, digits) within end: 1 and *n, *m
 * when there, with *after past it. */
static int fraction(const char *s, const char *end, long *n, long *m, const char **after)
{
    const char *e = digits(s, end, n);
    if (e == s || e >= end || *e != '/')
        return 0;
    *after = digits(e + 1, end, m);
    return *after > e + 1;
}

/* Whether line[0..len) shows that the run's last epoch finished: Keras's
 * bar complete ("3125/3125 [=====...] - 13s ...") under the header of its
 * last epoch ("Epoch 5/5", kept in *final_epoch), or a tqdm bar over the
 * epochs at its end ("Epoch: 100%|##########| 13/13 [61:14<00:00, ...]";
 * not a bar over one epoch's batches, "Epoch 145/200: 100%| 7851/7851"). */
int act_final_epoch(int *final_epoch, const char *line, size_t len, uint32_t k)
{
    const char *s = line + act_blanks(line, len), *end = line + len, *after;
    long n, m;
    if (end - s > 6 && !memcmp(s, "Epoch ", 6) && fraction(s + 6, end, &n, &m, &after)) {
        *final_epoch = act_blanks(after, (size_t)(end - after)) == (size_t)(end - after) && m > 0 && n == m;
        return 0;
    }
    if (*final_epoch && fraction(s, end, &n, &m, &after) && n == m && m > 0 && end - after > 3 &&
        !memcmp(after, " [=", 3))
        return 1;
    if (!(k & LM_EPOCHS)) /* the bar's marks, found in the linemarks walk */
        return 0;
    static const char *const bars[] = {"Epoch: 100%|", "Epochs: 100%|", "epoch: 100%|", "epochs: 100%|"};
    for (size_t b = 0; b < sizeof bars / sizeof *bars; b++) {
        size_t bl = strlen(bars[b]);
        const char *p = memmem(line, len, bars[b], bl), *q;
        if (!p || (p > line && p[-1] != ' ' && p[-1] != '\r' && p[-1] != ']' && p[-1] != ':'))
            continue;
        if ((q = memchr(p + bl, '|', (size_t)(end - p - bl))) && fraction(q + 1 + (q + 1 < end && q[1] == ' '), end,
                                                                           &n, &m, &after) &&
            n == m && m > 0)
            return 1;
    }
    return 0;
}

int act_done_line(const char *line, size_t len)
{
    return ends_in_done_line(line, len) || metrics_row_done(line, len);
}
