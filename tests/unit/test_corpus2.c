/* Unit tests of the corpus2 group: the generic culprit extractor (rank,
 * host, GPU from the forms real logs print), the verdict's culprit built
 * from it (rule groups first, never a host for a script error), the
 * summary-block and wrapped-message culprits of offline diagnosis, and the
 * host of a suspected hang. */
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"
#include "diagnose/culprit.h"
#include "diagnose/internal.h"
#include "diagnose/offline.h"
#include "diagnose/rules_load.h"

/* The culprit extractor on one text: a fresh {host,rank,gpu} of nulls. */
static json_t *cx(const char *text, enum culprit_scope scope)
{
    json_t *c = json_pack("{s:n,s:n,s:n}", "host", "rank", "gpu");
    struct culprit_x *x = culprit_x_new();
    culprit_x_fill(x, c, text, strlen(text), scope);
    culprit_x_free(x);
    return c;
}

static json_int_t ival(const json_t *c, const char *k)
{
    json_t *v = json_object_get(c, k);
    return json_is_integer(v) ? json_integer_value(v) : -1;
}

static const char *sval(const json_t *c, const char *k)
{
    return json_string_value(json_object_get(c, k));
}

TEST(corpus2_culprit_rank_forms)
{
    static const struct {
        const char *text;
        int rank;
    } cases[] = {
        {"[PG ID 0 PG GUID 0(default_pg) Rank 6] ProcessGroupNCCL's watchdog got stuck", 6},
        {"[Rank 2] Watchdog caught collective operation timeout", 2},
        {"Rank 5: RuntimeError: boom", 5},
        {"worker failed rank=3 status=1", 3},
        {"failed (exitcode: -9) local_rank: 2 (pid: 161617) of binary: python", 2},
        {"rank2 (local rank: 2)exitcode: -9 (pid: 36071)", 2},
        {"['/usr/bin/python3', '-u', 'main.py', '--local_rank=0'] exits with return code = -9", 0},
        {"global rank 7 and local rank: 3", 7},
        {"ncclCommInitRank failed: nranks 16", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *c = cx(cases[i].text, CX_LINE);
        json_int_t got = ival(c, "rank");
        json_decref(c);
        if (got != cases[i].rank)
            fprintf(stderr, "  case %zu: rank %lld\n", i, (long long)got);
        CHECK(got == cases[i].rank);
    }
}

TEST(corpus2_culprit_host_forms)
{
    json_t *c = cx("NET/IB : Got completion from peer 11.214.147.122<39138> with error 12", CX_LINE);
    CHECK_STR(sval(c, "host"), "11.214.147.122");
    json_decref(c);
    c = cx("trying to connect to (33.145.124.128, 29500)", CX_LINE);
    CHECK_STR(sval(c, "host"), "33.145.124.128");
    json_decref(c);
    c = cx("Node failure detected on node gpu-a17 at 12:00", CX_LINE);
    CHECK_STR(sval(c, "host"), "gpu-a17");
    json_decref(c);
    /* not hosts: a version number, loopback, a longer dotted number */
    static const char *const no[] = {"NCCL version 2.18.1.1 ok", "connect to 127.0.0.1:29500",
                                     "checksum 1.2.3.4.5 mismatch", "listening on 0.0.0.0:80"};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        c = cx(no[i], CX_LINE);
        int null = json_is_null(json_object_get(c, "host"));
        json_decref(c);
        CHECK(null);
    }
}

TEST(corpus2_culprit_gpu_forms)
{
    json_t *c = cx("NVRM: The NVIDIA GPU 0000:b3:00.0", CX_LINE);
    CHECK_STR(sval(c, "gpu"), "0000:b3:00.0");
    json_decref(c);
    c = cx("NVRM: Xid (PCI:0000:3b:00): 79, pid=0, GPU has fallen off the bus.", CX_LINE);
    CHECK_STR(sval(c, "gpu"), "0000:3b:00");
    json_decref(c);
    c = cx("CUDA out of memory. Tried to allocate 2.59 GiB (GPU 3; 15.78 GiB total capacity", CX_LINE);
    CHECK(ival(c, "gpu") == 3);
    json_decref(c);
    c = cx("nvidia-smi: device with minor number 5 is unavailable", CX_LINE);
    CHECK(ival(c, "gpu") == 5);
    json_decref(c);
    c = cx("Expected all tensors to be on the same device, but found cuda:1 and cpu", CX_LINE);
    CHECK(ival(c, "gpu") == 1);
    json_decref(c);
    c = cx("failed initializing StreamExecutor for CUDA device ordinal 0: Internal", CX_LINE);
    CHECK(ival(c, "gpu") == 0);
    json_decref(c);
    /* a time of day is no PCI id */
    c = cx("[E429 13:55:49.384372190 ProcessGroupNCCL.cpp:1743] stuck", CX_LINE);
    CHECK(json_is_null(json_object_get(c, "gpu")));
    json_decref(c);
}

TEST(corpus2_culprit_keeps_known_and_block_scope)
{
    json_t *c = json_pack("{s:s,s:i,s:n}", "host", "n1", "rank", 4, "gpu");
    struct culprit_x *x = culprit_x_new();
    const char *t = "host: other rank=9 GPU 2";
    culprit_x_fill(x, c, t, strlen(t), CX_LINE);
    culprit_x_free(x);
    CHECK_STR(sval(c, "host"), "n1"); /* a known fact is never overwritten */
    CHECK(ival(c, "rank") == 4);
    CHECK(ival(c, "gpu") == 2);
    json_decref(c);
    c = cx("  host      : mlx-worker-3", CX_BLOCK);
    CHECK_STR(sval(c, "host"), "mlx-worker-3");
    json_decref(c);
    c = cx("  rank      : 0 (local_rank: 0)", CX_BLOCK);
    CHECK(ival(c, "rank") == 0);
    json_decref(c);
    c = cx("Tried to allocate (GPU 3; rank=2) on 10.0.0.5", CX_BLOCK); /* a neighbour line */
    CHECK(json_is_null(json_object_get(c, "gpu")) && json_is_null(json_object_get(c, "rank")) &&
          json_is_null(json_object_get(c, "host")));
    json_decref(c);
}

static json_t *event(const char *cat, const char *text, const char *node, int rank)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:{},s:s,s:i,s:s,s:i,s:s,s:i,s:n}", "rule", "t.r",
                     "category", cat, "failure_type", "x", "role", "root", "action", "stop",
                     "priority", 0, "groups", "node", node, "rank", rank, "file", "log", "line", 1,
                     "text", text, "seq", 0, "ts");
}

TEST(corpus2_verdict_culprit_sources)
{
    /* A script error names its rank (the stream's), never its node. */
    json_t *evs = json_array();
    json_array_append_new(evs, event("script", "ValueError: File data/x.json not found.", "n1", 5));
    json_t *v = verdict_pick(evs, NULL, NULL);
    json_t *c = json_object_get(v, "culprit");
    CHECK(ival(c, "rank") == 5);
    CHECK(json_is_null(json_object_get(c, "host")));
    json_decref(v);
    json_decref(evs);
    /* The message names the culprit: it beats the printing stream. */
    evs = json_array();
    json_array_append_new(evs, event("infrastructure",
                                     "[Rank 2] Watchdog caught collective operation timeout on 10.1.2.3",
                                     "n1", 0));
    v = verdict_pick(evs, NULL, NULL);
    c = json_object_get(v, "culprit");
    CHECK(ival(c, "rank") == 2);
    CHECK_STR(sval(c, "host"), "10.1.2.3");
    json_decref(v);
    json_decref(evs);
}

TEST(corpus2_signature_ignores_rank_of_script_errors)
{
    /* The same script error raised by rank 1, then rank 6: one crash loop. */
    char a[256], b[256];
    for (int i = 0; i < 2; i++) {
        json_t *evs = json_array();
        json_array_append_new(evs, event("script", "KeyError: 'x'", "n1", i ? 6 : 1));
        json_t *v = verdict_pick(evs, NULL, NULL);
        CHECK(verdict_signature(v, i ? b : a, sizeof a) == 0);
        json_decref(v);
        json_decref(evs);
    }
    CHECK_STR(a, b);
}

static const char *const kill_rule =
    "- id: t.kill\n  category: unknown\n  type: killed\n  role: symptom\n  action: restart\n"
    "  match: 'exitcode\\s*: -9\\b'\n  literals: ['exitcode']\n  explain: 'killed'\n"
    "  examples: ['  exitcode  : -9 (pid: 1)']\n"
    "- id: t.gone\n  category: infrastructure\n  type: gpu_lost\n  role: root\n"
    "  action: exclude_node\n  match: 'fallen off the bus'\n  explain: 'gone'\n"
    "  examples: ['NVRM: fallen off the bus']\n";

TEST(corpus2_offline_summary_block_culprit)
{
    static const char *const lines[] = {
        "Failures:",       "  <NO_OTHER_FAILURES>", "Root Cause (first observed failure):",
        "[0]:",            "  time      : 2025-05-21_02:58:34",
        "  host      : mlx-worker-8",                "  rank      : 3 (local_rank: 3)",
        "  exitcode  : -9 (pid: 14750)",              "  error_file: <N/A>",
    };
    json_t *v = diag_offline_lines(kill_rule, lines, sizeof lines / sizeof *lines);
    CHECK(v != NULL);
    json_t *c = json_object_get(v, "culprit");
    CHECK_STR(sval(v, "rule"), "t.kill");
    CHECK_STR(sval(c, "host"), "mlx-worker-8");
    CHECK(ival(c, "rank") == 3);
    json_decref(v);
}

TEST(corpus2_offline_wrapped_message_culprit)
{
    static const char *const lines[] = {
        "[ 1843.308145] NVRM: The NVIDIA GPU 0000:b3:00.0",
        "               NVRM: (PCI ID: 10de:26b5) installed in this system has",
        "               NVRM: fallen off the bus and is not responding to commands.",
    };
    json_t *v = diag_offline_lines(kill_rule, lines, 3);
    CHECK(v != NULL);
    CHECK_STR(sval(v, "rule"), "t.gone");
    CHECK_STR(sval(json_object_get(v, "culprit"), "gpu"), "0000:b3:00.0");
    json_decref(v);
}

TEST(corpus2_offline_neighbour_prefix_culprit)
{
    /* A key line printed without a prefix takes the host and rank its
     * neighbours' prefixes agree on (NCCL's host:pid:tid after a Go-style
     * date, [rankN]:); two hosts or two ranks around it name neither. */
    static const char *const one[] = {
        "2023/10/26 12:12:06 job-7:293:765 [0] NCCL INFO proxy.cc:614 -> 2",
        "NVRM: fallen off the bus",
        "[rank5]: Traceback (most recent call last):",
        "2023/10/26 12:12:07 job-7:293:763 [0] NCCL INFO comm 0x7f rank 5 - Abort COMPLETE",
    };
    json_t *v = diag_offline_lines(kill_rule, one, 4);
    CHECK(v != NULL);
    CHECK_STR(sval(v, "rule"), "t.gone");
    CHECK_STR(sval(json_object_get(v, "culprit"), "host"), "job-7");
    CHECK(ival(json_object_get(v, "culprit"), "rank") == 5);
    json_decref(v);
    static const char *const two[] = {
        "job-7:293:765 [0] NCCL INFO proxy.cc:614 -> 2", "[rank5]: x",
        "NVRM: fallen off the bus",
        "job-8:293:765 [0] NCCL INFO proxy.cc:614 -> 2", "[rank6]: x",
    };
    v = diag_offline_lines(kill_rule, two, 5);
    CHECK(v != NULL);
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "host")));
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "rank")));
    json_decref(v);
    /* not infrastructure: a rank, no host from the neighbours (a second
     * node's NCCL line far away keeps the last resort's one NCCL node
     * out of it) */
    static const char *const notinfra[] = {
        "job-7:293:765 [0] NCCL INFO proxy.cc:614 -> 2",
        "  exitcode  : -9 (pid: 1)",
        "[rank5]: x", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-",
        "job-8:293:765 [0] NCCL INFO proxy.cc:614 -> 2",
    };
    v = diag_offline_lines(kill_rule, notinfra, 14);
    CHECK(v != NULL);
    CHECK_STR(sval(v, "rule"), "t.kill");
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "host")));
    CHECK(ival(json_object_get(v, "culprit"), "rank") == 5);
    json_decref(v);
}

TEST(corpus2_suspected_hang_names_last_setup_host)
{
    static const char *const lines[] = {
        "g183:161264:166015 [7] NCCL INFO Channel 10/0 : 7[7] -> 15[7] [send] via NET/IB/8/GDRDMA",
        "g183:161258:166018 [1] NCCL INFO Connected NVLS tree",
    };
    json_t *v = diag_offline_lines(kill_rule, lines, 2);
    CHECK(v != NULL);
    CHECK_STR(sval(v, "type"), "hang");
    CHECK_STR(sval(json_object_get(v, "culprit"), "host"), "g183");
    json_decref(v);
}

TEST(corpus2_shipped_rule_actions_follow_their_type)
{
    /* Every shipped failure rule's action is its type's default (the policy
     * of docs/diagnose.md) unless the rule says why in action_reason. */
    struct ruleset *rs = NULL;
    struct buf err;
    buf_init(&err, 1 << 16);
    int rc = ruleset_load(&rs, NULL, 0, &err);
    buf_free(&err);
    CHECK(rc == 0 && rs);
    size_t bad = 0, reasoned = 0;
    for (size_t i = 0; i < ruleset_count(rs); i++) {
        struct rule_info ri;
        ruleset_rule(rs, i, &ri);
        if (!ri.default_action) {
            fprintf(stderr, "  rule %s: type %s has no default action\n", ri.id, ri.type);
            bad++;
        } else if (strcmp(ri.action, ri.default_action) && !ri.action_reason) {
            fprintf(stderr, "  rule %s: action %s, type %s defaults to %s, no action_reason\n",
                    ri.id, ri.action, ri.type, ri.default_action);
            bad++;
        }
        reasoned += ri.action_reason != NULL;
    }
    ruleset_free(rs);
    CHECK(bad == 0);
    CHECK(reasoned > 0); /* the reasons were read */
}

TEST(corpus2_type_defaults_by_principle)
{
    CHECK_STR(type_default_action("gpu_lost"), "exclude_node");  /* the node is at fault */
    CHECK_STR(type_default_action("nccl_timeout"), "restart");   /* a retry can succeed */
    CHECK_STR(type_default_action("file_not_found"), "stop");    /* deterministic */
    CHECK_STR(type_default_action("cuda_oom"), "stop");
    CHECK_STR(type_default_action("noise"), "ignore");
    CHECK(type_default_action("no_such_type") == NULL);
}

TEST(corpus2_action_reason_bounded)
{
    static const char head[] =
        "- id: t.a\n  category: script\n  type: key_error\n  role: root\n  action: restart\n"
        "  match: 'KeyError'\n  explain: 'x'\n  examples: ['KeyError: 1']\n  action_reason: '";
    char text[1024];
    struct ruleset *rs = NULL;
    struct buf err;
    /* within the bound: loaded and reported */
    snprintf(text, sizeof text, "%sflaky key store'\n", head);
    buf_init(&err, 1 << 16);
    CHECK(ruleset_load_text(&rs, "t.yaml", text, strlen(text), &err) == 0);
    struct rule_info ri;
    ruleset_rule(rs, 0, &ri);
    CHECK_STR(ri.action_reason, "flaky key store");
    ruleset_free(rs);
    buf_free(&err);
    /* over the bound, empty, or twice: load errors */
    char longer[400];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    const char *const tails[] = {longer, "", "a'\n  action_reason: 'b"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(text, sizeof text, "%s%s'\n", head, tails[i]);
        buf_init(&err, 1 << 16);
        rs = NULL;
        int rc = ruleset_load_text(&rs, "t.yaml", text, strlen(text), &err);
        int says = err.p && strstr(err.p, "action_reason") != NULL;
        ruleset_free(rs);
        buf_free(&err);
        CHECK(rc < 0 && says);
    }
}

TEST(corpus2_truncated_traceback_innermost_frame_decides)
{
    static const char *const rules =
        "- id: t.pg\n  category: infrastructure\n  type: connection_error\n  role: symptom\n"
        "  action: restart\n  priority: -30\n"
        "  match: 'File \"[^\"]*\", line \\d+, in _store_based_barrier$'\n"
        "  literals: ['_store_based_barrier']\n  explain: 'x'\n"
        "  examples: ['  File \"/t/c10d.py\", line 9, in _store_based_barrier']\n"
        "- id: t.main\n  category: script\n  type: name_error\n  role: root\n  action: stop\n"
        "  match: 'File \"[^\"]*\", line \\d+, in main$'\n  literals: ['in main']\n  explain: 'y'\n"
        "  examples: ['  File \"/t/train.py\", line 3, in main']\n"
        "- id: t.oom\n  category: framework\n  type: cuda_oom\n  role: root\n  action: stop\n"
        "  match: '^MemoryError'\n  literals: ['MemoryError']\n  explain: 'z'\n"
        "  examples: ['MemoryError']\n";
    static const char *const lines[] = {
        "Traceback (most recent call last):",
        "  File \"/t/train.py\", line 3, in main",
        "    dist.init_process_group(\"nccl\")",
        "  File \"/t/c10d.py\", line 9, in _store_based_barrier",
        "    time.sleep(0.01)",
    };
    json_t *v = diag_offline_lines(rules, lines, 5);
    CHECK(v != NULL);
    CHECK_STR(sval(v, "rule"), "t.pg"); /* innermost recognised frame, not the outer one */
    CHECK(json_integer_value(json_object_get(json_object_get(v, "key_line"), "line")) == 4);
    CHECK(json_array_size(json_object_get(v, "evidence")) == 5);
    json_decref(v);
    /* the same traceback completed by an exception line a rule knows: that
     * rule decides, the frames are not classified */
    static const char *const done[] = {
        "Traceback (most recent call last):", "  File \"/t/c10d.py\", line 9, in _store_based_barrier",
        "    time.sleep(0.01)", "MemoryError",
    };
    v = diag_offline_lines(rules, done, 4);
    CHECK(v != NULL);
    CHECK_STR(sval(v, "rule"), "t.oom");
    json_decref(v);
    /* completed by an exception no rule knows (StopIteration, queue.Empty):
     * the frames decide as for a cut-off traceback */
    static const char *const unknown[] = {
        "Traceback (most recent call last):", "  File \"/t/c10d.py\", line 9, in _store_based_barrier",
        "    time.sleep(0.01)", "queue.Empty",
    };
    v = diag_offline_lines(rules, unknown, 4);
    CHECK(v != NULL);
    CHECK_STR(sval(v, "rule"), "t.pg");
    json_decref(v);
    /* ... and a clean SystemExit is still no failure */
    static const char *const clean[] = {
        "Traceback (most recent call last):", "  File \"/t/c10d.py\", line 9, in _store_based_barrier",
        "    time.sleep(0.01)", "SystemExit: 0",
    };
    v = diag_offline_lines(rules, clean, 4);
    CHECK(v != NULL);
    CHECK(json_is_null(json_object_get(v, "rule")));
    json_decref(v);
}

/* A traceback that ends in an exception no rule knows by its name
 * (StopIteration, http.client.RemoteDisconnected) and whose frames no rule
 * knows: read as an exception line of its base class, by the rules that
 * read exception lines (here a generic one), a symptom with that line as
 * the key; no rule at all reads the same log as no failure before. */
TEST(corpus2_unknown_exception_read_as_its_base_class)
{
    static const char *const rules =
        "- id: t.generic\n  category: unknown\n  type: unknown\n  role: root\n  action: restart\n"
        "  priority: -60\n  match: '^(?:\\w+\\.)*[A-Z]\\w*(?:Error|Exception)(?:: |$)'\n"
        "  literals: ['Error', 'Exception']\n  explain: 'g'\n  examples: ['KeyError: 1']\n";
    static const char *const lines[] = {
        "Traceback (most recent call last):", "  File \"/t/train.py\", line 3, in main",
        "    batch = next(it)", "StopIteration", "epoch 1 done",
    };
    json_t *v = diag_offline_lines(rules, lines, 5);
    CHECK(v != NULL);
    CHECK_STR(sval(v, "rule"), "t.generic");
    CHECK_STR(sval(v, "category"), "unknown");
    CHECK(json_integer_value(json_object_get(json_object_get(v, "key_line"), "line")) == 4);
    json_decref(v);
    static const char *const remote[] = {
        "Traceback (most recent call last):", "  File \"/t/hub.py\", line 9, in get",
        "    r = conn.getresponse()",
        "http.client.RemoteDisconnected: Remote end closed connection without response",
    };
    v = diag_offline_lines(rules, remote, 4);
    CHECK(v != NULL);
    CHECK_STR(sval(v, "rule"), "t.generic");
    json_decref(v);
}

/* A cut traceback none of whose frames a rule knows: the header's rule
 * (py.traceback_cut_off's role) decides, with the frames as evidence; and
 * a traceback longer than the frame ring still has its oldest kept frame
 * and its header tried (2026-12-06). */
TEST(corpus2_truncated_traceback_unknown_frames_header_decides)
{
    static const char *const rules =
        "- id: t.cut\n  category: unknown\n  type: unknown\n  role: symptom\n  action: restart\n"
        "  priority: -95\n  match: '^Traceback \\(most recent call last\\):\\s*$'\n"
        "  literals: ['Traceback (most']\n  explain: 'cut'\n"
        "  examples: ['Traceback (most recent call last):']\n"
        "- id: t.deep\n  category: framework\n  type: runtime_error\n  role: symptom\n  action: stop\n"
        "  priority: -30\n  match: 'File \"[^\"]*\", line \\d+, in deep0$'\n  literals: ['in deep0']\n"
        "  explain: 'deep'\n  examples: ['  File \"/t/d.py\", line 1, in deep0']\n";
    static const char *const lines[] = {
        "Traceback (most recent call last):", "  File \"/t/train.py\", line 3, in main",
        "    step()", "  File \"/t/train.py\", line 9, in step",
    };
    json_t *v = diag_offline_lines(rules, lines, 4);
    CHECK(v != NULL);
    CHECK_STR(sval(v, "rule"), "t.cut");
    CHECK(json_integer_value(json_object_get(json_object_get(v, "key_line"), "line")) == 1);
    CHECK(json_array_size(json_object_get(v, "evidence")) == 4);
    json_decref(v);
    /* 1 header + 30 frame lines: the ring keeps the last 20; deep0 is the
     * oldest of them (line 12) and is tried before the header */
    const char *deep[31];
    char buf[30][64];
    deep[0] = "Traceback (most recent call last):";
    for (int i = 0; i < 30; i++) {
        snprintf(buf[i], sizeof buf[i], "  File \"/t/d.py\", line 1, in deep%d", i < 10 ? 99 : i - 10);
        deep[i + 1] = buf[i];
    }
    v = diag_offline_lines(rules, deep, 31);
    CHECK(v != NULL);
    CHECK_STR(sval(v, "rule"), "t.deep");
    CHECK(json_integer_value(json_object_get(json_object_get(v, "key_line"), "line")) == 12);
    json_decref(v);
}

/* A traceback whose frames lost their indentation (behind a log shipper's
 * timestamp, with its blank lines between entries, or pasted flat) is
 * still one: "File ..." lines are frames, the line after one is its
 * source unless it has an exception's shape, and the exception line still
 * ends it (2026-12-06). */
TEST(corpus2_unindented_traceback_is_still_one)
{
    static const char *const rules =
        "- id: t.exc\n  category: framework\n  type: value_error\n  role: root\n  action: stop\n"
        "  match: '^MyError: '\n  literals: ['MyError']\n  explain: 'exc'\n"
        "  examples: ['MyError: boom']\n"
        "- id: t.cut\n  category: unknown\n  type: unknown\n  role: symptom\n  action: restart\n"
        "  priority: -95\n  match: '^Traceback \\(most recent call last\\):\\s*$'\n"
        "  literals: ['Traceback (most']\n  explain: 'cut'\n"
        "  examples: ['Traceback (most recent call last):']\n";
    static const char *const flat[] = {
        "Traceback (most recent call last):", "", "File \"/t/a.py\", line 3, in main", "",
        "step()", "", "File \"<frozen importlib._bootstrap>\", line 1, in _load", "MyError: boom",
    };
    json_t *v = diag_offline_lines(rules, flat, 8);
    CHECK(v != NULL);
    CHECK_STR(sval(v, "rule"), "t.exc");
    json_t *ev = json_object_get(v, "evidence");
    int src = 0;
    for (size_t i = 0; i < json_array_size(ev); i++)
        src += !strcmp(json_string_value(json_array_get(ev, i)), "step()");
    CHECK(src == 1); /* the source line is a frame of the traceback, not its end */
    json_decref(v);
    /* the same cut after a source line: a truncated traceback */
    v = diag_offline_lines(rules, flat, 5);
    CHECK(v != NULL);
    CHECK_STR(sval(v, "rule"), "t.cut");
    json_decref(v);
    /* no source shown (the file is not there): the exception's shape ends it */
    static const char *const nosrc[] = {"Traceback (most recent call last):", "File \"/gone.py\", line 3, in main",
                                        "MyError: boom"};
    v = diag_offline_lines(rules, nosrc, 3);
    CHECK(v != NULL);
    CHECK_STR(sval(v, "rule"), "t.exc");
    json_decref(v);
}
