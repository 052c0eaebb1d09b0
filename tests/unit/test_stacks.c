/* Unit tests of diagnose/stacks.c: faulthandler dumps in rank log lines
 * and the odd rank out of a hang. */
#include "tests/unit/harness.h"
#include "diagnose/stacks.h"

static json_t *lines_of(const char *const *l, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(l[i]));
    return a;
}

/* A rank's tail: its own progress, then a dump whose current thread's
 * innermost frame is top. */
static json_t *dump(const char *top)
{
    const char *l[] = {"step 2 loss 0.5", "Fatal Python error: Aborted", "",
                       "Thread 0x00007fb5755696c0 (most recent call first):",
                       "  File \"/usr/lib/python3.11/threading.py\", line 320 in wait", "",
                       "Current thread 0x00007fb575824040 (most recent call first):", top,
                       "  File \"/job/train.py\", line 40 in <module>", "",
                       "Extension modules: torch._C (total: 1)"};
    return lines_of(l, sizeof l / sizeof *l);
}

TEST(stacks_parse_takes_the_current_thread)
{
    json_t *t = dump("  File \"/job/train.py\", line 12 in load_batch");
    struct stack_dump d;
    CHECK(stack_parse(t, &d) == 0);
    CHECK(d.found && d.first == 1 && d.top == 7 && d.nframes == 2);
    CHECK_STR(stack_signature(&d), "File \"/job/train.py\", line 12 in load_batch");
    json_decref(t);
}

TEST(stacks_parse_without_a_dump_or_current_thread)
{
    const char *none[] = {"step 1", "Traceback (most recent call last):", "  File \"x.py\", line 3, in f"};
    json_t *t = lines_of(none, 3);
    struct stack_dump d;
    CHECK(stack_parse(t, &d) == -1 && !d.found);
    json_decref(t);
    const char *one[] = {"Fatal Python error: Aborted", "", "Stack (most recent call first):",
                         "  File \"/job/a.py\", line 5 in spin"};
    t = lines_of(one, 4);
    CHECK(stack_parse(t, &d) == 0 && d.nframes == 1);
    CHECK_STR(stack_signature(&d), "File \"/job/a.py\", line 5 in spin");
    json_decref(t);
}

TEST(stacks_odd_rank_out)
{
    const char *ar = "  File \"/torch/distributed/distributed_c10d.py\", line 1541 in all_reduce";
    const char *tops[] = {ar, "  File \"/job/train.py\", line 12 in load_batch", ar, ar};
    struct stack_dump d[4];
    for (int i = 0; i < 4; i++) {
        json_t *t = dump(tops[i]);
        CHECK(stack_parse(t, &d[i]) == 0);
        json_decref(t);
    }
    int odd[4];
    const char *major;
    CHECK(stacks_odd_out(d, 4, odd, 4, &major) == 1 && odd[0] == 1);
    CHECK(strstr(major, "in all_reduce") != NULL);
    /* all in the same place: nobody stands out */
    d[1] = d[0];
    CHECK(stacks_odd_out(d, 4, odd, 4, &major) == 0 && strstr(major, "all_reduce"));
    /* two against two: no majority, no culprit */
    json_t *t = dump("  File \"/job/train.py\", line 12 in load_batch");
    stack_parse(t, &d[0]);
    stack_parse(t, &d[1]);
    json_decref(t);
    CHECK(stacks_odd_out(d, 4, odd, 4, &major) == 0);
    /* a rank without stacks takes no part */
    d[1].found = 0;
    CHECK(stacks_odd_out(d, 4, odd, 4, &major) == 1 && odd[0] == 0);
}
