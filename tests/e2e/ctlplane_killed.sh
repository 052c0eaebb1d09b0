# A rank killed by SIGKILL from outside endure: the verdict says so (who
# sent it, that no OOM-killer record was found) with those facts as its
# evidence, never the rank's log lines, and no key line at "rank-N.log:0".
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
start_endure --nproc-per-node 2 --max-restarts 0 -- "$FAKE" --steps 400 --step-ms 50 --print-env
wait_for logs_say 2 "starting"
victim=$(field ranks_started pids | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.read())[1])')
[ -n "$victim" ] || fail "no rank pid"
kill -9 "$victim"
wait_endure
expect_rc 1
grep -q "diagnosis: unknown/killed" "$ERR" || fail "verdict: $(grep -A6 diagnosis "$ERR")"
grep -q "why: .*killed by signal 9 (SIGKILL) from outside endure.*no OOM-killer record was found" "$ERR" ||
    fail "explanation: $(grep 'why:' "$ERR")"
grep -q "key line:" "$ERR" && fail "a key line for a SIGKILL: $(grep 'key line' "$ERR")"
/usr/bin/python3 - "$RUN/attempt-0/failure.json" <<'PY' || fail "failure.json: $(cat "$RUN/attempt-0/failure.json")"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["category"] == "unknown" and v["type"] == "killed", v
assert v["culprit"]["host"] == "node0" and v["culprit"]["rank"] == 1, v
assert v["key_line"] is None, v
ev = v["evidence"]
assert ev[0] == "rank 1 on node0 was killed by signal 9 (SIGKILL)", ev
assert "sent by: outside endure" in ev, ev
assert not any(l.startswith("env ") or "step" in l for l in ev), ev   # no log lines
PY
check_no_leftovers
