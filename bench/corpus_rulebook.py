#!/usr/bin/env python3
"""corpus_rulebook: writes the labelling rulebook that blind collectors and
second annotators of the real-log corpus read (docs/corpus-kit.md): the
taxonomy, then the sections of docs/diagnose.md that say how a log is
labelled (success needs evidence, truncated tracebacks, exceptions without
a message or that no rule knows, actions by principle with the numbered
conventions, SIGKILL, signals, shells not in English, reports that list
causes). Nothing about endure's rules, its figures or the corpus itself, so
that a reader of the rulebook stays blind to them.

usage: corpus_rulebook.py [OUT]   (default: standard output)
"""
import os, sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SECTIONS = [
    "Success needs evidence",
    "Truncated tracebacks",
    "Exceptions raised without a message",
    "An exception no rule knows",
    "Actions by principle",
    "SIGKILL without evidence",
    "A signal, however the launcher reports it",
    "Shells that do not speak English",
    "A report that lists possible causes is a symptom",
]
HEAD = """# Labelling conventions for endure's real-log corpus

Taxonomy (category: types):

- infrastructure: nvlink_error, cuda_error, node_failure, ecc_error, network_error, connection_error, storage_error, nccl_timeout, nccl_error, gpu_lost, oom_host
- framework: dataloader_killed, attribute_error, cuda_oom, runtime_error, assertion_error, value_error, zero_division, checkpoint_error, dataset_error, dist_barrier, nan_loss, loss_spike, device_side_assert
- script: file_not_found, os_error, type_error, name_error, permission_error, import_error, key_error, syntax_error, argument_error, called_process_error, index_error
- hang: hang
- unknown: unknown, killed
- none: success, no_failure (category none, action none)

Actions: restart, exclude_node, stop, rollback, none (only for category none).

"""


def section(lines, title):
    """The lines of the ### section whose title starts with title, up to the
    next ### or ## heading."""
    for i, l in enumerate(lines):
        if l.startswith("### ") and l[4:].startswith(title):
            j = i + 1
            while j < len(lines) and not lines[j].startswith(("### ", "## ")):
                j += 1
            return lines[i:j]
    raise SystemExit(f"corpus_rulebook: docs/diagnose.md has no section '{title}'")


def main():
    lines = open(os.path.join(HERE, "docs", "diagnose.md"), encoding="utf-8").read().split("\n")
    out = [HEAD]
    for t in SECTIONS:
        out.append("\n".join(section(lines, t)).rstrip() + "\n\n")
    text = "".join(out)
    if len(sys.argv) > 1:
        try:
            with open(sys.argv[1], "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            print(f"corpus_rulebook: cannot write {sys.argv[1]}: {e}", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(text)
    return 0


sys.exit(main())
