/* test_tbraise: the exception a truncated traceback's innermost source line
 * raises (diagnose/tbraise.c) and how the classifier weighs it against the
 * rules of the frames (diagnose/classifier.c, truncated_traceback). */
#include <string.h>
#include "diagnose/tbraise.h"
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

static const char *raised(const char *src, char *out, size_t n)
{
    out[0] = '\0';
    tb_raised_exception(src, strlen(src), out, n);
    return out;
}

TEST(tbraise_names_the_exception_of_raise_and_assert)
{
    char o[128];
    /* llm-foundry's streaming check, cut inside its f-string */
    CHECK_STR(raised("        raise ValueError(f'Reused l", o, sizeof o), "ValueError: Reused l");
    CHECK_STR(raised("    assert self.epoch_len is not None, \"epoch_len must be pr", o, sizeof o),
              "AssertionError: epoch_len must be pr");
    CHECK_STR(raised("    assert check(a, b), 'shapes differ'", o, sizeof o), "AssertionError: shapes differ");
    CHECK_STR(raised("    assert x.is_cuda", o, sizeof o), "AssertionError: ");
    CHECK_STR(raised("  raise torch.cuda.OutOfMemoryError(msg)", o, sizeof o), "torch.cuda.OutOfMemoryError: ");
    CHECK_STR(raised("    raise KeyError from e", o, sizeof o), "KeyError: ");
    CHECK_STR(raised("raise RuntimeError(\"NCCL error\")", o, sizeof o), "RuntimeError: NCCL error");
    /* cut to the buffer, NUL-terminated */
    CHECK(tb_raised_exception("raise ValueError('abcdefgh')", 27, o, 10) == 9);
    CHECK_STR(o, "ValueErro");
    CHECK_STR(raised("raise ValueError", o, sizeof o), "ValueError: "); /* a bare class raises it */
    /* no such statement: a re-raise, a variable, a call, other code */
    static const char *const none[] = {"    raise", "    raise err", "    raise self.error", "    raise exc.with_traceback(tb)",
                                       "    assertEqual(a, b)", "    x = ValueError('a')", "  File \"t.py\", line 3, in f",
                                       NULL};
    for (int i = 0; none[i]; i++)
        CHECK(tb_raised_exception(none[i], strlen(none[i]), o, sizeof o) == 0);
}

/* A paste cut after `assert ...`: the AssertionError's rule decides, over
 * an outer frame's rule; a rule of higher priority on the innermost
 * frame's own lines still wins; an exception no specific rule knows leaves
 * the frames to decide. */
TEST(tbraise_truncated_traceback_takes_the_raised_exception)
{
    static const char *const rules =
        "- id: t.assert\n  category: framework\n  type: assertion_error\n  role: root\n"
        "  action: stop\n  priority: -5\n  match: 'AssertionError(?::|$)'\n  explain: 'x'\n"
        "  examples: ['AssertionError: x']\n"
        "- id: t.setup_frame\n  category: framework\n  type: runtime_error\n  role: root\n"
        "  action: restart\n  priority: -30\n  match: 'in setup$'\n  explain: 'x'\n"
        "  examples: ['  File \"r.py\", line 8, in setup']\n"
        "- id: t.args_check\n  category: script\n  type: argument_error\n  role: root\n"
        "  action: stop\n  priority: -4\n  match: '^\\s*assert args\\.\\w+ is not None$'\n  explain: 'x'\n"
        "  examples: ['    assert args.seq_length is not None']\n"
        "- id: t.generic\n  category: unknown\n  type: unknown\n  role: root\n"
        "  action: restart\n  priority: -60\n  match: '[A-Z]\\w*Error: '\n  explain: 'x'\n"
        "  examples: ['FooError: x']\n";
    static const char *const cut[] = {
        "[rank0]: Traceback (most recent call last):",
        "[rank0]:   File \"r.py\", line 8, in setup",
        "[rank0]:     self.step_scheduler = build()",
        "[rank0]:   File \"s.py\", line 89, in __init__",
        "[rank0]:     assert self.epoch_len is not None, \"epoch_len must be pr",
        NULL};
    json_t *v = diag_offline_lines(rules, cut, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.assert");
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "key_line"), "text")),
              "    assert self.epoch_len is not None, \"epoch_len must be pr");
    json_decref(v);
    static const char *const args[] = {
        "Traceback (most recent call last):",
        "  File \"arguments.py\", line 213, in parse_args",
        "    assert args.encoder_seq_length is not None",
        NULL};
    v = diag_offline_lines(rules, args, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.args_check");
    json_decref(v);
    static const char *const custom[] = {
        "Traceback (most recent call last):",
        "  File \"r.py\", line 8, in setup",
        "    raise ShardError(f'shard 12 is empty",
        NULL};
    v = diag_offline_lines(rules, custom, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.setup_frame");
    json_decref(v);
    /* no frame known: the unknown rule of the raised exception, not the header */
    static const char *const alone[] = {
        "Traceback (most recent call last):",
        "  File \"r.py\", line 8, in load",
        "    raise ShardError(f'shard 12 is empty",
        NULL};
    v = diag_offline_lines(rules, alone, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.generic");
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "key_line"), "text")),
              "    raise ShardError(f'shard 12 is empty");
    json_decref(v);
}

/* A traceback header after a progress bar on the same line (the bar ended
 * with a carriage return) opens the traceback; after a terminal's "^C"
 * echo it does not (that line has its own rule). */
TEST(tbraise_header_after_a_progress_bar)
{
    static const char *const rules =
        "- id: t.cut\n  category: unknown\n  type: unknown\n  role: symptom\n"
        "  action: restart\n  priority: -95\n  match: '^Traceback \\(most recent call last\\):\\s*$'\n"
        "  explain: 'x'\n  examples: ['Traceback (most recent call last):']\n"
        "- id: t.ctrlc\n  category: hang\n  type: hang\n  role: root\n"
        "  action: restart\n  match: '^\\^C+Traceback'\n  explain: 'x'\n"
        "  examples: ['^CTraceback (most recent call last):']\n";
    static const char *const bar[] = {
        "Epoch 0:   0%|          | 0/20 [00:00<?, ?it/s]Traceback (most recent call last):",
        "  File \"train_openfold.py\", line 703, in <module>", "    main(args)", NULL};
    json_t *v = diag_offline_lines(rules, bar, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.cut");
    json_decref(v);
    static const char *const ctrlc[] = {"^CTraceback (most recent call last):",
                                        "  File \"setup.py\", line 3, in <module>", NULL};
    v = diag_offline_lines(rules, ctrlc, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.ctrlc");
    json_decref(v);
}

/* The same rule's next event within a few lines is the same report: the
 * GPU its message names is the culprit of the first line's verdict. */
TEST(tbraise_same_report_names_the_culprit)
{
    static const char *const rules =
        "- id: t.oom\n  category: framework\n  type: cuda_oom\n  role: root\n"
        "  action: stop\n  match: 'OutOfMemoryError|CUDA out of memory\\. .*?GPU (?<gpu>\\d+)'\n"
        "  explain: 'x'\n  examples: ['OutOfMemoryError']\n";
    static const char *const log[] = {
        "Exception has occurred: OutOfMemoryError",
        "CUDA out of memory. Tried to allocate 20.74 GiB. GPU 3 has a total capacity of 79.44 GiB", NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "key_line"), "text")),
              "Exception has occurred: OutOfMemoryError");
    CHECK(json_integer_value(json_object_get(json_object_get(v, "culprit"), "gpu")) == 3);
    json_decref(v);
    /* far apart, it is another report (and the log names two GPUs, so
     * that the last resort, the one GPU a log names, names none either) */
    static const char *const apart[] = {"model on cuda:0", "x", "y", "Exception has occurred: OutOfMemoryError",
                                        "a", "b", "c", "d", "e", "f",
                                        "CUDA out of memory. Tried to allocate 2 GiB. GPU 3 has", NULL};
    v = diag_offline_lines(rules, apart, 0);
    CHECK(json_is_null(json_object_get(json_object_get(v, "culprit"), "gpu")));
    json_decref(v);
}

/* IPython's header names the exception: a symptom of its rule, which the
 * exception line (a root) outranks when the paste reaches it; output
 * before a traceback header on the same line is still classified. */
TEST(tbraise_ipython_header_and_output_before_a_header)
{
    char o[64];
    const char *h = "ImportError                               Traceback (most recent call last)";
    CHECK(tb_ipython_header(h, strlen(h), o, sizeof o) > 0);
    CHECK_STR(o, "ImportError: ");
    static const char *const no[] = {"Traceback (most recent call last)", "error   Traceback (most recent call last)",
                                     "ImportError Traceback (most recent call last)",
                                     "ImportError   Traceback (most recent call last) again", NULL};
    for (int i = 0; no[i]; i++)
        CHECK(tb_ipython_header(no[i], strlen(no[i]), o, sizeof o) == 0);
    static const char *const rules =
        "- id: t.import\n  category: script\n  type: import_error\n  role: root\n"
        "  action: stop\n  match: 'ImportError: '\n  explain: 'x'\n  examples: ['ImportError: x']\n"
        "- id: t.root_only\n  category: script\n  type: permission_error\n  role: root\n"
        "  action: stop\n  match: 'error: must run as root'\n  explain: 'x'\n"
        "  examples: ['die: error: must run as root']\n";
    static const char *const cut[] = {
        "---------------------------------------------------------------------------",
        "ImportError                               Traceback (most recent call last)",
        "<ipython-input-131-cc14ac05ecbb> in <module>", "---> 32 trainer.train()", NULL};
    json_t *v = diag_offline_lines(rules, cut, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.import");
    CHECK_STR(json_string_value(json_object_get(v, "type")), "import_error");
    json_decref(v);
    const char *const whole[] = {cut[1], "---> 32 trainer.train()", "ImportError: cannot load cpu_adam",
                                        NULL};
    v = diag_offline_lines(rules, whole, 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "key_line"), "text")),
              "ImportError: cannot load cpu_adam");
    json_decref(v);
    static const char *const before[] = {"die: error: must run as root[rank5]: Traceback (most recent call last):",
                                         "  File \"test.py\", line 88, in <module>", NULL};
    v = diag_offline_lines(rules, before, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.root_only");
    json_decref(v);
}

/* Ray's driver re-raises a remote task's exception as
 * "ray.exceptions.RayTaskError(AttributeError): ray::..." (an unknown
 * rule's header): the AttributeError's rule decides, as a symptom, when
 * the remote traceback is cut off; the remote exception line, when there,
 * outranks it; a name no rule knows leaves the header's unknown rule. */
TEST(tbraise_ray_task_error_names_the_remote_exception)
{
    char o[96];
    const char *h = "ray.exceptions.RayTaskError(AttributeError): ray::PPOTrainer.train() (pid=9, ip=10.0.0.7)";
    CHECK(tb_ray_task_error(h, strlen(h), o, sizeof o) > 0);
    CHECK_STR(o, "AttributeError: ray::PPOTrainer.train() (pid=9, ip=10.0.0.7)");
    static const char *const no[] = {"ray.exceptions.RayTaskError: ray::f()", "RayTaskError(error): x",
                                     "ray.exceptions.RayTaskError(ValueError) ray::f()", NULL};
    for (int i = 0; no[i]; i++)
        CHECK(tb_ray_task_error(no[i], strlen(no[i]), o, sizeof o) == 0);
    static const char *const rules =
        "- id: t.attr\n  category: framework\n  type: attribute_error\n  role: root\n"
        "  action: stop\n  match: 'AttributeError: '\n  explain: 'x'\n  examples: ['AttributeError: x']\n"
        "- id: t.oom\n  category: framework\n  type: cuda_oom\n  role: root\n"
        "  action: stop\n  match: 'CUDA out of memory'\n  explain: 'x'\n  examples: ['CUDA out of memory']\n"
        "- id: t.ray_header\n  category: unknown\n  type: unknown\n  role: symptom\n"
        "  action: restart\n  priority: -30\n  match: 'RayTaskError(?:\\(\\w+\\))?: ray::'\n  explain: 'x'\n"
        "  examples: ['ray.exceptions.RayTaskError(X): ray::f()']\n";
    static const char *const cut[] = {"Traceback (most recent call last):", "  File \"w.py\", line 9, in get",
                                      "    raise value.as_instanceof_cause()",
                                      "ray.exceptions.RayTaskError(AttributeError): ray::PPOTrainer.train()", NULL};
    json_t *v = diag_offline_lines(rules, cut, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.attr");
    CHECK_STR(json_string_value(json_object_get(v, "action")), "stop");
    json_decref(v);
    static const char *const whole[] = {"ray.exceptions.RayTaskError(AttributeError): ray::Actor.fit() (pid=5)",
                                        "Traceback (most recent call last):", "  File \"a.py\", line 3, in fit",
                                        "RuntimeError: CUDA out of memory. Tried to allocate 2 GiB", NULL};
    v = diag_offline_lines(rules, whole, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.oom");
    json_decref(v);
    static const char *const unnamed[] = {"ray.exceptions.RayTaskError(FooBarError): ray::f()", NULL};
    v = diag_offline_lines(rules, unnamed, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.ray_header");
    json_decref(v);
}

/* A platform's failure reason that joins a whole traceback into one line
 * (Cloud ML Engine): the first exception after the header, its message's
 * first sentence, decides instead of the platform's unknown rule; a header
 * first on its line, a line with no frames or no exception name none. */
TEST(tbraise_inline_traceback_names_its_exception)
{
    char o[160];
    const char *l = "The replica master 0 exited with a non-zero status of 1. Termination reason: Error. "
                    "Traceback (most recent call last): File \"/usr/lib/python2.7/runpy.py\", line 162, in "
                    "_run_module_as_main \"__main__\", fname) File \"b.py\", line 70, in build raise "
                    "ValueError('model_config not of type.') ValueError: model_config not of type x. The replica "
                    "worker 0 exited with a non-zero status of 1.";
    CHECK(tb_inline_exception(l, strlen(l), o, sizeof o) > 0);
    CHECK_STR(o, "ValueError: model_config not of type x.");
    static const char *const no[] = {
        "Traceback (most recent call last): File \"a.py\", line 1, in <module> ValueError: x",
        "The replica master 0 exited. Traceback (most recent call last): see the logs for details, "
        "and the rest of the report says nothing",
        "The replica master 0 exited. Traceback (most recent call last): File \"a.py\", line 1, in <module> "
        "main() File \"b.py\", line 2, in main", NULL};
    for (int i = 0; no[i]; i++)
        CHECK(tb_inline_exception(no[i], strlen(no[i]), o, sizeof o) == 0);
    static const char *const rules =
        "- id: t.value\n  category: framework\n  type: value_error\n  role: root\n"
        "  action: stop\n  match: 'ValueError: '\n  explain: 'x'\n  examples: ['ValueError: x']\n"
        "- id: t.replica\n  category: unknown\n  type: unknown\n  role: root\n"
        "  action: restart\n  priority: 5\n  match: 'The replica \\w+ \\d+ exited with a non-zero status'\n"
        "  explain: 'x'\n  examples: ['The replica master 0 exited with a non-zero status of 1']\n";
    const char *const log[] = {l, NULL};
    json_t *v = diag_offline_lines(rules, log, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.value");
    json_decref(v);
}

/* A traceback flattened into one line that starts with its header
 * ("Traceback (most recent call last): File ..., OSError: [Errno 28] No
 * space left on device", a paste that lost its newlines; this one, from
 * NAVER's ai-vision issue 208, is longer than the header buffer, which cut
 * off its exception) is a line for the rules, not a header whose frames
 * are to come: before the twenty-eighth session it was kept as a header
 * and the log read "no failure found". A header alone on its line still
 * opens a traceback. */
TEST(tbraise_flattened_traceback_is_read_as_one_line)
{
    static const char *const rules =
        "- id: t.enospc\n  category: infrastructure\n  type: storage_error\n  role: root\n"
        "  action: stop\n  match: 'No space left on device'\n  explain: 'x'\n"
        "  examples: ['OSError: [Errno 28] No space left on device']\n";
    static const char *const flat[] = {
        "Traceback (most recent call last): File \"main.py\", line 184, in <module> output_path=output_pa"
        "th) File \"/app/nsml/client.py\", line 622, in cache _ = preprocess_fn(**kwargs) File \"/app/dat"
        "a_loader.py\", line 44, in train_data_loader pickle.dump(img_list, img_f)OSError: [Errno 28] No "
        "space left on deviceUser session exited",
        NULL};
    json_t *v = diag_offline_lines(rules, flat, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.enospc");
    json_decref(v);
    static const char *const framed[] = {"Traceback (most recent call last):  ", "  File \"main.py\", line 184, in <module>",
                                         "    save()", "OSError: [Errno 28] No space left on device", NULL};
    v = diag_offline_lines(rules, framed, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.enospc");
    CHECK(json_array_size(json_object_get(v, "evidence")) == 3); /* the header and the frame as evidence */
    json_decref(v);
}

/* A paste cut inside its exception's name: a proper prefix of one built-in
 * exception, 8 characters or more, names it; a prefix of two, a short one,
 * a whole name or other text does not. In a traceback the cut line is
 * classified as the exception it begins, its own text the key line. */
TEST(tbraise_cut_exception_name)
{
    char o[64];
    CHECK(tb_cut_exception_name("AssertionErro", 13, o, sizeof o) > 0);
    CHECK_STR(o, "AssertionError: ");
    CHECK(tb_cut_exception_name("  RuntimeEr ", 12, o, sizeof o) > 0);
    CHECK_STR(o, "RuntimeError: ");
    static const char *const none[] = {"Connection", "Assert", "AssertionError", "ValueError: x", "Epoch 3/10",
                                       "hello world", NULL};
    for (int i = 0; none[i]; i++)
        CHECK(tb_cut_exception_name(none[i], strlen(none[i]), o, sizeof o) == 0);
    static const char *const rules =
        "- id: t.assert\n  category: framework\n  type: assertion_error\n  role: root\n"
        "  action: stop\n  match: 'AssertionError(?::|$)'\n  explain: 'x'\n"
        "  examples: ['AssertionError: x']\n";
    static const char *const cut[] = {
        "Traceback (most recent call last):",
        "  File \"kinetics.py\", line 94, in _construct_loader",
        "    == 2",
        "AssertionErro",
        NULL};
    json_t *v = diag_offline_lines(rules, cut, 0);
    CHECK_STR(json_string_value(json_object_get(v, "rule")), "t.assert");
    CHECK_STR(json_string_value(json_object_get(json_object_get(v, "key_line"), "text")), "AssertionErro");
    json_decref(v);
}
