/* cmd_rules: `endure rules check|test|export [PATH...]` for rule authors.
 * check: load and validate (errors as file:line:column), warn about rules
 * without a prefilter literal; test: every example and counter-example
 * through the full path (prefix stripping, Aho-Corasick prefilter, PCRE2),
 * ending with "N passed, N failed" (a line that hits the PCRE2 match or
 * depth limit fails, whatever the expectation); export: the rules as JSON (for the
 * Python baseline of the benchmark). Default PATH: the shipped set. */
#include <stdio.h>
#include <string.h>
#include "common/exitcodes.h"
#include "diagnose/cmd_util.h"
#include "diagnose/internal.h"
#include "diagnose/prefix.h"

static const char usage_text[] =
    "usage: endure rules check|test|export [PATH...] (--help anywhere; after --\n"
    "       every argument is a PATH)\n"
    "  check    validate rule files (errors as file:line:column: message)\n"
    "  test     run every example (must match) and counter_example (must not)\n"
    "           through the full classifier, every frame_example through its\n"
    "           rule's frame pattern; ends with \"N passed, N failed\";\n"
    "           a line on which a pattern hits the match limit fails\n"
    "  export   print the rules as a JSON array\n"
    "  learned  review the rules an LLM proposed (endure rules learned --help)\n"
    "PATH: rule files or directories; default: the shipped rules.\n"
    "exit: 0 ok, 1 errors or failures, 2 usage error\n";

static struct ruleset *load(const char *const *paths, size_t n, struct buf *err)
{
    struct ruleset *rs = NULL;
    load_rules(&rs, paths, n, n == 0, err);
    return rs;
}

/* The PATHs after the subcommand into paths (*n); 0, 1 (--help printed)
 * or EXIT_USAGE. Options may come anywhere; after "--" only PATHs. */
static int parse_paths(int argc, char **argv, const char **paths, size_t *n)
{
    int only_paths = 0;
    *n = 0;
    for (int i = 2; i < argc; i++) {
        if (!only_paths && !strcmp(argv[i], "--")) {
            only_paths = 1;
        } else if (!only_paths && (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))) {
            fputs(usage_text, stdout);
            return 1;
        } else if (!only_paths && argv[i][0] == '-') {
            return usage_error("rules", "unknown option (see endure rules --help)");
        } else {
            paths[(*n)++] = argv[i];
        }
    }
    return 0;
}

static int check(struct ruleset *rs)
{
    size_t warned = 0;
    for (size_t i = 0; i < ruleset_count(rs); i++) {
        struct rule_info ri;
        ruleset_rule(rs, i, &ri);
        if (!ri.nliterals && warned++ < 50)
            printf("%s:%ld:%ld: warning: rule %s has no literal of %d+ bytes; it runs on every "
                   "line (add `literals:`)\n", ri.file, ri.line, ri.column, ri.id,
                   RULE_MIN_LITERAL);
        if (ri.default_action && strcmp(ri.action, ri.default_action) && !ri.action_reason &&
            warned++ < 50)
            printf("%s:%ld:%ld: warning: rule %s: action %s differs from the default of type %s "
                   "(%s); say why in `action_reason:`\n", ri.file, ri.line, ri.column, ri.id,
                   ri.action, ri.type, ri.default_action);
    }
    printf("%zu rules, %zu without a literal (always run)\n", ruleset_count(rs),
           ruleset_always_count(rs));
    return EXIT_OK;
}

/* One example through the full path; returns 1 when as expected. */
static int one(struct classifier *c, size_t i, const struct rule_info *ri, const char *ex,
               int want, size_t *shadowed)
{
    struct prefix_info p;
    struct classifier_stats before, after;
    size_t len = strlen(ex);
    prefix_parse(ex, len, &p);
    classifier_stats(c, &before);
    int got = classifier_rule_check(c, i, ex + p.skip, len - p.skip);
    classifier_stats(c, &after);
    if (after.limit_hits > before.limit_hits) {
        printf("%s:%ld:%ld: FAIL rule %s: %s hits the match limit (the pattern backtracks too "
               "much; keep it linear): %s\n", ri->file, ri->line, ri->column, ri->id,
               want ? "example" : "counter_example", ex);
        return 0;
    }
    if ((got == 1) == want) {
        const char *win = want ? classifier_match(c, ex + p.skip, len - p.skip) : NULL;
        if (win && strcmp(win, ri->id) && (*shadowed)++ < 20)
            printf("%s:%ld:%ld: note: rule %s: example is claimed by higher-ranked rule %s: %s\n",
                   ri->file, ri->line, ri->column, ri->id, win, ex);
        return 1;
    }
    printf("%s:%ld:%ld: FAIL rule %s: %s %s: %s\n", ri->file, ri->line, ri->column, ri->id,
           want ? "example" : "counter_example",
           !want ? "matches" : got < 0 ? "is not selected by the prefilter (literals or requires missing)"
                                       : "does not match",
           ex);
    return 0;
}

static int test(struct ruleset *rs)
{
    struct classifier *c = classifier_new(rs);
    size_t passed = 0, failed = 0, shadowed = 0;
    if (!c)
        return EXIT_FAILED;
    for (size_t i = 0; i < ruleset_count(rs); i++) {
        struct rule_info ri;
        ruleset_rule(rs, i, &ri);
        for (size_t k = 0; k < ri.nexamples; k++)
            one(c, i, &ri, ri.examples[k], 1, &shadowed) ? passed++ : failed++;
        for (size_t k = 0; k < ri.ncounter_examples; k++)
            one(c, i, &ri, ri.counter_examples[k], 0, &shadowed) ? passed++ : failed++;
        for (size_t k = 0; k < ri.nframe_examples; k++) {
            const char *f = ri.frame_examples[k];
            if (classifier_frame_check(c, i, f, strlen(f)) == 1) {
                passed++;
                continue;
            }
            printf("%s:%ld:%ld: FAIL rule %s: frame_example does not match frame: %s\n", ri.file, ri.line,
                   ri.column, ri.id, f);
            failed++;
        }
    }
    struct classifier_stats st;
    classifier_stats(c, &st);
    classifier_free(c);
    if (st.limit_hits)
        printf("%lu pattern runs hit the match limit (counted as no match)\n", st.limit_hits);
    if (shadowed)
        printf("%zu examples are claimed by a higher-ranked rule (notes above, at most 20)\n",
               shadowed);
    printf("%zu passed, %zu failed\n", passed, failed);
    return failed ? EXIT_FAILED : EXIT_OK;
}

static int export(struct ruleset *rs)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < ruleset_count(rs); i++) {
        struct rule_info ri;
        ruleset_rule(rs, i, &ri);
        json_t *lits = json_array();
        for (size_t k = 0; k < ri.nliterals; k++)
            json_array_append_new(lits, json_string(ri.literals[k]));
        json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:o}", "id", ri.id, "category", ri.category,
                              "type", ri.type, "role", ri.role, "action", ri.action, "priority", ri.priority,
                              "match", ri.pattern, "literals", lits);
        if (ri.nrequires) {
            json_t *req = json_array();
            for (size_t k = 0; k < ri.nrequires; k++)
                json_array_append_new(req, json_string(ri.requires[k]));
            json_object_set_new(o, "requires", req);
        }
        if (ri.teardown)
            json_object_set_new(o, "teardown", json_true());
        if (ri.vague)
            json_object_set_new(o, "vague", json_true());
        if (ri.frame)
            json_object_set_new(o, "frame", json_string(ri.frame));
        if (ri.setup_action)
            json_object_set_new(o, "setup_action", json_string(ri.setup_action));
        json_array_append_new(arr, o);
    }
    print_json(arr);
    json_decref(arr);
    return EXIT_OK;
}

int cmd_rules(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "learned"))
        return cmd_rules_learned(argc, argv);
    int (*fn)(struct ruleset *) = !strcmp(argv[1], "check")    ? check
                                  : !strcmp(argv[1], "test")   ? test
                                  : !strcmp(argv[1], "export") ? export
                                                               : NULL;
    if (!fn)
        return usage_error("rules", "unknown subcommand (check, test, export)");
    const char *paths[64];
    size_t n;
    if (argc - 2 > (int)(sizeof paths / sizeof *paths))
        return usage_error("rules", "too many PATHs (at most 64)");
    int rc = parse_paths(argc, argv, paths, &n);
    if (rc)
        return rc == 1 ? EXIT_OK : rc;
    struct buf err;
    buf_init(&err, 1 << 20);
    struct ruleset *rs = load(paths, n, &err);
    if (!rs) {
        fputs(err.len ? err.p : "endure rules: cannot load rules\n", !strcmp(argv[1], "check")
                                                                          ? stdout : stderr);
        buf_free(&err);
        return EXIT_FAILED;
    }
    rc = fn(rs);
    ruleset_free(rs);
    buf_free(&err);
    return rc;
}
