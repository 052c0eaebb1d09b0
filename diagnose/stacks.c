/* stacks: faulthandler dumps in rank log lines, and the odd rank out of a
 * hang (see stacks.h). The two line shapes are PCRE2 patterns:
 *   "Current thread 0x00007f... (most recent call first):" (or "Thread",
 *   or "Stack" in a build without threads) opens a thread's stack;
 *   "  File \"...\", line N in f" is one of its frames, innermost first. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>
#include "diagnose/stacks.h"

static pcre2_code *compile(const char *pat)
{
    int e;
    PCRE2_SIZE off;
    return pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &e, &off, NULL);
}

static int matches(pcre2_code *re, pcre2_match_data *md, const char *s)
{
    return re && md && pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL) >= 0;
}

/* The blanks-trimmed copy of a frame line. */
static void keep(char *dst, const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    snprintf(dst, STACK_FRAME_MAX, "%s", line);
}

int stack_parse(const json_t *lines, struct stack_dump *out)
{
    pcre2_code *head = compile("^(Current thread|Thread|Stack) ?(0x[0-9a-fA-F]+ )?\\(most recent call first\\):\\s*$");
    pcre2_code *frame = compile("^  File \".*\", line [0-9]+ in \\S");
    pcre2_match_data *md = head ? pcre2_match_data_create_from_pattern(head, NULL) : NULL;
    long n = (long)json_array_size(lines), start = -1;
    memset(out, 0, sizeof *out);
    out->top = -1;
    for (long i = n - 1; i >= 0 && start < 0; i--) {
        const char *s = json_string_value(json_array_get(lines, (size_t)i));
        if (s && !strncmp(s, "Fatal Python error:", 19))
            start = i;
    }
    int chosen = 0; /* 1: the first thread taken, 2: "Current thread" taken */
    for (long i = start < 0 ? n : start; i < n && chosen < 2; i++) {
        const char *s = json_string_value(json_array_get(lines, (size_t)i));
        if (!s || !matches(head, md, s))
            continue;
        int current = !strncmp(s, "Current thread", 14);
        if (chosen && !current)
            continue;
        out->nframes = 0;
        out->top = -1;
        for (long k = i + 1; k < n; k++) {
            const char *f = json_string_value(json_array_get(lines, (size_t)k));
            if (!f || !matches(frame, md, f))
                break;
            if (out->top < 0)
                out->top = k;
            if (out->nframes < STACK_MAX_FRAMES)
                keep(out->frames[out->nframes++], f);
        }
        chosen = current ? 2 : 1;
    }
    out->found = start >= 0 && chosen > 0;
    out->first = start;
    pcre2_match_data_free(md);
    pcre2_code_free(head);
    pcre2_code_free(frame);
    return out->found ? 0 : -1;
}

const char *stack_signature(const struct stack_dump *d)
{
    return d->found && d->nframes ? d->frames[0] : "";
}

int stacks_odd_out(const struct stack_dump *d, int n, int *odd, int max, const char **majority)
{
    int best = -1, best_count = 0, with = 0;
    *majority = "";
    for (int i = 0; i < n; i++) {
        if (!d[i].found || !d[i].nframes)
            continue;
        with++;
        int count = 0;
        for (int j = 0; j < n; j++)
            count += d[j].found && d[j].nframes && !strcmp(stack_signature(&d[i]), stack_signature(&d[j]));
        if (count > best_count) {
            best = i;
            best_count = count;
        }
    }
    if (best < 0 || best_count < 2 || best_count <= with - best_count)
        return 0;
    *majority = stack_signature(&d[best]);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (d[i].found && d[i].nframes && strcmp(stack_signature(&d[i]), *majority) && k < max)
            odd[k++] = i;
    return k;
}
