#!/bin/bash
# compare: the same benchmarks for two endure binaries, side by side in one
# run (interleaved, so both see the same machine load): log throughput
# (endure/baseline ratio), classifier MB/s per core, failure -> next attempt
# median. Prints each benchmark's own output, then one summary table.
#   OLD=/path/to/old/endure [NEW=build/endure] [ROUNDS=2] [SIZE=...] bench/compare.sh
# The helpers (bench_writer, bench_rank) come from BUILD (default build).
set -u
cd "$(dirname "$0")/.."
OLD=${OLD:?set OLD to the baseline endure binary}
NEW=${NEW:-$PWD/build/endure}
ROUNDS=${ROUNDS:-2}
export SIZE=${SIZE:-536870912} REPS=${REPS:-3} MODES=${MODES:-block} BENCH_MB=${BENCH_MB:-256} RESTARTS=${RESTARTS:-20}
out=$(mktemp -d /tmp/endure-compare.XXXXXX)
trap 'rm -rf "$out"' EXIT
for r in $(seq 1 "$ROUNDS"); do
    for which in OLD NEW; do
        bin=${!which}
        echo "== round $r: $which ($bin)"
        ENDURE=$bin bench/run_log_throughput.sh 2>&1 | tee -a "$out/$which.tp"
        ENDURE=$bin bench/diagnose.sh 2>&1 | tee -a "$out/$which.cls"
        ENDURE=$bin bench/run_failure_reaction.sh 2>&1 | tee -a "$out/$which.fr"
    done
done
/usr/bin/python3 - "$out" <<'PY'
import re, statistics, sys
d = sys.argv[1]
def grab(f, pat):
    try:
        return [float(m) for m in re.findall(pat, open(f"{d}/{f}").read())]
    except OSError:
        return []
print("\nside by side (median over rounds)   OLD        NEW")
for name, f, pat in [("log path, block: endure/baseline", "tp", r"block\s+[\d.]+\s+[\d.]+\s+([\d.]+)x"),
                     ("classifier MB/s per core", "cls", r"diagnose classifier: ([\d.]+) MB/s"),
                     ("failure -> next attempt, median ms", "fr", r"every next-attempt rank running\s+median\s+([\d.]+)")]:
    o, n = grab(f"OLD.{f}", pat), grab(f"NEW.{f}", pat)
    fmt = lambda xs: f"{statistics.median(xs):9.2f}" if xs else "      n/a"
    print(f"  {name:<34} {fmt(o)}  {fmt(n)}")
PY
