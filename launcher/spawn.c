/* spawn: the one fork+exec recipe of endure (ranks, and the controller's
 * local agents through spawn_exec): a new session or process group, a
 * parent-death signal, redirections, and exec errors reported through a
 * close-on-exec pipe. posix_spawn cannot set PR_SET_PDEATHSIG, so this uses
 * fork() and only async-signal-safe calls in the child before execve (safe
 * even when the agent has persister threads). See spawn.h. */
#include "launcher/spawn.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/util.h"

#define SPAWN_PIPE_SIZE (1 << 20) /* /proc/sys/fs/pipe-max-size by default */

static void child_fail(int fd, int stage)
{
    int e[2] = {stage, errno};
    ssize_t w = write(fd, e, sizeof e);
    (void)w;
    _exit(127);
}

static int rank_umask = -1;

void spawn_set_umask(int mask)
{
    rank_umask = mask;
}

enum { ST_SETSID = 1, ST_PRCTL, ST_REDIRECT, ST_CHDIR, ST_EXEC, ST_SETPGID, ST_COUNT };

/* Runs in the child: only async-signal-safe calls. */
static void child_exec(const struct spawn_opts *o, int report, pid_t parent, char *const argv[],
                       char *const envp[])
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; o->reset_signals && s < 32; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
    if (o->new_session ? setsid() < 0 : setpgid(0, 0) < 0)
        child_fail(report, o->new_session ? ST_SETSID : ST_SETPGID);
    if (o->pdeath_sig && prctl(PR_SET_PDEATHSIG, o->pdeath_sig) < 0)
        child_fail(report, ST_PRCTL);
    if (getppid() != parent) /* the parent died before prctl */
        _exit(127);
    int in = o->stdin_fd >= 0 ? o->stdin_fd : open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || (o->stdout_fd >= 0 && dup2(o->stdout_fd, 1) < 0) ||
        (o->stderr_fd >= 0 && dup2(o->stderr_fd, 2) < 0))
        child_fail(report, ST_REDIRECT);
    if (o->cwd && chdir(o->cwd) < 0)
        child_fail(report, ST_CHDIR);
    if (o->umask >= 0)
        umask((mode_t)o->umask);
    if (o->search_path)
        execvpe(argv[0], argv, envp);
    else
        execve(argv[0], argv, envp);
    child_fail(report, ST_EXEC);
}

pid_t spawn_exec(char *const argv[], char *const envp[], const struct spawn_opts *o, struct buf *err)
{
    int pr[2] = {-1, -1};
    pid_t pid = -1;
    if (pipe2(pr, O_CLOEXEC) < 0) {
        buf_printf(err, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t parent = getpid();
    pid = fork();
    if (pid < 0)
        buf_printf(err, "fork: %s", strerror(errno));
    if (pid == 0)
        child_exec(o, pr[1], parent, argv, envp);
    close(pr[1]);
    int e[2];
    ssize_t n = 0;
    while (pid > 0 && (n = read(pr[0], e, sizeof e)) < 0 && errno == EINTR)
        ;
    if (pid > 0 && n == (ssize_t)sizeof e) {
        static const char *what[] = {"", "setsid", "prctl", "redirect", "chdir", "exec", "setpgid"};
        buf_printf(err, "cannot %s '%s': %s", what[e[0] > 0 && e[0] < ST_COUNT ? e[0] : 0], argv[0],
                   strerror(e[1]));
        waitpid(pid, NULL, 0);
        pid = -1;
    }
    close(pr[0]);
    return pid;
}

int spawn_rank(struct spawned *s, char *const argv[], char *const envp[], const char *cwd, struct buf *err)
{
    int po[2] = {-1, -1}, pe[2] = {-1, -1}, rc = -1;
    if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
        buf_printf(err, "pipe: %s", strerror(errno));
        goto out;
    }
    /* a bigger pipe means fewer wake-ups for a rank that writes a lot */
    fcntl(po[0], F_SETPIPE_SZ, SPAWN_PIPE_SIZE);
    fcntl(pe[0], F_SETPIPE_SZ, SPAWN_PIPE_SIZE);
    struct spawn_opts o = {.new_session = 1, .pdeath_sig = SIGKILL, .reset_signals = 1, .umask = rank_umask,
                           .search_path = 1, .stdin_fd = -1, .stdout_fd = po[1], .stderr_fd = pe[1], .cwd = cwd};
    pid_t pid = spawn_exec(argv, envp, &o, err);
    if (pid < 0)
        goto out;
    s->pid = pid;
    s->out_fd = po[0];
    s->err_fd = pe[0];
    po[0] = pe[0] = -1;
    fd_set_nonblock(s->out_fd);
    fd_set_nonblock(s->err_fd);
    rc = 0;
out:
    for (int i = 0; i < 2; i++) {
        if (po[i] >= 0)
            close(po[i]);
        if (pe[i] >= 0)
            close(pe[i]);
    }
    return rc;
}

int spawn_become_subreaper(void)
{
    return prctl(PR_SET_CHILD_SUBREAPER, 1);
}

int spawn_list_children(pid_t *pids, int max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int n = 0;
    long v;
    while (n < max && fscanf(f, "%ld", &v) == 1)
        pids[n++] = (pid_t)v;
    fclose(f);
    return n;
}

void spawn_signal_group(pid_t pgid, int sig)
{
    if (pgid > 1)
        kill(-pgid, sig);
}

#define SUBTREE_MAX (1 << 20) /* descendants read at most (pids are recycled: a bound, not a cycle check) */

struct proc_link {
    pid_t pid, ppid, pgrp;
    char state;
    char mark; /* 1: a descendant to signal */
};

static int by_pid(const void *x, const void *y)
{
    pid_t a = ((const struct proc_link *)x)->pid, b = ((const struct proc_link *)y)->pid;
    return (a > b) - (a < b);
}

/* Reads pid, state and parent of every process in /proc, sorted by pid;
 * NULL when /proc cannot be read. */
static struct proc_link *read_links(size_t *count)
{
    DIR *d = opendir("/proc");
    struct proc_link *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[64], line[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "re");
        if (!f)
            continue; /* gone meanwhile */
        char *ok = fgets(line, sizeof line, f);
        fclose(f);
        char *rp = ok ? strrchr(line, ')') : NULL; /* the name may hold spaces and ')' */
        char st;
        int ppid, pgrp;
        if (!rp || sscanf(rp + 1, " %c %d %d", &st, &ppid, &pgrp) != 3)
            continue;
        if (n == cap) {
            struct proc_link *nv = realloc(v, (cap = cap ? 2 * cap : 256) * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        v[n++] = (struct proc_link){.pid = (pid_t)atol(e->d_name), .ppid = (pid_t)ppid, .pgrp = (pid_t)pgrp,
                                 .state = st};
    }
    if (d)
        closedir(d);
    if (v)
        qsort(v, n, sizeof *v, by_pid);
    *count = n;
    return v;
}

static int in_list(pid_t pid, const pid_t *list, int n)
{
    for (int i = 0; i < n; i++)
        if (list[i] == pid)
            return 1;
    return 0;
}

/* Appends the children of pid (the children file of each of its threads)
 * to v, skipping those in keep. -1 when pid's task directory cannot be
 * read (it is gone, or the kernel has no children files). */
static int add_children(pid_t pid, const pid_t *keep, int nkeep, struct proc_link **v, size_t *n, size_t *cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) && rc == 0) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char cpath[300];
        snprintf(cpath, sizeof cpath, "/proc/%d/task/%s/children", (int)pid, e->d_name);
        FILE *f = fopen(cpath, "re");
        if (!f) {
            rc = errno == ENOENT && pid == getpid() ? -1 : 0; /* no children files at all */
            continue;
        }
        long c;
        while (fscanf(f, "%ld", &c) == 1) {
            if (in_list((pid_t)c, keep, nkeep))
                continue;
            if (*n == *cap) {
                struct proc_link *nv = *n < SUBTREE_MAX ? realloc(*v, (*cap = *cap ? 2 * *cap : 64) * sizeof **v)
                                                        : NULL;
                if (!nv)
                    break;
                *v = nv;
            }
            (*v)[(*n)++] = (struct proc_link){.pid = (pid_t)c, .mark = 1};
        }
        fclose(f);
    }
    closedir(d);
    return rc;
}

/* Every descendant of this process but the subtrees of keep, found by
 * walking the children files down from here: only the subtree is read, not
 * all of /proc (a host with a thousand agents has thousands of processes,
 * and each agent sweeps after every exit). NULL and *ok 0 when the kernel
 * has no children files (CONFIG_PROC_CHILDREN). */
static struct proc_link *read_subtree(const pid_t *keep, int nkeep, size_t *count, int *ok)
{
    struct proc_link *v = NULL;
    size_t n = 0, cap = 0;
    *ok = add_children(getpid(), keep, nkeep, &v, &n, &cap) == 0;
    for (size_t i = 0; *ok && i < n; i++) {
        char path[64], line[512];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)v[i].pid);
        FILE *f = fopen(path, "re");
        char *got = f ? fgets(line, sizeof line, f) : NULL;
        if (f)
            fclose(f);
        char *rp = got ? strrchr(line, ')') : NULL;
        int ppid, pgrp;
        if (!rp || sscanf(rp + 1, " %c %d %d", &v[i].state, &ppid, &pgrp) != 3) {
            v[i].state = 'Z'; /* gone meanwhile: nothing to signal */
            continue;
        }
        v[i].pgrp = (pid_t)pgrp;
        add_children(v[i].pid, keep, nkeep, &v, &n, &cap);
    }
    *count = n;
    return v;
}

int spawn_signal_descendants(int sig, const pid_t *keep, int nkeep, const pid_t *groups_done, int ngroups)
{
    size_t n = 0;
    int ok, changed = 1, sent = 0;
    struct proc_link *v = read_subtree(keep, nkeep, &n, &ok);
    if (!ok) { /* no children files: every process of /proc, marked through its parent links */
        free(v);
        v = read_links(&n);
    } else {
        changed = 0; /* already the descendants only, all marked */
    }
    pid_t self = getpid();
    /* mark until stable: pids wrap, so a child may sort before its parent */
    while (v && changed) {
        changed = 0;
        for (size_t i = 0; i < n; i++) {
            if (v[i].mark)
                continue;
            struct proc_link key = {.pid = v[i].ppid};
            struct proc_link *parent = bsearch(&key, v, n, sizeof *v, by_pid);
            if ((v[i].ppid == self && !in_list(v[i].pid, keep, nkeep)) || (parent && parent->mark))
                v[i].mark = changed = 1;
        }
    }
    for (size_t i = 0; v && i < n; i++)
        if (v[i].mark && v[i].state != 'Z' && !in_list(v[i].pgrp, groups_done, ngroups) && kill(v[i].pid, sig) == 0)
            sent++;
    free(v);
    return sent;
}
