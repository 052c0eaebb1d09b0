/* Unit tests of the rank-prefix parser: every prefix kind, stacking,
 * and lines that only look like prefixes. */
#include "tests/unit/harness.h"
#include <time.h>
#include "diagnose/prefix.h"

static struct prefix_info parse(const char *s)
{
    struct prefix_info p;
    prefix_parse(s, strlen(s), &p);
    return p;
}

static const char *rest(const char *s)
{
    struct prefix_info p;
    prefix_parse(s, strlen(s), &p);
    return s + p.skip;
}

TEST(diag_prefix_rank_labels)
{
    struct prefix_info p = parse("[rank3]: RuntimeError: boom");
    CHECK(p.rank == 3 && p.local_rank == -1);
    CHECK_STR(rest("[rank3]: RuntimeError: boom"), "RuntimeError: boom");
    p = parse("[default5]:Traceback (most recent call last):");
    CHECK(p.local_rank == 5 && p.rank == -1);
    CHECK_STR(rest("[default5]:Traceback (most recent call last):"),
              "Traceback (most recent call last):");
    p = parse("12: KeyError: 'lr'");
    CHECK(p.rank == 12);
    CHECK_STR(rest("12: KeyError: 'lr'"), "KeyError: 'lr'");
    p = parse("[n1:7] step 5");
    CHECK(p.rank == 7);
    CHECK_STR(p.node, "n1");
    CHECK_STR(rest("[n1:7] step 5"), "step 5");
    p = parse("[n1:999999] step 5");
    CHECK(p.rank == 999999);
    p = parse("[gpu1:1581048] pml_ucx.c:419 Error: ucp_ep_create failed"); /* Open MPI's pid */
    CHECK(p.rank == -1 && !p.node[0]);
    /* ORTE's zero-padded pid, and its help aggregation after a short one */
    p = parse("[cuda-24-0.local:08642] 2 more processes have sent help message help-mpi-api.txt");
    CHECK(p.rank == -1);
    p = parse("[node3:4242] 12 more processes have sent help message help-orte-odls.txt");
    CHECK(p.rank == -1);
    CHECK_STR(p.node, "node3");
    p = parse("[n1:0] step 5"); /* rank 0 is no padding */
    CHECK(p.rank == 0);
}

TEST(diag_prefix_timestamps)
{
    struct prefix_info p = parse("2024-01-01T00:00:10.5Z [rank1]: x");
    CHECK(p.ts == 1704067210.5);
    CHECK(p.rank == 1);
    CHECK_STR(rest("2024-01-01T00:00:10.5Z [rank1]: x"), "x");
    p = parse("[2024-01-01 00:00:00,250] torch.distributed.elastic: failed");
    CHECK(p.ts == 1704067200.25);
    CHECK_STR(rest("[2024-01-01 00:00:00,250] torch.distributed.elastic: failed"),
              "torch.distributed.elastic: failed");
    p = parse("2024-01-01 01:00:00+01:00 - INFO - hi");
    CHECK(p.ts == 1704067200.0);
    CHECK_STR(rest("2024-01-01 01:00:00+01:00 - INFO - hi"), "INFO - hi");
    p = parse("2024/01/01 00:00:10 job-7:293:765 [0] NCCL INFO x"); /* Go's log */
    CHECK(p.ts == 1704067210.0);
    CHECK_STR(p.host, "job-7");
    p = parse("2024/01-01 00:00:10 x"); /* mixed separators: not a date */
    CHECK(p.ts == -1);
    p = parse("Jan  2 03:04:05 gpu-node-17 kernel: NVRM: Xid (PCI:0000:3b:00): 79");
    CHECK_STR(p.host, "gpu-node-17");
    CHECK(p.ts == 86400 + 3 * 3600 + 4 * 60 + 5);
    CHECK_STR(rest("Jan  2 03:04:05 gpu-node-17 kernel: NVRM: Xid"), "kernel: NVRM: Xid");
    /* journalctl -o short-precise, and a UTC "Z" */
    p = parse("Jan  2 03:04:05.123456 gpu-node-17 kernel: NVRM: Xid (PCI:0000:3b:00): 79");
    CHECK_STR(p.host, "gpu-node-17");
    CHECK(p.ts == 86400 + 3 * 3600 + 4 * 60 + 5);
    p = parse("Dec 17 16:03:58Z translations-1 start-worker 2024/12/17 16:03:58 GCP says");
    CHECK_STR(p.host, "translations-1");
    p = parse("Jan  2 03:04:05x gpu-node-17 kernel: x");
    CHECK_STR(p.host, "");
}

TEST(diag_prefix_nccl_host_gpu_not_stripped)
{
    const char *l = "gpu-node-3:12345:12399 [6] NCCL WARN NET/IB : Got completion with error 12";
    struct prefix_info p = parse(l);
    CHECK_STR(p.host, "gpu-node-3");
    CHECK(p.gpu == 6);
    CHECK(p.skip == 0);
    p = parse("[rank2]: node1:1:2 [0] NCCL INFO Init");
    CHECK(p.rank == 2 && p.gpu == 0);
    CHECK_STR(p.host, "node1");
    /* NCCL 2.19 and later put the source file and line before "NCCL" */
    p = parse("ins-7df6eojsifuykig9:3018451:3018451 [0] enqueue.cc:1085 NCCL WARN Cuda failure 'out of memory'");
    CHECK_STR(p.host, "ins-7df6eojsifuykig9");
    CHECK(p.gpu == 0 && p.skip == 0);
    p = parse("n7:1:2 [3] transport/net_ib.cc:123 NCCL WARN NET/IB : Got completion");
    CHECK_STR(p.host, "n7");
    /* a tag without its line number, or text that is not NCCL's, is no prefix */
    p = parse("n7:1:2 [3] enqueue.cc NCCL WARN x");
    CHECK_STR(p.host, "");
    p = parse("n7:1:2 [3] enqueue.cc:12 NCXL WARN x");
    CHECK_STR(p.host, "");
}

TEST(diag_prefix_lookalikes_untouched)
{
    static const char *const lines[] = {
        "12:00:00 start", "[W socket.cpp:601] warning", "[rank]: x", "2024-13-01 00:00:00 x",
        "step 12: loss 3", "", "[", "Jan", "[host: 1] x", "[n1:2]x", "123456789: x",
        "urllib3.exceptions.NewConnectionError: <urllib3.connection.HTTPSConnection>: refused",
        "h5py.h5e.H5Error: x",
        "deepspeed.runtime.zero.stage3: AssertionError: The parameter 12 has already been reduced.",
        "torch.nn.modules.conv2d: x",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        struct prefix_info p = parse(lines[i]);
        if (p.skip != 0 || p.rank != -1)
            fprintf(stderr, "  '%s' parsed as skip %zu rank %ld\n", lines[i], p.skip, p.rank);
        CHECK(p.skip == 0 && p.rank == -1 && p.ts < 0 && !p.host[0]);
    }
    struct prefix_info p = parse("gpu-a01.Cluster7: x"); /* a host that is not module.Class */
    CHECK_STR(p.host, "gpu-a01.Cluster7");
    p = parse("node12.cluster.local: x"); /* digits first: a host, not a module path */
    CHECK_STR(p.host, "node12.cluster.local");
    p = parse("10.0.0.7: x");
    CHECK_STR(p.host, "10.0.0.7");
}

TEST(diag_prefix_determined_container)
{
    const char *a = "[2022-06-09T09:22:31.405195Z] 8de2ca81 ||   host      : 5e4bef3a2da3";
    struct prefix_info p = parse(a);
    CHECK(p.ts > 0 && p.rank == -1);
    CHECK_STR(rest(a), "  host      : 5e4bef3a2da3");
    const char *b = "[2023-02-15T17:40:31.582349Z] 3a6e6a9c [rank=1] || RuntimeError: boom";
    p = parse(b);
    CHECK(p.rank == 1);
    CHECK_STR(rest(b), "RuntimeError: boom");
    /* not after a timestamp, not 8 lowercase hex digits, or no "||": untouched */
    CHECK(parse("8de2ca81 || x").skip == 0);
    const char *c = "[2022-06-09T09:22:31Z] 8DE2CA81 || x", *d = "[2022-06-09T09:22:31Z] 8de2ca81 | x";
    CHECK_STR(rest(c), "8DE2CA81 || x");
    CHECK_STR(rest(d), "8de2ca81 | x");
}

TEST(diag_prefix_ray_worker)
{
    const char *l = "(RayTrainWorker pid=4412, ip=10.0.3.7) ValueError: bad";
    struct prefix_info p = parse(l);
    CHECK(p.pid == 4412 && p.rank == -1);
    CHECK_STR(p.host, "10.0.3.7");
    CHECK_STR(p.node, "10.0.3.7");
    CHECK_STR(rest(l), "ValueError: bad");
    l = "(pid=77) [rank1]: RuntimeError";
    p = parse(l);
    CHECK(p.pid == 77 && p.rank == 1 && !p.host[0]);
    CHECK_STR(rest(l), "RuntimeError");
    l = "(sky-f2c-user pid=12) step 3";
    CHECK(parse(l).pid == 12);
    CHECK_STR(rest(l), "step 3");
    l = "(raylet, ip=10.0.3.8) [2026-12-03 10:00:00] worker died";
    p = parse(l);
    CHECK(p.pid == -1);
    CHECK_STR(p.host, "10.0.3.8");
    CHECK_STR(rest(l), "worker died");
    l = "(LLMRayActor pid=1209, ip=xxx) INFO loaded"; /* a redacted ip names no host */
    p = parse(l);
    CHECK(p.pid == 1209 && !p.host[0]);
    CHECK_STR(rest(l), "INFO loaded");
    l = "(worker1, rank=1, pid=4773, ip=10.0.0.9) AssertionError"; /* SkyPilot: a node's index */
    p = parse(l);
    CHECK(p.pid == 4773 && p.rank == -1);
    CHECK_STR(p.host, "10.0.0.9");
    CHECK_STR(rest(l), "AssertionError");
    CHECK_STR(rest("(head, rank=0, pid=4503) x"), "x");
    /* not Ray's: a conda prompt, words in parentheses, a pid with no name
     * rule, an ip that is not one */
    const char *not_ray[] = {"(base) $ torchrun train.py", "(see above) pid=3",
                             "(Worker pid=) x", "(Worker pid=5, ip=) x", "(Worker pid=5 x",
                             "(Worker pid=5)x", "(a b pid=5) x", "(head, rank=0) x",
                             "(head, rank=, pid=3) x"};
    for (size_t i = 0; i < sizeof not_ray / sizeof *not_ray; i++) {
        p = parse(not_ray[i]);
        CHECK(p.pid == -1 && p.skip == 0);
    }
}

TEST(diag_prefix_docker_compose)
{
    const char *l = "trainer-1  | ValueError";
    struct prefix_info p = parse(l);
    CHECK_STR(p.host, "trainer-1");
    CHECK(p.rank == -1);
    CHECK_STR(rest(l), "ValueError");
    l = "llm_worker_12 | [rank3]: RuntimeError: boom"; /* compose v1 names, then a rank label */
    p = parse(l);
    CHECK_STR(p.host, "llm_worker_12");
    CHECK(p.rank == 3);
    CHECK_STR(rest(l), "RuntimeError: boom");
    CHECK_STR(rest("trainer-1  |"), "");
    /* tables and words that only look like it: no replica index, a name
     * with letters after its last '-', no space before the bar, a bar
     * that a word follows */
    const char *not_compose[] = {"0 | encoder | Sequential | 50.4 K", "nvidia-docker-plugin | 2019/03/04 x",
                                 "run-a1 | x", "trainer-1| x", "trainer-1 |x", "-1 | x",
                                 "trainer-123456 | x"};
    for (size_t i = 0; i < sizeof not_compose / sizeof *not_compose; i++) {
        p = parse(not_compose[i]);
        CHECK(p.skip == 0 && !p.host[0]);
    }
}

TEST(diag_prefix_iso_dates_agree_with_timegm)
{
    /* The date arithmetic of the ISO parser against libc's timegm, leap
     * years, century rules and days past the end of a month included. */
    for (int y = 1970; y <= 2404; y += (y < 2110 ? 1 : 97))
        for (int mo = 1; mo <= 12; mo++)
            for (int d = 1; d <= 31; d += (d < 27 ? 13 : 1)) {
                char line[64];
                struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                                .tm_hour = 23, .tm_min = 59, .tm_sec = 58};
                snprintf(line, sizeof line, "%04d-%02d-%02dT23:59:58Z hello", y, mo, d);
                struct prefix_info p = parse(line);
                if (p.ts != (double)timegm(&tm))
                    fprintf(stderr, "  %s: %.0f != %lld\n", line, p.ts, (long long)timegm(&tm));
                CHECK(p.ts == (double)timegm(&tm));
            }
}
