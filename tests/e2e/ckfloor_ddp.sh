#!/bin/bash
# not under sanitizers: the Python helper's save_state; the endure paths it takes run under the sanitizers in the ckpt_* tests
# The tensor-native checkpoint path in a real PyTorch DDP job (gloo, 2 nodes
# x 2 ranks) under `endure run`: every rank saves with
# endure_ckpt.save_state (model, momentum, step, RNG states) at steps 10, 20,
# 30; rank 2 crashes at step 25; every rank of the next attempt resumes from
# step 20 with endure_ckpt.load_state and ends with exactly (SHA-256 of the
# weights' bytes) the weights of a run that was never interrupted.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
TRAIN="$ENDURE_SRC/tests/e2e/ckfloor_ddp.py"
CK="$T/ckpt"
# the reference, without endure (the helper's plain directories): 20 steps,
# then resumed to 30 (DDP rebuilds its gradient buckets after a start, which
# changes the last bits of the sums: the reference resumes at the same step)
(
    cd "$T"
    export MASTER_ADDR=127.0.0.1 MASTER_PORT=$((20000 + RANDOM % 12000)) WORLD_SIZE=4
    export PYTHONPATH="$ENDURE_SRC/python" ENDURE_CKPT_FALLBACK_DIR="$T/plain"
    for r in 0 1 2 3; do RANK=$r /usr/bin/python3 "$TRAIN" --steps 20 --out "$T/half-{rank}" & done
    wait
    export MASTER_PORT=$((MASTER_PORT + 1))
    for r in 0 1 2 3; do RANK=$r /usr/bin/python3 "$TRAIN" --out "$T/ref-{rank}" >"$T/ref-log-$r" & done
    wait
)
for r in 0 1 2 3; do
    grep -q "rank $r resumed from step 20 ($T/plain/step-000000020/rank-$r)" "$T/ref-log-$r" || fail "reference resume of rank $r"
    [ -s "$T/ref-$r" ] || fail "reference rank $r"
done
# an uninterrupted run differs from the resumed reference only if resuming loses state
run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 \
    --ckpt-dir "$CK" -- /usr/bin/python3 "$TRAIN" --fail-at 25 --out "$T/run-{rank}"
expect_rc 0
for s in 10 20 30; do expect_count 1 ckpt_complete tag=step-0000000$s; done
expect_count 1 ckpt_restore tag=step-000000020
a=$(field ckpt_restore attempt tag=step-000000020)
for r in 0 1 2 3; do
    node=n$((r / 2 + 1))
    rank_log "$RUN/attempt-$a/$node/rank-$r.log" >"$T/log"
    grep -q "rank $r resumed from step 20 " "$T/log" || fail "rank $r did not resume from step 20: $(grep resumed "$T/log")"
    cmp -s "$T/ref-$r" "$T/run-$r" || fail "rank $r: final weights differ from the reference"
done
# the ranks of the node that kept running resumed from their stage slots, without a copy
for r in 0 1 2 3; do rank_log "$RUN/attempt-$a/n$((r / 2 + 1))/rank-$r.log"; done >"$T/resumed"
grep -h "resumed from" "$T/resumed"
[ "$(grep -h "resumed from step 20 (/dev/shm/.*) zero-copy True" "$T/resumed" | wc -l)" -ge 1 ] ||
    fail "no rank resumed from its stage slot without a copy"
for f in "$CK"/step-000000030/n*/rank-*/state.est; do [ -s "$f" ] || fail "no state.est in the store: $f"; done
"$ENDURE" ckpt verify "$CK" >/dev/null || fail "ckpt verify"
check_no_leftovers
