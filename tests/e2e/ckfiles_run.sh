#!/bin/bash
# FIFOs planted where `endure run` reads (issue 7, group ckfiles). A FIFO as
# a TAG's COMPLETE in --ckpt-dir used to hang the controller before the
# first attempt (ignoring SIGTERM); now the TAG is skipped with a warning
# and the run goes on. A rank that makes its stage commit record a FIFO used
# to block the agent's main thread until the controller declared the
# healthy node lost and excluded it; now the agent reports the record as
# corrupt (ckpt_corrupt) and the job finishes on the same node. endure runs
# under `timeout`, so a regression fails instead of wedging the suite.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
# tr_endure SECONDS ARGS...: run_endure under a time limit (RC 124/137: hung)
tr_endure() {
    local limit=$1
    shift
    new_run
    set +e
    timeout -k 5 "$limit" "$ENDURE" run --log-dir "$LOGS" --rdzv-id "$RUN_ID" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    set -e
    unset RUN_ID
}

# 1. a FIFO as COMPLETE in the store
mkdir -p "$T/ck/step-000000005/n1"
mkfifo "$T/ck/step-000000005/COMPLETE"
tr_endure 60 --nproc-per-node 1 --ckpt-dir "$T/ck" -- /bin/sh -c 'echo step 1; echo done'
expect_rc 0
grep -q 'checkpoint step-000000005 is not usable: COMPLETE not a regular file' "$ERR" ||
    fail "no warning about the FIFO COMPLETE: $(tail -5 "$ERR")"
expect_count 1 ckpt_corrupt tag=step-000000005
expect_count 0 ckpt_restore
check_no_leftovers

# 2. a rank makes its own stage commit record a FIFO, then keeps training
tr_endure 90 --nodes n1,n2 --nnodes 1 --nproc-per-node 1 --heartbeat-timeout 2s --restart-backoff 0 \
    --ckpt-dir "$T/ck2" -- /bin/sh -c '
        if [ "$ENDURE_ATTEMPT" = 0 ]; then
            mkdir -p "$ENDURE_CKPT_STAGE/rank-$RANK"
            mkfifo "$ENDURE_CKPT_STAGE/rank-$RANK/slot-0.commit" || exit 9
            for i in 1 2 3 4 5 6 7 8; do echo "step $i"; sleep 0.5; done
        fi
        echo done'
expect_rc 0
expect_count 0 node_excluded
expect_count 1 attempt_start
[ "$(count ckpt_corrupt file=slot-0.commit)" -ge 1 ] || fail "the FIFO commit record was not reported"
grep -q '"problem": *"slot-0.commit: not a regular file' "$RUN/events.jsonl" ||
    fail "ckpt_corrupt does not say why: $(grep ckpt_corrupt "$RUN/events.jsonl" | head -3)"
check_no_leftovers
echo ok
