# stage_sweep_nockpt: an agent of a run without --ckpt-dir also removes the
# stages that dead runs left on its node (older than --stage-max-age),
# journaled as ckpt_stage_removed: "any endure agent" starting on the node
# cleans up, not only one that checkpoints.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
SAVER="$ENDURE_SRC/tests/e2e/ckpt_saver.py"
# a dead run's stage: its agent SIGKILLed mid-run (a spare finishes the job)
start_endure --nodes n1,n2 --nnodes 1 --heartbeat-timeout 2s --restart-backoff 0 --ckpt-dir "$T/ck" -- \
    /usr/bin/python3 "$SAVER" --size 65536 --steps 60 --every 2
wait_for has_event ckpt_staged node=n1
kill -9 "$(agent_pid n1)"
wait_endure
expect_rc 0
stage=$(ls -d /dev/shm/endure-"$(basename "$RUN")"-*n1 2>/dev/null | head -n 1)
[ -n "$stage" ] && [ -d "$stage" ] || fail "the killed agent's stage is not where expected"
check_no_leftovers
# a run without checkpoints keeps it while it is younger than --stage-max-age
run_endure --nodes n1 -- /bin/true
expect_rc 0
[ -d "$stage" ] || fail "a dead stage younger than --stage-max-age was removed"
# and removes it once it is older
run_endure --nodes n1 --stage-max-age 0 -- /bin/true
expect_rc 0
[ ! -e "$stage" ] || fail "an agent without --ckpt-dir did not remove the dead run's stage"
[ "$(count ckpt_stage_removed path="$stage")" = 1 ] || fail "the removal is not journaled"
check_no_leftovers
echo ok
