/* cmd_learned: `endure rules learned list|show|accept|reject [ID]
 * [--learned-rules FILE]`: the review of the rules an LLM proposed (see
 * llm.h). list: every learned rule with its status; show: its entry
 * (pattern, example, explanation, provenance); accept: status candidate ->
 * accepted (then it classifies like any rule); reject: removes it. Default
 * FILE: endure-runs/learned-rules/learned.yaml (the default --log-dir). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "common/exitcodes.h"
#include "diagnose/cmd_util.h"
#include "diagnose/llm.h"

#define DEFAULT_LEARNED "endure-runs/learned-rules/learned.yaml"

static const char usage_text[] =
    "usage: endure rules learned list|show ID|accept ID|reject ID [--learned-rules FILE]\n"
    "  list     the learned rules with their status (candidate, accepted)\n"
    "  show     one rule's entry: pattern, example, explanation, provenance\n"
    "  accept   a candidate becomes an accepted rule (it classifies from then on)\n"
    "  reject   removes the rule from the file\n"
    "FILE: default " DEFAULT_LEARNED " (<log dir>/learned-rules/learned.yaml)\n"
    "exit: 0 ok, 1 no such rule or the file cannot be changed, 2 usage error\n";

static int list(const char *path)
{
    struct ruleset *rs = NULL;
    struct buf err;
    struct stat st;
    buf_init(&err, 1 << 20);
    if (stat(path, &st) == 0 && st.st_size == 0) {
        printf("0 learned rules\n");
        buf_free(&err);
        return EXIT_OK;
    }
    if (ruleset_load(&rs, &path, 1, &err) < 0) {
        fputs(err.p ? err.p : "cannot load\n", stderr);
        buf_free(&err);
        return EXIT_FAILED;
    }
    for (size_t i = 0; i < ruleset_count(rs); i++) {
        struct rule_info ri;
        ruleset_rule(rs, i, &ri);
        printf("%-40s %-10s %s/%s  ", ri.id, ri.status ? ri.status : "-", ri.category, ri.type);
        print_text(ri.pattern, 0);
        printf("\n");
    }
    printf("%zu learned rules\n", ruleset_count(rs));
    ruleset_free(rs);
    buf_free(&err);
    return EXIT_OK;
}

int cmd_rules_learned(int argc, char **argv)
{
    const char *path = DEFAULT_LEARNED, *verb = NULL, *id = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return fputs(usage_text, stdout), EXIT_OK;
        if (!strcmp(argv[i], "--learned-rules") && i + 1 < argc)
            path = argv[++i];
        else if (argv[i][0] == '-')
            return usage_error("rules learned", "unknown option (see endure rules learned --help)");
        else if (!verb)
            verb = argv[i];
        else if (!id)
            id = argv[i];
        else
            return usage_error("rules learned", "too many arguments");
    }
    if (!verb || (strcmp(verb, "list") && !id) || (!strcmp(verb, "list") && id))
        return usage_error("rules learned", "list, or show|accept|reject ID (see endure rules learned --help)");
    if (!strcmp(verb, "list"))
        return list(path);
    if (!strcmp(verb, "show")) {
        char *t = learned_show(path, id);
        if (!t)
            return fprintf(stderr, "endure rules learned: no learned rule '%s' in %s\n", id, path), EXIT_FAILED;
        print_text(t, 1);
        free(t);
        return EXIT_OK;
    }
    if (strcmp(verb, "accept") && strcmp(verb, "reject"))
        return usage_error("rules learned", "unknown subcommand (list, show, accept, reject)");
    struct buf err;
    buf_init(&err, 1 << 16);
    int rc = learned_set(path, id, !strcmp(verb, "accept"), &err);
    if (rc < 0)
        fprintf(stderr, "endure rules learned: %s", err.p ? err.p : "failed\n");
    else
        printf("%s %s\n", id, !strcmp(verb, "accept") ? "accepted" : "rejected (removed)");
    buf_free(&err);
    return rc < 0 ? EXIT_FAILED : EXIT_OK;
}
