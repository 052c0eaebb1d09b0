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
