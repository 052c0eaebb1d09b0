/* test_lastresort: culprits of last resort (diagnose/lastresort.c): the host of
 * pasted shell prompts and the rank a launcher reported failed, each only
 * when a log names one value; e-mail addresses, URLs and a success are
 * not prompts or failures. */
#include <string.h>
#include "diagnose/lastresort.h"
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

TEST(lastresort_prompt_host_forms)
{
    static const char *const forms[][2] = {
        {"root@node4:~# dmesg | grep -i xid", "node4"},
        {"[root@bh174 ~]# nvidia-smi", "bh174"},
        {"alice@gpu-a01.cluster:~/run$ torchrun --nproc-per-node 8 train.py", "gpu-a01.cluster"},
        {"user@host-7:/data$", "host-7"},
        /* after a conda or venv environment's name */
        {"(base) root@ding-X10DRG:~# dmesg | tail", "ding-X10DRG"},
        {"(llama_env) user@gpu-a01:~/run$ torchrun train.py", "gpu-a01"},
        {"(base) [root@bh174 ~]# nvidia-smi", "bh174"},
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        struct last_resort p;
        CHECK(last_resort_init(&p) == 0);
        last_resort_line(&p, forms[i][0], strlen(forms[i][0]));
        CHECK(last_resort_host(&p) && !strcmp(last_resort_host(&p), forms[i][1]));
        last_resort_free(&p);
    }
}

TEST(lastresort_not_prompts_and_conflicts)
{
    struct last_resort p;
    CHECK(last_resort_init(&p) == 0);
    static const char *const none[] = {"contact admin@cluster.example.com for help",
                                       "git clone git@github.com:org/repo.git",
                                       "  see https://user@host.example.com/x", "RuntimeError: x@y failed", NULL};
    diag_last_resort_feed(&p, none);
    CHECK(last_resort_host(&p) == NULL);
    static const char *const two[] = {"root@node1:~# ssh node2", "root@node2:~# dmesg", NULL};
    diag_last_resort_feed(&p, two);
    CHECK(last_resort_host(&p) == NULL); /* two hosts: none */
    last_resort_free(&p);
}

TEST(lastresort_failed_rank_from_launchers)
{
    struct last_resort p;
    CHECK(last_resort_init(&p) == 0);
    static const char *const torchrun[] = {
        "[2024-04-20 18:56:38,931] torch.distributed.elastic.multiprocessing.api: [ERROR] failed (exitcode: 1) "
        "local_rank: 3 (pid: 358104) of binary: /usr/bin/python3", NULL};
    diag_last_resort_feed(&p, torchrun);
    CHECK(last_resort_rank(&p) == 3);
    last_resort_free(&p);
    CHECK(last_resort_init(&p) == 0);
    static const char *const ds[] = {
        "[ERROR] [launch.py:321:sigkill_handler] ['/usr/bin/python3', '-u', 'train.py', '--local_rank=0', '--x'] "
        "exits with return code = 1", NULL};
    diag_last_resort_feed(&p, ds);
    CHECK(last_resort_rank(&p) == 0);
    static const char *const other[] = {
        "[ERROR] [launch.py:321:sigkill_handler] ['/usr/bin/python3', '-u', 'train.py', '--local_rank=1'] "
        "exits with return code = -9", NULL};
    diag_last_resort_feed(&p, other);
    CHECK(last_resort_rank(&p) == -1); /* two ranks: none */
    last_resort_free(&p);
    CHECK(last_resort_init(&p) == 0);
    static const char *const ok[] = {"['python3', '-u', 'train.py', '--local_rank=0'] exits with return code = 0",
                                     "local_rank: 0 started", NULL};
    diag_last_resort_feed(&p, ok);
    CHECK(last_resort_rank(&p) == -1);
    last_resort_free(&p);
}

/* mp.spawn, mpirun, Composer's and Paddle's launchers name the failed process too */
TEST(lastresort_failed_rank_spawn_mpirun_composer)
{
    static const struct {
        const char *line;
        long rank;
    } forms[] = {
        {"-- Process 1 terminated with the following error:", 1},
        {"torch.multiprocessing.spawn.ProcessExitedException: process 3 terminated with signal SIGKILL", 3},
        {"Exception: process 2 terminated with exit code 1", 2},
        {"Exception: process 2 terminated with exit code 0", -1}, /* not a failure */
        {"mpirun noticed that process rank 5 with PID 29013 on node 172.17.27.12 exited on signal 6 (Aborted).", 5},
        {"ERROR:composer.cli.launcher:Rank 2 crashed with exit code 1.", 2},
        {"ERROR:composer.cli.launcher:Rank 2 crashed with exit code 0.", -1}, /* not a failure */
        {"mpirun noticed that the job aborted, but has no info as to the process", -1},
        /* PaddlePaddle's launcher (launch_utils.py); a list of ranks names none */
        {"ERROR 2022-11-02 08:42:32,186 launch_utils.py:604] ABORT!!! Out of all 1 trainers, the trainer process "
         "with rank=[0] was aborted. Please check its log.",
         0},
        {"ABORT!!! Out of all 4 trainers, the trainer process with rank=[1, 3] was aborted. Please check its log.",
         -1},
        /* Open MPI's help message on the first process that exited non-zero
         * (twenty-seventh session): job, then rank */
        {"  Process name: [[44912,1],251]", 251},
        {"Process name: [[44912,1]]", -1},
        /* twenty-ninth session: PaddlePaddle's spawn without torch's "-- ",
         * and Open MPI's help on a launch that failed */
        {"Process 0 terminated with the following error:", 0},
        {"rank 0; it may have occurred for other processes as well.", 0},
        {"when attempting to start process rank 3", 3},
        {"the rank 0; it may have occurred for other processes as well.", -1}, /* only at the line's start */
        /* thirty-first session: srun's report of one task that failed, its
         * task the rank srun gave it; a range of tasks names none, nor a
         * task that exited 0 */
        {"srun: error: node12: task 0: Segmentation fault (core dumped)", 0},
        {"srun: error: Orion-01-01: task 4: Out Of Memory", 4},
        {"srun: error: node12: tasks 0-3: Exited with exit code 1", -1},
        {"srun: error: node12: task 2: Exited with exit code 0", -1},
        /* a task srun killed or terminated, when no task failed otherwise */
        {"srun: error: Orion-01-01: task 4: Killed", 4},
        {"srun: error: node12: task 2: Terminated", 2},
        {"srun: error: node12: tasks 0-3: Killed", -1},
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        struct last_resort p;
        CHECK(last_resort_init(&p) == 0);
        last_resort_line(&p, forms[i].line, strlen(forms[i].line));
        CHECK(last_resort_rank(&p) == forms[i].rank);
        last_resort_free(&p);
    }
}

/* srun kills or terminates the other tasks when one fails: the task that
 * failed otherwise is the culprit, its node the failed node; a task that
 * was only killed names the culprit when no task failed otherwise. */
TEST(lastresort_srun_killed_tasks_follow_the_failed_one)
{
    struct last_resort p;
    CHECK(last_resort_init(&p) == 0);
    static const char *const first[] = {"srun: error: gpu-4-11: task 1: Exited with exit code 1",
                                        "srun: error: gpu-4-11: task 0: Terminated",
                                        "srun: error: gpu-4-12: tasks 2-3: Terminated", NULL};
    diag_last_resort_feed(&p, first);
    CHECK(last_resort_rank(&p) == 1);
    CHECK(last_resort_failed_node(&p) && !strcmp(last_resort_failed_node(&p), "gpu-4-11"));
    last_resort_free(&p);
    CHECK(last_resort_init(&p) == 0);
    static const char *const killed[] = {"srun: error: n7: task 3: Killed", "srun: error: n7: tasks 0-2: Killed",
                                         NULL};
    diag_last_resort_feed(&p, killed);
    CHECK(last_resort_rank(&p) == 3);
    CHECK(last_resort_failed_node(&p) && !strcmp(last_resort_failed_node(&p), "n7"));
    last_resort_free(&p);
    CHECK(last_resort_init(&p) == 0);
    static const char *const two[] = {"srun: error: n7: task 3: Killed", "srun: error: n8: task 5: Killed", NULL};
    diag_last_resort_feed(&p, two);
    CHECK(last_resort_rank(&p) == -1);
    CHECK(last_resort_failed_node(&p) == NULL);
    last_resort_free(&p);
}
