/* cmd_diagnose: `endure diagnose PATH...`: classifies saved logs and prints
 * the verdict (human summary, or --json), every match (--all) or the
 * condensed log (--compress). Thin: parsing and printing only; the work is
 * in offline.c. Exit 0 when a verdict was produced, 1 when an input could
 * not be read (the verdict of the rest is still printed), 2 on usage. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "common/exitcodes.h"
#include "diagnose/cmd_util.h"
#include "diagnose/offline.h"

static const char usage_text[] =
    "usage: endure diagnose [options] PATH...\n"
    "Classifies saved logs and prints the root cause of the failure.\n"
    "PATH: a log file (plain or .gz), a directory (an endure run directory: its\n"
    "highest attempt-N; a directory of rank logs; a Slurm output directory), or -\n"
    "for stdin. Interleaved logs are split by their rank prefixes.\n\n"
    "  --json               print the verdict as one JSON object\n"
    "  --all                also list every match in order (with --json: an\n"
    "                       \"events\" array in the verdict object)\n"
    "  --compress           print the condensed log instead (noise dropped, repeats\n"
    "                       folded); the compression ratio goes to stderr\n"
    "  --rules PATH         extra rule file or directory (repeatable; extends the\n"
    "                       shipped set)\n"
    "  --no-default-rules   use only the --rules given\n"
    "  --policy FILE        apply a policy file's action overrides to the verdict\n"
    "  --help               this text\n\n"
    "exit: 0 verdict printed, 1 an input could not be read, 2 usage error\n";

struct dopts {
    int json, all, compress, bench, no_default;
    const char *policy;
    const char *rules[64];
    size_t nrules;
};

static int parse(int argc, char **argv, struct dopts *o)
{
    static const struct option longs[] = {
        {"json", no_argument, NULL, 'j'},     {"all", no_argument, NULL, 'a'},
        {"compress", no_argument, NULL, 'c'}, {"rules", required_argument, NULL, 'r'},
        {"no-default-rules", no_argument, NULL, 'N'}, {"help", no_argument, NULL, 'h'},
        {"bench", no_argument, NULL, 'B'},    {"policy", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0}};
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+h", longs, NULL)) != -1) {
        switch (ch) {
        case 'j': o->json = 1; break;
        case 'a': o->all = 1; break;
        case 'c': o->compress = 1; break;
        case 'B': o->bench = 1; break;
        case 'N': o->no_default = 1; break;
        case 'P': o->policy = optarg; break;
        case 'h': fputs(usage_text, stdout); return 0;
        case 'r':
            if (o->nrules == sizeof o->rules / sizeof *o->rules)
                return usage_error("diagnose", "too many --rules");
            o->rules[o->nrules++] = optarg;
            break;
        default:
            return usage_error("diagnose", "unknown option (see endure diagnose --help)");
        }
    }
    if (optind >= argc)
        return usage_error("diagnose", "no PATH given (see endure diagnose --help)");
    if (o->compress && (o->json || o->all))
        return usage_error("diagnose", "--compress cannot be combined with --json or --all");
    if (o->no_default && !o->nrules)
        return usage_error("diagnose", "--no-default-rules needs --rules");
    return -1;
}

static void print_all_human(const json_t *events)
{
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        printf("%s:%lld: %-8s %s/%s %s",
               json_string_value(json_object_get(e, "file")),
               (long long)json_integer_value(json_object_get(e, "line")),
               json_string_value(json_object_get(e, "role")),
               json_string_value(json_object_get(e, "category")),
               json_string_value(json_object_get(e, "failure_type")),
               json_string_value(json_object_get(e, "rule")));
        if (json_is_integer(json_object_get(e, "rank")))
            printf(" rank %lld", (long long)json_integer_value(json_object_get(e, "rank")));
        printf("\n    %s\n", json_string_value(json_object_get(e, "text")));
    }
}

static double secs(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Hidden --bench: classify everything, print throughput (per wall second
 * and per CPU second of this process, which is the per-core figure on a
 * busy machine). */
static int run_bench(struct offline *o, const struct input_list *in, struct buf *err)
{
    double w = secs(CLOCK_MONOTONIC), c = secs(CLOCK_PROCESS_CPUTIME_ID);
    for (size_t i = 0; i < in->n; i++)
        offline_read(o, &in->v[i], err);
    w = secs(CLOCK_MONOTONIC) - w;
    c = secs(CLOCK_PROCESS_CPUTIME_ID) - c;
    printf("bench: bytes %zu lines %zu events %zu wall_s %.3f cpu_s %.3f MB/s %.1f "
           "lines/s %.0f wall_MB/s %.1f\n", o->bytes, o->lines, json_array_size(o->events), w, c,
           (double)o->bytes / 1e6 / c, (double)o->lines / c, (double)o->bytes / 1e6 / w);
    return EXIT_OK;
}

/* A hang or a lost node leaves no failure line: when the logs give no
 * verdict and a PATH is an endure run directory whose last attempt failed,
 * the controller's own verdict (its failure.json) is the answer. */
static json_t *with_run_verdict(json_t *v, char **paths, int npaths)
{
    const char *cat = json_string_value(json_object_get(v, "category"));
    if (!cat || (strcmp(cat, "none") && strcmp(cat, "unknown")))
        return v;
    for (int i = 0; i < npaths; i++) {
        char src[64];
        json_t *r = run_dir_verdict(paths[i], src, sizeof src);
        const char *rcat = json_string_value(json_object_get(r, "category"));
        if (!r || !strcmp(rcat, "none") || !strcmp(rcat, cat)) {
            json_decref(r);
            continue;
        }
        char ex[2048];
        snprintf(ex, sizeof ex, "%s (No rank log holds a failure line; this is the controller's own verdict, "
                 "from %s/%s.)", json_string_value(json_object_get(r, "explanation")) ?: "", paths[i], src);
        json_object_set_new(r, "explanation", json_string(ex));
        json_decref(v);
        return r;
    }
    return v;
}

/* Prints what the flags ask for: the condensed log, or the verdict (with
 * the events for --all). */
static void print_results(const struct dopts *o, struct offline *off,
                          const struct input_list *inputs, const struct policy *pol, char **paths, int npaths)
{
    if (o->compress) {
        size_t in_bytes, out_bytes = compressor_print(off->z, stdout, &in_bytes);
        fflush(stdout);
        fprintf(stderr, "endure diagnose: compressed %zu bytes to %zu (ratio %.1f), %zu noise "
                        "lines dropped\n", in_bytes, out_bytes,
                out_bytes ? (double)in_bytes / (double)out_bytes : 0.0, compressor_dropped(off->z));
        return;
    }
    json_t *v = with_run_verdict(offline_verdict(off, inputs), paths, npaths);
    if (off->events_dropped)
        fprintf(stderr, "endure diagnose: %zu more matches were not kept (memory cap); the "
                        "verdict uses the first %d and later roots\n", off->events_dropped,
                OFFLINE_MAX_EVENTS);
    if (pol)
        json_object_set_new(v, "action", json_string(policy_action(pol, v)));
    if (o->all && o->json)
        json_object_set(v, "events", off->events);
    if (o->all && !o->json)
        print_all_human(off->events);
    if (o->json)
        print_json(v);
    else
        print_verdict(v);
    json_decref(v);
}

int cmd_diagnose(int argc, char **argv)
{
    struct dopts o = {0};
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    struct buf err;
    struct input_list inputs = {0};
    struct ruleset *rs = NULL;
    struct policy *pol = NULL;
    struct offline off;
    int failed = 0;
    buf_init(&err, 1 << 20);
    if (load_rules(&rs, o.rules, o.nrules, !o.no_default, &err) < 0 ||
        (o.policy && policy_load(&pol, o.policy, &err) < 0)) {
        fputs(err.p ? err.p : "endure diagnose: cannot load rules\n", stderr);
        ruleset_free(rs);
        buf_free(&err);
        return EXIT_USAGE;
    }
    for (int i = optind; i < argc; i++)
        failed |= input_expand(&inputs, argv[i], &err) < 0;
    rc = EXIT_FAILED;
    if (offline_init(&off, rs, o.compress) < 0)
        goto out;
    if (o.bench)
        rc = run_bench(&off, &inputs, &err);
    for (size_t i = 0; !o.bench && i < inputs.n; i++)
        failed |= offline_read(&off, &inputs.v[i], &err) < 0;
    fputs(err.len ? err.p : "", stderr);
    if (!o.bench && inputs.n) {
        print_results(&o, &off, &inputs, pol, argv + optind, argc - optind);
        rc = failed ? EXIT_FAILED : EXIT_OK;
    }
    offline_free(&off);
out:
    input_list_free(&inputs);
    policy_free(pol);
    ruleset_free(rs);
    buf_free(&err);
    return rc;
}
