# ckstage_runs: a run owns its stage and its checkpoints (issue 7, group
# ckstage). (1) Two runs with the same --rdzv-id at once, different log and
# checkpoint dirs: the second is refused before any rank runs, naming the
# live one, and the first ends well with checkpoints that are its own. (2) A
# TAG copied in from another run's checkpoint dir is refused by verify, by
# `ckpt restore` and by the resuming run (journaled), which restores its own
# newest TAG. (3) The same run resuming (same id, same --log-dir and
# --ckpt-dir) continues its run directory instead of failing.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
SAVER="$ENDURE_SRC/tests/e2e/ckpt_saver.py"
ID=ck$$x$RANDOM
# (1) run A, then run B with the same id while A lives
LOGS="$T/A" RUN_ID=$ID start_endure --ckpt-dir "$T/ckA" --restart-backoff 0 -- \
    /usr/bin/python3 "$SAVER" --size 4096 --steps 160 --every 4
A_PID=$PID A_RUN=$RUN A_ERR=$ERR
wait_for has_event ckpt_complete
LOGS="$T/B" RUN_ID=$ID run_endure --ckpt-dir "$T/ckB" --restart-backoff 0 --max-restarts 0 -- \
    /usr/bin/python3 "$SAVER" --size 4096 --steps 160 --every 4
B_RC=$RC
grep -q "run id $ID is already used on node node0 by a live run (checkpoint dir $T/ckA" "$ERR" ||
    { tail -n 20 "$ERR" >&2; fail "run B was not refused for the live run A (exit $B_RC)"; }
[ "$B_RC" -ne 0 ] || fail "run B succeeded next to the live run A"
[ "$(count ranks_started)" = 0 ] || fail "run B started ranks next to the live run A"
PID=$A_PID wait_endure
RUN=$A_RUN ERR=$A_ERR expect_rc 0
"$ENDURE" ckpt verify "$T/ckA" >/dev/null || fail "run A's checkpoints do not verify"
ls "$T"/ckB/*/COMPLETE 2>/dev/null && fail "run B completed checkpoints next to the live run A"
ls -d /dev/shm/endure-"$ID"-* 2>/dev/null && fail "a stage of run $ID is left after both ended"
check_no_leftovers
# (2) run C (another id, a shorter run) and a newer TAG of A copied into ckC
C=cc$$x$RANDOM
LOGS="$T/C" RUN_ID=$C run_endure --ckpt-dir "$T/ckC" -- /usr/bin/python3 "$SAVER" --size 4096 --steps 8 --every 4
expect_rc 0
[ -f "$T/ckC/step-000000008/COMPLETE" ] || fail "run C did not complete step 8"
newest_a=$(ls -d "$T"/ckA/step-* | tail -n 1)
cp -a "$newest_a" "$T/ckC/"
set +e; "$ENDURE" ckpt verify "$T/ckC" >"$T/verify" 2>&1; vrc=$?; set -e
[ "$vrc" -ne 0 ] || fail "ckpt verify accepted a TAG written by another run: $(cat "$T/verify")"
grep -q "written by another run" "$T/verify" || fail "verify does not say why: $(cat "$T/verify")"
"$ENDURE" ckpt restore "$T/ckC" --json >"$T/restore" 2>&1 || true
grep -q '"step-000000008"' "$T/restore" || fail "restore did not pick run C's own step 8: $(cat "$T/restore")"
# the same run resuming: same id, --log-dir and --ckpt-dir; its run
# directory is continued, the foreign TAG refused and journaled
LOGS="$T/C" RUN_ID=$C run_endure --ckpt-dir "$T/ckC" -- /usr/bin/python3 "$SAVER" --size 4096 --steps 2 --every 4
expect_rc 0
RUN="$T/C/$C"
expect_count 2 run_start
expect_count 1 run_start resumed=true
expect_count 1 ckpt_restore tag=step-000000008 attempt=1
grep '"ckpt_corrupt"' "$RUN/events.jsonl" | grep -q "written by another run" ||
    fail "the refused TAG of another run is not journaled"
[ -d "$RUN/attempt-1" ] || fail "the resumed run did not continue the attempt numbers"
grep -q "attempt 1: resumed from the checkpoint of step 8" "$ERR" ||
    fail "the summary does not number the resumed run's attempt as the journal does: $(grep attempt "$ERR")"
# another id on run C's checkpoint dir is refused, naming the run that owns it
run_endure --ckpt-dir "$T/ckC" -- /bin/true
expect_rc 2
grep -q "belongs to run $C" "$ERR" || fail "another run id on ckC: $(tail -n 3 "$ERR")"
check_no_leftovers
echo ok
