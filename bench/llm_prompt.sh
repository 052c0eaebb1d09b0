#!/bin/bash
# llm_prompt.sh: how much of a failing log reaches the LLM. For every log of
# the labelled corpus (tests/data/diagnose, plain or .gz), `endure diagnose
# --llm --llm-mode observe` builds the prompt it would send (the server is a
# closed port: nothing leaves the machine; --llm-save keeps the request),
# and this prints the raw log bytes, the prompt bytes (the user message:
# template + taxonomy + rule verdict + condensed log, within
# --llm-max-prompt) and their ratio: the total over the corpus, the median
# per log, and the largest logs. Asserts nothing.
#   BUILD=build bench/llm_prompt.sh
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ENDURE=${ENDURE:-$PWD/$BUILD/endure}
[ -x "$ENDURE" ] || { echo "build first: make BUILD=$BUILD" >&2; exit 2; }
DIR=$(mktemp -d "${BENCH_DIR:-/tmp}/endure-bench-llm.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
for f in tests/data/diagnose/*.log tests/data/diagnose/*.out tests/data/diagnose/*.log.gz; do
    [ -f "$f" ] || continue
    rm -rf "$DIR/save"
    ENDURE_LLM_API_KEY= "$ENDURE" diagnose --llm http://127.0.0.1:9 --llm-mode observe --llm-save "$DIR/save" "$f" \
        >/dev/null 2>&1
    raw=$(case $f in *.gz) gzip -dc "$f" | wc -c ;; *) wc -c <"$f" ;; esac)
    prompt=$(/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); b=r.get("body",r); print(len(b["messages"][-1]["content"].encode()))' \
        "$DIR/save/llm-request.json" 2>/dev/null || echo 0)
    echo "$raw $prompt $(basename "$f")"
done >"$DIR/sizes"
/usr/bin/python3 - "$DIR/sizes" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
rows = [(int(r), int(p), n) for r, p, n in rows if int(p) > 0]
raw, pr = sum(r for r, _, _ in rows), sum(p for _, p, _ in rows)
print("logs: %d, raw %d bytes, prompts %d bytes: prompt/raw %.3f over the corpus" % (len(rows), raw, pr, pr / raw))
print("median prompt/raw per log: %.3f; median prompt %d bytes" % (
    statistics.median(p / r for r, p, _ in rows), statistics.median(p for _, p, _ in rows)))
for r, p, n in sorted(rows, reverse=True)[:5]:
    print("  %-45s raw %9d  prompt %6d  %.4f" % (n, r, p, p / r))
PY
