/* test_ckfiles: files someone else can plant (issue 7, group ckfiles):
 * open_regular() refuses FIFOs, directories and (with O_NOFOLLOW) symlinks
 * without blocking; the readers built on it (read_file_capped,
 * ckpt_read_json, ckpt_open_under) answer at once on a FIFO instead of
 * hanging (the harness's time limit fails a hang), and so do the agent's
 * tail of a failed rank's log and the controller's journal; the exact parser of a
 * manifest path's rank-<R>/ directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "checkpoint/ckpt_internal.h"
#include "common/layout.h"
#include "common/util.h"
#include "launcher/agent_int.h"
#include "supervisor/journal.h"
#include "tests/unit/harness.h"

/* <tmp>/name into out; also makes a FIFO there when fifo. */
static const char *tpath(char *out, size_t n, const char *name, int fifo)
{
    snprintf(out, n, "%s/%s", test_tmpdir(), name);
    if (fifo && mkfifo(out, 0600) < 0)
        return NULL;
    return out;
}

TEST(ckfiles_open_regular_refuses_fifo_dir_symlink)
{
    char f[600], fifo[600], link[600];
    CHECK(tpath(fifo, sizeof fifo, "fifo", 1));
    tpath(f, sizeof f, "plain", 0);
    tpath(link, sizeof link, "link", 0);
    int fd = open_regular(AT_FDCWD, f, O_WRONLY | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0);
    CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0); /* cleared again */
    CHECK(write(fd, "x", 1) == 1);
    close(fd);
    CHECK(symlink(f, link) == 0);
    fd = open_regular(AT_FDCWD, link, O_RDONLY, 0); /* followed when allowed */
    CHECK(fd >= 0);
    close(fd);
    errno = 0;
    CHECK(open_regular(AT_FDCWD, link, O_RDONLY | O_NOFOLLOW, 0) < 0 && errno == ELOOP);
    errno = 0;
    CHECK(open_regular(AT_FDCWD, fifo, O_RDONLY, 0) < 0 && errno == ENOTREGULAR);
    errno = 0;
    CHECK(open_regular(AT_FDCWD, fifo, O_WRONLY | O_CREAT | O_APPEND, 0600) < 0 && errno == ENOTREGULAR);
    errno = 0;
    CHECK(open_regular(AT_FDCWD, test_tmpdir(), O_RDONLY, 0) < 0 && errno == ENOTREGULAR);
    CHECK(open_regular(AT_FDCWD, "/dev/null", O_RDONLY, 0) < 0 && errno == ENOTREGULAR);
    CHECK_STR(file_strerror(ENOTREGULAR), "not a regular file (refused)");
}

/* The readers of files a rank or a stale run could plant: a FIFO is an
 * error at once (on the old code each of these blocked forever). */
TEST(ckfiles_readers_do_not_block_on_fifo)
{
    char fifo[600];
    CHECK(tpath(fifo, sizeof fifo, "COMPLETE", 1));
    size_t len;
    errno = 0;
    CHECK(read_file_capped(fifo, 1024, &len) == NULL && errno == ENOTREGULAR);
    struct buf why;
    buf_init(&why, 256);
    CHECK(ckpt_read_json(fifo, 1024, &why) == NULL);
    int ok = why.p && strstr(why.p, "not a regular file") != NULL;
    buf_free(&why);
    CHECK(ok);
    int dfd = open(test_tmpdir(), O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    int r = ckpt_open_under(dfd, "COMPLETE", O_RDONLY), w = ckpt_open_under(dfd, "COMPLETE", O_WRONLY);
    close(dfd);
    CHECK(r < 0 && w < 0);
}

/* The durable temp file of write_file_durable() is never a planted FIFO. */
TEST(ckfiles_durable_write_refuses_planted_fifo)
{
    char p[600], tmp[700];
    tpath(p, sizeof p, "out.json", 0);
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", p, (int)getpid());
    CHECK(mkfifo(tmp, 0600) == 0);
    errno = 0;
    CHECK(write_file_durable(p, "{}", 2) < 0 && errno == ENOTREGULAR);
    CHECK(write_file_durable(p, "{}", 2) == 0); /* the planted FIFO was removed */
}

TEST(ckfiles_rank_dir_parser_is_exact)
{
    CHECK(layout_parse_rank_path("rank-0/x") == 0);
    CHECK(layout_parse_rank_path("rank-17/a/b") == 17);
    CHECK(layout_parse_rank_path("rank-999999999/x") == 999999999);
    const char *bad[] = {"rank-00/blob", "rank-01/x", "rank-+1/x", "rank- 1/x", "rank--1/x", "rank-1",
                         "rank-1/", "rank-/x", "rank-1x/y", "rank-1000000000/x", "Rank-1/x", "rank-0x1/y",
                         "xrank-1/y", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (layout_parse_rank_path(bad[i]) != -1)
            fprintf(stderr, "  accepted %s\n", bad[i]);
        CHECK(layout_parse_rank_path(bad[i]) == -1);
    }
    CHECK(layout_parse_rank_path(NULL) == -1);
}

/* A rank could swap its log for a FIFO before it fails: the agent's tail of
 * the log is empty instead of blocking the agent; the journal is refused. */
TEST(ckfiles_log_tail_and_journal_refuse_fifo)
{
    char fifo[600];
    CHECK(tpath(fifo, sizeof fifo, "rank-0.log", 1));
    json_t *t = agent_log_tail(fifo, 20);
    int empty = json_is_array(t) && json_array_size(t) == 0;
    json_decref(t);
    CHECK(empty);
    struct journal j;
    CHECK(journal_open(&j, fifo) < 0 && errno == ENOTREGULAR);
}
