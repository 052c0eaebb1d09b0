/* cmd_util: shared helpers of the diagnose and rules commands (see
 * cmd_util.h). */
#include "diagnose/cmd_util.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "common/exitcodes.h"
#include "common/text.h"

int usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "endure %s: %s\n", cmd, msg);
    return EXIT_USAGE;
}

int load_rules(struct ruleset **rs, const char *const *extra, size_t nextra, int with_default,
               struct buf *err)
{
    return load_rules_ex(rs, extra, nextra, with_default, 1, err);
}

int load_rules_ex(struct ruleset **rs, const char *const *extra, size_t nextra, int with_default,
                  int candidates, struct buf *err)
{
    const char *paths[65];
    char dir[PATH_MAX];
    size_t n = 0;
    if (with_default) {
        if (ruleset_default_dir(dir, sizeof dir) < 0) {
            buf_puts(err, "endure: cannot find the shipped rules (set ENDURE_RULES_DIR)\n");
            return -1;
        }
        paths[n++] = dir;
    }
    for (size_t i = 0; i < nextra && n < 65; i++)
        paths[n++] = extra[i];
    return ruleset_load_ex(rs, paths, n, candidates, err);
}

void print_json(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15));
    if (s)
        puts(s);
    free(s);
}

static int escape_out; /* stdout is a terminal: escape text from logs */

void print_escape(int on)
{
    escape_out = on;
}

void print_text(const char *s, int keep_newline)
{
    if (escape_out)
        text_fputs_escaped(s, stdout, keep_newline);
    else
        fputs(s, stdout);
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

static void to_stdout(void *arg, const char *piece)
{
    (void)arg;
    fputs(piece, stdout);
}

void print_verdict(const json_t *v)
{
    struct verdict_print_opts o = {.style = VERDICT_PRINT_FULL, .escape = escape_out, .write = to_stdout};
    verdict_print(v, &o);
}

/* "category/type, culprit ..., action A (source)" of one attempt. */
static void print_attempt_verdict(const json_t *a)
{
    const json_t *v = json_object_get(a, "verdict"), *c = json_object_get(v, "culprit");
    static const char *const keys[] = {"host", "rank", "gpu"};
    printf("\n             verdict ");
    print_text(str(v, "category"), 0);
    printf("/");
    print_text(str(v, "type"), 0);
    for (int i = 0, any = 0; i < 3; i++) {
        json_t *x = json_object_get(c, keys[i]);
        if (!x || json_is_null(x))
            continue;
        printf("%s %s ", any++ ? "," : ", culprit", keys[i]);
        if (json_is_integer(x))
            printf("%lld", (long long)json_integer_value(x));
        else
            print_text(json_string_value(x), 0);
    }
    printf(", action ");
    print_text(str(v, "action"), 0);
    printf(" (");
    print_text(str(a, "source"), 0);
    printf(")");
}

static void print_run_line(const json_t *run)
{
    const char *outcome = str(run, "outcome");
    long long failed = (long long)json_integer_value(json_object_get(run, "failed"));
    printf("run:         %lld attempt%s; ", (long long)json_integer_value(json_object_get(run, "attempts")),
           json_integer_value(json_object_get(run, "attempts")) == 1 ? "" : "s");
    if (!strcmp(outcome, "succeeded") && failed)
        printf("the run ended successfully after %lld failed attempt%s\n", failed, failed == 1 ? "" : "s");
    else if (!strcmp(outcome, "succeeded"))
        printf("the run ended successfully\n");
    else if (!strcmp(outcome, "failed")) {
        printf("the run failed (exit %lld: ", (long long)json_integer_value(json_object_get(run, "exit_code")));
        print_text(str(run, "reason"), 0);
        printf(")\n");
    } else if (!strcmp(outcome, "unfinished"))
        printf("the run has not ended (still running, or its controller was killed)\n");
    else
        printf("no journal (events.jsonl), so outcomes are known only from failure.json\n");
}

void print_run_report(const char *dir, const json_t *r)
{
    size_t i;
    json_t *a, *list = json_object_get(r, "attempts");
    printf("run dir:     ");
    print_text(dir, 0);
    printf("\n");
    print_run_line(json_object_get(r, "run"));
    json_array_foreach(list, i, a) {
        char label[40];
        snprintf(label, sizeof label, "attempt %lld:", (long long)json_integer_value(json_object_get(a, "attempt")));
        printf("%-12s %s", label, str(a, "outcome"));
        if (json_is_string(json_object_get(a, "what"))) {
            printf(": ");
            print_text(str(a, "what"), 0);
        }
        if (json_is_object(json_object_get(a, "verdict")))
            print_attempt_verdict(a);
        printf("\n");
    }
    printf("\nlast attempt (attempt-%lld):\n",
           (long long)json_integer_value(json_object_get(json_array_get(list, json_array_size(list) - 1),
                                                         "attempt")));
}
