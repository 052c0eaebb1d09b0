/* Unit tests of common/: capped buffers, the line splitter, framing, HMAC. */
#include "tests/unit/harness.h"
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/lines.h"
#include "common/proto.h"
#include "common/util.h"

TEST(buf_cap_is_enforced)
{
    struct buf b;
    buf_init(&b, 8);
    CHECK(buf_append(&b, "12345", 5) == 0);
    CHECK(buf_append(&b, "6789", 4) == -1);
    CHECK(b.len == 5);
    CHECK(buf_append_some(&b, "6789", 4) == 3);
    CHECK_STR(b.p, "12345678");
    buf_consume(&b, 2);
    CHECK_STR(b.p, "345678");
    CHECK(buf_printf(&b, "%d", 12345) == -1);
    buf_free(&b);
}

struct collected {
    char lines[16][64];
    unsigned flags[16];
    int n;
};

static void collect(void *ctx, const char *line, size_t len, unsigned flags)
{
    struct collected *c = ctx;
    if (c->n < 16) {
        snprintf(c->lines[c->n], sizeof c->lines[0], "%.*s", (int)len, line);
        c->flags[c->n] = flags;
    }
    c->n++;
}

TEST(lines_split_across_chunks_and_cr)
{
    struct linesplit ls;
    struct collected c = {0};
    linesplit_init(&ls, 16);
    const char *in = "ab\ncd\r\nprog 1\rprog 2\rdone\npart";
    /* feed one byte at a time: boundaries must not matter */
    for (size_t i = 0; i < strlen(in); i++)
        linesplit_feed(&ls, in + i, 1, collect, &c);
    linesplit_finish(&ls, collect, &c);
    CHECK(c.n == 6);
    CHECK_STR(c.lines[0], "ab");
    CHECK_STR(c.lines[1], "cd");
    CHECK(c.flags[1] == LINE_CR);
    CHECK_STR(c.lines[2], "prog 1");
    CHECK_STR(c.lines[3], "prog 2");
    CHECK_STR(c.lines[4], "done");
    CHECK_STR(c.lines[5], "part");
    CHECK(c.flags[5] == LINE_PARTIAL);
    linesplit_free(&ls);
}

TEST(lines_long_line_is_capped)
{
    struct linesplit ls;
    struct collected c = {0};
    linesplit_init(&ls, 8);
    size_t n = 10 * 1024 * 1024;
    char *big = malloc(n);
    CHECK(big);
    memset(big, 'x', n);
    big[5] = '\0'; /* NULs pass through */
    for (size_t off = 0; off < n; off += 4096)
        linesplit_feed(&ls, big + off, 4096, collect, &c);
    free(big);
    linesplit_feed(&ls, "\nnext\n", 6, collect, &c);
    CHECK(c.n == 2);
    CHECK(c.flags[0] == LINE_TRUNCATED);
    CHECK_STR(c.lines[1], "next");
    CHECK(ls.cur.cap <= 8);
    linesplit_free(&ls);
}

TEST(proto_roundtrip_and_errors)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    struct msgconn a, b;
    msgconn_init(&a, sv[0]);
    msgconn_init(&b, sv[1]);
    json_t *m = json_pack("{s:s, s:i}", "type", "hello", "n", 42);
    CHECK(msgconn_send(&a, m) == 0);
    json_decref(m);
    CHECK(msgconn_flush(&a) == 0);
    CHECK(msgconn_read(&b) == 1);
    json_t *got = NULL;
    char err[128];
    CHECK(msgconn_next(&b, &got, err, sizeof err) == 1);
    CHECK(json_integer_value(json_object_get(got, "n")) == 42);
    json_decref(got);
    /* an oversized length prefix is a protocol error */
    const unsigned char huge[4] = {0x7f, 0xff, 0xff, 0xff};
    CHECK(write(sv[0], huge, 4) == 4);
    CHECK(msgconn_read(&b) == 1);
    CHECK(msgconn_next(&b, &got, err, sizeof err) == -1);
    CHECK(strstr(err, "oversized") != NULL);
    msgconn_close(&a);
    msgconn_close(&b);
}

TEST(proto_hmac_checks)
{
    char mac[65];
    CHECK(proto_hmac_hex("secret", "nonce", "n1", mac) == 0);
    CHECK(strlen(mac) == 64);
    CHECK(proto_mac_ok("secret", "nonce", "n1", mac));
    CHECK(!proto_mac_ok("secreT", "nonce", "n1", mac));
    CHECK(!proto_mac_ok("secret", "nonce", "n2", mac));
    CHECK(!proto_mac_ok("secret", "nonce", "n1", "abc"));
}

TEST(parse_helpers)
{
    int64_t ms;
    long v;
    CHECK(parse_duration_ms("30", &ms) == 0 && ms == 30000);
    CHECK(parse_duration_ms("500ms", &ms) == 0 && ms == 500);
    CHECK(parse_duration_ms("1.5s", &ms) == 0 && ms == 1500);
    CHECK(parse_duration_ms("5m", &ms) == 0 && ms == 300000);
    CHECK(parse_duration_ms("-1", &ms) == -1);
    CHECK(parse_duration_ms("abc", &ms) == -1);
    CHECK(parse_long("12", 0, 100, &v) == 0 && v == 12);
    CHECK(parse_long("12x", 0, 100, &v) == -1);
    CHECK(parse_long("101", 0, 100, &v) == -1);
    CHECK(safe_component("node1"));
    CHECK(!safe_component(".."));
    CHECK(!safe_component("a/b"));
}

TEST(durable_write)
{
    char path[512];
    snprintf(path, sizeof path, "%s/a/b/file", test_tmpdir());
    char dir[512];
    snprintf(dir, sizeof dir, "%s/a/b", test_tmpdir());
    CHECK(mkdir_p(dir, 0755) == 0);
    CHECK(write_file_durable(path, "hello", 5) == 0);
    size_t len;
    char *s = read_file_capped(path, 100, &len);
    CHECK(s && len == 5);
    CHECK_STR(s, "hello");
    free(s);
    CHECK(read_file_capped(path, 2, &len) == NULL);
}
