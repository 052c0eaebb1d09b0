# ckstage_left: a killed agent's stage (issue 7, group ckstage). The summary
# says where the stage of a killed agent is and how big; an agent starting
# later on the node keeps a dead run's stage younger than --stage-max-age
# and removes it (journaled) once it is older, while a live run's stage is
# never touched.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
SAVER="$ENDURE_SRC/tests/e2e/ckpt_saver.py"
dead_stage
stage=$STAGE
grep -q "checkpoint stage left on n1: $stage ([0-9.]* MiB" "$ERR" ||
    { tail -n 12 "$ERR" >&2; fail "the summary does not say where the killed agent's stage is"; }
expect_count 1 stage_left node=n1
[ "$(field stage_left bytes node=n1)" -gt 0 ] || fail "the left stage's size is not reported"
check_no_leftovers
# a live run next to it: its stage must survive the sweeps below
start_endure --nodes n1 --ckpt-dir "$T/live" -- /usr/bin/python3 "$SAVER" --size 4096 --steps 400 --every 2
LIVE_PID=$PID LIVE_RUN=$RUN LIVE_ERR=$ERR
# the live run must still run when its stage is looked at (else the check below proves nothing)
live_runs() { kill -0 "$LIVE_PID" 2>/dev/null || fail "the live run ended early: $(tail -n 5 "$LIVE_ERR")"; }
wait_for has_event ckpt_staged
live_stage=$(ls -d /dev/shm/endure-"$(basename "$LIVE_RUN")"-*-n1)
# a later agent with the default --stage-max-age (1h) keeps the young stage
run_endure --nodes n1 --ckpt-dir "$T/ck2" -- /bin/true
expect_rc 0
[ -d "$stage" ] || fail "a dead stage younger than --stage-max-age was removed"
expect_count 0 ckpt_stage_removed
# with --stage-max-age 0 the dead stage goes, the live one stays
run_endure --nodes n1 --ckpt-dir "$T/ck3" --stage-max-age 0 -- /bin/true
expect_rc 0
[ ! -e "$stage" ] || fail "the dead run's stage was not removed"
[ "$(count ckpt_stage_removed path="$stage")" = 1 ] || fail "the removal is not journaled"
live_runs
[ -d "$live_stage" ] || fail "a live run's stage was removed"
kill -INT "$LIVE_PID"
PID=$LIVE_PID wait_endure
check_no_leftovers
echo ok
