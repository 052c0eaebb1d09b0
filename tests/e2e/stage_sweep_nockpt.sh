# stage_sweep_nockpt: an agent of a run without --ckpt-dir also removes the
# stages that dead runs left on its node (older than --stage-max-age),
# journaled as ckpt_stage_removed: "any endure agent" starting on the node
# cleans up, not only one that checkpoints.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
dead_stage
stage=$STAGE
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
