#!/bin/bash
# not under sanitizers: the examples' Python side; the endure paths they take run under the sanitizers in the other tests
# firstrun_ddp: examples/ddp_replicated.py and the faults of examples/faults.py
# it is shown with. Without endure (one rank, plain checkpoints that the next
# run resumes; a fault fires only in its attempt); under endure, 2 nodes x 2
# ranks: a clean run, then an injected crash, NaN loss and hang at step 12 of
# attempt 0, each diagnosed as what it is, restarted, resumed by every rank
# from the checkpoint of step 10, and ending with the clean run's weights.
source "$ENDURE_SRC/tests/e2e/lib.sh"
source "$ENDURE_SRC/tests/e2e/firstrun_common.bash"
set -e
PY=/usr/bin/python3

# without endure: one rank, ./checkpoints/ddp_replicated, resumed the next time
mkdir "$T/plain"
( cd "$T/plain" && unset ENDURE_CKPT_FALLBACK_DIR && $PY "$EX/ddp_replicated.py" --steps 6 --save-every 3 >"$T/plain.1" 2>&1 ) || fail "plain run: $(tail -5 "$T/plain.1")"
[ -d "$T/plain/checkpoints/ddp_replicated/step-000000006" ] || fail "plain run saved no checkpoint of step 6"
( cd "$T/plain" && unset ENDURE_CKPT_FALLBACK_DIR && $PY "$EX/ddp_replicated.py" --steps 8 --save-every 3 --fault crash --fault-step 7 --fault-attempt 1 >"$T/plain.2" 2>&1 ) ||
    fail "a fault of attempt 1 fired in attempt 0: $(tail -5 "$T/plain.2")"
grep -q "^rank 0 resumed from the checkpoint of step 6 " "$T/plain.2" || fail "plain run did not resume: $(cat "$T/plain.2")"
grep -q "^done: 8 steps on 1 ranks" "$T/plain.2" || fail "plain run did not finish"
set +e
( cd "$T/plain" && unset ENDURE_CKPT_FALLBACK_DIR && TORCHELASTIC_RESTART_COUNT=1 $PY "$EX/ddp_replicated.py" --steps 12 --fault crash --fault-step 9 --fault-attempt 1 >"$T/plain.3" 2>&1 )
rc=$?
set -e
[ $rc -eq 1 ] || fail "the fault of attempt 1 did not fire under TORCHELASTIC_RESTART_COUNT=1 (rc $rc)"
grep -q "^RuntimeError: injected crash on rank 0 at step 9$" "$T/plain.3" || fail "no injected crash: $(tail -3 "$T/plain.3")"

NODES=(--nodes n1,n2 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 --stop-timeout 5s)
run_endure "${NODES[@]}" --ckpt-dir "$T/ck-ref" "$EX/ddp_replicated.py" --steps 20 --out "$T/ref"
expect_rc 0
expect_count 0 failure
expect_saves 5 10 15 20

# KIND TYPE RANK FROM [endure flags]: the fault at step 12 of attempt 0 on
# RANK; attempt 1 resumes from step FROM (10, the newest checkpoint; 5 for a
# NaN: endure rolls back past the newest, and the example replays the steps)
fault_run() {
    local kind=$1 type=$2 rank=$3 from=$4; shift 4
    run_endure "${NODES[@]}" "$@" --ckpt-dir "$T/ck-$kind" "$EX/ddp_replicated.py" --steps 20 \
        --fault "$kind" --fault-step 12 --fault-rank "$rank" --out "$T/out-$kind"
    expect_rc 0
    expect_count 2 attempt_start
    expect_count 1 restart
    verdict_is 0 "$type"
    expect_count 1 ckpt_restore attempt=1 tag=step-0000000$(printf %02d "$from")
    resumed_all 1 "$from" 4
    same_weights "$T/out-$kind" "$T/ref"
}
fault_run crash runtime_error 3 10
# the verdict names the crashed rank (the first exit endure saw may be a
# peer's: rank 2 on the same node, its gloo socket closed by rank 3's exit)
culprit_is 0 3 n2
expect_count 1 failure attempt=0 node=n2
grep -q "RuntimeError: injected crash on rank 3 at step 12" "$ERR" "$OUT" || fail "the crash is not on the console"
fault_run nan nan_loss 1 5
culprit_is 0 1 n1
fault_run hang hang 2 10 --hang-timeout 8s
expect_count 1 hang attempt=0
check_no_leftovers
echo ok
