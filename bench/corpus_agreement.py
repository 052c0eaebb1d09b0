#!/usr/bin/env python3
"""corpus_agreement: how far the corpus's labels are from a second,
independent reading of the same logs, and where endure stands between the
two. tests/data/corpus-real/second-annotator-dev.tsv holds a second label
for a random sample of development-split logs, second-annotator-held.tsv
one for a random sample of held-out logs, and second-annotator-fresh26.tsv
one for the twenty-sixth session's fresh batch (both splits), written by annotators who read
only the labelling conventions and the logs (not labels.tsv, not endure's
rules, docs or output). Prints, for category, type (category and
type together) and action, the share of the sample on which the first and
the second label agree, and on which endure agrees with each; the culprit
agreement over the logs whose first label names one (as corpus_real.py
scores it); then the category pairs the annotators split on. Aggregates
only: it names no log, so it may be run on the held-out sample. The agreement of two annotators is
a ceiling for any classifier measured against one of them.

usage: corpus_agreement.py [--endure PATH] [--second FILE]   (ENDURE_RULES_DIR is passed on)
"""
import argparse, collections, csv, json, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

from corpus_real import culprit_ok  # the same culprit score as the corpus runner

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CORPUS = os.path.join(HERE, "tests", "data", "corpus-real")


def fail(msg):
    print(f"corpus_agreement: {msg}", file=sys.stderr)
    sys.exit(2)


def read(path):
    """The rows of a labels file by id; a clear error and exit 2 for a file
    that cannot be read or has no id column."""
    try:
        with open(path, encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    except (OSError, UnicodeDecodeError) as e:
        fail(f"cannot read {path}: {e}")
    if rows and "id" not in rows[0]:
        fail(f"{path} has no 'id' column (a tab-separated file with a header row)")
    return {r["id"]: r for r in rows}


def verdict(endure, i):
    p = subprocess.run([endure, "diagnose", "--json", os.path.join(CORPUS, i + ".log")],
                       capture_output=True, text=True)
    try:
        return i, json.loads(p.stdout)
    except ValueError:
        return i, {}


def fields(r):
    return {"category": r.get("category"), "type": (r.get("category"), r.get("type")),
            "action": r.get("action")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endure", default=os.path.join(HERE, "build", "endure"))
    ap.add_argument("--second", default=os.path.join(CORPUS, "second-annotator-dev.tsv"),
                    help="the second labels (default: the dev sample)")
    a = ap.parse_args()
    if not os.access(a.endure, os.X_OK):
        print(f"corpus_agreement: no endure binary at {a.endure} (build it, or pass --endure)", file=sys.stderr)
        return 2
    first = read(os.path.join(CORPUS, "labels.tsv"))
    second = read(a.second)
    split = read(os.path.join(CORPUS, "split.tsv"))
    ids = sorted(i for i in second if i in first)
    if len(ids) != len(second):
        print(f"{a.second}: every id must be a corpus log", file=sys.stderr)
        return 1
    per = collections.Counter(split.get(i, {}).get("split") for i in ids)
    name = (f"logs ({' and '.join(f'{per[k]} {k}' for k in sorted(per))})" if len(per) > 1
            else f"{next(iter(per))} logs")
    with ThreadPoolExecutor(4) as pool:
        got = dict(pool.map(lambda i: verdict(a.endure, i), ids))
    n = len(ids)
    agree = collections.Counter()
    split_on = collections.Counter()
    for i in ids:
        f, s, e = fields(first[i]), fields(second[i]), fields(got[i])
        for k in f:
            agree[k, "labels~second"] += f[k] == s[k]
            agree[k, "endure~labels"] += e[k] == f[k]
            agree[k, "endure~second"] += e[k] == s[k]
        if f["category"] != s["category"]:
            split_on[f["category"], s["category"]] += 1
        if any(first[i].get(k) for k in ("host", "rank", "gpu")):
            agree["culprit", "n"] += 1
            agree["culprit", "labels~second"] += culprit_ok(first[i], second[i])
            agree["culprit", "endure~labels"] += culprit_ok(first[i], got[i].get("culprit") or {})
    print(f"== {n} {name} with a second label")
    print(f"   {'':9} {'labels~second':>14} {'endure~labels':>14} {'endure~second':>14}")
    for k in ("category", "type", "action"):
        row = [agree[k, c] * 100.0 / max(n, 1) for c in ("labels~second", "endure~labels", "endure~second")]
        print(f"   {k:9} " + " ".join(f"{x:13.1f}%" for x in row))
    cn = agree["culprit", "n"]
    print(f"   culprit, over the {cn} logs whose label names one: labels~second "
          f"{agree['culprit', 'labels~second'] * 100.0 / max(cn, 1):.1f}%, endure~labels "
          f"{agree['culprit', 'endure~labels'] * 100.0 / max(cn, 1):.1f}%")
    print("   category pairs the annotators split on (labels -> second):")
    for (x, y), c in split_on.most_common():
        print(f"     {x} -> {y}: {c}")
    return 0


sys.exit(main())
