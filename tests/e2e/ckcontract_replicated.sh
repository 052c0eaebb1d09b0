# The DDP pattern through `endure run`, 2 nodes x 2 real PyTorch ranks
# (DistributedDataParallel on gloo): only rank 0 saves, with
# endure_ckpt.save(step, scope="replicated"); the trainer imports endure_ckpt
# with no PYTHONPATH of its own (endure adds its helper after the user's).
# Rank 2 (on the other node) crashes at step 25; steps 10 and 20 are
# complete; every rank of the next attempt resumes from step 20 out of the
# same directory, and the final model equals an uninterrupted run's.
# not under sanitizers: PyTorch's side (DDP on gloo, 2 nodes x 2 real ranks, two attempts); a replicated save through endure run runs under the sanitizers in ckcontract_perms, its commit and export in the unit tests
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
TRAIN="$ENDURE_SRC/tests/e2e/ckcontract_ddp.py"
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
grep -q "rank 3 resumed from step 20 ($T/plain/step-000000020/rank-0)" "$T/ref-log-3" || fail "reference resume"
for r in 0 1 2 3; do [ -s "$T/ref-$r" ] || fail "reference rank $r"; done
# the user's own PYTHONPATH stays first
mkdir -p "$T/userpy"
echo 'MARK = "user"' >"$T/userpy/ckcontract_usermod.py"
PYTHONPATH="$T/userpy" run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 \
    --ckpt-dir "$CK" -- /usr/bin/python3 "$TRAIN" --fail-at 25 --out "$T/run-{rank}"
expect_rc 0
for s in 10 20 30; do expect_count 1 ckpt_complete tag=step-0000000$s scope=replicated; done
expect_count 0 ckpt_not_completing
expect_count 0 ckpt_incomplete
expect_count 1 ckpt_restore tag=step-000000020
a=$(field ckpt_restore attempt tag=step-000000020)
want="$CK/step-000000020/n1/rank-0"
for r in 0 1 2 3; do
    node=n$((r / 2 + 1))
    rank_log "$RUN/attempt-$a/$node/rank-$r.log" | grep -qF "rank $r resumed from step 20 ($want)" ||
        fail "rank $r did not resume from step 20 in $want: $(rank_log "$RUN/attempt-$a/$node/rank-$r.log" | grep resumed)"
    cmp -s "$T/ref-$r" "$T/run-$r" || fail "rank $r: final model differs from the reference"
done
grep -q '"scope": *"replicated"' "$CK/step-000000030/COMPLETE" || fail "COMPLETE does not say replicated"
"$ENDURE" ckpt verify "$CK" >/dev/null || fail "ckpt verify of a replicated store"
# the export hands the saver's part over, and the helper resumes every rank from it outside endure
"$ENDURE" ckpt restore "$CK" --to "$T/export" >/dev/null || fail "export of a replicated checkpoint"
for r in 0 3; do
    got=$(cd "$T" && RANK=$r WORLD_SIZE=4 ENDURE_CKPT_FALLBACK_DIR="$T/export" PYTHONPATH="$ENDURE_SRC/python" \
        /usr/bin/python3 -c 'import endure_ckpt; print(endure_ckpt.resume())')
    case "$got" in *"export/step-000000030/rank-0'"*"step=30)") ;; *) fail "rank $r outside endure: $got" ;; esac
done
grep -q "NOT completing\|restarting from" "$ERR" && fail "a checkpoint warning in a healthy replicated run: $(grep warning "$ERR")"
# the rank environment: the user's PYTHONPATH first, then endure's helper
PYTHONPATH="$T/userpy" run_endure --nodes n1 --nnodes 1 --nproc-per-node 1 -- /usr/bin/python3 -c \
    'import os, ckcontract_usermod, endure_ckpt; print("PP", os.environ["PYTHONPATH"], ckcontract_usermod.MARK, endure_ckpt.__file__)'
expect_rc 0
grep -qF "PP $T/userpy:$ENDURE_SRC/python user $ENDURE_SRC/python/endure_ckpt.py" "$RUN/attempt-0/n1/rank-0.log" ||
    fail "rank PYTHONPATH: $(cat "$RUN/attempt-0/n1/rank-0.log")"
check_no_leftovers
