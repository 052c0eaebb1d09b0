# A rank that floods output is never slowed by a console that does not read:
# endure drops console lines, counts them in the journal, and still writes
# every byte to the log.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
mkfifo "$T/console"
# a console that reads nothing until the job is done
( exec 3<"$T/console"; sleep 100 ) &
reader=$!
RUN_ID=flood
RUN="$LOGS/flood"
"$ENDURE" run --log-dir "$LOGS" --rdzv-id flood -- "$FAKE" --steps 1 --quiet --flood 40000000 >"$T/console" 2>"$T/err" &
pid=$!
for i in $(seq 1 600); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -0 $pid 2>/dev/null && { kill -9 $pid; fail "endure blocked on a stuck console"; }
wait $pid || fail "endure failed: $(tail -3 "$T/err")"
kill $reader 2>/dev/null; wait $reader 2>/dev/null || true
size=$(stat -c %s "$RUN/attempt-0/node0/rank-0.log")
[ "$size" -ge 40000000 ] || fail "log has $size bytes"
RANK=0 "$FAKE" --steps 1 --quiet --flood 40000000 2>&1 | cmp -s - "$RUN/attempt-0/node0/rank-0.log" || fail "log bytes differ"
dropped=$(/usr/bin/python3 "$EVENTS_PY" "$RUN/events.jsonl" count console_dropped)
[ "$dropped" -ge 1 ] || fail "no console_dropped event"
grep -q "console lines dropped" "$T/err" || fail "summary does not mention dropped lines"
check_no_leftovers
# a burst (here 300 KB after the error line, well under the quarter of the
# 1 MiB pipe plus one read at which the agent starts shedding) is classified
# whole, even when the agent reads it only after the rank wrote all of it:
# the error line at its start names the failure
unset RUN_ID
run_endure --max-restarts 0 -- /bin/sh -c 'echo "RuntimeError: CUDA error: an illegal memory access was encountered"
    yes "routine line of a debug dump, repeated to make a burst .............." | head -c 300000; exit 1'
expect_rc 1
expect_count 0 unclassified_lines
/usr/bin/python3 - "$RUN/attempt-0/failure.json" <<'PY' || fail "burst verdict: $(cat "$RUN/attempt-0/failure.json")"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["type"] == "cuda_error" and "illegal memory access" in v["key_line"]["text"], v
PY
check_no_leftovers
