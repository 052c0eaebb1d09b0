/* fake_trainer: a stand-in for a training script in end-to-end tests. It
 * reads RANK and ENDURE_ATTEMPT from the environment and, per its flags,
 * prints progress, fails, dies by a signal, hangs, ignores TERM, spawns
 * grandchildren, floods output or writes awkward bytes. A test program, so it
 * may sleep between steps. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank, attempt;
static const char *marker_dir;

static void on_term(int sig)
{
    if (marker_dir) {
        char p[512];
        snprintf(p, sizeof p, "%s/term-%d-%d", marker_dir, rank, sig);
        int fd = open(p, O_WRONLY | O_CREAT, 0644);
        if (fd >= 0)
            close(fd);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static int env_int(const char *k, int def)
{
    const char *v = getenv(k);
    return v ? atoi(v) : def;
}

/* "R" or "R@A": true when this rank (and attempt, if given) matches. */
static int matches(const char *spec)
{
    if (!spec)
        return 0;
    int r = atoi(spec), a = -1;
    const char *at = strchr(spec, '@');
    if (at)
        a = atoi(at + 1);
    return (r == rank || r < 0) && (a < 0 || a == attempt);
}

static void grandchild(int escape, int ignore_term)
{
    pid_t p = fork();
    if (p == 0) {
        if (escape)
            setsid();
        if (ignore_term)
            signal(SIGTERM, SIG_IGN);
        for (;;)
            pause();
    }
    printf("grandchild %d\n", (int)p);
}

/* --sync: the rendezvous real trainers have (init_process_group): a rank
 * that is to fail at --at-step first waits until every rank of the attempt
 * has printed step 1 (its marker in FAKE_MARKERS), so that a test of how
 * the others are stopped does not race their start (agents load their
 * rules at their own pace). Gives up after 120 s. */
static void mark_up(void)
{
    char p[512];
    snprintf(p, sizeof p, "%s/up-%d-%d", marker_dir, attempt, rank);
    int fd = open(p, O_WRONLY | O_CREAT, 0644);
    if (fd >= 0)
        close(fd);
}

static void wait_peers(void)
{
    int world = env_int("WORLD_SIZE", 1);
    for (int tries = 0; tries < 6000; tries++) {
        int r = 0;
        char p[512];
        for (; r < world; r++) {
            snprintf(p, sizeof p, "%s/up-%d-%d", marker_dir, attempt, r);
            if (access(p, F_OK) != 0)
                break;
        }
        if (r == world)
            return;
        poll(NULL, 0, 20);
    }
}

static void awkward_bytes(void)
{
    fputs("partial line without newline", stdout);
    fflush(stdout);
    poll(NULL, 0, 20);
    fputs(" ... completed\n", stdout);
    fwrite("bin\0ary\xff\xfe\x01 bytes\n", 1, 18, stdout);
    for (int i = 0; i <= 100; i += 10)
        printf("progress %d%%\r", i);
    printf("\n");
    char *big = malloc(10 << 20);
    memset(big, 'x', 10 << 20);
    fwrite(big, 1, 10 << 20, stdout);
    free(big);
    printf("\nafter the long line\n");
    fflush(stdout);
}

static void flood(long bytes, int line_len)
{
    char line[4096];
    long i = 0;
    if (line_len < 10 || line_len > (int)sizeof line)
        line_len = 100;
    memset(line, 'a', (size_t)line_len);
    line[line_len - 1] = '\n';
    for (long done = 0; done < bytes; done += line_len) {
        int n = snprintf(line, 24, "%012ld ", i++);
        line[n] = 'a';
        fwrite(line, 1, (size_t)line_len, stdout);
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int steps = 5, step_ms = 20, code = 3, ignore_term = 0;
    const char *fail = NULL, *sig = NULL, *hang = NULL, *spawn = NULL, *say = NULL, *say_rank = "-1";
    int fail_step = 2, sig_no = SIGSEGV, escape = 0, awkward = 0, print_env = 0, heartbeat = 0;
    long flood_bytes = 0;
    int line_len = 100, quiet = 0, ignore_int = 0, sync = 0;
    rank = env_int("RANK", 0);
    attempt = env_int("ENDURE_ATTEMPT", 0);
    marker_dir = getenv("FAKE_MARKERS");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "0";
        if (!strcmp(a, "--steps")) steps = atoi(v), i++;
        else if (!strcmp(a, "--step-ms")) step_ms = atoi(v), i++;
        else if (!strcmp(a, "--fail")) fail = v, i++;          /* R[@A]: exit with --code */
        else if (!strcmp(a, "--code")) code = atoi(v), i++;
        else if (!strcmp(a, "--at-step")) fail_step = atoi(v), i++;
        else if (!strcmp(a, "--signal")) sig = v, i++;         /* R[@A]: die by --signo */
        else if (!strcmp(a, "--signo")) sig_no = atoi(v), i++;
        else if (!strcmp(a, "--hang")) hang = v, i++;          /* R[@A]: stop printing at --at-step */
        else if (!strcmp(a, "--ignore-term")) ignore_term = 1;
        else if (!strcmp(a, "--grandchild")) spawn = v, i++;   /* R[@A] */
        else if (!strcmp(a, "--escape")) escape = 1;
        else if (!strcmp(a, "--flood")) flood_bytes = atol(v), i++;
        else if (!strcmp(a, "--line-len")) line_len = atoi(v), i++;
        else if (!strcmp(a, "--awkward")) awkward = 1;
        else if (!strcmp(a, "--print-env")) print_env = 1;
        else if (!strcmp(a, "--sync")) sync = 1;               /* wait for every rank's step 1 before a fault */
        else if (!strcmp(a, "--heartbeat")) heartbeat = 1;     /* touch the heartbeat file, no progress lines */
        else if (!strcmp(a, "--quiet")) quiet = 1;             /* nothing on stderr */
        else if (!strcmp(a, "--ignore-int")) ignore_int = 1;
        else if (!strcmp(a, "--say")) say = v, i++;            /* a line printed at --at-step */
        else if (!strcmp(a, "--say-rank")) say_rank = v, i++;  /* R[@A] that prints it (default: all) */
        else { fprintf(stderr, "fake_trainer: unknown flag %s\n", a); return 2; }
    }
    signal(SIGTERM, ignore_term ? SIG_IGN : on_term);
    signal(SIGINT, ignore_int ? SIG_IGN : on_term);
    signal(SIGUSR1, on_term);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (print_env) {
        const char *keys[] = {"LOCAL_RANK", "RANK", "GROUP_RANK", "ROLE_RANK", "ROLE_NAME", "LOCAL_WORLD_SIZE",
                              "WORLD_SIZE", "GROUP_WORLD_SIZE", "ROLE_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
                              "TORCHELASTIC_RESTART_COUNT", "TORCHELASTIC_MAX_RESTARTS", "TORCHELASTIC_RUN_ID",
                              "TORCHELASTIC_ERROR_FILE", "TORCH_NCCL_ASYNC_ERROR_HANDLING", "OMP_NUM_THREADS",
                              "ENDURE_RUN_DIR", "ENDURE_ATTEMPT", "ENDURE_NODE", "ENDURE_HEARTBEAT_FILE",
                              "ENDURE_SECRET", "TORCH_NCCL_TRACE_BUFFER_SIZE", "TORCH_NCCL_DUMP_ON_TIMEOUT",
                              "TORCH_NCCL_DEBUG_INFO_TEMP_FILE", "TORCH_FR_DUMP_TEMP_FILE"};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            printf("env %s=%s\n", keys[k], getenv(keys[k]) ? getenv(keys[k]) : "<unset>");
    }
    if (matches(spawn))
        grandchild(escape, ignore_term);
    if (awkward)
        awkward_bytes();
    if (flood_bytes)
        flood(flood_bytes, line_len);
    if (!quiet)
        fprintf(stderr, "rank %d attempt %d starting\n", rank, attempt);
    for (int s = 1; s <= steps; s++) {
        if (sync && marker_dir && s == fail_step && (matches(fail) || matches(sig) || matches(hang)))
            wait_peers();
        if (s == fail_step && say && matches(say_rank))
            fprintf(stderr, "%s\n", say);
        if (s == fail_step && matches(hang)) {
            printf("rank %d hanging\n", rank);
            for (;;)
                pause();
        }
        if (s == fail_step && matches(fail)) {
            fprintf(stderr, "rank %d failing with code %d at step %d\n", rank, code, s);
            return code;
        }
        if (s == fail_step && matches(sig)) {
            signal(sig_no, SIG_DFL);
            raise(sig_no);
        }
        if (heartbeat) {
            const char *hb = getenv("ENDURE_HEARTBEAT_FILE");
            int fd = hb ? open(hb, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
            if (fd >= 0) {
                (void)!write(fd, "x", 1);
                close(fd);
            }
        } else {
            printf("step %d loss %.3f\n", s, 1.0 / s);
        }
        if (sync && marker_dir && s == 1)
            mark_up();
        poll(NULL, 0, step_ms);
    }
    printf("rank %d done\n", rank);
    return 0;
}
