# A controller that comes back: endure run is SIGKILLed in attempt 1 (after
# one restart) once a checkpoint of that attempt is complete; the host "died
# while writing", so the journal ends in a cut line. `endure run --resume
# RUN_DIR` goes on in the same run directory: the cut line is gone, the
# journal says run_resumed with the restart used, the next attempt is 2 and
# resumes from the checkpoint, no rank of the old controller was left, and
# the run ends with one journal holding both controllers' events.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
TR="$ENDURE_SRC/tests/e2e/weeks_trainer.py"
CK="$T/ck"
start_endure --nodes n1 --nnodes 1 --nproc-per-node 2 --ckpt-dir "$CK" --heartbeat-timeout 2s \
    --max-restarts 3 --restart-backoff 0 -- /usr/bin/python3 "$TR" --steps 400 --step-ms 100 --every 2 \
    --fail-at 3 --fail-attempts 0
wait_for has_event restart
wait_for has_event attempt_start attempt=1
for i in $(seq 1 300); do
    step=$(/usr/bin/python3 - "$RUN/events.jsonl" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
seen = [i for i, e in enumerate(evs) if e.get("event") == "attempt_start" and e.get("attempt") == 1]
print(max([e["step"] for e in evs[seen[0]:] if e.get("event") == "ckpt_complete"] or [0]) if seen else 0)
PY
)
    [ "$step" -ge 4 ] && break
    sleep 0.1
done
[ "$step" -ge 4 ] || fail "no checkpoint completed in attempt 1"
kill -9 "$PID"
wait "$PID" 2>/dev/null || true
check_no_leftovers 10 # the dead controller's agents stop their ranks and exit
# the host died in the middle of writing an event
printf '{"ts":"2030-01-01T00:00:00.000Z","event":"rank_ex' >>"$RUN/events.jsonl"
OLD_RUN=$RUN
new_run
set +e
"$ENDURE" run --resume "$OLD_RUN" --nodes n1 --nnodes 1 --nproc-per-node 2 --ckpt-dir "$CK" \
    --heartbeat-timeout 2s --max-restarts 3 --restart-backoff 0 -- /usr/bin/python3 "$TR" --steps 12 \
    --step-ms 20 --every 2 >"$OUT" 2>"$ERR"
RC=$?
set -e
RUN=$OLD_RUN
expect_rc 0
tail -c 1 "$RUN/events.jsonl" | od -c | grep -q '\\n' || fail "the journal does not end with a line end"
/usr/bin/python3 - "$RUN/events.jsonl" <<'PY' || fail "the journal is not one resumed run: $(tail -n 5 "$ERR")"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]  # every line whole: the cut one is gone
names = [e["event"] for e in evs]
assert names.count("run_start") == 2 and names.count("run_end") == 1, names
r = [e for e in evs if e["event"] == "run_resumed"]
assert len(r) == 1, r
r = r[0]
assert r["last_attempt"] == 1 and r["next_attempt"] == 2 and r["restarts"] == 1, r
assert r["budget_left"] == 2 and r["budget_used"] == 1, r
starts = [e["attempt"] for e in evs if e["event"] == "attempt_start"]
assert starts == [0, 1, 2], starts
end = [e for e in evs if e["event"] == "run_end"][0]
assert end["exit_code"] == 0, end
PY
log="$RUN/attempt-2/n1/rank-0.log"
grep -q "resumed from step [0-9]* in attempt 2" "$log" || fail "attempt 2 did not resume from a checkpoint: $(head -3 "$log")"
got=$(sed -n 's/resumed from step \([0-9]*\) in attempt 2/\1/p' "$log")
[ "$got" -ge 4 ] || fail "attempt 2 resumed from step $got, not from attempt 1's checkpoint (>= 4)"
grep -q "restart budget: 2 of 3 left" "$ERR" || fail "the summary does not show the budget left: $(tail -n 8 "$ERR")"
# --resume of a run directory that does not exist is refused
run_endure --resume "$T/nowhere/run" -- /bin/true
expect_rc 2
grep -q "no run to resume" "$ERR" || fail "--resume of a missing run: $(cat "$ERR")"
check_no_leftovers
