/* test_oncall: the journal fold behind status, report and metrics: a journal
 * cut mid-line is read to its last complete line and the rest is read once
 * it is written; goodput and time lost follow the documented rules; metric
 * labels stay bounded; report text is escaped. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "oncall/oncall.h"
#include "oncall/report_int.h"
#include "common/msg.h"

static const char *journal_text =
    "{\"ts\":\"2026-01-01T00:00:00.000Z\",\"event\":\"run_start\",\"run_id\":\"r1\",\"run_dir\":\"/x\","
    "\"config\":{\"max_restarts\":3}}\n"
    "{\"ts\":\"2026-01-01T00:00:00.100Z\",\"event\":\"agent_connected\",\"node\":\"n1\"}\n"
    "{\"ts\":\"2026-01-01T00:00:00.100Z\",\"event\":\"agent_connected\",\"node\":\"n2\"}\n"
    "{\"ts\":\"2026-01-01T00:00:00.100Z\",\"event\":\"agent_connected\",\"node\":\"n3\"}\n"
    "{\"ts\":\"2026-01-01T00:00:10.000Z\",\"event\":\"attempt_start\",\"attempt\":0,\"restart_count\":0,"
    "\"nodes\":[{\"node\":\"n1\"},{\"node\":\"n2\"}],\"resume\":null}\n"
    "{\"ts\":\"2026-01-01T00:00:10.000Z\",\"event\":\"ranks_started\",\"node\":\"n1\",\"attempt\":0,\"pids\":[1,2]}\n"
    "{\"ts\":\"2026-01-01T00:00:20.000Z\",\"event\":\"progress\",\"attempt\":0,\"step\":1}\n"
    "{\"ts\":\"2026-01-01T00:00:40.000Z\",\"event\":\"ckpt_persisted\",\"tag\":\"s10\",\"step\":10,\"bytes\":100,"
    "\"seconds\":2.5}\n"
    "{\"ts\":\"2026-01-01T00:00:40.000Z\",\"event\":\"ckpt_complete\",\"tag\":\"s10\",\"step\":10}\n"
    "{\"ts\":\"2026-01-01T00:01:00.000Z\",\"event\":\"progress\",\"attempt\":0,\"step\":20}\n"
    "{\"ts\":\"2026-01-01T00:01:00.000Z\",\"event\":\"failure\",\"attempt\":0,\"kind\":\"rank_exit\",\"node\":\"n2\","
    "\"what\":\"rank 1 on n2 exited with code 1\"}\n"
    "{\"ts\":\"2026-01-01T00:01:00.000Z\",\"event\":\"stop_begin\",\"attempt\":0}\n"
    "{\"ts\":\"2026-01-01T00:01:02.000Z\",\"event\":\"attempt_end\",\"attempt\":0,\"ok\":false}\n"
    "{\"ts\":\"2026-01-01T00:01:02.000Z\",\"event\":\"verdict\",\"attempt\":0,\"verdict\":{\"category\":\"hardware\","
    "\"type\":\"gpu xid\",\"action\":\"restart\",\"key_line\":{\"file\":\"a\",\"line\":3,\"text\":\"Xid 79 <b>\"}}}\n"
    "{\"ts\":\"2026-01-01T00:01:02.000Z\",\"event\":\"node_excluded\",\"node\":\"n2\",\"reason\":\"blamed\"}\n"
    "{\"ts\":\"2026-01-01T00:01:03.000Z\",\"event\":\"restart\",\"next_attempt\":1,\"backoff_ms\":5000}\n"
    "{\"ts\":\"2026-01-01T00:01:10.000Z\",\"event\":\"attempt_start\",\"attempt\":1,\"restart_count\":1,"
    "\"nodes\":[{\"node\":\"n1\"},{\"node\":\"n3\"}],\"resume\":{\"tag\":\"s10\",\"step\":10}}\n"
    "{\"ts\":\"2026-01-01T00:01:20.000Z\",\"event\":\"progress\",\"attempt\":1,\"step\":11}\n"
    "{\"ts\":\"2026-01-01T00:01:40.000Z\",\"event\":\"progress\",\"attempt\":1,\"step\":31}\n";

static void write_text(const char *path, const char *s, size_t n, int append)
{
    int fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0600);
    if (fd >= 0) {
        ssize_t k = write(fd, s, n);
        (void)k;
        close(fd);
    }
}

TEST(oncall_fold_figures)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/events.jsonl", test_tmpdir());
    write_text(path, journal_text, strlen(journal_text), 0);
    struct runview rv;
    rv_init(&rv);
    CHECK(rv_load(&rv, path) == 0);
    CHECK(rv.natt == 2);
    CHECK_STR(rv.state, "running");
    CHECK(rv.restarts == 1);
    struct rv_figures f;
    double now = rv_parse_ts("2026-01-01T00:01:50.000Z");
    rv_figures(&rv, now, &f);
    /* productive: attempt 0 from 00:20 to 01:00 (40 s), attempt 1 from 01:20 to 01:40 (20 s) */
    CHECK(f.productive > 59.99 && f.productive < 60.01);
    CHECK(f.wall > 109.99 && f.wall < 110.01);
    /* work lost: from the checkpoint attempt 1 resumed from (00:40) to the failure (01:00);
     * restart overhead: from the failure to attempt 1's start (01:10) */
    CHECK(f.lost_work > 19.99 && f.lost_work < 20.01);
    CHECK(f.lost_restart > 9.99 && f.lost_restart < 10.01);
    CHECK(f.steps_per_s > 0.99 && f.steps_per_s < 1.01); /* 20 steps in 20 s */
    CHECK(f.step == 31);
    int counts[6];
    rv_node_counts(&rv, counts);
    CHECK(counts[0] == 2 && counts[1] == 0 && counts[2] == 1); /* n1 n3 active, n2 excluded */
    CHECK(rv.nck == 1 && rv.ck[0].persist_s > 2.49 && rv.ck[0].bytes == 100);
    rv_free(&rv);
}

TEST(oncall_cut_line_read_later)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/events.jsonl", test_tmpdir());
    const char *end = "{\"ts\":\"2026-01-01T00:02:00.000Z\",\"event\":\"run_end\",\"exit_code\":0,\"reason\":\"ok\"}\n";
    write_text(path, journal_text, strlen(journal_text), 0);
    write_text(path, end, 30, 1); /* cut mid-line */
    struct runview rv;
    rv_init(&rv);
    CHECK(rv_load(&rv, path) == 0);
    CHECK(!rv.ended && rv.bad_lines == 0);
    CHECK(rv.offset == (off_t)strlen(journal_text));
    write_text(path, end + 30, strlen(end) - 30, 1);
    CHECK(rv_load(&rv, path) == 0);
    CHECK(rv.ended && rv.exit_code == 0 && rv.bad_lines == 0);
    CHECK(rv.natt == 2); /* nothing folded twice */
    CHECK_STR(rv.state, "finished");
    rv_free(&rv);
}

TEST(oncall_metrics_labels_bounded)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/events.jsonl", test_tmpdir());
    write_text(path, journal_text, strlen(journal_text), 0);
    struct runview rv;
    rv_init(&rv);
    CHECK(rv_load(&rv, path) == 0);
    struct buf b;
    buf_init(&b, 1 << 20);
    metrics_render(&rv, NULL, rv_parse_ts("2026-01-01T00:01:50.000Z"), &b);
    CHECK(b.p && strstr(b.p, "# TYPE endure_failures_total counter\n"));
    /* "gpu xid" is not a safe label value: it becomes "other" */
    CHECK(strstr(b.p, "endure_failures_total{category=\"hardware\",type=\"other\"} 1\n"));
    CHECK(strstr(b.p, "endure_progress_step 31\n"));
    CHECK(strstr(b.p, "endure_nodes{state=\"excluded\"} 1\n"));
    CHECK(strstr(b.p, "endure_ckpt_persist_seconds_bucket{le=\"5\"} 1\n"));
    buf_free(&b);
    rv_free(&rv);
}

TEST(oncall_report_escapes)
{
    struct buf b;
    buf_init(&b, 1024);
    html_text(&b, "<script>a&\"'\x1b", 100);
    CHECK_STR(b.p, "&lt;script&gt;a&amp;&quot;&#39;\\x1b");
    buf_free(&b);
    CHECK(rv_parse_ts("2026-01-01T00:00:01.5Z") > 0);
    CHECK(rv_parse_ts("2026-01-01T00:00:01.5") < 0);
    CHECK(rv_parse_ts("garbage") < 0);
}

/* The progress message carries the newest step when known, and only then. */
TEST(oncall_progress_step_on_the_wire)
{
    struct msg m = {.type = MSG_PROGRESS, .u.progress = {.attempt = 2, .step = 1234}}, d;
    char err[256];
    json_t *j = msg_encode(&m);
    CHECK(json_integer_value(json_object_get(j, "step")) == 1234);
    CHECK(msg_decode(j, &d, err, sizeof err) == 0);
    CHECK(d.u.progress.attempt == 2 && d.u.progress.step == 1234);
    msg_free(&d);
    json_decref(j);
    m.u.progress.step = -1;
    j = msg_encode(&m);
    CHECK(!json_object_get(j, "step"));
    CHECK(msg_decode(j, &d, err, sizeof err) == 0 && d.u.progress.step == -1);
    msg_free(&d);
    json_decref(j);
    j = json_pack("{s:s,s:i,s:s}", "type", "progress", "attempt", 1, "step", "x");
    CHECK(msg_decode(j, &d, err, sizeof err) == -1);
    json_decref(j);
}
