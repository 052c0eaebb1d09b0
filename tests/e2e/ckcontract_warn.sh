# Saves that never complete are said loudly. A trainer saves on rank 0 only
# without scope="replicated" (the nanoGPT pattern before the fix): each TAG
# is reported incomplete (rank 1 never commits it), the controller warns
# after --ckpt-warn-saves such saves (console, journal ckpt_not_completing,
# summary) and again when a crash restarts the job from the very beginning.
# Also: a checkpoint directory that does not exist yet is no warning (the
# agents create it), and --ckpt-warn-after warns on time alone.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
SAVER="$ENDURE_SRC/tests/e2e/ckcontract_saver0.py"
run_endure --nodes n1 --nnodes 1 --nproc-per-node 2 --restart-backoff 0 --ckpt-dir "$T/new/ckpt" \
    --ckpt-warn-saves 3 -- /usr/bin/python3 "$SAVER" 4 0 fail
expect_rc 0
[ -d "$T/new/ckpt" ] || fail "the checkpoint directory was not created"
grep -q "cannot read the checkpoint directory" "$ERR" && fail "warned about a checkpoint dir not made yet"
expect_count 0 ckpt_complete
[ "$(count ckpt_incomplete missing=[1])" -ge 3 ] || fail "incomplete TAGs not reported"
[ "$(count ckpt_incomplete tag=step-000000010 ranks=[0] missing=[1])" -ge 1 ] || fail "step 10 not reported incomplete"
[ "$(count ckpt_not_completing trigger='--ckpt-warn-saves 3')" -ge 1 ] || fail "no ckpt_not_completing event"
[ "$(field ckpt_not_completing missing_ranks)" = "[1]" ] || fail "missing ranks: $(field ckpt_not_completing missing_ranks)"
grep -q 'warning: checkpoints are NOT completing: 3 saves in .*, none complete (--ckpt-warn-saves 3): a restart now resumes from the very beginning' "$ERR" ||
    fail "no console warning: $(grep -i warn "$ERR")"
grep -q 'Ranks that never saved these TAGs: 1.*scope="replicated"' "$ERR" || fail "the warning does not name the cause"
grep -q 'warning: restarting from the very beginning (step 0): the [0-9]* checkpoint saves since then never completed' "$ERR" ||
    fail "the restart from nothing is not said"
grep -q 'WARNING: checkpoints were saved but did not complete' "$ERR" || fail "the summary does not say it"
grep -q 'checkpoints: 0 completed' "$ERR" || fail "the summary does not count checkpoints"
# on time alone: 2 saves, no complete, --ckpt-warn-after 1s
run_endure --nodes n1 --nnodes 1 --nproc-per-node 2 --ckpt-dir "$T/ck2" --ckpt-warn-saves 100 \
    --ckpt-warn-after 1s -- /usr/bin/python3 "$SAVER" 2 3
expect_rc 0
expect_count 1 ckpt_not_completing trigger=--ckpt-warn-after
grep -q 'none complete (--ckpt-warn-after)' "$ERR" || fail "no console warning on time"
check_no_leftovers
