/* cmd_pair: `endure pair-probe`, one side of the pairwise communication
 * test (health/pair.h). The controller's agents run it for --health
 * pairwise; an operator can run it by hand on two nodes to measure the
 * link between them. It prints JSON lines on stdout: rank 0 first
 * {"ready":{...}} once rank 1 may start, then every side its result
 * {"result","reason","gbps","ms","backend"}. The tcp token is read from
 * stdin (never argv). Exit 0 pass or skip, 1 fail, 2 usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/exitcodes.h"
#include "common/util.h"
#include "health/cmd.h"
#include "health/pair.h"

static const char usage_text[] =
    "usage: endure pair-probe --rank 0|1 [--backend tcp|nccl|command] [options]\n\n"
    "One side of a pairwise communication test between two nodes (what\n"
    "`endure run --health pairwise` runs on each pair). Rank 0 serves and\n"
    "prints {\"ready\":{\"port\":P}} (tcp, command) or {\"ready\":{\"nccl_id\":HEX}}\n"
    "(nccl) on stdout; start rank 1 with that. Each side ends by printing\n"
    "{\"result\":\"pass|fail|skip\",\"reason\",\"gbps\",\"ms\",\"backend\"}.\n"
    "Exit 0 on pass or skip, 1 on fail, 2 on a usage error.\n\n"
    "  --rank 0|1          0 serves, 1 connects\n"
    "  --backend NAME      tcp (default): both directions over TCP, the\n"
    "                      64-character token read from stdin on both sides;\n"
    "                      nccl: all-reduce through libnccl.so.2 on the GPU;\n"
    "                      command: run --command with the rendezvous in\n"
    "                      ENDURE_PAIR_RANK/ADDR/PORT, MASTER_ADDR/PORT, RANK,\n"
    "                      WORLD_SIZE=2, NCCL_COMM_ID; its '# Avg bus\n"
    "                      bandwidth' line is the figure\n"
    "  --addr IP           rank 0's IPv4 address (rank 1 connects there)\n"
    "  --port N            rank 1: rank 0's port; rank 0: listen there\n"
    "                      (default 0: any free port)\n"
    "  --nccl-id HEX       rank 1 (nccl): rank 0's unique id\n"
    "  --command CMD       command backend: run by /bin/sh -c\n"
    "  --bytes SIZE        per direction (tcp) or per all-reduce (nccl);\n"
    "                      default 64M\n"
    "  --iters N           nccl: timed all-reduces (default 5)\n"
    "  --gpu N             nccl: the device (default 0)\n"
    "  --timeout DUR       the whole side (default 60s)\n"
    "DUR: 30, 30s, 500ms, 5m. SIZE: bytes, or with K, M, G (powers of 1024).\n";

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "endure pair-probe: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    return EXIT_USAGE;
}

static void print_ready(json_t *ready, void *arg)
{
    (void)arg;
    json_t *j = json_pack("{s:O}", "ready", ready);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (s)
        printf("%s\n", s);
    fflush(stdout);
    free(s);
    json_decref(j);
}

/* One option; 0, or an exit code after a usage error. */
static int option(struct pair_opts *o, int ch, const char *v)
{
    long n;
    int64_t ms;
    switch (ch) {
    case 'r': if (parse_long(v, 0, 1, &n) < 0) return usage_error("--rank needs 0 or 1", v);
        o->rank = (int)n;
        return 0;
    case 'b': if ((n = pair_backend_of(v)) < 0) return usage_error("--backend needs tcp, nccl or command", v);
        o->backend = (enum pair_backend)n;
        return 0;
    case 'a': o->addr = v; return 0;
    case 'p': if (parse_long(v, 0, 65535, &n) < 0) return usage_error("--port needs 0..65535", v);
        o->port = (int)n;
        return 0;
    case 'i': o->nccl_id = v; return 0;
    case 'c': o->command = v; return 0;
    case 'B': if (parse_size(v, &o->bytes) < 0 || o->bytes < 1 || o->bytes > (16ull << 30))
            return usage_error("--bytes needs a size from 1 to 16G", v);
        return 0;
    case 'n': if (parse_long(v, 1, 1000, &n) < 0) return usage_error("--iters needs 1..1000", v);
        o->iters = (int)n;
        return 0;
    case 'g': if (parse_long(v, 0, 1023, &n) < 0) return usage_error("--gpu needs 0..1023", v);
        o->gpu = (int)n;
        return 0;
    case 'T': if (parse_duration_ms(v, &ms) < 0 || ms < 1 || ms > 86400000)
            return usage_error("--timeout needs a duration > 0 (30s, 500ms)", v);
        o->timeout_ms = ms;
        return 0;
    }
    return usage_error("unknown option (see endure pair-probe --help)", NULL);
}

/* The tcp token: the first line of stdin. */
static int read_token(char *tok, size_t n)
{
    if (!fgets(tok, (int)n, stdin))
        return -1;
    tok[strcspn(tok, "\r\n")] = '\0';
    return strlen(tok) == PAIR_TOKEN_LEN && strspn(tok, "0123456789abcdef") == PAIR_TOKEN_LEN ? 0 : -1;
}

int cmd_pair(int argc, char **argv)
{
    static const struct option longs[] = {
        {"rank", required_argument, NULL, 'r'},  {"backend", required_argument, NULL, 'b'},
        {"addr", required_argument, NULL, 'a'},  {"port", required_argument, NULL, 'p'},
        {"nccl-id", required_argument, NULL, 'i'}, {"command", required_argument, NULL, 'c'},
        {"bytes", required_argument, NULL, 'B'}, {"iters", required_argument, NULL, 'n'},
        {"gpu", required_argument, NULL, 'g'},   {"timeout", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    struct pair_opts o;
    char tok[PAIR_TOKEN_LEN + 8];
    int ch, rank_set = 0, rc;
    pair_opts_init(&o);
    optind = 1;
    while ((ch = getopt_long(argc, argv, "+", longs, NULL)) != -1) {
        if (ch == 'h') {
            fputs(usage_text, stdout);
            return 0;
        }
        if (ch == '?')
            return usage_error("unknown option (see endure pair-probe --help)", NULL);
        rank_set |= ch == 'r';
        if ((rc = option(&o, ch, optarg)))
            return rc;
    }
    if (optind < argc)
        return usage_error("unexpected argument", argv[optind]);
    if (!rank_set)
        return usage_error("--rank is required", NULL);
    if (o.rank == 1 && o.backend != PAIR_NCCL && (!o.addr || !o.port))
        return usage_error("rank 1 needs --addr and --port of rank 0", NULL);
    if (o.rank == 1 && o.backend == PAIR_NCCL && !o.nccl_id)
        return usage_error("rank 1 needs --nccl-id of rank 0", NULL);
    if (o.backend == PAIR_COMMAND && !o.command)
        return usage_error("the command backend needs --command", NULL);
    if (o.backend == PAIR_TCP) {
        if (read_token(tok, sizeof tok) < 0)
            return usage_error("the tcp backend reads a 64-character hex token from stdin", NULL);
        o.token = tok;
    }
    json_t *r = pair_run(&o, print_ready, NULL);
    char *s = r ? json_dumps(r, JSON_COMPACT) : NULL;
    if (!s) {
        fprintf(stderr, "endure pair-probe: out of memory\n");
        json_decref(r);
        return 1;
    }
    printf("%s\n", s);
    fflush(stdout);
    rc = strcmp(json_string_value(json_object_get(r, "result")) ?: "fail", "fail") ? 0 : 1;
    free(s);
    json_decref(r);
    return rc;
}
