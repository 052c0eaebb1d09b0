/* kill_verdict: the verdict for a rank killed by SIGKILL (signal 9, or exit
 * code 137 from a wrapper shell) when no root rule matched. A SIGKILL leaves
 * no line in the rank's log, so the verdict rests on what the agent knew:
 * whether endure itself was stopping the rank, and whether the kernel's OOM
 * killer left a record (kernel log) or the memory cgroup counted an OOM
 * kill. It says exactly that; log lines are never shown as evidence here. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "diagnose/internal.h"

static const char *sget(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

int verdict_is_kill(const json_t *ff)
{
    json_t *sig = json_object_get(ff, "signal"), *code = json_object_get(ff, "code");
    return (json_is_integer(sig) && json_integer_value(sig) == SIGKILL) ||
           (json_is_integer(code) && json_integer_value(code) == 128 + SIGKILL);
}

/* "what happened to the rank" for explanations and evidence. */
static void subject(const json_t *ff, char *out, size_t n)
{
    json_t *sig = json_object_get(ff, "signal");
    snprintf(out, n, "rank %lld on %s %s", (long long)json_integer_value(json_object_get(ff, "rank")),
             sget(ff, "node"), json_is_integer(sig) ? "was killed by signal 9 (SIGKILL)"
                                                    : "exited with code 137 (a child killed by SIGKILL)");
}

/* Where the OOM killer was looked for, for "no record found". */
static void searched(const json_t *ff, char *out, size_t n)
{
    int klog = !strcmp(sget(ff, "kernel_log"), "read"), cg = !strcmp(sget(ff, "cgroup"), "read");
    snprintf(out, n, "%s%s%s", klog ? "the kernel log" : "", klog && cg ? " and " : "",
             cg ? "the memory cgroup's OOM-kill count" : "");
    if (!klog && !cg)
        snprintf(out, n, "nothing: neither the kernel log nor the memory cgroup could be read on that node");
}

json_t *verdict_for_kill(const json_t *ff)
{
    char what[300], ex[1400], where[160];
    subject(ff, what, sizeof what);
    const json_t *oom = json_object_get(ff, "oom");
    const char *killer = sget(ff, "killer");
    json_t *v, *ev = json_array();
    json_array_append_new(ev, json_string(what));
    if (json_is_object(oom) && !strcmp(sget(oom, "source"), "kernel log")) {
        int named = json_is_true(json_object_get(oom, "names_rank"));
        snprintf(ex, sizeof ex, "The %s was killed by the kernel's OOM killer: %s (kernel log: %s). The node "
                 "(or the job's cgroup) ran out of host memory. Restart; if it repeats, reduce host memory "
                 "use (DataLoader workers, CPU offload, loading full checkpoints on every rank).",
                 named ? "rank" : "rank (or a process under it)",
                 named ? "the record names its pid" : "the record names another process of this node, "
                 "killed during the attempt", sget(oom, "record"));
        v = verdict_base("infrastructure", "oom_host", "restart", named ? 0.9 : 0.7, ex);
        char line[700];
        snprintf(line, sizeof line, "kernel log: %s", sget(oom, "record"));
        json_array_append_new(ev, json_string(line));
    } else if (json_is_object(oom)) {
        snprintf(ex, sizeof ex, "The %s. The memory cgroup of its node counted %lld OOM kill(s) during the "
                 "attempt, so the kernel's OOM killer most likely killed it (the kernel log was %s). Host "
                 "memory ran out; restart, and reduce host memory use if it repeats.", what,
                 (long long)json_integer_value(json_object_get(oom, "kills")),
                 strcmp(sget(ff, "kernel_log"), "read") ? "not readable" : "searched without a record");
        v = verdict_base("infrastructure", "oom_host", "restart", 0.8, ex);
        snprintf(where, sizeof where, "memory cgroup: %lld OOM kill(s) during the attempt",
                 (long long)json_integer_value(json_object_get(oom, "kills")));
        json_array_append_new(ev, json_string(where));
    } else if (!strcmp(killer, "endure")) {
        snprintf(ex, sizeof ex, "The %s: endure killed it while stopping the ranks (the grace period ran out, "
                 "or the stop was escalated). Not a cause by itself; the failure that started the stop is.",
                 what);
        v = verdict_base("unknown", "killed", "restart", 0.9, ex);
        json_array_append_new(ev, json_string("sent by: endure, during a stop"));
    } else {
        searched(ff, where, sizeof where);
        snprintf(ex, sizeof ex, "The %s from outside endure (endure had not signalled it), and no OOM-killer "
                 "record was found (searched: %s). Someone or something else sent it: a user, the "
                 "scheduler, a watchdog or a health checker. Restart; check who may kill processes on that "
                 "node if it repeats.", what, where);
        v = verdict_base("unknown", "killed", "restart", 0.5, ex);
        json_array_append_new(ev, json_string(killer[0] ? "sent by: outside endure" : "sent by: not known"));
        char line[200];
        snprintf(line, sizeof line, "OOM-killer record: none found (searched: %s)", where);
        json_array_append_new(ev, json_string(line));
    }
    json_object_set_new(v, "culprit", json_pack("{s:s?,s:O?,s:n}", "host", json_string_value(json_object_get(ff, "node")),
                                                 "rank", json_object_get(ff, "rank"), "gpu"));
    json_object_set_new(v, "evidence", ev);
    return v;
}
