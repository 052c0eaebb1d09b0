/* cmd_health: `endure health [options]` runs the local probes of this node
 * and prints a table or, with --json, one JSON object (the form the
 * controller's agent reads); `endure health RUN_DIR` prints a run's last
 * results per node. Exit 0 no probe failed, 1 one failed (or RUN_DIR has
 * no readable results, or a node failed), 2 usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/exitcodes.h"
#include "common/text.h"
#include "common/util.h"
#include "health/cmd.h"
#include "health/health.h"

static const char usage_text[] =
    "usage: endure health [--json] [--probe NAME]... [options]\n"
    "       endure health RUN_DIR [--json]\n\n"
    "Runs this node's health probes (default all: gpu, cuda, nic, storage,\n"
    "memory), in parallel, each in a child process bounded by --timeout, and\n"
    "prints one line per probe: pass, warn, fail or skip (a library or device\n"
    "the node lacks), its time and its reason. Exit 0 when no probe failed,\n"
    "1 when one did, 2 on a usage error.\n\n"
    "  --json                 one JSON object on stdout: {\"host\",\"result\",\"ms\",\n"
    "                         \"probes\":[{\"name\",\"result\",\"reason\",\"ms\",\"runs\",\n"
    "                         \"figures\"[,\"transient\"]}]}\n"
    "  --probe NAME           run only NAME (repeat, or NAME,NAME)\n"
    "  --gpus N               GPUs this node must have (gpu, cuda: fewer fail;\n"
    "                         with N > 0 a missing NVML/CUDA library fails\n"
    "                         instead of skipping); default 0: no expectation\n"
    "  --gpu-free-timeout DUR wait this long for processes on the GPUs to go,\n"
    "                         then fail (default 30s)\n"
    "  --ckpt-dir DIR         checkpoint directory: writable, a 64 MiB write +\n"
    "                         fsync + read, free space >= 2x its newest\n"
    "                         checkpoint (default: not checked)\n"
    "  --min-free SIZE        free space needed in --ckpt-dir instead (512M, 2G)\n"
    "  --stage-dir DIR        the checkpoint stage (default /dev/shm): room for\n"
    "                         two copies of this node's share\n"
    "  --min-mem SIZE         MemAvailable needed (default 0)\n"
    "  --min-copy-gbps X      cuda: a device-to-host copy slower than X GB/s\n"
    "                         warns (default 1; 0: off), as does a device at\n"
    "                         less than half the fastest one's speed\n"
    "  --nic IF               an interface that must be up (repeat; default:\n"
    "                         the interfaces with an IPv4 address but lo);\n"
    "                         InfiniBand ports must be ACTIVE/LinkUp\n"
    "  --state-dir DIR        where NIC error counters are kept between checks\n"
    "                         (default /dev/shm/endure-health-<uid>)\n"
    "  --timeout DUR          per run of a probe (default 30s; gpu: plus\n"
    "                         --gpu-free-timeout); a probe over time fails\n"
    "  --fail-after N         a failing probe is rerun (0.5 s apart) and fails\n"
    "                         only after N failed runs in a row (default 2)\n\n"
    "RUN_DIR: the last health results of a run (<RUN_DIR>/attempt-<N>/health.json\n"
    "of the newest attempt that has one), per node, with the pairwise verdicts\n"
    "and pairs of --health pairwise; exit 1 when a node failed (a probe, or\n"
    "faulty in the pairwise test).\n"
    "DUR: 30, 30s, 500ms, 5m. SIZE: bytes, or with K, M, G, T (powers of 1024).\n";

struct hopts {
    struct health_opts h;
    unsigned mask;
    int json, probe_flags;
    const char *run_dir;
};

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "endure health: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    return EXIT_USAGE;
}

static int add_probes(struct hopts *o, const char *list)
{
    char tmp[256];
    if (snprintf(tmp, sizeof tmp, "%s", list) >= (int)sizeof tmp)
        return -1;
    for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int i = health_probe_index(t);
        if (i < 0)
            return -1;
        o->mask |= 1u << i;
    }
    return o->mask ? 0 : -1;
}

/* DIGITS[.DIGITS], at most 10000. */
static int parse_gbps(const char *v, double *out)
{
    size_t n = strspn(v, "0123456789");
    if (n == 0 || n > 5 || (v[n] && (v[n] != '.' || !v[n + 1] || strspn(v + n + 1, "0123456789") != strlen(v + n + 1))))
        return -1;
    *out = strtod(v, NULL);
    return *out <= 10000 ? 0 : -1;
}

/* One option with a value; -1 after printing the usage error. */
static int option(struct hopts *o, int ch, const char *v)
{
    struct health_opts *h = &o->h;
    long n;
    o->probe_flags++;
    switch (ch) {
    case 'p': return add_probes(o, v) < 0 ? usage_error("--probe needs gpu, cuda, nic, storage or memory", v), -1 : 0;
    case 'g': if (parse_long(v, 0, 4096, &n) < 0) return usage_error("--gpus needs a number 0..4096", v), -1;
        h->gpus = (int)n;
        return 0;
    case 'c': h->ckpt_dir = v; return 0;
    case 's': h->stage_dir = v; return 0;
    case 'S': h->state_dir = v; return 0;
    case 'F': return parse_size(v, &h->min_free) < 0 ? usage_error("--min-free needs a size (512M, 2G)", v), -1 : 0;
    case 'M': return parse_size(v, &h->min_mem) < 0 ? usage_error("--min-mem needs a size (512M, 2G)", v), -1 : 0;
    case 'W': return parse_duration_ms(v, &h->gpu_free_timeout_ms) < 0 || h->gpu_free_timeout_ms > 86400000
                         ? usage_error("--gpu-free-timeout needs a duration (30s, 2m)", v), -1 : 0;
    case 'T': return parse_duration_ms(v, &h->timeout_ms) < 0 || h->timeout_ms < 1 || h->timeout_ms > 86400000
                         ? usage_error("--timeout needs a duration > 0 (30s, 500ms)", v), -1 : 0;
    case 'f': if (parse_long(v, 1, 100, &n) < 0) return usage_error("--fail-after needs a number 1..100", v), -1;
        h->fail_after = (int)n;
        return 0;
    case 'G': if (parse_gbps(v, &h->min_copy_gbps) < 0) return usage_error("--min-copy-gbps needs a number (1, 0.5)", v), -1;
        return 0;
    case 'n':
        if (!safe_component(v) || strlen(v) >= 16)
            return usage_error("--nic needs an interface name", v), -1;
        if (h->nnics == HEALTH_MAX_NICS)
            return usage_error("too many --nic (16 at most)", v), -1;
        h->nics[h->nnics++] = v;
        return 0;
    }
    return usage_error("unknown option (see endure health --help)", NULL), -1;
}

/* 0 to go on, 1 after --help, -1 after a usage error. */
static int parse(int argc, char **argv, struct hopts *o)
{
    static const struct option longs[] = {
        {"json", no_argument, NULL, 'j'},           {"probe", required_argument, NULL, 'p'},
        {"gpus", required_argument, NULL, 'g'},     {"ckpt-dir", required_argument, NULL, 'c'},
        {"stage-dir", required_argument, NULL, 's'}, {"state-dir", required_argument, NULL, 'S'},
        {"min-free", required_argument, NULL, 'F'}, {"min-mem", required_argument, NULL, 'M'},
        {"gpu-free-timeout", required_argument, NULL, 'W'}, {"timeout", required_argument, NULL, 'T'},
        {"min-copy-gbps", required_argument, NULL, 'G'}, {"fail-after", required_argument, NULL, 'f'}, {"nic", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    int ch, idx = 0;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "-:h", longs, &idx)) != -1) {
        if (ch == 1) {
            if (o->run_dir)
                return usage_error("one RUN_DIR at most", optarg), -1;
            o->run_dir = optarg;
        } else if (ch == 'j') {
            o->json = 1;
        } else if (ch == 'h') {
            fputs(usage_text, stdout);
            return 1;
        } else if (ch == ':') {
            return usage_error("an option needs a value", argv[optind - 1]), -1;
        } else if (ch == '?') {
            return usage_error("unknown option", argv[optind - 1]), -1;
        } else if (option(o, ch, optarg) < 0) {
            return -1;
        }
    }
    if (optind < argc && o->run_dir)
        return usage_error("one RUN_DIR at most", argv[optind]), -1;
    if (optind < argc)
        o->run_dir = argv[optind];
    if (o->run_dir && o->probe_flags)
        return usage_error("RUN_DIR takes only --json", o->run_dir), -1;
    return 0;
}

static void print_escaped(const char *s)
{
    text_fputs_escaped(s ? s : "?", stdout, 0);
}

/* One report ({"host","result","ms","probes"}) as a table; every field
 * type-checked (it may come from an untrusted file). */
static void print_report(const json_t *r)
{
    const json_t *probes = json_object_get(r, "probes"), *p;
    size_t i;
    printf("host ");
    print_escaped(json_string_value(json_object_get(r, "host")));
    printf(": ");
    print_escaped(json_string_value(json_object_get(r, "result")));
    printf(" (%lld ms)\n%-8s %-6s %4s %7s  %s\n", json_integer_value(json_object_get(r, "ms")), "PROBE", "RESULT",
           "RUNS", "MS", "REASON");
    json_array_foreach(probes, i, p) {
        const char *name = json_string_value(json_object_get(p, "name"));
        const char *res = json_string_value(json_object_get(p, "result"));
        printf("%-8.16s %-6.8s %4lld %7lld  ", name ? name : "?", res ? res : "?",
               json_integer_value(json_object_get(p, "runs")), json_integer_value(json_object_get(p, "ms")));
        print_escaped(json_string_value(json_object_get(p, "reason")));
        putchar('\n');
        const char *tr = json_string_value(json_object_get(p, "transient"));
        if (tr) {
            printf("%-28s(failed before: ", "");
            print_escaped(tr);
            printf(")\n");
        }
    }
}

/* The node's pairwise verdict, when it had a pairwise test. */
static void print_pairwise(const json_t *pw)
{
    const char *res = json_string_value(json_object_get(pw, "result")), *why;
    const json_t *g = json_object_get(pw, "gbps");
    if (!json_is_object(pw))
        return;
    printf("pairwise: ");
    print_escaped(res);
    if (json_is_number(g))
        printf(", best pair %.3f GB/s", json_number_value(g));
    if (json_is_true(json_object_get(pw, "straggler")))
        printf(", straggler");
    if ((why = json_string_value(json_object_get(pw, "reason")))) {
        printf(": ");
        print_escaped(why);
    }
    putchar('\n');
}

/* The pairs of the pairwise test, one line each. */
static void print_pairs(const json_t *pairs)
{
    const json_t *p;
    size_t i;
    if (!json_is_array(pairs) || !json_array_size(pairs))
        return;
    printf("\npairwise tests:\n%-5s %-30s %-7s %-6s %9s  %s\n", "ROUND", "NODES", "BACKEND", "RESULT", "GB/S",
           "REASON");
    json_array_foreach(pairs, i, p) {
        const json_t *n = json_object_get(p, "nodes"), *g = json_object_get(p, "gbps");
        const char *a = json_string_value(json_array_get(n, 0)), *b = json_string_value(json_array_get(n, 1));
        const char *be = json_string_value(json_object_get(p, "backend")), *r = json_string_value(json_object_get(p, "result"));
        char both[40];
        snprintf(both, sizeof both, "%.14s-%.14s", a ? a : "?", b ? b : "?");
        printf("%-5lld ", json_integer_value(json_object_get(p, "round")));
        print_escaped(both);
        printf("%*s %-7.8s %-6.8s ", (int)(strlen(both) < 30 ? 30 - strlen(both) : 0), "", be ? be : "?", r ? r : "?");
        if (json_is_number(g))
            printf("%9.3f  ", json_number_value(g));
        else
            printf("%9s  ", "-");
        print_escaped(json_string_value(json_object_get(p, "reason")) ?: "");
        putchar('\n');
    }
}

static int show_run(const struct hopts *o)
{
    struct buf err;
    long attempt = 0;
    buf_init(&err, 1024);
    json_t *j = health_load_run(o->run_dir, &attempt, &err);
    if (!j) {
        fprintf(stderr, "endure health: %s\n", err.p ? err.p : "cannot read the results");
        buf_free(&err);
        return EXIT_FAILED;
    }
    buf_free(&err);
    int bad = 0;
    const char *node;
    json_t *v, *nodes = json_object_get(j, "nodes");
    json_object_foreach(nodes, node, v) {
        const char *res = json_string_value(json_object_get(v, "result"));
        const char *pw = json_string_value(json_object_get(json_object_get(v, "pairwise"), "result"));
        bad |= !res || !strcmp(res, "fail") || (pw && !strcmp(pw, "faulty"));
    }
    if (o->json) {
        char *t = json_dumps(j, JSON_COMPACT);
        if (t)
            puts(t);
        free(t);
    } else {
        printf("attempt %ld: health of %zu node%s\n", attempt, json_object_size(nodes),
               json_object_size(nodes) == 1 ? "" : "s");
        json_object_foreach(nodes, node, v) {
            printf("\nnode ");
            print_escaped(node);
            printf(":\n");
            if (json_is_object(v) && json_is_array(json_object_get(v, "probes")))
                print_report(v);
            else if (!json_is_object(json_object_get(v, "pairwise"))) {
                printf("error: ");
                print_escaped(json_string_value(json_object_get(v, "error")));
                putchar('\n');
            }
            print_pairwise(json_object_get(v, "pairwise"));
        }
        print_pairs(json_object_get(j, "pairs"));
    }
    json_decref(j);
    return bad ? EXIT_FAILED : EXIT_OK;
}

int cmd_health(int argc, char **argv)
{
    struct hopts o = {.mask = 0};
    health_opts_init(&o.h);
    int p = parse(argc, argv, &o);
    if (p)
        return p > 0 ? EXIT_OK : EXIT_USAGE;
    if (o.run_dir)
        return show_run(&o);
    json_t *r = health_run(&o.h, o.mask);
    if (!r) {
        fprintf(stderr, "endure health: out of memory\n");
        return EXIT_FAILED;
    }
    if (o.json) {
        char *t = json_dumps(r, JSON_COMPACT);
        if (t)
            puts(t);
        free(t);
    } else {
        print_report(r);
    }
    int failed = !strcmp(json_string_value(json_object_get(r, "result")) ?: "fail", "fail");
    json_decref(r);
    fflush(stdout);
    return failed ? EXIT_FAILED : EXIT_OK;
}
