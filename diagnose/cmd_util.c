/* cmd_util: shared helpers of the diagnose and rules commands (see
 * cmd_util.h). */
#include "diagnose/cmd_util.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "common/exitcodes.h"

int usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "endure %s: %s\n", cmd, msg);
    return EXIT_USAGE;
}

int load_rules(struct ruleset **rs, const char *const *extra, size_t nextra, int with_default,
               struct buf *err)
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
    return ruleset_load(rs, paths, n, err);
}

void print_json(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15));
    if (s)
        puts(s);
    free(s);
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

static void print_culprit(const json_t *c)
{
    static const char *const keys[] = {"host", "rank", "gpu"};
    int any = 0;
    printf("culprit:     ");
    for (int i = 0; i < 3; i++) {
        json_t *x = json_object_get(c, keys[i]);
        if (!x || json_is_null(x))
            continue;
        printf("%s%s ", any++ ? ", " : "", keys[i]);
        if (json_is_integer(x))
            printf("%lld", (long long)json_integer_value(x));
        else
            printf("%s", json_string_value(x));
    }
    printf("%s\n", any ? "" : "none identified");
}

void print_verdict(const json_t *v)
{
    const json_t *key = json_object_get(v, "key_line");
    printf("category:    %s\ntype:        %s\n", str(v, "category"), str(v, "type"));
    print_culprit(json_object_get(v, "culprit"));
    printf("action:      %s\nrule:        %s (confidence %.2f)\n", str(v, "action"),
           str(v, "rule"), json_number_value(json_object_get(v, "confidence")));
    if (json_is_object(key)) {
        json_t *line = json_object_get(key, "line");
        printf("key line:    %s", str(key, "file"));
        if (json_is_integer(line))
            printf(":%lld", (long long)json_integer_value(line));
        printf("\n    > %s\n", str(key, "text"));
    }
    size_t i;
    json_t *e;
    if (json_array_size(json_object_get(v, "evidence")))
        printf("evidence:\n");
    json_array_foreach(json_object_get(v, "evidence"), i, e) printf("    %s\n",
                                                                      json_string_value(e));
    printf("explanation:\n    %s\n", str(v, "explanation"));
}
