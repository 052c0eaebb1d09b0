/* Unit tests of strict parsing (issue 7, group "parse"): number and
 * duration parsers, run flags that must be refused before anything is
 * created, YAML nesting bound and first-error stop, duplicate policy keys,
 * capture group names, progress step captures, run directory names. */
#include "tests/unit/harness.h"
#include <stdlib.h>
#include <sys/stat.h>
#include "common/log.h"
#include "common/util.h"
#include "diagnose/input.h"
#include "diagnose/rules_load.h"
#include "diagnose/yamlev.h"
#include "supervisor/config.h"
#include "tests/unit/test_diag_util.h"

TEST(parse_duration_rejects_nan_inf_hex_exponent)
{
    static const char *const junk[] = {"nan", "NaN", "-nan", "inf", "infinity", "0x10", "0x1p3", "1e3",
                                       "1E3s", "+5", " 5", "5 ", "1.", ".5", "5s ", "1..5", "",
                                       "99999999999999999999h", "5sec", "-0"};
    int64_t ms = 42;
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
        if (parse_duration_ms(junk[i], &ms) == 0)
            fprintf(stderr, "  accepted '%s' as %lld ms\n", junk[i], (long long)ms);
        CHECK(parse_duration_ms(junk[i], &ms) == -1);
    }
    CHECK(ms == 42); /* untouched on errors */
    CHECK(parse_duration_ms("0", &ms) == 0 && ms == 0);
    CHECK(parse_duration_ms("2h", &ms) == 0 && ms == 7200000);
    CHECK(parse_duration_ms("0.25s", &ms) == 0 && ms == 250);
    CHECK(parse_duration_ms("10ms", &ms) == 0 && ms == 10);
}

TEST(parse_long_rejects_signs_where_not_allowed)
{
    long v = 7;
    CHECK(parse_long("+5", 0, 100, &v) == -1);
    CHECK(parse_long("-0", 0, 100, &v) == -1);
    CHECK(parse_long("0x10", 0, 100, &v) == -1);
    CHECK(parse_long("1e2", 0, 1000, &v) == -1);
    CHECK(parse_long("99999999999999999999", 0, 100, &v) == -1);
    CHECK(v == 7);
    CHECK(parse_long("-5", -10, 10, &v) == 0 && v == -5);
    CHECK(parse_long("-", -10, 10, &v) == -1);
    CHECK(parse_long("--5", -10, 10, &v) == -1);
    CHECK(parse_long("007", 0, 10, &v) == 0 && v == 7);
}

TEST(parse_digits_prefix)
{
    long v = -1;
    CHECK(parse_digits("12.log", 100, &v) == 2 && v == 12);
    CHECK(parse_digits("+1.log", 100, &v) == 0);
    CHECK(parse_digits(" 1", 100, &v) == 0);
    CHECK(parse_digits("101", 100, &v) == 0);
    CHECK(parse_digits("1234567890123456789", 1L << 62, &v) == 0); /* 19 digits */
    CHECK(v == 12);
}

/* parse_decimal reads what strtod reads, bit for bit, and refuses what
 * strtod would not read whole (or reads as nan, inf or hex). */
static int same_as_strtod(const char *num)
{
    double got, want = strtod(num, NULL);
    if (parse_decimal(num, strlen(num), &got) != 0)
        return 0;
    return memcmp(&got, &want, sizeof got) == 0;
}

TEST(parse_decimal_matches_strtod)
{
    static const char *const fmts[] = {"%.6E", "%.4f", "%.17g", "%.3e", "%g", "%.10f", "%.1f"};
    char num[64];
    unsigned seed = 12345;
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        double x = (double)(seed >> 8) / (1 << 20) * ((seed & 3) ? 1.0 : 1e-9 * (seed % 97 + 1));
        if (seed & 16)
            x = -x;
        snprintf(num, sizeof num, fmts[i % 7], x);
        bad += !same_as_strtod(num);
    }
    CHECK(bad == 0);
    const char *const ok[] = {"2.523866E+00", "0", "-0", "+1.5", "1.", ".5", "1e5", "1E-30", "123456789012345678901",
                              "9007199254740993", "0.1", "1e22", "1e23", "4.9e-324", "1e400", "000001.25"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        CHECK(same_as_strtod(ok[i]));
    double v = 7;
    const char *const refused[] = {"", "-", ".", "nan", "inf", "0x10", "1e", "1e+", "1..2", "1.5 ", " 1.5", "+-1",
                                   "1.5x"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        CHECK(parse_decimal(refused[i], strlen(refused[i]), &v) == -1);
    CHECK(v == 7);
    CHECK(parse_decimal("2.5e-1xyz", 6, &v) == 0 && v == 0.25); /* only the n bytes given */
}

static int run_rejects(char **argv, const char *want)
{
    struct run_config c;
    struct buf err;
    int argc = 0;
    while (argv[argc])
        argc++;
    buf_init(&err, 1024);
    int rc = config_parse(&c, argc, argv, &err);
    int ok = rc < 0 && err.p && strstr(err.p, want);
    if (!ok)
        fprintf(stderr, "  rc %d, wanted '%s' in: %s\n", rc, want, err.p ? err.p : "(none)");
    config_free(&c);
    buf_free(&err);
    return ok;
}

TEST(parse_run_flags_refused)
{
    char *a1[] = {"run", "--hang-timeout", "nan", "--", "true", NULL};
    CHECK(run_rejects(a1, "invalid value 'nan' for --hang-timeout"));
    char *a2[] = {"run", "--restart-backoff=nan", "--", "true", NULL};
    CHECK(run_rejects(a2, "--restart-backoff"));
    char *a3[] = {"run", "--stop-timeout", "1e3", "--", "true", NULL};
    CHECK(run_rejects(a3, "--stop-timeout"));
    char *a4[] = {"run", "--forward-signals", "", "--", "true", NULL};
    CHECK(run_rejects(a4, "--forward-signals"));
    char *a5[] = {"run", "--forward-signals", "INT,,TERM", "--", "true", NULL};
    CHECK(run_rejects(a5, "--forward-signals"));
    char *a6[] = {"run", "--progress-regex", "step (", "--", "true", NULL};
    CHECK(run_rejects(a6, "for --progress-regex: invalid --progress-regex at offset"));
    char *a7[] = {"run", "--local-ranks-filter", ",", "--", "true", NULL};
    CHECK(run_rejects(a7, "--local-ranks-filter"));
    char *a8[] = {"run", "-r", "", "--", "true", NULL};
    CHECK(run_rejects(a8, "--redirects"));
    char *a9[] = {"run", "--nodes", "a,n[3-1]", "--", "true", NULL};
    CHECK(run_rejects(a9, "--nodes"));
    char *a10[] = {"run", "--max-restarts", "+3", "--", "true", NULL};
    CHECK(run_rejects(a10, "--max-restarts"));
    char *a11[] = {"run", "--ckpt-dir", "", "--", "true", NULL};
    CHECK(run_rejects(a11, "--ckpt-dir"));
    char *ok[] = {"run", "--", "true", NULL};
    setenv("PET_HANG_TIMEOUT", "nan", 1);
    CHECK(run_rejects(ok, "(from PET_HANG_TIMEOUT)"));
    unsetenv("PET_HANG_TIMEOUT");
    setenv("PET_PROGRESS_REGEX", "[", 1);
    CHECK(run_rejects(ok, "(from PET_PROGRESS_REGEX)"));
    unsetenv("PET_PROGRESS_REGEX");
}

/* 100000 nested flow sequences in a rule's examples, at line 3. */
static char *deep_rules(size_t depth)
{
    static const char head[] = "- id: x\n  examples:\n    - ";
    char *t = malloc(sizeof head + depth + 1);
    memcpy(t, head, sizeof head - 1);
    memset(t + sizeof head - 1, '[', depth);
    t[sizeof head - 1 + depth] = '\n';
    t[sizeof head + depth] = '\0';
    return t;
}

TEST(parse_yaml_depth_bound_names_the_line)
{
    char *t = deep_rules(100000);
    struct buf err;
    buf_init(&err, 1 << 16);
    struct rules_acc acc = {.err = &err};
    CHECK(rules_load_text(&acc, "t.yaml", t, strlen(t)) < 0);
    free(t);
    const char *e = err.p ? err.p : "";
    if (!strstr(e, "t.yaml:3:"))
        fprintf(stderr, "  got: %s\n", e);
    CHECK(strstr(e, "t.yaml:3:") && strstr(e, "nesting deeper than 64 levels"));
    /* "items of 'examples' must be strings", then the bound, then nothing */
    CHECK(acc.nerrors == 2);
    for (size_t i = 0; i < acc.n; i++)
        rule_clear(&acc.rules[i]);
    free(acc.rules);
    buf_free(&err);
}

/* Structure count: the reader stops at the bound, not after reading every
 * level, and stays stopped (libyaml hands out empty events after an error). */
TEST(parse_yaml_stops_at_first_error)
{
    char *t = deep_rules(100000);
    struct buf err;
    int nerr = 0;
    struct yev y;
    buf_init(&err, 4096);
    CHECK(yev_open(&y, "t.yaml", t, strlen(t), &err, &nerr) == 0);
    size_t ok = 0;
    while (yev_next(&y) == 0 && ok < 300000)
        ok++;
    /* stream, document, 3 scalars, then the levels up to the bound */
    if (ok > YEV_DEPTH_MAX + 5)
        fprintf(stderr, "  %zu events read\n", ok);
    CHECK(ok <= YEV_DEPTH_MAX + 5);
    CHECK(yev_next(&y) == -1 && yev_next(&y) == -1);
    CHECK(nerr == 1);
    yev_close(&y);
    free(t);
    /* a parse error is final too */
    nerr = 0;
    CHECK(yev_open(&y, "u.yaml", "a: [\n", 5, &err, &nerr) == 0);
    while (yev_next(&y) == 0 && ok++ < 300000)
        ;
    CHECK(yev_next(&y) == -1);
    CHECK(nerr == 1);
    yev_close(&y);
    buf_free(&err);
}

static int policy_says(const char *text, const char *want)
{
    struct policy *p = NULL;
    struct buf err;
    buf_init(&err, 4096);
    int rc = policy_load(&p, diag_write("p.yaml", text), &err);
    int ok = rc < 0 && !p && err.p && strstr(err.p, want);
    if (!ok)
        fprintf(stderr, "  wanted '%s' in: %s\n", want, err.p ? err.p : "(none)");
    policy_free(p);
    buf_free(&err);
    return ok;
}

TEST(parse_policy_duplicate_keys)
{
    CHECK(policy_says("overrides:\n  nccl_timeout: stop\n  nccl_timeout: restart\n",
                      "p.yaml:3:3: duplicate key 'nccl_timeout' (first at line 2)"));
    CHECK(policy_says("categories: {infrastructure: stop, infrastructure: restart}\n",
                      "p.yaml:1:36: duplicate key 'infrastructure' (first at line 1)"));
    CHECK(policy_says("overrides: {}\ncategories: {}\noverrides: {nccl_timeout: stop}\n",
                      "p.yaml:3:1: duplicate key 'overrides' (first at line 1)"));
    /* the same name as a type and as a category is not a duplicate */
    struct policy *p = NULL;
    struct buf err;
    buf_init(&err, 4096);
    CHECK(policy_load(&p, diag_write("q.yaml", "overrides: {nccl_timeout: stop}\n"
                                                "categories: {infrastructure: restart}\n"), &err) == 0);
    policy_free(p);
    buf_free(&err);
}

static int rules_say(const char *match, const char *want)
{
    char text[1024];
    snprintf(text, sizeof text,
             "- id: r\n  category: infrastructure\n  type: nccl_timeout\n  role: root\n"
             "  action: restart\n  match: '%s'\n  explain: x\n  examples: ['Node h1 died']\n",
             match);
    struct buf err;
    buf_init(&err, 4096);
    struct ruleset *rs = NULL;
    int rc = ruleset_load_text(&rs, "g.yaml", text, strlen(text), &err);
    int ok = want ? rc < 0 && err.p && strstr(err.p, want) : rc == 0;
    if (!ok)
        fprintf(stderr, "  wanted '%s' in: %s\n", want ? want : "success", err.p ? err.p : "(none)");
    ruleset_free(rs);
    buf_free(&err);
    return ok;
}

TEST(parse_rule_capture_group_names)
{
    CHECK(rules_say("Node (?<hots>\\w+) died", "g.yaml:6:10: unknown capture group name 'hots'"));
    CHECK(rules_say("(?J)Node (?<host>\\w+) died|(?<host>x)", "capture group name 'host' used twice"));
    CHECK(rules_say("Node (?<host>\\w+) (?<rank>d)ied", NULL));
    CHECK(rules_say("Node (\\w+) died", NULL));
}

TEST(parse_progress_step_must_be_a_number)
{
    const char *p = diag_write("s.yaml",
                               "- id: p\n  category: progress\n  type: progress\n  role: progress\n"
                               "  action: ignore\n  match: 'step=(?<step>\\S+)'\n  explain: x\n"
                               "  examples: ['step=1']\n");
    struct buf err;
    struct ruleset *rs = diag_load(p, &err);
    CHECK(rs != NULL);
    struct classifier *c = classifier_new(rs);
    classifier_match(c, "step=12", 7);
    CHECK(classifier_progress_step(c) == 12);
    classifier_match(c, "step=-3", 7);
    CHECK(classifier_progress_step(c) == 12);
    classifier_match(c, "step=7x", 7);
    CHECK(classifier_progress_step(c) == 12);
    classifier_match(c, "step=13", 7);
    CHECK(classifier_progress_step(c) == 13);
    classifier_free(c);
    ruleset_free(rs);
    buf_free(&err);
}

TEST(parse_attempt_dir_names)
{
    char d[512];
    snprintf(d, sizeof d, "%s/attempt-1", test_tmpdir());
    CHECK(mkdir(d, 0755) == 0);
    snprintf(d, sizeof d, "%s/attempt-+9", test_tmpdir());
    CHECK(mkdir(d, 0755) == 0);
    snprintf(d, sizeof d, "%s/attempt- 8", test_tmpdir());
    CHECK(mkdir(d, 0755) == 0);
    CHECK(input_last_attempt(test_tmpdir()) == 1);
}

TEST(parse_log_level_env)
{
    setenv("ENDURE_LOG_LEVEL", "3x", 1);
    CHECK(log_get_level() == LOG_INFO);
    unsetenv("ENDURE_LOG_LEVEL");
}
