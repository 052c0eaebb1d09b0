/* test_frame: rules with `frame:` (docs/rules.md), which read the exception
 * line that ends a traceback only when its innermost frame matches: a
 * KeyError read from a loaded checkpoint against any other KeyError, the
 * caret line of Python 3.11 skipped, no traceback at all, a cut
 * traceback whose frames decide, and a traceback pasted without its
 * header. */
#include <string.h>
#include "tests/unit/harness.h"
#include "tests/unit/test_diag_util.h"

static const char *const frame_rules =
    "- id: t.key\n  category: script\n  type: key_error\n  role: root\n"
    "  action: stop\n  match: 'KeyError: '\n  explain: 'x'\n  examples: ['KeyError: x']\n"
    "- id: t.ckpt_key\n  category: framework\n  type: checkpoint_error\n  role: root\n"
    "  action: stop\n  priority: 5\n  match: 'KeyError: '\n  explain: 'x'\n  examples: ['KeyError: x']\n"
    "  frame: '\\b\\w*ckpt\\w*\\s*\\[\\s*['']'\n  frame_examples: ['    w = ckpt[''state_dict'']']\n";

/* The rule of the verdict on lines (NULL-terminated), "" when none. */
static const char *verdict_rule(const char *const *lines, char *out, size_t n)
{
    json_t *v = diag_offline_lines(frame_rules, lines, 0);
    const char *rule = json_string_value(json_object_get(v, "rule")); /* NULL-safe: no verdict, no rule */
    snprintf(out, n, "%s", rule ? rule : "");
    json_decref(v);
    return out;
}

TEST(frame_rule_reads_the_innermost_frame)
{
    char o[64];
    static const char *const ckpt[] = {
        "Traceback (most recent call last):",
        "  File \"train.py\", line 240, in get_model",
        "    fc_weight = ckpt['state_dict']['classifier.0.weight']",
        "KeyError: 'state_dict'", NULL};
    CHECK_STR(verdict_rule(ckpt, o, sizeof o), "t.ckpt_key");
    /* the same key read from a batch: the plain KeyError rule */
    static const char *const batch[] = {
        "Traceback (most recent call last):",
        "  File \"train.py\", line 88, in step",
        "    x = batch['state_dict']",
        "KeyError: 'state_dict'", NULL};
    CHECK_STR(verdict_rule(batch, o, sizeof o), "t.key");
    /* an outer frame that reads a checkpoint does not count: only the innermost */
    static const char *const outer[] = {
        "Traceback (most recent call last):",
        "  File \"train.py\", line 10, in main",
        "    load(ckpt['model'])",
        "  File \"train.py\", line 20, in load",
        "    return cfg['layers']",
        "KeyError: 'layers'", NULL};
    CHECK_STR(verdict_rule(outer, o, sizeof o), "t.key");
    /* Python 3.11's caret line under the source is skipped */
    static const char *const caret[] = {
        "Traceback (most recent call last):",
        "  File \"train.py\", line 240, in get_model",
        "    w = ckpt['model']",
        "        ~~~~^^^^^^^^^",
        "KeyError: 'model'", NULL};
    CHECK_STR(verdict_rule(caret, o, sizeof o), "t.ckpt_key");
    /* an exception line with no traceback before it: no frame, no frame rule */
    static const char *const bare[] = {"step 3", "KeyError: 'state_dict'", NULL};
    CHECK_STR(verdict_rule(bare, o, sizeof o), "t.key");
}

/* A paste that left out the header (thirty-fifth session): the traceback
 * opens on its first File line with nothing after the function's name, so
 * the frame rule reads its exception; the lines still reach the rules on
 * their own. Not on a File line right after an exception (a library's own
 * back trace in its message, HDF5's `File "H5F.c", line 509, in H5Fopen`),
 * not on a flattened traceback's line, frames no exception ends open
 * nothing a later exception line could be read with, and frames cut off
 * by the log's end decide as a cut traceback's do. */
TEST(frame_rule_reads_a_traceback_pasted_without_its_header)
{
    char o[64];
    static const char *const headless[] = {
        "  File \"train.py\", line 240, in get_model",
        "    fc_weight = ckpt['state_dict']['classifier.0.weight']",
        "KeyError: 'state_dict'", NULL};
    CHECK_STR(verdict_rule(headless, o, sizeof o), "t.ckpt_key");
    static const char *const after_exc[] = {
        "Traceback (most recent call last):",
        "  File \"train.py\", line 3, in main",
        "    x = 1",
        "ValueError: bad",
        "  File \"train.py\", line 240, in get_model",
        "    fc_weight = ckpt['state_dict']['classifier.0.weight']",
        "KeyError: 'state_dict'", NULL};
    CHECK_STR(verdict_rule(after_exc, o, sizeof o), "t.key");
    static const char *const flat[] = {
        "  File \"train.py\", line 240, in get_model    fc_weight = ckpt['state_dict']",
        "KeyError: 'state_dict'", NULL};
    CHECK_STR(verdict_rule(flat, o, sizeof o), "t.key");
    static const char *const no_exc[] = {
        "  File \"train.py\", line 240, in get_model",
        "    fc_weight = ckpt['state_dict']['classifier.0.weight']",
        "step 3 loss 1.0", "KeyError: 'state_dict'", NULL};
    CHECK_STR(verdict_rule(no_exc, o, sizeof o), "t.key");
    /* cut off in its frames: the exception its innermost source line
     * raises decides, as in a cut traceback with its header */
    static const char *const cut[] = {
        "step 3 loss 1.0", "  File \"train.py\", line 240, in get_model",
        "    raise KeyError('state_dict')", NULL};
    CHECK_STR(verdict_rule(cut, o, sizeof o), "t.key");
}
