# Rollback for numerical divergence, with a real trainer process and real
# checkpoints (endure_ckpt, every 5 steps):
#   (1) the loss goes NaN at step 30 after checkpoints at 25 and 20: the
#       verdict's action is rollback, the restart resumes from 20 (older than
#       the newest) with ENDURE_ROLLBACK_FROM_STEP=30 and
#       ENDURE_SKIP_STEPS=21-30, the trainer skips them and completes;
#   (2) with --spike-factor 10, a loss 1000x the usual at step 27 fails the
#       attempt (loss_spike) and rolls back the same way (21-27);
#   (3) a crash at step 27 after every resume from 25 (the same verdict
#       twice): 25 is quarantined (journaled, never restored again) and the
#       run falls back to 20 instead of stopping as a crash loop;
#   (4) a NaN with no older checkpoint than the newest: a plain restart.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
TRAIN="$ENDURE_SRC/tests/e2e/rollback_trainer.py"
trained() { /usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
# (1)
run_endure --ckpt-dir "$T/ck1" --restart-backoff 0 --monitor-interval 20ms "$TRAIN" --nan-at 30 --out "$T/out1"
expect_rc 0
expect_count 1 verdict attempt=0
[ "$(field verdict verdict attempt=0 | trained /dev/stdin 's["action"]')" = rollback ] || fail "the NaN verdict is not rollback"
expect_count 1 rollback attempt=0 from_step=30
expect_count 1 ckpt_restore attempt=1 step=20 rollback=true
[ "$(trained "$T/out1" 's["env"]["ENDURE_SKIP_STEPS"], s["env"]["ENDURE_ROLLBACK_FROM_STEP"]')" = "('21-30', '30')" ] ||
    fail "skip variables: $(cat "$T/out1")"
[ "$(trained "$T/out1" 's["skipped"] == list(range(21, 31)) and s["trained"][-1] == 40')" = True ] ||
    fail "the trainer did not skip 21-30 and complete: $(cat "$T/out1")"
grep -q "rolling back to checkpoint step-000000020" "$ERR" || fail "the rollback is not said"
check_no_leftovers
# (2)
run_endure --ckpt-dir "$T/ck2" --restart-backoff 0 --monitor-interval 20ms --spike-factor 10 "$TRAIN" --spike-at 27 \
    --out "$T/out2"
expect_rc 0
expect_count 1 loss_spike attempt=0 step=27
expect_count 1 failure kind=loss_spike
expect_count 1 ckpt_restore attempt=1 step=20 rollback=true
[ "$(trained "$T/out2" 's["env"]["ENDURE_SKIP_STEPS"]')" = "21-27" ] || fail "spike skip: $(cat "$T/out2")"
check_no_leftovers
# (3)
run_endure --ckpt-dir "$T/ck3" --restart-backoff 0 --monitor-interval 20ms --max-restarts 5 "$TRAIN" --fail-at 28 \
    --crash-after-resume-from 25 --at 27 --out "$T/out3"
expect_rc 0
expect_count 2 ckpt_restore step=25
expect_count 1 ckpt_quarantined tag=step-000000025 failures=2
expect_count 1 ckpt_restore attempt=3 step=20 rollback=true
[ "$(trained "$T/out3" 's["trained"][-1]')" = 40 ] || fail "the run did not complete past the quarantine"
grep -q "crash loop" "$ERR" && fail "a crash loop was declared instead of the quarantine"
check_no_leftovers
# (4) no checkpoint older than the newest: rollback degrades to a restart
run_endure --ckpt-dir "$T/ck4" --restart-backoff 0 --monitor-interval 20ms "$TRAIN" --nan-at 8 --out "$T/out4"
expect_rc 0
expect_count 1 ckpt_restore attempt=1 step=5 rollback=false
grep -q "rollback: no checkpoint older than step-000000005" "$ERR" || fail "the missing older checkpoint is not said"
check_no_leftovers
