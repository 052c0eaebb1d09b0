/* Unit tests of health/: the probe runner (debounce, timeout, crash, no
 * result, order), the nic probe over a fake sysfs tree (IB ports, counters
 * that grow), the memory probe over fake meminfo files, the storage probe's
 * slow-I/O warning, the gpu and cuda probes with the fake libraries by path
 * (absent, lacking a symbol), size parsing and health_load_run's bounds. */
#include "tests/unit/harness.h"
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/util.h"
#include "health/health.h"
#include "health/health_int.h"

static void put(const char *dir, const char *rel, const char *text)
{
    char p[PATH_MAX], d[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    snprintf(d, sizeof d, "%s", p);
    *strrchr(d, '/') = '\0';
    mkdir_p(d, 0755);
    if (write_file_durable(p, text, strlen(text)) < 0)
        abort();
}

static const json_t *probe_at(const json_t *r, size_t i) { return json_array_get(json_object_get(r, "probes"), i); }
static const char *field(const json_t *p, const char *k) { return json_string_value(json_object_get(p, k)); }

static struct health_opts quick(void)
{
    struct health_opts o;
    test_tmpdir(); /* made here, before the probe children fork */
    health_opts_init(&o);
    o.retry_pause_ms = 10;
    o.timeout_ms = 60000; /* long: the probes' real work (a 256 MiB copy and
                           * check, 64 MiB of fsync) takes seconds under
                           * valgrind; the hang test sets its own short one */
    return o;
}

/* fails while its marker file does not exist yet, creating it */
static void flaky(const struct health_opts *o, struct probe_out *out)
{
    char p[PATH_MAX];
    (void)o;
    snprintf(p, sizeof p, "%s/flaky", test_tmpdir());
    if (access(p, F_OK) == 0)
        probe_set(out, HEALTH_PASS, "fine now");
    else {
        put(test_tmpdir(), "flaky", "1");
        probe_set(out, HEALTH_FAIL, "first reading bad");
    }
}
static void broken(const struct health_opts *o, struct probe_out *out)
{
    (void)o;
    probe_set(out, HEALTH_FAIL, "still bad");
}
static void hangs(const struct health_opts *o, struct probe_out *out)
{
    (void)o;
    (void)out;
    for (;;)
        poll(NULL, 0, -1);
}
static void crashes(const struct health_opts *o, struct probe_out *out)
{
    (void)o;
    (void)out;
    abort(); /* not SIGSEGV: a sanitizer would turn that into exit(1) */
}
static void silent(const struct health_opts *o, struct probe_out *out)
{
    (void)o;
    (void)out;
    _exit(0);
}
static void exits(const struct health_opts *o, struct probe_out *out)
{
    (void)o;
    (void)out;
    _exit(3);
}
static void first(const struct health_opts *o, struct probe_out *out)
{
    (void)o;
    poll(NULL, 0, 100);
    put(test_tmpdir(), "first-done", "1");
    probe_set(out, HEALTH_WARN, "slow but ok");
}
static void second(const struct health_opts *o, struct probe_out *out)
{
    char p[PATH_MAX];
    (void)o;
    snprintf(p, sizeof p, "%s/first-done", test_tmpdir());
    probe_set(out, access(p, F_OK) == 0 ? HEALTH_PASS : HEALTH_FAIL, "ran after first: %s", p);
}

TEST(health_debounce_passes_a_transient_failure)
{
    struct health_opts o = quick();
    const struct probe_def d[] = {{"flaky", flaky, -1, 0}, {"broken", broken, -1, 0}};
    json_t *r = health_run_defs(&o, d, 2);
    CHECK(r);
    const json_t *f = probe_at(r, 0), *b = probe_at(r, 1);
    int ok = !strcmp(field(f, "result"), "pass") && json_integer_value(json_object_get(f, "runs")) == 2 &&
             !strcmp(field(f, "transient"), "first reading bad") && !strcmp(field(b, "result"), "fail") &&
             json_integer_value(json_object_get(b, "runs")) == 2 && !json_object_get(b, "transient") &&
             !strcmp(field(r, "result"), "fail");
    json_decref(r);
    CHECK(ok);
}

TEST(health_fail_after_one_does_not_rerun)
{
    struct health_opts o = quick();
    o.fail_after = 1;
    const struct probe_def d[] = {{"flaky", flaky, -1, 0}};
    json_t *r = health_run_defs(&o, d, 1);
    int ok = r && !strcmp(field(probe_at(r, 0), "result"), "fail") &&
             json_integer_value(json_object_get(probe_at(r, 0), "runs")) == 1;
    json_decref(r);
    CHECK(ok);
}

/* The hang under a short timeout; the probes that end on their own under a
 * long one, so that a slow machine (valgrind, a loaded CI) cannot turn a
 * crash into a timeout. */
TEST(health_timeout_crash_and_silence_fail)
{
    struct health_opts o = quick();
    o.timeout_ms = 300;
    o.fail_after = 1;
    const struct probe_def h[] = {{"hangs", hangs, -1, 0}};
    json_t *r = health_run_defs(&o, h, 1);
    CHECK(r);
    int ok = r && !strcmp(field(probe_at(r, 0), "reason"), "timed out after 0.3s") &&
             !strcmp(field(probe_at(r, 0), "result"), "fail");
    json_decref(r);
    CHECK(ok);
    o.timeout_ms = 60000;
    const struct probe_def d[] = {{"crashes", crashes, -1, 0}, {"silent", silent, -1, 0}, {"exits", exits, -1, 0}};
    r = health_run_defs(&o, d, 3);
    CHECK(r);
    ok = r && !strcmp(field(probe_at(r, 0), "reason"), "the probe crashed (signal 6)") &&
         !strcmp(field(probe_at(r, 1), "reason"), "the probe gave no result") &&
         !strcmp(field(probe_at(r, 2), "reason"), "the probe exited with status 3");
    if (!ok && r) {
        char *js = json_dumps(r, JSON_COMPACT);
        fprintf(stderr, "  %s\n", js ? js : "?");
        free(js);
    }
    json_decref(r);
    CHECK(ok);
}

TEST(health_after_waits_for_its_probe)
{
    struct health_opts o = quick();
    const struct probe_def d[] = {{"first", first, -1, 0}, {"second", second, 0, 0}};
    json_t *r = health_run_defs(&o, d, 2);
    int ok = r && !strcmp(field(probe_at(r, 1), "result"), "pass") && !strcmp(field(r, "result"), "warn");
    json_decref(r);
    CHECK(ok);
}

/* ---- nic over a fake sysfs ---- */
static void ib_tree(const char *sys, const char *state, const char *symerr)
{
    put(sys, "class/infiniband/mlx5_0/ports/1/state", state);
    put(sys, "class/infiniband/mlx5_0/ports/1/phys_state", "5: LinkUp\n");
    put(sys, "class/infiniband/mlx5_0/ports/1/rate", "400 Gb/sec (4X NDR)\n");
    put(sys, "class/infiniband/mlx5_0/ports/1/counters/symbol_error", symerr);
    put(sys, "class/net/ib0/operstate", "up\n");
    put(sys, "class/net/ib0/carrier", "1\n");
    put(sys, "class/net/ib0/statistics/rx_errors", "0\n");
}

static enum health_result nic(const struct health_opts *o, char *reason, size_t n)
{
    struct probe_out out = {HEALTH_SKIP, "", json_object()};
    probe_nic(o, &out);
    snprintf(reason, n, "%s", out.reason);
    json_decref(out.figures);
    return out.result;
}

TEST(health_nic_ib_ports_and_counters)
{
    char sys[PATH_MAX], state[PATH_MAX], why[HEALTH_REASON_MAX];
    snprintf(sys, sizeof sys, "%s/sys", test_tmpdir());
    snprintf(state, sizeof state, "%s/state", test_tmpdir());
    struct health_opts o = quick();
    o.sysfs = sys;
    o.state_dir = state;
    o.nics[o.nnics++] = "ib0";
    ib_tree(sys, "4: ACTIVE\n", "7\n");
    CHECK(nic(&o, why, sizeof why) == HEALTH_PASS); /* the baseline */
    CHECK_STR(why, "1 IB port active, 1 interface up");
    CHECK(nic(&o, why, sizeof why) == HEALTH_PASS);
    put(sys, "class/infiniband/mlx5_0/ports/1/counters/symbol_error", "9\n");
    CHECK(nic(&o, why, sizeof why) == HEALTH_WARN);
    CHECK_STR(why, "error counters grew since the last check: mlx5_0/1/symbol_error +2");
    CHECK(nic(&o, why, sizeof why) == HEALTH_PASS); /* no growth since */
    put(sys, "class/infiniband/mlx5_0/ports/1/state", "2: INIT\n");
    CHECK(nic(&o, why, sizeof why) == HEALTH_FAIL);
    CHECK_STR(why, "IB port mlx5_0/1 is INIT/LinkUp");
    put(sys, "class/infiniband/mlx5_0/ports/1/state", "4: ACTIVE\n");
    put(sys, "class/net/ib0/operstate", "down\n");
    CHECK(nic(&o, why, sizeof why) == HEALTH_FAIL);
    CHECK_STR(why, "interface ib0 is down");
    put(sys, "class/net/ib0/operstate", "unknown\n"); /* lo-like: unknown with a carrier is up */
    CHECK(nic(&o, why, sizeof why) == HEALTH_PASS);
}

TEST(health_nic_skip_without_ports_or_interfaces)
{
    /* no IB device and an empty --nic list is impossible from the command
     * line (it takes the IPv4 interfaces); here: a tree without
     * infiniband and one named interface that exists */
    char sys[PATH_MAX], why[HEALTH_REASON_MAX];
    snprintf(sys, sizeof sys, "%s/sys", test_tmpdir());
    put(sys, "class/net/eth9/operstate", "up\n");
    struct health_opts o = quick();
    o.sysfs = sys;
    o.state_dir = test_tmpdir();
    o.nics[o.nnics++] = "eth9";
    CHECK(nic(&o, why, sizeof why) == HEALTH_PASS);
    CHECK_STR(why, "0 IB ports active, 1 interface up");
}

/* ---- memory over fake meminfo ---- */
static enum health_result mem(const char *text, uint64_t min, char *why, size_t n)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/meminfo", test_tmpdir());
    put(test_tmpdir(), "meminfo", text);
    struct health_opts o = quick();
    o.meminfo = p;
    o.min_mem = min;
    struct probe_out out = {HEALTH_SKIP, "", json_object()};
    probe_memory(&o, &out);
    snprintf(why, n, "%s", out.reason);
    json_decref(out.figures);
    return out.result;
}

TEST(health_memory_verdicts)
{
    char why[HEALTH_REASON_MAX];
    const char *ok = "MemTotal:       16777216 kB\nMemFree:  100 kB\nMemAvailable:    8388608 kB\n";
    const char *low = "MemTotal:       16777216 kB\nMemAvailable:    1048576 kB\n";
    CHECK(mem(ok, 0, why, sizeof why) == HEALTH_PASS);
    CHECK_STR(why, "8.0 GiB available (50%)");
    CHECK(mem(ok, (uint64_t)9 << 30, why, sizeof why) == HEALTH_FAIL);
    CHECK_STR(why, "8.0 GiB available, 9.0 GiB needed (--min-mem)");
    CHECK(mem(low, 0, why, sizeof why) == HEALTH_WARN);
    CHECK_STR(why, "only 1.0 GiB available (6% of the memory)");
    CHECK(mem("MemTotal: 100 kB\n", 0, why, sizeof why) == HEALTH_SKIP);
    CHECK(mem("garbage\n\n:::\n", 0, why, sizeof why) == HEALTH_SKIP);
}

TEST(health_storage_slow_io_warns)
{
    char ck[PATH_MAX];
    snprintf(ck, sizeof ck, "%s/ck", test_tmpdir());
    mkdir_p(ck, 0700);
    struct health_opts o = quick();
    o.ckpt_dir = ck;
    o.storage_slow_ms = -1; /* any round trip is "slow" */
    struct probe_out out = {HEALTH_SKIP, "", json_object()};
    probe_storage(&o, &out);
    int ok = out.result == HEALTH_WARN && strstr(out.reason, "64 MiB write+fsync+read took");
    json_decref(out.figures);
    CHECK(ok);
}

/* ---- gpu and cuda with the fake libraries by path ---- */
static int fake_path(char *out, size_t n, const char *lib)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return -1;
    exe[len] = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(out, n, "%s/tests/fakes/%s", exe, lib);
    return access(out, F_OK);
}

static char *run_one(struct health_opts *o, int which)
{
    json_t *r = health_run(o, 1u << which);
    char *t = malloc(1024);
    snprintf(t, 1024, "%s|%s", field(probe_at(r, 0), "result"), field(probe_at(r, 0), "reason"));
    json_decref(r);
    return t;
}

TEST(health_gpu_and_cuda_by_path)
{
    char nvml[PATH_MAX], cuda[PATH_MAX], nosym[PATH_MAX];
    CHECK(fake_path(nvml, sizeof nvml, "libnvidia-ml.so.1") == 0);
    CHECK(fake_path(cuda, sizeof cuda, "libcuda.so.1") == 0);
    CHECK(fake_path(nosym, sizeof nosym, "nosym/libnvidia-ml.so.1") == 0);
    struct health_opts o = quick();
    o.nvml_lib = nvml;
    o.cuda_lib = cuda;
    o.min_copy_gbps = 0;
    setenv("FAKE_NVML_GPUS", "3", 1);
    char *a = run_one(&o, 0), *b = run_one(&o, 1);
    setenv("FAKE_NVML_ECC", "1", 1);
    o.fail_after = 1;
    char *c = run_one(&o, 0);
    o.nvml_lib = nosym;
    char *d = run_one(&o, 0);
    o.nvml_lib = "/nonexistent/libnvidia-ml.so.1";
    char *e = run_one(&o, 0);
    unsetenv("FAKE_NVML_ECC");
    unsetenv("FAKE_NVML_GPUS");
    int ok = !strcmp(a, "pass|3 GPUs, no ECC errors, no processes, max 40 C") && !strncmp(b, "pass|1 device:", 14) &&
         !strcmp(c, "fail|GPU 0: 1 uncorrectable ECC errors") && strstr(d, "skip|") == d &&
         strstr(d, "lacks the symbol nvmlDeviceGetRemappedRows") && !strncmp(e, "skip|/nonexistent/libnvidia-ml.so.1", 35);
    if (!ok)
        fprintf(stderr, "  %s\n  %s\n  %s\n  %s\n  %s\n", a, b, c, d, e);
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
    CHECK(ok);
}

/* ---- sizes and reading results back ---- */
TEST(health_parse_size)
{
    uint64_t v;
    CHECK(parse_size("512M", &v) == 0 && v == (uint64_t)512 << 20);
    CHECK(parse_size("2G", &v) == 0 && v == (uint64_t)2 << 30);
    CHECK(parse_size("2GiB", &v) == 0 && v == (uint64_t)2 << 30);
    CHECK(parse_size("3t", &v) == 0 && v == (uint64_t)3 << 40);
    CHECK(parse_size("4096", &v) == 0 && v == 4096);
    CHECK(parse_size("0", &v) == 0 && v == 0);
    const char *bad[] = {"", "M", "1.5G", "-1G", "+1G", " 1G", "1G ", "1 G", "0x10", "1P", "1GB2", "1Gi",
                         "99999999999999999999", "5000000T", NULL};
    for (int i = 0; bad[i]; i++)
        CHECK(parse_size(bad[i], &v) == -1);
}

TEST(health_load_run_bounds)
{
    char run[PATH_MAX];
    struct buf err;
    long attempt = 0;
    snprintf(run, sizeof run, "%s/run", test_tmpdir());
    buf_init(&err, 1024);
    put(run, "attempt-2/health.json", "{\"nodes\": {\"a\": {\"error\": \"x\"}}}");
    put(run, "attempt-10/health.json", "{\"nodes\": 5}");
    put(run, "attempt-7/health.json", "{\"nodes\": {}}");
    json_t *j = health_load_run(run, &attempt, &err);
    CHECK(!j && attempt == 0 && strstr(err.p, "attempt-10/health.json: not an object with \"nodes\""));
    buf_reset(&err);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/attempt-10/health.json", run);
    unlink(p);
    j = health_load_run(run, &attempt, &err);
    CHECK(j && attempt == 7);
    json_decref(j);
    /* a file just over the cap */
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && ftruncate(fd, HEALTH_JSON_MAX + 1) == 0);
    close(fd);
    j = health_load_run(run, &attempt, &err);
    CHECK(!j && strstr(err.p, "larger than 16 MiB"));
    buf_free(&err);
}
