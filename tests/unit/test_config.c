/* Unit tests of `endure run` flag parsing: spellings, PET_ variables,
 * defaults, and usage errors that name the flag. */
#include "tests/unit/harness.h"
#include <stdlib.h>
#include "supervisor/config.h"

static int parse(struct run_config *c, struct buf *err, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    buf_init(err, 1024);
    return config_parse(c, argc, argv, err);
}

TEST(config_torchrun_spellings)
{
    struct run_config c;
    struct buf err;
    char *argv[] = {"run", "--nproc_per_node=4", "--nnodes", "2:3", "--max-restarts=5", "--rdzv_id", "job1",
                    "--stop-timeout", "500ms", "-r", "0:3,1:1", "train.py", "--lr", "1", NULL};
    CHECK(parse(&c, &err, argv) == 0);
    CHECK(c.nproc == 4);
    CHECK(c.nnodes_min == 2 && c.nnodes_max == 3);
    CHECK(c.max_restarts == 5);
    CHECK_STR(c.run_id, "job1");
    CHECK(c.stop_timeout_ms == 500);
    CHECK_STR(c.redirects, "0:3,1:1");
    CHECK(c.ncmd == 3);
    CHECK_STR(c.cmd[0], "train.py");
    CHECK_STR(c.cmd[2], "1");
    CHECK(c.nnodes_list == 3); /* default node names for MAX nodes */
    CHECK_STR(c.nodes[2], "node2");
    CHECK(!c.no_python);
    config_free(&c);
    buf_free(&err);
}

TEST(config_pet_environment_and_command_line_order)
{
    struct run_config c;
    struct buf err;
    setenv("PET_NPROC_PER_NODE", "3", 1);
    setenv("PET_MAX_RESTARTS", "9", 1);
    char *argv[] = {"run", "--max-restarts", "1", "--", "prog", "-x", NULL};
    CHECK(parse(&c, &err, argv) == 0);
    unsetenv("PET_NPROC_PER_NODE");
    unsetenv("PET_MAX_RESTARTS");
    CHECK(c.nproc == 3);
    CHECK(c.max_restarts == 1); /* the command line wins */
    CHECK(c.no_python);
    CHECK_STR(c.cmd[1], "-x");
    config_free(&c);
    buf_free(&err);
}

TEST(config_errors_name_the_flag)
{
    struct { char *argv[6]; const char *want; } cases[] = {
        {{"run", "--nnodes", "0", "x", NULL}, "--nnodes"},
        {{"run", "--bogus", "x", NULL}, "--bogus"},
        {{"run", "--hang-timeout", "soon", "x", NULL}, "--hang-timeout"},
        {{"run", "--nodes", "a,a", "x", NULL}, "listed twice"},
        {{"run", "--nodes", "a", "--nnodes", "2", "x"}, "at least 2"},
        {{"run", "--max-restarts", NULL}, "needs a value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct run_config c;
        struct buf err;
        int argc = 0;
        while (argc < 6 && cases[i].argv[argc])
            argc++;
        buf_init(&err, 1024);
        CHECK(config_parse(&c, argc, cases[i].argv, &err) == -1);
        if (!err.p || !strstr(err.p, cases[i].want))
            fprintf(stderr, "  case %zu: '%s'\n", i, err.p ? err.p : "");
        CHECK(err.p && strstr(err.p, cases[i].want));
        config_free(&c);
        buf_free(&err);
    }
}
