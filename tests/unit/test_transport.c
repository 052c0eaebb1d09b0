/* Unit tests of the transports' command lines (supervisor/transport.c) and
 * of the node list each way of naming nodes gives (config_nodes.c). */
#include "tests/unit/harness.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "supervisor/config.h"
#include "supervisor/transport.h"

#define SECRET "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e7abcd"

static int argv_has(char **v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (!strcmp(v[i], s))
            return 1;
    return 0;
}

static int argv_mentions(char **v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strstr(v[i], s))
            return 1;
    return 0;
}

TEST(transport_slurm_argv_one_step_per_node)
{
    struct transport t = {.kind = TRANSPORT_SLURM, .slurm_job = "77", .addr = "10.0.0.1:4000", .secret = SECRET,
                          .join_ms = 60000};
    char **v = NULL;
    struct buf err;
    buf_init(&err, 256);
    CHECK(transport_argv(&t, "n2", "/opt/endure/bin/endure", &v, &err) == 0);
    CHECK_STR(v[0], "srun");
    CHECK(argv_has(v, "--nodes=1") && argv_has(v, "--ntasks=1") && argv_has(v, "--nodelist=n2"));
    CHECK(argv_has(v, "--overlap") && argv_has(v, "--kill-on-bad-exit=0") && argv_has(v, "--export=ALL"));
    CHECK(argv_has(v, "--jobid=77"));
    CHECK(argv_has(v, "/opt/endure/bin/endure") && argv_has(v, "agent") && argv_has(v, "10.0.0.1:4000"));
    CHECK(!argv_mentions(v, "5ec7e7")); /* the secret goes on stdin */
    transport_argv_free(v);
    buf_free(&err);
}

TEST(transport_ssh_argv_quotes_the_remote_command)
{
    struct transport t = {.kind = TRANSPORT_SSH, .agent_cmd = "/opt/it's here/endure", .ssh_opts = "-p 2222 -o 'User=a b'",
                          .addr = "10.0.0.1:4000", .secret = SECRET, .join_ms = 5000};
    char **v = NULL;
    struct buf err;
    buf_init(&err, 256);
    CHECK(transport_argv(&t, "gpu-a01", "/self", &v, &err) == 0);
    CHECK_STR(v[0], "ssh");
    CHECK(argv_has(v, "BatchMode=yes") && argv_has(v, "-T"));
    CHECK(argv_has(v, "2222") && argv_has(v, "User=a b"));
    size_t n = 0;
    while (v[n])
        n++;
    CHECK(n >= 3);
    CHECK_STR(v[n - 3], "gpu-a01");
    CHECK_STR(v[n - 2], "--");
    CHECK_STR(v[n - 1], "exec '/opt/it'\\''s here/endure' 'agent' '--connect' '10.0.0.1:4000' '--node' 'gpu-a01' "
                        "'--join-timeout' '5000ms'");
    CHECK(!argv_mentions(v, "5ec7e7"));
    transport_argv_free(v);
    /* the remote shell reads back the same words */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "set -- %s; exit $#", "'/opt/it'\\''s here/endure' 'agent'");
    CHECK(system(cmd) >> 8 == 2);
    t.ssh_opts = "-o ProxyCommand=$(touch /tmp/pwned)";
    CHECK(transport_argv(&t, "h", "/self", &v, &err) == -1 && v == NULL);
    CHECK(err.p && strstr(err.p, "--ssh-opts"));
    buf_free(&err);
}

TEST(transport_names)
{
    CHECK(transport_kind_of("local") == TRANSPORT_LOCAL && transport_kind_of("slurm") == TRANSPORT_SLURM);
    CHECK(transport_kind_of("ssh") == TRANSPORT_SSH && transport_kind_of("rsh") == -1);
    CHECK_STR(transport_name(TRANSPORT_SSH), "ssh");
}

static int parse(struct run_config *c, struct buf *err, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    buf_init(err, 1024);
    return config_parse(c, argc, argv, err);
}

TEST(config_nodes_slurm_allocation)
{
    struct run_config c;
    struct buf err;
    setenv("SLURM_JOB_ID", "42", 1);
    setenv("SLURM_JOB_NODELIST", "gpu-a[01-03],gpu-b5", 1);
    char *a1[] = {"run", "x", NULL};
    CHECK(parse(&c, &err, a1) == 0);
    CHECK_STR(c.transport, "slurm");
    CHECK(c.nnodes_list == 4 && c.nnodes_min == 4 && c.nnodes_max == 4); /* the whole allocation */
    CHECK_STR(c.nodes[0], "gpu-a01");
    CHECK_STR(c.nodes[3], "gpu-b5");
    CHECK_STR(c.slurm_job, "42");
    config_free(&c);
    buf_free(&err);
    char *a2[] = {"run", "--nnodes", "3", "x", NULL}; /* one spare */
    CHECK(parse(&c, &err, a2) == 0 && c.nnodes_max == 3 && c.nnodes_list == 4);
    config_free(&c);
    buf_free(&err);
    char *a3[] = {"run", "--nnodes", "5", "x", NULL};
    CHECK(parse(&c, &err, a3) == -1 && strstr(err.p, "allocation has 4 node(s)"));
    config_free(&c);
    buf_free(&err);
    char *a4[] = {"run", "--nodes", "h1,h2", "x", NULL}; /* --nodes given: local, as the issue says */
    CHECK(parse(&c, &err, a4) == 0);
    CHECK_STR(c.transport, "local");
    config_free(&c);
    buf_free(&err);
    setenv("SLURM_JOB_NODELIST", "gpu-a[01-", 1);
    char *a5[] = {"run", "x", NULL};
    CHECK(parse(&c, &err, a5) == -1 && strstr(err.p, "SLURM_JOB_NODELIST"));
    config_free(&c);
    buf_free(&err);
    unsetenv("SLURM_JOB_NODELIST");
    CHECK(parse(&c, &err, a5) == -1 && strstr(err.p, "SLURM_JOB_NODELIST is empty or not set"));
    config_free(&c);
    buf_free(&err);
    unsetenv("SLURM_JOB_ID");
    char *a6[] = {"run", "--transport", "slurm", "x", NULL};
    CHECK(parse(&c, &err, a6) == -1 && strstr(err.p, "needs a Slurm allocation"));
    config_free(&c);
    buf_free(&err);
}

TEST(config_nodes_hostfile_and_ssh)
{
    struct run_config c;
    struct buf err;
    char path[512];
    snprintf(path, sizeof path, "%s/hostfile", test_tmpdir());
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fprintf(f, "# workers\nworker-1 slots=4\nworker-2 slots=2\n\nworker-3\n");
    fclose(f);
    unsetenv("SLURM_JOB_ID");
    char *a1[] = {"run", "--hostfile", path, "--nnodes", "2", "--nproc-per-node", "2", "x", NULL};
    CHECK(parse(&c, &err, a1) == 0);
    CHECK_STR(c.transport, "ssh");
    CHECK(c.nnodes_list == 3 && c.slots[0] == 4 && c.slots[1] == 2 && c.slots[2] == -1);
    config_free(&c);
    buf_free(&err);
    char *a2[] = {"run", "--hostfile", path, "--nproc-per-node", "3", "x", NULL};
    CHECK(parse(&c, &err, a2) == -1 && strstr(err.p, "worker-2 slots=2"));
    config_free(&c);
    buf_free(&err);
    char *a3[] = {"run", "--hostfile", path, "--nodes", "a", "x", NULL};
    CHECK(parse(&c, &err, a3) == -1 && strstr(err.p, "not both"));
    config_free(&c);
    buf_free(&err);
    char *a4[] = {"run", "--transport", "ssh", "x", NULL};
    CHECK(parse(&c, &err, a4) == -1 && strstr(err.p, "--transport ssh needs the hosts"));
    config_free(&c);
    buf_free(&err);
    char *a5[] = {"run", "--transport", "ssh", "--nodes", "n[1-3]", "--node-rank", "0", "--nnodes", "3",
                  "--master-port", "1234", "x", NULL};
    CHECK(parse(&c, &err, a5) == -1 && strstr(err.p, "--node-rank"));
    config_free(&c);
    buf_free(&err);
    char *a6[] = {"run", "--transport", "ssh", "--nodes", "n[1-3],n2", "x", NULL};
    CHECK(parse(&c, &err, a6) == -1 && strstr(err.p, "'n2' is listed twice"));
    config_free(&c);
    buf_free(&err);
    char *a7[] = {"run", "--transport", "rsh", "--nodes", "n1", "x", NULL};
    CHECK(parse(&c, &err, a7) == -1 && strstr(err.p, "--transport"));
    config_free(&c);
    buf_free(&err);
    char *a8[] = {"run", "--controller-addr", "head:99999", "x", NULL};
    CHECK(parse(&c, &err, a8) == -1 && strstr(err.p, "--controller-addr"));
    config_free(&c);
    buf_free(&err);
}
