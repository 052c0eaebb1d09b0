/* Unit tests of the diagcli pieces: escaping log text for a terminal, the
 * --max-bytes limit of input_read at its boundary, NULs in a text file, a
 * markdown-quoted paste read as the text under its quote marks, and
 * the run report over a hand-made run directory with a hostile journal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "common/text.h"
#include "diagnose/input.h"
#include "diagnose/offline.h"
#include "harness.h"
#include "tests/unit/test_diag_util.h"

static char *escaped(const char *s, int keep_newline)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    text_fputs_escaped(s, f, keep_newline);
    fclose(f);
    return out;
}

TEST(diagcli_escape_controls)
{
    char *a = escaped("a\033[2Jb\tc\x7f\xc2\x9b\xc3\xa9\xff\n", 0);
    CHECK_STR(a, "a\\x1b[2Jb\tc\\x7f\\u009b\xc3\xa9\\xff\\x0a");
    free(a);
    a = escaped("line 1\nline 2\r", 1);
    CHECK_STR(a, "line 1\nline 2\\x0d");
    free(a);
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "w");
    fwrite(data, 1, n, f);
    fclose(f);
}

static void count_line(void *ctx, const char *line, size_t len, long lineno, unsigned flags)
{
    (void)line, (void)len, (void)lineno, (void)flags;
    ++*(long *)ctx;
}

static int read_with(const char *path, size_t max, long *lines, size_t *bytes)
{
    struct input in = {(char *)path, (char *)path, NULL, -1, 0, NULL, 0};
    struct buf err;
    buf_init(&err, 4096);
    *lines = 0;
    int rc = input_read(&in, count_line, lines, &err, max, bytes);
    buf_free(&err);
    return rc;
}

TEST(diagcli_max_bytes_boundary)
{
    char path[512];
    long lines;
    size_t bytes;
    snprintf(path, sizeof path, "%s/a.log", test_tmpdir());
    write_file(path, "0123\n5678\n", 10);
    CHECK(read_with(path, 10, &lines, &bytes) == 0 && bytes == 10 && lines == 2);
    CHECK(read_with(path, 9, &lines, &bytes) == -1 && bytes == 9 && lines == 2);
    CHECK(read_with(path, 0, &lines, &bytes) == 0 && bytes == 10);
    write_file(path, "a\n\0\0\0\0\0\0\nb\n", 11); /* NULs: still text */
    CHECK(read_with(path, 0, &lines, &bytes) == 0 && lines == 3);
}

static void join_line(void *ctx, const char *line, size_t len, long lineno, unsigned flags)
{
    (void)lineno, (void)flags;
    struct buf *b = ctx;
    buf_append(b, line, len);
    buf_append(b, "|", 1);
}

/* The lines input_read delivers for data, joined by '|'. */
static char *read_joined(const char *data)
{
    char path[512];
    snprintf(path, sizeof path, "%s/q.log", test_tmpdir());
    write_file(path, data, strlen(data));
    struct input in = {path, path, NULL, -1, 0, NULL, 0};
    struct buf err, out;
    size_t bytes;
    buf_init(&err, 4096);
    buf_init(&out, 1 << 16);
    input_read(&in, join_line, &out, &err, 0, &bytes);
    buf_free(&err);
    char *s = strdup(out.p ? out.p : "");
    buf_free(&out);
    return s;
}

TEST(diagcli_markdown_quoted_paste)
{
    /* an issue's quoted log: the quote marks go, nested ones and the
     * indentation of the frames under them stay right */
    char *s = read_joined("> Traceback (most recent call last):\n>   File \"a.py\", line 1, in <module>\n"
                          ">\n> > [rank1]: RuntimeError: boom\n\n  > RuntimeError\n");
    CHECK_STR(s, "Traceback (most recent call last):|  File \"a.py\", line 1, in <module>||"
                 "[rank1]: RuntimeError: boom||RuntimeError|");
    free(s);
    /* a log with some '>' lines among others is read as it is */
    s = read_joined("> building train datasets\n> compiling\nusing world size: 8\n> done\n");
    CHECK_STR(s, "> building train datasets|> compiling|using world size: 8|> done|");
    free(s);
    /* two quoted lines are too few to tell */
    s = read_joined("> a\n> b\n");
    CHECK_STR(s, "> a|> b|");
    free(s);
}

/* A quoted paste of Megatron's set-up that ends there is still a log that
 * ends in collective set-up (a suspected hang): Megatron's "> " is dropped
 * with the quote marks, and its set-up marks do not need it. */
TEST(diagcli_quoted_megatron_setup_is_setup)
{
    struct buf err;
    struct ruleset *rs = diag_load(diag_write("r.yaml", "- id: t.x\n  category: script\n  type: key_error\n"
                                                        "  role: root\n  action: stop\n  match: 'KeyError: '\n"
                                                        "  explain: 'x'\n  examples: ['KeyError: x']\n"),
                                   &err);
    buf_free(&err);
    CHECK(rs != NULL);
    const char *path = diag_write("q.log", "> using world size: 16\n> > initializing torch distributed ...\n"
                                           "> > initialized tensor model parallel with size 2\n"
                                           "> compiling dataset index builder ...\n");
    struct input in = {(char *)path, (char *)path, NULL, -1, 0, NULL, 0};
    struct input_list l = {&in, 1, 1};
    struct offline o;
    CHECK(offline_init(&o, rs, 0) == 0);
    CHECK(offline_read(&o, &in, &err) == 0);
    json_t *v = offline_verdict(&o, &l);
    CHECK_STR(json_string_value(json_object_get(v, "type")), "hang");
    CHECK(json_is_true(json_object_get(v, "suspected")));
    json_decref(v);
    offline_free(&o);
    ruleset_free(rs);
    buf_free(&err);
}

TEST(diagcli_run_report_hostile_journal)
{
    char p[512];
    const char *d = test_tmpdir();
    for (int a = 0; a < 3; a++) {
        snprintf(p, sizeof p, "%s/attempt-%d", d, a == 2 ? 7 : a);
        mkdir(p, 0755);
    }
    snprintf(p, sizeof p, "%s/attempt-x", d); /* not an attempt */
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/attempt-1/failure.json", d);
    const char *fj = "{\"category\":\"hang\",\"type\":\"hang\",\"culprit\":{\"host\":[7]},\"evidence\":[\"x\"]}";
    write_file(p, fj, strlen(fj));
    char *long_line = malloc(200000);
    memset(long_line, 'x', 200000);
    memcpy(long_line, "{\"event\":\"run_end\",\"exit_code\":9,", 34);
    snprintf(p, sizeof p, "%s/events.jsonl", d);
    FILE *f = fopen(p, "w");
    fprintf(f, "{\"event\":\"attempt_end\",\"attempt\":0,\"ok\":\"yes\"}\n"   /* wrong type */
               "not json \"event\":\"failure\"\n"
               "{\"event\":\"failure\",\"attempt\":1,\"what\":5}\n"         /* wrong type */
               "{\"event\":\"failure\",\"attempt\":1,\"what\":\"hung\"}\n"
               "{\"event\":\"attempt_end\",\"attempt\":1,\"ok\":false}\n"
               "{\"event\":\"attempt_end\",\"attempt\":99,\"ok\":true}\n");  /* no such dir */
    fwrite(long_line, 1, 200000, f); /* a capped line: ignored */
    fprintf(f, "\n");
    fclose(f);
    free(long_line);
    json_t *r = run_report(d), *l = json_object_get(r, "attempts");
    CHECK(r && json_array_size(l) == 3);
    CHECK(json_integer_value(json_object_get(json_array_get(l, 2), "attempt")) == 7);
    CHECK_STR(json_string_value(json_object_get(json_array_get(l, 0), "outcome")), "unknown");
    CHECK_STR(json_string_value(json_object_get(json_array_get(l, 1), "outcome")), "failed");
    CHECK_STR(json_string_value(json_object_get(json_array_get(l, 1), "what")), "hung");
    json_t *v1 = json_object_get(json_array_get(l, 1), "verdict");
    CHECK_STR(json_string_value(json_object_get(v1, "type")), "hang");
    CHECK(json_is_null(json_object_get(json_object_get(v1, "culprit"), "host")));
    CHECK(!json_object_get(v1, "evidence"));
    CHECK_STR(json_string_value(json_object_get(json_array_get(l, 2), "outcome")), "unfinished");
    json_t *run = json_object_get(r, "run");
    CHECK_STR(json_string_value(json_object_get(run, "outcome")), "unfinished");
    CHECK(json_integer_value(json_object_get(run, "failed")) == 1);
    json_decref(r);
    snprintf(p, sizeof p, "%s/attempt-0", d);
    CHECK(run_report(p) == NULL);
}
