#!/bin/bash
# Benchmark of the diagnose classifier: MB/s and lines/s of the full shipped
# rule base on one core (`endure diagnose --bench`: read, split, prefix
# parse, Aho-Corasick prefilter, PCRE2 JIT) over a generated realistic log,
# and in the same run the same rules applied line by line with Python's re
# (on the first BENCH_PY_MB of the same file; rates are compared). Prints
# both and the ratio. BENCH_MB sets the log size (default 1024).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ENDURE=${ENDURE:-$PWD/$BUILD/endure}
MB=${BENCH_MB:-1024}
PY_MB=${BENCH_PY_MB:-1}
tmp=$(mktemp -d /tmp/endure-bench-diag.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"

/usr/bin/python3 bench/diagnose_gen.py "$tmp/train.log" "$MB"
"$ENDURE" rules export > "$tmp/rules.json"
echo "log: $(du -m "$tmp/train.log" | cut -f1) MB, $(wc -l < "$tmp/train.log") lines, $(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/rules.json") rules"

best=""
for i in 1 2; do # the first run also warms the page cache
    out=$($pin "$ENDURE" diagnose --bench "$tmp/train.log")
    echo "endure run $i: $out"
    mbs=$(echo "$out" | sed -n 's/.* MB\/s \([0-9.]*\).*/\1/p')
    best=$(/usr/bin/python3 -c "print(max(float('$mbs'), float('${best:-0}')))")
done
line=$(echo "$out" | sed -n 's/.* lines\/s \([0-9.]*\).*/\1/p')
py=$($pin /usr/bin/python3 bench/diagnose_re.py "$tmp/rules.json" "$tmp/train.log" "$PY_MB")
echo "$py"
pymbs=$(echo "$py" | sed -n 's/.* MB\/s \([0-9.]*\).*/\1/p')
/usr/bin/python3 - "$best" "$pymbs" "$line" <<'PY'
import sys
c, p, l = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print("diagnose classifier: %.1f MB/s per core (%.0f lines/s, per CPU second); python re: %.2f MB/s; ratio %.0fx"
      % (c, l, p, c / p))
print("targets: >= 400 MB/s per core: %s; >= 50x python: %s"
      % ("met" if c >= 400 else "NOT met", "met" if c / p >= 50 else "NOT met"))
PY
