#!/usr/bin/env python3
"""corpus_split: assigns every log of tests/data/corpus-real to the dev (2/3)
or held-out (1/3) split ONCE, at random with a fixed seed, and writes
split.tsv. It refuses to run when split.tsv exists: logs never move between
splits afterwards. Logs added later are assigned by `--add` with the same
rule (seeded by their id), leaving every existing assignment unchanged."""
import csv, os, random, sys

SEED = 20261203
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "corpus-real")

def main():
    labels = os.path.join(HERE, "labels.tsv")
    out = os.path.join(HERE, "split.tsv")
    ids = [r["id"] for r in csv.DictReader(open(labels), delimiter="\t", quoting=csv.QUOTE_NONE)]
    if "--add" in sys.argv:
        have = {r["id"]: r["split"] for r in csv.DictReader(open(out), delimiter="\t", quoting=csv.QUOTE_NONE)}
        with open(out, "a") as f:
            for i in ids:
                if i not in have:
                    s = "held" if random.Random("%d:%s" % (SEED, i)).random() < 1 / 3 else "dev"
                    f.write("%s\t%s\n" % (i, s))
        return 0
    if os.path.exists(out):
        print("split.tsv exists: the split is made once and never redone", file=sys.stderr)
        return 1
    order = sorted(ids)
    random.Random(SEED).shuffle(order)
    nheld = len(order) // 3
    split = {i: ("held" if k < nheld else "dev") for k, i in enumerate(order)}
    with open(out, "w") as f:
        f.write("id\tsplit\n")
        for i in ids:
            f.write("%s\t%s\n" % (i, split[i]))
    return 0

sys.exit(main())
