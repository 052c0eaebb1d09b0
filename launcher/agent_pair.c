/* agent_pair: one side of the controller's pairwise link test on this node
 * (--health pairwise). A pair_req starts `endure pair-probe` (health/pair.h)
 * in the check slot of agent_health.c (A_HEALTH: no ranks run), with the
 * tcp token on its stdin, never on argv. Rank 0's first line,
 * {"ready":{...}}, goes to the controller as pair_ready (it then starts
 * rank 1 on the peer node); the child's last line, its result, goes back
 * as the `pair` message when it ends. Output is capped (health_out). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "common/log.h"
#include "common/util.h"
#include "launcher/agent_int.h"

static char **pair_argv(const char *self, const struct msg_pair_req *r)
{
    char **argv = calloc(32, sizeof *argv), num[32];
    int n = 0;
    if (!argv)
        return NULL;
    add_arg(argv, &n, self, NULL);
    add_arg(argv, &n, "pair-probe", NULL);
    add_arg(argv, &n, "--rank", r->rank ? "1" : "0");
    add_arg(argv, &n, "--backend", r->backend);
    if (r->addr)
        add_arg(argv, &n, "--addr", r->addr);
    snprintf(num, sizeof num, "%d", r->port);
    add_arg(argv, &n, "--port", num);
    if (r->nccl_id)
        add_arg(argv, &n, "--nccl-id", r->nccl_id);
    if (r->command)
        add_arg(argv, &n, "--command", r->command);
    snprintf(num, sizeof num, "%lld", (long long)r->bytes);
    add_arg(argv, &n, "--bytes", num);
    snprintf(num, sizeof num, "%d", r->iters);
    add_arg(argv, &n, "--iters", num);
    snprintf(num, sizeof num, "%lldms", (long long)r->timeout_ms);
    add_arg(argv, &n, "--timeout", num);
    return argv;
}

static void send_pair(struct agent *a, const char *result, const char *reason, double gbps, int64_t ms)
{
    struct msg m = {.type = MSG_PAIR,
                    .u.pair = {.id = a->health_id, .result = result, .reason = reason, .gbps = gbps, .ms = ms}};
    agent_send_msg(a, &m);
    agent_on(a, AE_CHECKED);
}

int agent_pair_start(struct agent *a, const struct msg_pair_req *r)
{
    char self[PATH_MAX], input[160];
    if (agent_on(a, AE_CHECK) < 0)
        return -1;
    a->health_id = r->id;
    a->health_kind = CHECK_PAIR;
    a->pair_ready_sent = 0;
    if (agent_self_path(self, sizeof self) < 0) {
        send_pair(a, "error", "cannot find endure's own path", -1, 0);
        return -1;
    }
    snprintf(input, sizeof input, "%s\n", r->token ? r->token : "");
    char **argv = pair_argv(self, r);
    struct buf err;
    buf_init(&err, 512);
    int rc = agent_check_spawn(a, argv, r->token ? input : NULL, r->timeout_ms + 2000, &err);
    if (rc < 0)
        send_pair(a, "error", err.p ? err.p : "cannot start endure pair-probe", -1, 0);
    buf_free(&err);
    free_argv(argv);
    return rc;
}

void agent_pair_output(struct agent *a)
{
    const char *nl = a->pair_ready_sent || !a->health_out.p ? NULL : memchr(a->health_out.p, '\n', a->health_out.len);
    if (!nl)
        return;
    a->pair_ready_sent = 1;
    json_t *j = json_loadb(a->health_out.p, (size_t)(nl - a->health_out.p), 0, NULL);
    json_t *r = json_object_get(j, "ready");
    if (json_is_object(r)) {
        json_t *port = json_object_get(r, "port"), *id = json_object_get(r, "nccl_id");
        struct msg m = {.type = MSG_PAIR_READY,
                        .u.pair_ready = {.id = a->health_id,
                                         .port = json_is_integer(port) ? (int)json_integer_value(port) : 0,
                                         .nccl_id = json_string_value(id)}};
        agent_send_msg(a, &m);
    }
    json_decref(j);
}

void agent_pair_reaped(struct agent *a, int st)
{
    struct buf *o = &a->health_out;
    size_t end = o->len;
    while (end > 0 && o->p[end - 1] == '\n')
        end--;
    size_t start = end;
    while (start > 0 && o->p[start - 1] != '\n')
        start--;
    json_t *j = o->p ? json_loadb(o->p + start, end - start, 0, NULL) : NULL;
    const char *res = json_string_value(json_object_get(j, "result"));
    json_t *g = json_object_get(j, "gbps"), *ms = json_object_get(j, "ms");
    char why[200];
    if (a->health_timed_out) {
        send_pair(a, "error", "endure pair-probe did not finish within its timeout (killed)", -1, 0);
    } else if (!res || (strcmp(res, "pass") && strcmp(res, "fail") && strcmp(res, "skip"))) {
        snprintf(why, sizeof why, "endure pair-probe %s %d without a result", WIFEXITED(st) ? "exited with code"
                 : "was killed by signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        send_pair(a, "error", why, -1, 0);
    } else {
        send_pair(a, res, json_string_value(json_object_get(j, "reason")), json_is_number(g) ? json_number_value(g)
                                                                                            : -1,
                  json_is_integer(ms) ? json_integer_value(ms) : 0);
    }
    json_decref(j);
}
