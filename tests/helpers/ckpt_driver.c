/* ckpt_driver: a stand-in for the agent and controller in checkpoint tests,
 * built on the public API of checkpoint/ckpt.h exactly as the supervisor
 * uses it.
 *   ckpt_driver agent OPTS [-- CMD ARGS...]
 *       opens a ckpt_agent, runs CMD (a rank) with ENDURE_CKPT_STAGE/DIR set,
 *       polls the agent fd, prints every event as one JSON line on stdout;
 *       when CMD exits (or on SIGTERM/SIGINT without CMD) drains and exits
 *       (CMD's status, or 1 when the drain timed out).
 *   ckpt_driver complete --ckpt D --tag T --step S --world W NODE=R,R ...
 *   ckpt_driver choose --ckpt D [--verify size|full]   prints {tag,step,problems}
 *   ckpt_driver resume-dir OPTS --tag T --rank R        prints "staged|durable DIR"
 * OPTS: --stage S --ckpt D --node N --world W --ranks R,R [--threads N]
 *       [--stage-limit BYTES] [--drain-ms MS] */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "checkpoint/ckpt.h"
#include "common/util.h"

struct opts {
    const char *stage, *ckpt, *node, *tag, *verify;
    long world, threads, limit, drain_ms, step, rank;
    int ranks[64], nranks;
    char **cmd;
    char **rest;
    int nrest;
};

static void print_event(void *ctx, const json_t *ev)
{
    (void)ctx;
    char *t = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
    printf("%s\n", t);
    fflush(stdout);
    free(t);
}

static int parse_ranks(const char *s, int *out, int max)
{
    int n = 0;
    char *copy = strdup(s), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save)) {
        long v;
        if (parse_long(t, 0, 1000000, &v) < 0) {
            n = -1;
            break;
        }
        out[n++] = (int)v;
    }
    free(copy);
    return n;
}

static int parse(int argc, char **argv, struct opts *o)
{
    o->drain_ms = 60000;
    o->rank = -1;
    o->rest = calloc((size_t)argc + 1, sizeof *o->rest);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--")) {
            o->cmd = argv + i + 1;
            break;
        }
        if (a[0] != '-' || a[1] != '-') {
            o->rest[o->nrest++] = argv[i];
            continue;
        }
        if (!v)
            return -1;
        i++;
        if (!strcmp(a, "--stage"))
            o->stage = v;
        else if (!strcmp(a, "--ckpt"))
            o->ckpt = v;
        else if (!strcmp(a, "--node"))
            o->node = v;
        else if (!strcmp(a, "--tag"))
            o->tag = v;
        else if (!strcmp(a, "--verify"))
            o->verify = v;
        else if (!strcmp(a, "--ranks"))
            o->nranks = parse_ranks(v, o->ranks, 64);
        else {
            long *dst = !strcmp(a, "--world") ? &o->world : !strcmp(a, "--threads") ? &o->threads
                      : !strcmp(a, "--stage-limit") ? &o->limit : !strcmp(a, "--drain-ms") ? &o->drain_ms
                      : !strcmp(a, "--step") ? &o->step : !strcmp(a, "--rank") ? &o->rank : NULL;
            if (!dst || parse_long(v, 0, 1L << 62, dst) < 0)
                return -1;
        }
    }
    return 0;
}

static struct ckpt_agent *open_agent(const struct opts *o)
{
    struct ckpt_agent_cfg cfg = {.stage_dir = o->stage, .ckpt_dir = o->ckpt, .node = o->node, .run_id = "test",
                                 .world_size = (int)o->world, .ranks = o->ranks, .nranks = o->nranks,
                                 .threads = (int)o->threads, .stage_limit = (uint64_t)o->limit,
                                 .on_event = print_event};
    struct buf err;
    buf_init(&err, 4096);
    struct ckpt_agent *a = NULL;
    if (ckpt_agent_open(&a, &cfg, &err) < 0)
        fprintf(stderr, "ckpt_driver: %s\n", err.p);
    buf_free(&err);
    return a;
}

/* The agent's poll loop: the ckpt fd, a signalfd for SIGCHLD/TERM/INT. */
static int run_agent(const struct opts *o)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    struct ckpt_agent *a = open_agent(o);
    if (!a || sfd < 0)
        return 2;
    pid_t child = -1;
    int status = 0, done = 0;
    if (o->cmd && o->cmd[0]) {
        setenv("ENDURE_CKPT_STAGE", ckpt_agent_stage(a), 1);
        setenv("ENDURE_CKPT_DIR", o->ckpt, 1);
        child = fork();
        if (child == 0) {
            sigprocmask(SIG_UNBLOCK, &set, NULL);
            execvp(o->cmd[0], o->cmd);
            _exit(127);
        }
    }
    while (!done) {
        struct pollfd p[2] = {{.fd = ckpt_agent_fd(a), .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
        if (poll(p, 2, ms_until(ckpt_agent_deadline(a))) < 0 && errno != EINTR)
            break;
        ckpt_agent_dispatch(a);
        struct signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
            if (si.ssi_signo != SIGCHLD)
                done = 1;
            else if (child > 0 && waitpid(child, &status, WNOHANG) == child)
                done = 1;
        }
    }
    int rc = ckpt_agent_drain(a, now_ms() + o->drain_ms) < 0 ? 1 : 0;
    ckpt_agent_close(a);
    if (child > 0)
        rc = rc ? rc : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return rc;
}

static int run_complete(const struct opts *o)
{
    json_t *nodes = json_object();
    for (int i = 0; i < o->nrest; i++) {
        char *eq = strchr(o->rest[i], '=');
        int r[64], n = eq ? parse_ranks(eq + 1, r, 64) : -1;
        if (n < 0)
            return 2;
        *eq = '\0';
        json_t *arr = json_array();
        for (int k = 0; k < n; k++)
            json_array_append_new(arr, json_integer(r[k]));
        json_object_set_new(nodes, o->rest[i], arr);
    }
    struct buf err;
    buf_init(&err, 4096);
    int rc = ckpt_mark_complete(o->ckpt, o->tag, o->step, nodes, (int)o->world, &err);
    if (rc < 0)
        fprintf(stderr, "ckpt_driver: %s\n", err.p);
    buf_free(&err);
    json_decref(nodes);
    return rc < 0 ? 1 : 0;
}

static int run_choose(const struct opts *o)
{
    struct ckpt_choice ch;
    json_t *probs = json_array();
    int mode = o->verify && !strcmp(o->verify, "full") ? CKPT_VERIFY_FULL : CKPT_VERIFY_SIZE;
    int rc = ckpt_choose_restore(o->ckpt, mode, &ch, probs);
    json_t *out = rc == 1 ? json_pack("{s:s s:I s:O}", "tag", ch.tag, "step", (json_int_t)ch.step, "problems", probs)
                          : json_pack("{s:n s:O}", "tag", "problems", probs);
    print_event(NULL, out);
    json_decref(out);
    json_decref(probs);
    return rc < 0 ? 1 : 0;
}

static int run_resume_dir(const struct opts *o)
{
    struct ckpt_agent *a = open_agent(o);
    if (!a)
        return 2;
    char out[4096];
    int rc = ckpt_agent_resume_dir(a, o->tag, (int)o->rank, out, sizeof out);
    if (rc >= 0)
        printf("%s %s\n", rc ? "staged" : "durable", out);
    ckpt_agent_close(a);
    return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    if (argc < 2 || parse(argc, argv, &o) < 0) {
        fprintf(stderr, "usage: ckpt_driver agent|complete|choose|resume-dir OPTIONS (see the source)\n");
        return 2;
    }
    int rc = 2;
    if (!strcmp(argv[1], "agent"))
        rc = run_agent(&o);
    else if (!strcmp(argv[1], "complete"))
        rc = run_complete(&o);
    else if (!strcmp(argv[1], "choose"))
        rc = run_choose(&o);
    else if (!strcmp(argv[1], "resume-dir"))
        rc = run_resume_dir(&o);
    free(o.rest);
    return rc;
}
