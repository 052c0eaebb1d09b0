/* test_weeks: weeks without a human. The rotated log's segment names, the
 * background gzip and the cap's removal order (launcher/logrot.c), reading
 * a rotated log as one stream (diagnose/input.c), the restart budget per
 * window (supervisor/ctl_budget.c) and the journal of a dead controller
 * read back, cut last line included (supervisor/ctl_resume.c). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "common/layout.h"
#include "common/util.h"
#include "diagnose/input.h"
#include "launcher/logrot.h"
#include "supervisor/ctl_int.h"
#include "tests/unit/harness.h"

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void put_gz(const char *path, const char *text)
{
    gzFile g = gzopen(path, "wb");
    if (g) {
        gzputs(g, text);
        gzclose(g);
    }
}

TEST(weeks_segment_names)
{
    char p[256];
    long k;
    int gz;
    CHECK(layout_rank_log_segment(p, sizeof p, "d", 3, 12, 1) == 0);
    CHECK_STR(p, "d/rank-3.log.12.gz");
    CHECK(layout_parse_rank_segment_name("rank-3.log.12.gz", &k, &gz) == 3 && k == 12 && gz == 1);
    CHECK(layout_parse_rank_segment_name("rank-0.log.1", &k, &gz) == 0 && k == 1 && gz == 0);
    const char *bad[] = {"rank-0.log", "rank-0.log.gz", "rank-0.log.0", "rank-0.log.1.gz.tmp", "rank-.log.1",
                         "rank-0.log.1x", "rank-0.log.", "x-0.log.1", "rank-0.log.-1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(layout_parse_rank_segment_name(bad[i], &k, &gz) == -1);
    CHECK(layout_parse_rank_log_name("rank-0.log.1.gz") == -1); /* a segment is not a whole log */
}

TEST(weeks_gzip_segment)
{
    char src[512], dst[512];
    snprintf(src, sizeof src, "%s/rank-0.log.1", test_tmpdir());
    snprintf(dst, sizeof dst, "%s.gz", src);
    put(src, "line one\nline two\n");
    CHECK(logrot_gzip_file(src, dst, NULL) == 0);
    CHECK(access(src, F_OK) < 0); /* the plain segment is gone once the .gz is complete */
    gzFile g = gzopen(dst, "rb");
    char buf[64] = "";
    CHECK(g && gzread(g, buf, sizeof buf - 1) == 18);
    gzclose(g);
    CHECK_STR(buf, "line one\nline two\n");
    CHECK(logrot_gzip_file(src, dst, NULL) == -1); /* no source: nothing left behind */
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", dst);
    CHECK(access(tmp, F_OK) < 0);
}

/* A run dir with compressed segments of two attempts; the cap removes the
 * oldest attempt's oldest segments first and never a protected one. */
TEST(weeks_cap_order)
{
    char rd[512], nd[600], p[700];
    snprintf(rd, sizeof rd, "%s/run", test_tmpdir());
    char big[4097];
    memset(big, 'x', 4096);
    big[4096] = '\0';
    for (int a = 0; a < 2; a++) {
        layout_node_dir(nd, sizeof nd, rd, a, "n1");
        CHECK(mkdir_p(nd, 0700) == 0);
        for (int k = 1; k <= 3; k++) {
            layout_rank_log_segment(p, sizeof p, nd, 0, k, 1);
            put(p, big); /* sizes are what counts, not the content */
        }
    }
    struct logrot *lr;
    CHECK(logrot_start(&lr) == 0);
    layout_node_dir(nd, sizeof nd, rd, 0, "n1");
    layout_rank_log_segment(p, sizeof p, nd, 0, 1, 0);
    logrot_protect(lr, p); /* attempt 0's first segment holds a failure's key line */
    logrot_configure(lr, rd, "n1", 3 * 4096);
    CHECK(logrot_check(lr) == 0);
    CHECK(logrot_wait(lr, 10000) == 0);
    struct logrot_stats st;
    logrot_get_stats(lr, &st);
    logrot_stop(lr);
    CHECK(st.removed == 3 && !st.over_cap);
    int want[2][4] = {{0, 1, 0, 0}, {0, 0, 1, 1}}; /* [attempt][k]: still there */
    for (int a = 0; a < 2; a++)
        for (int k = 1; k <= 3; k++) {
            layout_node_dir(nd, sizeof nd, rd, a, "n1");
            layout_rank_log_segment(p, sizeof p, nd, 0, k, 1);
            CHECK((access(p, F_OK) == 0) == want[a][k]);
        }
}

static void count_line(void *ctx, const char *line, size_t len, long lineno, unsigned flags)
{
    char *seen = ctx;
    (void)flags;
    char one[64];
    snprintf(one, sizeof one, "%ld:%.*s;", lineno, (int)len, line);
    strcat(seen, one);
}

TEST(weeks_input_reads_segments_in_order)
{
    char d[512], p[700];
    snprintf(d, sizeof d, "%s/attempt-0/n1", test_tmpdir());
    CHECK(mkdir_p(d, 0700) == 0);
    snprintf(p, sizeof p, "%s/rank-0.log.1.gz", d);
    put_gz(p, "a\nb");                       /* a line cut by the rotation ... */
    snprintf(p, sizeof p, "%s/rank-0.log.2", d);
    put(p, "c\nd\n");                        /* ... goes on in the next segment */
    snprintf(p, sizeof p, "%s/rank-0.log.10.gz", d);
    put_gz(p, "e\n");                        /* 10 after 2 */
    snprintf(p, sizeof p, "%s/rank-0.log", d);
    put(p, "f\n");
    struct input_list l = {0};
    struct buf err;
    buf_init(&err, 256);
    CHECK(input_expand(&l, test_tmpdir(), &err) == 0);
    CHECK(l.n == 1 && l.v[0].nsegs == 3 && l.v[0].rank == 0);
    char seen[256] = "";
    size_t bytes;
    CHECK(input_read(&l.v[0], count_line, seen, &err, 0, &bytes) == 0);
    CHECK_STR(seen, "1:a;2:bc;3:d;4:e;5:f;");
    input_list_free(&l);
    /* the live log compressed at the attempt's end: the segments alone */
    unlink(p);
    CHECK(input_expand(&l, test_tmpdir(), &err) == 0);
    CHECK(l.n == 1 && l.v[0].nsegs == 3);
    seen[0] = '\0';
    CHECK(input_read(&l.v[0], count_line, seen, &err, 0, &bytes) == 0);
    CHECK_STR(seen, "1:a;2:bc;3:d;4:e;");
    input_list_free(&l);
    buf_free(&err);
}

TEST(weeks_restart_window)
{
    static struct run_config cfg = {.max_restarts = 2, .restart_window_ms = 1000};
    static struct ctl c; /* large: not on the stack */
    c.cfg = &cfg;
    ctl_budget_note(&c, 10000);
    ctl_budget_note(&c, 10500);
    CHECK(ctl_budget_used(&c, 10900) == 2);  /* a burst: both in the window */
    CHECK(ctl_budget_used(&c, 11200) == 1);  /* the first left it */
    CHECK(ctl_budget_used(&c, 11600) == 0);  /* spaced wider than the window: never spent */
    free(c.restart_at);
    cfg.restart_window_ms = 0;               /* no window: the run's count */
    c.restarts = 5;
    CHECK(ctl_budget_used(&c, 99999999) == 5);
}

TEST(weeks_journal_of_a_dead_controller)
{
    static struct run_config cfg = {.max_restarts = 3, .restart_window_ms = 0};
    static struct ctl c; /* large: not on the stack */
    c.cfg = &cfg;
    snprintf(c.run_dir, sizeof c.run_dir, "%s", test_tmpdir());
    char p[PATH_MAX];
    layout_run_file(p, sizeof p, c.run_dir, LAYOUT_EVENTS);
    const char *done = "{\"ts\":\"2030-01-01T00:00:00.000Z\",\"event\":\"run_start\"}\n"
                       "{\"ts\":\"2030-01-01T00:00:01.000Z\",\"event\":\"restart\",\"backoff_level\":1}\n"
                       "{\"ts\":\"2030-01-01T00:00:02.000Z\",\"event\":\"run_end\"}\n";
    const char *live = "{\"ts\":\"2030-01-01T00:01:00.000Z\",\"event\":\"run_start\"}\n"
                       "{\"ts\":\"2030-01-01T00:01:01.000Z\",\"event\":\"restart\",\"backoff_level\":1}\n"
                       "{\"ts\":\"2030-01-01T00:01:02.000Z\",\"event\":\"node_excluded\",\"node\":\"n2\"}\n"
                       "{\"ts\":\"2030-01-01T00:01:03.000Z\",\"event\":\"restart\",\"backoff_level\":2}\n"
                       "{\"ts\":\"2030-01-01T00:01:04.000Z\",\"event\":\"rank_ex";
    char all[2048];
    snprintf(all, sizeof all, "%s%s", done, live);
    put(p, all);
    CHECK(ctl_resume_read(&c) == 0);
    CHECK(c.past != NULL); /* unfinished: a run_start after the last run_end */
    CHECK(json_integer_value(json_object_get(c.past, "restarts")) == 2); /* the ended run's restart not counted */
    CHECK(json_integer_value(json_object_get(c.past, "backoff_level")) == 2);
    json_t *n2 = json_object_get(json_object_get(c.past, "out"), "n2");
    CHECK(n2 && json_integer_value(json_object_get(n2, "times")) == 1);
    struct stat st;
    CHECK(stat(p, &st) == 0 && (size_t)st.st_size == strlen(all) - strlen("{\"ts\":\"2030-01-01T00:01:04.000Z\",\"event\":\"rank_ex"));
    json_decref(c.past);
    c.past = NULL;
    put(p, done); /* a run that ended: nothing to carry over */
    CHECK(ctl_resume_read(&c) == 0);
    CHECK(c.past == NULL);
}
