/* agent_oom: what this node knows about who killed a rank. The agent knows
 * whether it signalled the rank itself (a stop); the kernel log (when this
 * process may read it) names the processes the OOM killer killed; the
 * memory cgroup of the agent (which its ranks share) counts OOM kills. These
 * facts go with the rank's exit message, so that the controller's verdict
 * says what is known instead of guessing "host OOM" from a bare SIGKILL. */
#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/wait.h>
#include <time.h>
#include "common/text.h"
#include "common/util.h"
#include "launcher/agent_int.h"

#define KLOG_MAX (512u << 10) /* the newest part of the kernel ring buffer */
#define CGROUP_FILE_MAX 4096
#define KLOG_REUSE_MS 200      /* a KILL of many ranks is reaped in one burst: one read serves it */

double oom_boot_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The "[ secs.usecs]" stamp of a kernel log line, or -1. */
static double line_time(const char *p, const char *end)
{
    if (p < end && *p == '<')
        while (p < end && *p != '>')
            p++;
    if (p < end && *p == '>')
        p++;
    if (p >= end || *p != '[')
        return -1;
    char num[32];
    size_t n = 0;
    for (p++; p < end && *p == ' '; p++)
        ;
    while (p < end && n + 1 < sizeof num && (isdigit((unsigned char)*p) || *p == '.'))
        num[n++] = *p++;
    num[n] = '\0';
    return n ? strtod(num, NULL) : -1;
}

int oom_find(const char *log, size_t len, long pid, double since, char *out, size_t outlen)
{
    static const char key[] = "Killed process ";
    int found = 0;
    const char *p = log, *end = log + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
        const char *k = memmem(p, (size_t)(le - p), key, sizeof key - 1);
        double t = k ? line_time(p, le) : -1;
        if (k && (t < 0 || t + 1.0 >= since)) {
            long victim = strtol(k + sizeof key - 1, NULL, 10);
            int rank_named = victim == pid;
            if (rank_named || found < 2) {
                found = rank_named ? 2 : 1;
                utf8_sanitize(p, (size_t)(le - p), out, outlen - 1);
            }
        }
        p = le + 1;
    }
    return found;
}

/* The OOM-kill count of this process's memory cgroup (v2 memory.events,
 * v1 memory.oom_control), or -1 when none can be read. */
long oom_cgroup_kills(void)
{
    size_t len;
    char *cg = read_file_capped("/proc/self/cgroup", CGROUP_FILE_MAX, &len);
    long kills = -1;
    char path[PATH_MAX] = "";
    for (char *save = NULL, *l = cg ? strtok_r(cg, "\n", &save) : NULL; l && !path[0]; l = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        if (!strncmp(c1, "::", 2))
            snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.events", c2 + 1);
        else if (memmem(c1, (size_t)(c2 - c1), "memory", 6))
            snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/memory.oom_control", c2 + 1);
    }
    free(cg);
    char *f = path[0] ? read_file_capped(path, CGROUP_FILE_MAX, &len) : NULL;
    const char *k = f ? strstr(f, "oom_kill ") : NULL;
    if (k)
        kills = strtol(k + 9, NULL, 10);
    free(f);
    return kills;
}

/* The newest KLOG_MAX bytes of the kernel log (NULL when not allowed), read
 * at most once per KLOG_REUSE_MS: the copy is kept in a (agent_oom_free). */
static const char *kernel_log(struct agent *a, size_t *len)
{
    int64_t now = now_ms();
    if (a->klog_ms && now - a->klog_ms < KLOG_REUSE_MS) {
        *len = a->klog_len;
        return a->klog;
    }
    agent_oom_free(a);
    char *b = malloc(KLOG_MAX);
    int n = b ? klogctl(3 /* SYSLOG_ACTION_READ_ALL */, b, (int)KLOG_MAX) : -1;
    if (n < 0) {
        free(b);
        b = NULL;
    }
    a->klog = b;
    a->klog_len = *len = b ? (size_t)n : 0;
    a->klog_ms = now;
    return b;
}

void agent_oom_free(struct agent *a)
{
    free(a->klog);
    a->klog = NULL;
    a->klog_len = 0;
    a->klog_ms = 0;
}

void agent_exit_facts(struct agent *a, const struct rank *r, int st, struct msg_exit *m)
{
    int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    m->lines = r->lineno; /* the tail's last line number */
    if (sig != SIGKILL && code != 128 + SIGKILL)
        return;
    m->killer = a->state != A_RUNNING ? "endure" : "outside";
    size_t len = 0;
    const char *log = kernel_log(a, &len);
    char rec[512] = "";
    m->kernel_log = log ? "read" : "unreadable";
    int f = log ? oom_find(log, len, (long)r->pid, a->attempt_boot_s, rec, sizeof rec) : 0;
    long kills = oom_cgroup_kills();
    json_t *oom = NULL;
    if (f)
        oom = json_pack("{s:s,s:s,s:b}", "source", "kernel log", "record", rec, "names_rank", f == 2);
    else if (kills > a->oom_kills_at_start && a->oom_kills_at_start >= 0)
        oom = json_pack("{s:s,s:I}", "source", "cgroup", "kills", (json_int_t)(kills - a->oom_kills_at_start));
    m->oom = oom; /* the caller releases it */
    m->cgroup = kills >= 0 ? "read" : "unreadable";
}
