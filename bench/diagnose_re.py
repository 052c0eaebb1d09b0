#!/usr/bin/python3
"""Python baseline of bench/diagnose.sh: the rules (exported as JSON by
`endure rules export`) applied line by line with Python's `re`, the way the
published reference implementation works: every rule's search() on every
line, in rule order, first match wins. Reads at most MB megabytes.
usage: diagnose_re.py RULES_JSON LOG MB"""
import json
import re
import sys
import time

rules_json, log, mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
rules, skipped = [], 0
for r in json.load(open(rules_json)):
    pat = re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", r["match"])
    try:
        rules.append((r["id"], re.compile(pat)))
    except re.error:
        skipped += 1
limit = int(mb * (1 << 20))
nbytes = nlines = nmatch = 0
start = time.process_time()  # CPU time, like endure's figure
with open(log, "rb") as f:
    for raw in f:
        nbytes += len(raw)
        nlines += 1
        line = raw.decode("utf-8", "replace").rstrip("\n")
        for rid, rx in rules:
            if rx.search(line):
                nmatch += 1
                break
        if nbytes >= limit:
            break
secs = time.process_time() - start
print("python: bytes %d lines %d matches %d seconds %.3f MB/s %.3f lines/s %.0f rules %d skipped %d"
      % (nbytes, nlines, nmatch, secs, nbytes / 1e6 / secs, nlines / secs, len(rules), skipped))
