/* cmd_diagnose: `endure diagnose PATH...`: classifies saved logs and prints
 * the verdict (human summary, or --json), every match (--all) or the
 * condensed log (--compress); with --each, one verdict per PATH (many
 * jobs' logs triaged with the rules loaded once). Thin: parsing and
 * printing only; the work is in offline.c. Exit 0 when a verdict was
 * produced, 1 when an input could not be read (the verdict of the rest is
 * still printed), 2 on usage. */
#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common/exitcodes.h"
#include "common/text.h"
#include "common/util.h"
#include "diagnose/cmd_llm.h"
#include "diagnose/cmd_util.h"
#include "diagnose/activity.h"
#include "diagnose/offline.h"

static const char usage_text[] =
    "usage: endure diagnose [options] PATH... (options may follow the PATHs; after\n"
    "       -- everything is a PATH)\n"
    "Classifies saved logs and prints the root cause of the failure.\n"
    "PATH: a log file (plain or .gz), a directory (an endure run directory: the logs\n"
    "of its highest attempt-N, plus every attempt's outcome and verdict; an\n"
    "attempt-N directory; a directory of rank logs; a Slurm output directory), or\n"
    "- for stdin. Interleaved logs are split by their rank prefixes. When the logs\n"
    "show no failure, the controller's verdict (attempt-N/failure.json) is used.\n"
    "When the node logs of a run directory are not on this host (endure run\n"
    "--no-shared-fs), the events and log tails kept in its failure.json are the\n"
    "evidence, and the output says so.\n\n"
    "  --json               print the verdict as one JSON object (for a run\n"
    "                       directory also \"attempts\" and \"run\")\n"
    "  --all                also list every match in order (with --json: an\n"
    "                       \"events\" array in the verdict object)\n"
    "  --compress           print the condensed log instead (noise dropped, repeats\n"
    "                       folded); the compression ratio goes to stderr\n"
    "  --rules PATH         extra rule file or directory (repeatable; extends the\n"
    "                       shipped set)\n"
    "  --no-default-rules   use only the --rules given\n"
    "  --policy FILE        apply a policy file's action overrides to the verdict\n"
    "  --each               each PATH is a job of its own: one verdict per PATH, in\n"
    "                       order (human: under a \"== PATH\" line; --json: one\n"
    "                       object per line, with \"path\")\n"
    "  --max-bytes N        read at most N bytes of each input, after gzip\n"
    "                       decompression (suffix K, M, G, T; default 16G); an\n"
    "                       input cut short makes the exit status 1\n"
    "  --help               this text\n\n"
    "Terminal escape sequences in the logs (colors, titles) are dropped before\n"
    "they are read; on a terminal, other control characters are shown escaped (\\x08).\n"
    "exit: 0 verdict printed, 1 an input could not be read (whole), 2 usage error\n";

#define DEFAULT_MAX_BYTES ((size_t)16 << 30)

struct dopts {
    int json, all, compress, bench, no_default, each;
    const char *policy;
    const char *rules[65];
    size_t nrules;
    size_t max_bytes;
    char **paths; /* argc entries */
    int npaths;
    /* found while reading: where evidence kept in failure.json came from */
    size_t kept;
    char kept_from[PATH_MAX + 80], kept_src[64];
    struct llm_opts llm; /* --llm..., --learned... (cmd_llm.c) */
};

/* "N" with an optional K, M, G or T suffix (powers of 1024, either case),
 * N >= 1. */
static int parse_bytes(const char *s, size_t *out)
{
    char num[32];
    size_t n = strlen(s), shift = 0;
    const char *units = "KMGT", *u = n ? strchr(units, toupper((unsigned char)s[n - 1])) : NULL;
    long v;
    if (u && s[n - 1]) {
        shift = 10 * (size_t)(u - units + 1);
        n--;
    }
    if (n == 0 || n >= sizeof num)
        return -1;
    memcpy(num, s, n);
    num[n] = '\0';
    if (parse_long(num, 1, LONG_MAX >> shift, &v) < 0)
        return -1;
    *out = (size_t)v << shift;
    return 0;
}

/* Options may come before, between or after the PATHs ("-" in the
 * optstring keeps PATHs in order, whatever POSIXLY_CORRECT says); after
 * "--" every argument is a PATH. */
static int parse(int argc, char **argv, struct dopts *o)
{
    static const struct option base[] = {
        {"json", no_argument, NULL, 'j'},     {"all", no_argument, NULL, 'a'},
        {"compress", no_argument, NULL, 'c'}, {"rules", required_argument, NULL, 'r'},
        {"no-default-rules", no_argument, NULL, 'N'}, {"help", no_argument, NULL, 'h'},
        {"bench", no_argument, NULL, 'B'},    {"policy", required_argument, NULL, 'P'},
        {"max-bytes", required_argument, NULL, 'M'}, {"each", no_argument, NULL, 'E'},
        {NULL, 0, NULL, 0}};
    struct option longs[sizeof base / sizeof *base + 16];
    size_t nb = sizeof base / sizeof *base - 1, nl = 0;
    while (llm_longs[nl].name)
        nl++;
    memcpy(longs, base, nb * sizeof *base);
    memcpy(longs + nb, llm_longs, (nl + 1) * sizeof *llm_longs);
    int ch;
    optind = 1;
    opterr = 0;
    o->max_bytes = DEFAULT_MAX_BYTES;
    while ((ch = getopt_long(argc, argv, "-:h", longs, NULL)) != -1) {
        switch (ch) {
        case 1: o->paths[o->npaths++] = optarg; break;
        case 'j': o->json = 1; break;
        case 'a': o->all = 1; break;
        case 'c': o->compress = 1; break;
        case 'B': o->bench = 1; break;
        case 'E': o->each = 1; break;
        case 'N': o->no_default = 1; break;
        case 'P': o->policy = optarg; break;
        case 'h': fputs(usage_text, stdout), fputs(llm_usage_text, stdout); return 0;
        case 'M':
            if (parse_bytes(optarg, &o->max_bytes) < 0)
                return usage_error("diagnose", "--max-bytes needs a size >= 1 (N, or N with K, M, G or T)");
            break;
        case 'r':
            if (o->nrules == sizeof o->rules / sizeof *o->rules - 1)
                return usage_error("diagnose", "too many --rules");
            o->rules[o->nrules++] = optarg;
            break;
        case ':':
            return usage_error("diagnose", "an option needs a value (see endure diagnose --help)");
        default:
            if (ch >= LLM_OPT_BASE && llm_option(&o->llm, ch, optarg))
                return EXIT_USAGE;
            if (ch < LLM_OPT_BASE)
                return usage_error("diagnose", "unknown option (see endure diagnose --help)");
        }
    }
    while (optind < argc)
        o->paths[o->npaths++] = argv[optind++];
    if (!o->npaths)
        return usage_error("diagnose", "no PATH given (see endure diagnose --help)");
    if (o->compress && (o->json || o->all))
        return usage_error("diagnose", "--compress cannot be combined with --json or --all");
    if (o->each && (o->compress || o->bench))
        return usage_error("diagnose", "--each cannot be combined with --compress");
    if (o->compress && o->llm.on)
        return usage_error("diagnose", "--compress cannot be combined with --llm");
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
        print_text(json_string_value(json_object_get(e, "file")) ?: "", 0);
        printf(":%lld: %-8s %s/%s ", (long long)json_integer_value(json_object_get(e, "line")),
               json_string_value(json_object_get(e, "role")),
               json_string_value(json_object_get(e, "category")),
               json_string_value(json_object_get(e, "failure_type")));
        print_text(json_string_value(json_object_get(e, "rule")) ?: "", 0);
        if (json_is_integer(json_object_get(e, "rank")))
            printf(" rank %lld", (long long)json_integer_value(json_object_get(e, "rank")));
        printf("\n    ");
        print_text(json_string_value(json_object_get(e, "text")) ?: "", 0);
        printf("\n");
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

/* A hang, a lost node or a SIGKILLed rank leaves no failure line: when the
 * logs give no verdict and a PATH is an endure run directory whose last
 * attempt failed (or an attempt directory that failed), the controller's
 * own verdict (its failure.json) is the answer; *from gets where it came
 * from ("logs", or the file). */
static json_t *with_run_verdict(json_t *v, char **paths, int npaths, char *from, size_t fromlen)
{
    const char *cat = json_string_value(json_object_get(v, "category"));
    snprintf(from, fromlen, "logs");
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
        int plen = (int)strlen(paths[i]);
        while (plen > 1 && paths[i][plen - 1] == '/')
            plen--;
        snprintf(ex, sizeof ex, "%s (No rank log holds a failure line; this is the controller's own verdict, "
                 "from %.*s/%s.)", json_string_value(json_object_get(r, "explanation")) ?: "", plen, paths[i],
                 src);
        json_object_set_new(r, "explanation", json_string(ex));
        snprintf(from, fromlen, "%s", src);
        json_decref(v);
        return r;
    }
    return v;
}

/* Says in the verdict that (some of) its evidence came from failure.json
 * because the node logs are not on this host. */
static void note_kept(json_t *v, const struct dopts *o, char *from, size_t fromlen)
{
    char ex[4096];
    snprintf(ex, sizeof ex, "%s (The logs of %zu rank(s) of this attempt are not on this host: without a shared "
             "filesystem they stay on the nodes. The evidence is the events and log tails the controller kept in "
             "%s.)", json_string_value(json_object_get(v, "explanation")) ?: "", o->kept,
             o->kept_from);
    json_object_set_new(v, "explanation", json_string(ex));
    json_object_set_new(v, "evidence_source", json_pack("{s:s,s:I,s:s}", "file", o->kept_from, "ranks",
                                                        (json_int_t)o->kept, "reason", "node logs not on this host"));
    snprintf(from, fromlen, "%s, kept evidence", o->kept_src);
}

/* For a single run directory: every attempt with its verdict (the last
 * one's is v, from its logs or its failure.json), on v as "attempts" and
 * "run" for --json, printed before the verdict otherwise. */
static void run_story(json_t *v, const char *path, const char *from, int json)
{
    json_t *r = run_report(path);
    json_t *list = json_object_get(r, "attempts");
    json_t *last = json_array_get(list, json_array_size(list) - 1);
    if (!last)
        goto out;
    const char *outcome = json_string_value(json_object_get(last, "outcome"));
    if (outcome && !strcmp(outcome, "succeeded"))
        activity_proven(v, "No failure found, and every rank of the last attempt exited 0 (the "
                           "run's journal): the run succeeded.");
    json_object_set_new(last, "verdict", verdict_brief(v));
    json_object_set_new(last, "source", json_string(from));
    if (json) {
        json_object_set(v, "attempts", list);
        json_object_set(v, "run", json_object_get(r, "run"));
    } else {
        print_run_report(path, r);
    }
out:
    json_decref(r);
}

/* The condensed log; on a terminal, control characters escaped. */
static void print_compressed(struct offline *off, int escape)
{
    char *text = NULL;
    size_t len = 0, in_bytes, out_bytes;
    FILE *mem = escape ? open_memstream(&text, &len) : NULL;
    out_bytes = compressor_print(off->z, mem ? mem : stdout, &in_bytes);
    if (mem && fclose(mem) == 0)
        print_text(text, 1);
    free(text);
    fflush(stdout);
    fprintf(stderr, "endure diagnose: compressed %zu bytes to %zu (ratio %.1f), %zu noise "
                    "lines dropped\n", in_bytes, out_bytes,
            out_bytes ? (double)in_bytes / (double)out_bytes : 0.0, compressor_dropped(off->z));
}

/* Prints what the flags ask for: the condensed log, or the verdict (with
 * the events for --all, and the attempts of a run directory). */
static void print_results(const struct dopts *o, struct offline *off, const struct input_list *inputs,
                          const struct policy *pol, int escape)
{
    char from[128];
    if (o->compress)
        return print_compressed(off, escape);
    if (o->each && !o->json) {
        printf("== ");
        print_text(o->paths[0], 0);
        printf("\n");
    }
    json_t *v = with_run_verdict(offline_verdict(off, inputs), o->paths, o->npaths, from, sizeof from);
    if (o->kept)
        note_kept(v, o, from, sizeof from);
    if (off->events_dropped)
        fprintf(stderr, "endure diagnose: %zu more matches were not kept (memory cap); the "
                        "verdict uses the first %d and later roots\n", off->events_dropped,
                OFFLINE_MAX_EVENTS);
    if (pol)
        json_object_set_new(v, "action", json_string(policy_action(pol, v)));
    llm_attach(&o->llm, off, inputs, o->paths, o->npaths, v);
    if (o->each && o->json)
        json_object_set_new(v, "path", json_string(o->paths[0]));
    if (o->npaths == 1)
        run_story(v, o->paths[0], from, o->json);
    if (o->all && o->json)
        json_object_set(v, "events", off->events);
    if (o->all && !o->json)
        print_all_human(off->events);
    if (o->json)
        print_json(v);
    else
        print_verdict(v);
    if (!o->json)
        llm_print(v);
    json_decref(v);
}

/* Expands PATH i; for a run directory whose node logs are not here, also
 * takes the evidence kept in its failure.json (then a directory with no
 * log at all is no error). */
static int expand(struct dopts *o, struct offline *off, struct input_list *inputs, int i, struct buf *err)
{
    size_t mark = err->len;
    char src[64];
    int rc = input_expand(inputs, o->paths[i], err);
    size_t n = o->bench || o->compress ? 0 : offline_kept_evidence(off, o->paths[i], src, sizeof src);
    if (!n)
        return rc;
    if (!o->kept) {
        int plen = (int)strlen(o->paths[i]);
        while (plen > 1 && o->paths[i][plen - 1] == '/')
            plen--;
        snprintf(o->kept_from, sizeof o->kept_from, "%.*s/%s", plen > PATH_MAX ? PATH_MAX : plen, o->paths[i], src);
        snprintf(o->kept_src, sizeof o->kept_src, "%s", src);
    }
    o->kept += n;
    if (rc < 0 && err->p) { /* "no log files": the kept evidence stands in */
        err->len = mark;
        err->p[mark] = '\0';
    }
    return 0;
}

/* Prints the inputs' errors (one a line, "PATH: why") to stderr, each line
 * after "endure diagnose: " so that a wrapper's log says who spoke; a
 * terminal gets the paths' control bytes escaped. */
static void print_input_errors(const struct buf *err)
{
    int tty = isatty(STDERR_FILENO);
    for (const char *p = err->len ? err->p : ""; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = tty ? strndup(p, n) : NULL;
        fputs("endure diagnose: ", stderr);
        if (line)
            text_fputs_escaped(line, stderr, 0);
        else
            fwrite(p, 1, n, stderr);
        fputc('\n', stderr);
        free(line);
        p += n + (nl != NULL);
    }
}

/* One job: reads o->paths (one job's logs) and prints its verdict. Returns
 * EXIT_OK, or EXIT_FAILED when an input could not be read (whole) or no
 * verdict could be made. */
static int diagnose_job(struct dopts *o, const struct ruleset *rs, const struct policy *pol, int escape,
                        struct buf *err)
{
    struct input_list inputs = {0};
    struct offline off;
    int failed = 0, rc = EXIT_FAILED;
    if (offline_init(&off, rs, o->compress || o->llm.on) < 0)
        goto out;
    off.max_bytes = o->max_bytes;
    for (int i = 0; i < o->npaths; i++)
        failed |= expand(o, &off, &inputs, i, err) < 0;
    if (o->bench)
        rc = run_bench(&off, &inputs, err);
    for (size_t i = 0; !o->bench && i < inputs.n; i++)
        failed |= offline_read(&off, &inputs.v[i], err) < 0;
    print_input_errors(err);
    if (!o->bench && (inputs.n || off.kept)) {
        print_results(o, &off, &inputs, pol, escape);
        rc = failed ? EXIT_FAILED : EXIT_OK;
    }
out:
    offline_free(&off);
    input_list_free(&inputs);
    return rc;
}

int cmd_diagnose(int argc, char **argv)
{
    struct dopts o = {0};
    llm_opts_init(&o.llm);
    o.paths = calloc((size_t)argc + 1, sizeof *o.paths);
    int rc = o.paths ? parse(argc, argv, &o) : EXIT_FAILED;
    if (rc >= 0) {
        free(o.paths);
        return rc;
    }
    struct buf err;
    struct ruleset *rs = NULL;
    struct policy *pol = NULL;
    int escape = isatty(STDOUT_FILENO);
    buf_init(&err, 1 << 20);
    print_escape(escape);
    const char *learned = llm_learned_path(&o.llm);
    if (learned)
        o.rules[o.nrules++] = learned; /* rules[] has one slot more than --rules may fill */
    if (load_rules_ex(&rs, o.rules, o.nrules, !o.no_default, o.llm.learned_auto, &err) < 0 ||
        (o.policy && policy_load(&pol, o.policy, &err) < 0)) {
        fputs(err.p ? err.p : "endure diagnose: cannot load rules\n", stderr);
        ruleset_free(rs);
        buf_free(&err);
        free(o.paths);
        return EXIT_USAGE;
    }
    if (!o.each)
        rc = diagnose_job(&o, rs, pol, escape, &err);
    for (int i = 0, n = o.npaths; o.each && i < n; i++) {
        struct dopts one = o; /* PATH i alone, nothing kept from the others */
        one.paths = o.paths + i;
        one.npaths = 1;
        buf_reset(&err);
        rc = diagnose_job(&one, rs, pol, escape, &err) == EXIT_OK && rc != EXIT_FAILED ? EXIT_OK : EXIT_FAILED;
        fflush(stdout);
    }
    policy_free(pol);
    ruleset_free(rs);
    buf_free(&err);
    free(o.paths);
    return rc;
}
