/* Unit tests of common/hostlist.h: Slurm hostlist expansion (forms,
 * padding, order of several groups, bounds, errors), the duplicate finder
 * and the hostfile parser. The same expressions are compared with Slurm's
 * own scontrol in tests/e2e/hostlist_scontrol.sh. */
#include "tests/unit/harness.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/buf.h"
#include "common/hostlist.h"

/* The names of expr joined by spaces (caller frees), or NULL on error with
 * the message in err (when err is not NULL). */
static char *expand_joined(const char *expr, size_t max, struct buf *err)
{
    struct buf tmp, out;
    char **v = (char **)1;
    size_t n = 99;
    buf_init(&tmp, 4096);
    buf_init(&out, 0);
    int rc = hostlist_expand(expr, max, &v, &n, err ? err : &tmp);
    buf_free(&tmp);
    if (rc < 0) {
        if (v != NULL || n != 0)
            return strdup("(outputs not cleared)");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        buf_printf(&out, "%s%s", i ? " " : "", v[i]);
    hostlist_free(v, n);
    return buf_steal(&out);
}

/* 1 when expr expands to want (names joined by spaces). */
static int expands_to(const char *expr, const char *want)
{
    char *got = expand_joined(expr, 1000, NULL);
    int ok = got && !strcmp(got, want);
    if (!ok)
        fprintf(stderr, "  '%s' -> '%s', want '%s'\n", expr, got ? got : "(error)", want);
    free(got);
    return ok;
}

/* 1 when expr fails with exactly the message want. */
static int fails_with(const char *expr, size_t max, const char *want)
{
    struct buf err;
    buf_init(&err, 4096);
    char *got = expand_joined(expr, max, &err);
    int ok = !got && err.p && !strcmp(err.p, want);
    if (!ok)
        fprintf(stderr, "  '%s' -> '%s' / '%s', want error '%s'\n", expr, got ? got : "(error)",
                err.p ? err.p : "", want);
    free(got);
    buf_free(&err);
    return ok;
}

TEST(hostlist_plain_and_ranges)
{
    CHECK(expands_to("n1", "n1"));
    CHECK(expands_to("n1,n2", "n1 n2"));
    CHECK(expands_to("n[1-4,7]", "n1 n2 n3 n4 n7"));
    CHECK(expands_to("n[1-3,2]", "n1 n2 n3 n2"));
    CHECK(expands_to("n1,n1", "n1 n1")); /* not deduplicated */
    CHECK(expands_to("gpu-a[01-03],gpu-b5", "gpu-a01 gpu-a02 gpu-a03 gpu-b5"));
    CHECK(expands_to("10.0.0.[1-2]", "10.0.0.1 10.0.0.2"));
    CHECK(expands_to("[1-2]", "1 2"));
}

TEST(hostlist_padding_as_slurm)
{
    /* The width is the number of digits of lo; hi's zeros do not count. */
    CHECK(expands_to("n[1-010]", "n1 n2 n3 n4 n5 n6 n7 n8 n9 n10"));
    CHECK(expands_to("n[08-11]", "n08 n09 n10 n11"));
    CHECK(expands_to("n[099-101]", "n099 n100 n101"));
    CHECK(expands_to("n[00-2]", "n00 n01 n02"));
    CHECK(expands_to("n[0-1]", "n0 n1"));
    CHECK(expands_to("n[007]", "n007"));
    CHECK(expands_to("n[1-2,05]", "n1 n2 n05"));
    CHECK(expands_to("n[001-01]", "n001"));
}

TEST(hostlist_several_groups_in_slurm_order)
{
    CHECK(expands_to("rack[1-2]-n[1-2]", "rack1-n1 rack1-n2 rack2-n1 rack2-n2"));
    CHECK(expands_to("n[1-2][3-4]", "n13 n14 n23 n24"));
    /* the last group fastest, then the first, the one before the last slowest */
    CHECK(expands_to("a[1-2]b[1-2]c[1-2]", "a1b1c1 a1b1c2 a2b1c1 a2b1c2 a1b2c1 a1b2c2 a2b2c1 a2b2c2"));
    CHECK(expands_to("a[1,3]b[08-9]c[1]", "a1b08c1 a3b08c1 a1b09c1 a3b09c1"));
}

TEST(hostlist_whitespace_and_empty_tokens)
{
    CHECK(expands_to(" n1, n2 ", "n1 n2"));
    CHECK(expands_to("n1 n2\tn3\nn4", "n1 n2 n3 n4"));
    CHECK(expands_to(",n1,,n2,", "n1 n2"));
    CHECK(fails_with("", 10, "bad hostlist '': no host names"));
    CHECK(fails_with(" , ", 10, "bad hostlist ' , ': no host names"));
    CHECK(fails_with("n[ 1-2]", 10, "bad hostlist 'n[ 1-2]': whitespace inside '[...]'"));
}

TEST(hostlist_malformed)
{
    CHECK(fails_with("n[3-1]", 10, "bad hostlist 'n[3-1]': range 3-1 goes down"));
    CHECK(fails_with("n[]", 10,
                     "bad hostlist 'n[]': empty range in '[...]' (as in '[]', '[1,,2]' or '[1,]')"));
    CHECK(fails_with("n[1,,2]", 10,
                     "bad hostlist 'n[1,,2]': empty range in '[...]' (as in '[]', '[1,,2]' or "
                     "'[1,]')"));
    CHECK(fails_with("n[3-]", 10, "bad hostlist 'n[3-]': '3-' is not a number or a range lo-hi"));
    CHECK(fails_with("n[1--3]", 10,
                     "bad hostlist 'n[1--3]': '1--3' is not a number or a range lo-hi"));
    CHECK(fails_with("n[", 10, "bad hostlist 'n[': '[' without ']'"));
    CHECK(fails_with("n]", 10, "bad hostlist 'n]': ']' without '['"));
    CHECK(fails_with("n[[1]]", 10, "bad hostlist 'n[[1]]': '[' inside '[...]'"));
    CHECK(fails_with("n[a-b]", 10,
                     "bad hostlist 'n[a-b]': character 'a' inside '[...]' (only digits, '-' and ',')"));
    CHECK(fails_with("n[1-2]x", 10,
                     "bad hostlist 'n[1-2]x': text 'x' after the last ']' (Slurm allows none)"));
    CHECK(fails_with("n1;n2", 10,
                     "bad hostlist 'n1;n2': character ';' is not allowed in a host name (letters, "
                     "digits, '-', '.', '_')"));
    CHECK(fails_with("n\x01", 10,
                     "bad hostlist 'n?': byte 0x01 is not allowed in a host name (letters, digits, "
                     "'-', '.', '_')"));
    CHECK(fails_with("-oProxyCommand", 10, "bad hostlist '-oProxyCommand': a host name may not start with '-'"));
    CHECK(fails_with("n1,.n2", 10, "bad hostlist 'n1,.n2': a host name may not start with '.'"));
    CHECK(fails_with("n[1234567890123456789]", 10,
                     "bad hostlist 'n[1234567890123456789]': a number in '1234567890123456789' "
                     "has more than 18 digits"));
}

TEST(hostlist_bounds)
{
    CHECK(fails_with("n[1-99999999]", 1000000,
                     "bad hostlist 'n[1-99999999]': range 1-99999999 holds more than 65536 hosts"));
    CHECK(fails_with("n[1-5]", 4, "bad hostlist 'n[1-5]': more than 4 host names"));
    CHECK(fails_with("a,b,c", 2, "bad hostlist 'a,b,c': more than 2 host names"));
    CHECK(fails_with("n1", 0, "bad hostlist 'n1': more than 0 host names"));
    /* a product of groups that would overflow 64 bits is refused, not wrapped */
    char big[400] = "x";
    for (int i = 0; i < 10; i++)
        strcat(big, "[1-65536]");
    char *got = expand_joined(big, (size_t)-1, NULL);
    CHECK(got == NULL);
    char *four = expand_joined("n[1-5]", 5, NULL);
    CHECK_STR(four, "n1 n2 n3 n4 n5");
    free(four);
    /* names: at most 255 characters */
    char name[300];
    memset(name, 'x', 255);
    name[255] = '\0';
    got = expand_joined(name, 10, NULL);
    CHECK(got && strlen(got) == 255);
    free(got);
    memcpy(name + 254, "[9-10]", 7); /* ...x9 fits, ...x10 does not */
    struct buf err;
    buf_init(&err, 4096);
    got = expand_joined(name, 10, &err);
    CHECK(got == NULL && err.p && strstr(err.p, "longer than 255 characters"));
    buf_free(&err);
    /* the quoted expression is shortened */
    char longexpr[1000];
    memset(longexpr, 'y', 600);
    strcpy(longexpr + 600, "[3-1]");
    buf_init(&err, 4096);
    CHECK(expand_joined(longexpr, 10, &err) == NULL);
    CHECK(err.p && strstr(err.p, "...': range 3-1 goes down") && err.len < 200);
    buf_free(&err);
}

TEST(hostlist_find_dup_first_repeat)
{
    char *a[] = {"n1", "n2", "n3", "n2", "n1", "n3"};
    CHECK(hostlist_find_dup(a, 6) == 3);
    CHECK(hostlist_find_dup(a, 3) == -1);
    CHECK(hostlist_find_dup(a, 0) == -1);
    char *b[] = {"x", "y", "z", "z"};
    CHECK(hostlist_find_dup(b, 4) == 3);
    char *c[] = {"b", "a", "b"};
    CHECK(hostlist_find_dup(c, 3) == 2);
}

/* Writes text to a file in the test's scratch dir; returns its path. */
static const char *hostfile_with(const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/hostfile", test_tmpdir());
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

/* The entries of a hostfile as "host:slots ..." (caller frees), or NULL
 * with the message in err. */
static char *hostfile_joined(const char *text, size_t max, struct buf *err)
{
    struct hostfile_entry *v;
    size_t n;
    struct buf out;
    if (hostfile_load(hostfile_with(text), max, &v, &n, err) < 0)
        return NULL;
    buf_init(&out, 0);
    for (size_t i = 0; i < n; i++)
        buf_printf(&out, "%s%s:%d", i ? " " : "", v[i].host, v[i].slots);
    hostfile_free(v, n);
    return buf_steal(&out);
}

TEST(hostfile_good)
{
    struct buf err;
    buf_init(&err, 4096);
    char *got = hostfile_joined("# DeepSpeed style\nworker-1 slots=4\n\n  worker-2\tslots=8  # comment\r\n"
                                "worker-3\n10.0.0.7 slots=1",
                                10, &err);
    CHECK_STR(got, "worker-1:4 worker-2:8 worker-3:-1 10.0.0.7:1");
    free(got);
    buf_free(&err);
}

/* 1 when the hostfile text fails to load with exactly "hostfile PATH<want>". */
static int hostfile_fails(const char *text, size_t max, const char *want)
{
    struct buf err;
    char full[1024];
    buf_init(&err, 4096);
    char *got = hostfile_joined(text, max, &err);
    snprintf(full, sizeof full, "hostfile %s/hostfile%s", test_tmpdir(), want);
    int ok = !got && err.p && !strcmp(err.p, full);
    if (!ok)
        fprintf(stderr, "  got '%s' / '%s', want '%s'\n", got ? got : "", err.p ? err.p : "", full);
    free(got);
    buf_free(&err);
    return ok;
}

TEST(hostfile_malformed)
{
    CHECK(hostfile_fails("a\nb slots=x\n", 10,
                         " line 2: 'slots=x': slots must be a number from 1 to 65536"));
    CHECK(hostfile_fails("a slots=0\n", 10, " line 1: 'slots=0': slots must be a number from 1 to 65536"));
    CHECK(hostfile_fails("a slots=4 slots=4\n", 10, " line 1: slots= given twice"));
    CHECK(hostfile_fails("a max_slots=4\n", 10, " line 1: unexpected 'max_slots=4' (expected HOST [slots=N])"));
    CHECK(hostfile_fails("# x\nn[1-2] slots=2\n", 10,
                         " line 2: 'n[1-2]' is not one plain host name (a hostfile takes no hostlist "
                         "expressions: one host per line)"));
    CHECK(hostfile_fails("a\n-oProxyCommand\n", 10, " line 2: host name '-oProxyCommand' starts with '-'"));
    CHECK(hostfile_fails("user@a\n", 10,
                         " line 1: character '@' is not allowed in a host name (letters, digits, "
                         "'-', '.', '_')"));
    CHECK(hostfile_fails("a\nb\n\na slots=2\n", 10, " line 4: host a repeated (first on line 1)"));
    CHECK(hostfile_fails("a\nb\nc\n", 2, " line 3: more than 2 hosts"));
    CHECK(hostfile_fails("# nothing\n\n", 10, ": no hosts"));
}

TEST(hostfile_refuses_unreadable)
{
    struct buf err;
    struct hostfile_entry *v;
    size_t n;
    char path[512];
    buf_init(&err, 4096);
    CHECK(hostfile_load("/no/such/hostfile", 10, &v, &n, &err) == -1);
    CHECK_STR(err.p, "cannot read hostfile /no/such/hostfile: No such file or directory");
    buf_reset(&err);
    snprintf(path, sizeof path, "%s/fifo", test_tmpdir());
    CHECK(mkfifo(path, 0600) == 0);
    CHECK(hostfile_load(path, 10, &v, &n, &err) == -1); /* refused, never blocks */
    CHECK(strstr(err.p, "not a regular file") != NULL);
    buf_reset(&err);
    /* over 1 MiB */
    snprintf(path, sizeof path, "%s/big", test_tmpdir());
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    for (int i = 0; i < 200000; i++)
        fputs("# padding\n", f);
    fclose(f);
    CHECK(hostfile_load(path, 10, &v, &n, &err) == -1);
    CHECK(strstr(err.p, "larger than 1 MiB") != NULL);
    buf_reset(&err);
    /* a NUL byte */
    snprintf(path, sizeof path, "%s/nul", test_tmpdir());
    f = fopen(path, "w");
    CHECK(f != NULL);
    fwrite("a\0b\n", 1, 4, f);
    fclose(f);
    CHECK(hostfile_load(path, 10, &v, &n, &err) == -1);
    CHECK(strstr(err.p, "holds a NUL byte") != NULL);
    buf_free(&err);
}
