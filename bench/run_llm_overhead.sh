#!/bin/bash
# run_llm_overhead.sh: the time `endure run --llm` adds between a failed
# attempt and the next one (issue 11). A local job of 2 ranks where rank 1
# fails at once with a MESSAGE, --restart-backoff 0, RESTARTS restarts, the
# LLM played by tests/e2e/llm_stub.py. Per restart, from the journal's
# controller timestamps: stop_end (every rank reaped) -> the next
# attempt_start, i.e. diagnosis + decision (+ the LLM wait). Cases:
#   confident       a line a shipped rule knows (an EIO from storage, root, restart), no --llm
#   confident+llm   the same with --llm (must not wait: no request)
#   unknown         a line no rule knows, no --llm
#   unknown+llm     the same, the stub answers at once
#   unknown+slow    the same, the stub answers after 30 s, --llm-wait WAIT
# Prints medians and maxima in ms, asserts nothing.
#   RESTARTS=5 WAIT=2s bench/run_llm_overhead.sh
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ENDURE=${ENDURE:-$PWD/$BUILD/endure}
RESTARTS=${RESTARTS:-5}
WAIT=${WAIT:-2s}
DIR=$(mktemp -d /tmp/endure-bench-llm.XXXXXX)
STUB=""
trap '[ -n "$STUB" ] && kill $STUB 2>/dev/null; rm -rf "$DIR"' EXIT
KNOWN="OSError: [Errno 5] Input/output error: '/lustre/scratch/ckpt/step_12000/model_00.pt'"
UNKNOWN='ZorgLib fatal: flux capacitor desynchronised on shard 7 (code 0x3f)'
cat >"$DIR/rank.py" <<'PY'
import os, sys, time
if os.environ["RANK"] != "1":
    time.sleep(60)
print("step 1 loss 2.0", flush=True)  # progress: no crash-loop stop
print(os.environ["MSG"], file=sys.stderr, flush=True)
sys.exit(3)
PY
printf '{"category":"framework","type":"runtime_error","action":"restart","culprit":{"host":null,"rank":1,"gpu":null},"confidence":0.9,"key_line":"%s","explanation":"bench"}\n' "$UNKNOWN" >"$DIR/reply"
stub() { # SCRIPT: starts the stub; sets STUB (its pid) and URL
    rm -rf "$DIR/stub"; mkdir -p "$DIR/stub"
    /usr/bin/python3 tests/e2e/llm_stub.py "$DIR/stub" "$1" >/dev/null 2>&1 &
    STUB=$!
    for _ in $(seq 100); do [ -s "$DIR/stub/port" ] && break; sleep 0.1; done
    URL="http://127.0.0.1:$(cat "$DIR/stub/port")"
}
measure() { # NAME MSG ARGS...
    local name=$1 msg=$2; shift 2
    MSG="$msg" "$ENDURE" run --log-dir "$DIR/logs" --rdzv-id "${name//+/_}" --nproc-per-node 2 --health off \
        --restart-backoff 0 --max-restarts "$RESTARTS" --policy "$DIR/policy" "$@" -- \
        /usr/bin/python3 "$DIR/rank.py" >/dev/null 2>&1
    /usr/bin/python3 - "$DIR/logs/${name//+/_}/events.jsonl" "$name" <<'PY'
import json, sys, datetime, statistics
def t(e): return datetime.datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000
stop, gaps = None, []
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "stop_end": stop = t(e)
    if e["event"] == "attempt_start" and stop is not None:
        gaps.append(t(e) - stop); stop = None
print("%-14s restarts %2d  stop_end -> next attempt_start: median %6.0f ms  max %6.0f ms"
      % (sys.argv[2], len(gaps), statistics.median(gaps) if gaps else -1, max(gaps) if gaps else -1))
PY
}
# every failure restarts
printf 'overrides:\n  storage_error: restart\n' >"$DIR/policy"
measure confident "$KNOWN"
stub "content:$DIR/reply"
measure confident+llm "$KNOWN" --llm "$URL"
echo "               requests to the LLM: $(cat "$DIR/stub/count" 2>/dev/null || echo 0)"
measure unknown "$UNKNOWN"
measure unknown+llm "$UNKNOWN" --llm "$URL" --learned off
kill $STUB; wait $STUB 2>/dev/null
stub "slow:30:$DIR/reply"
measure unknown+slow "$UNKNOWN" --llm "$URL" --llm-wait "$WAIT" --llm-timeout 60s --learned off
