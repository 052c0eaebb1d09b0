# not under sanitizers: PyTorch's side (24 real rank starts); restore, --verify full and the corrupt-checkpoint fallback run under the sanitizers in ckfiles_run, ckpt_nodes and ckpt_enospc
# Checkpoints through `endure run`, 2 nodes x 2 real PyTorch ranks on gloo:
# rank 1 crashes at step 25 in attempt 0; endure persists and completes steps
# 10 and 20, restarts, every rank resumes from step 20 (its staged copy), and
# the final model equals an uninterrupted reference run. Then a new run on
# the same store with a flipped byte in the newest checkpoint falls back to the
# previous one under --verify full, and says which file was wrong.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
TRAIN="$ENDURE_SRC/tests/e2e/ckpt_trainer.py"
CK="$T/ckpt"
# the reference: the same four ranks without endure (plain directories)
(
    cd "$T"
    export MASTER_ADDR=127.0.0.1 MASTER_PORT=$((20000 + RANDOM % 12000)) WORLD_SIZE=4
    for r in 0 1 2 3; do RANK=$r /usr/bin/python3 "$TRAIN" --pace 0 --out "$T/ref-{rank}" & done
    wait
)
for r in 0 1 2 3; do [ -s "$T/ref-$r" ] || fail "reference rank $r"; done
run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 --ckpt-dir "$CK" -- \
    /usr/bin/python3 "$TRAIN" --pace 0 --fail-at 25 --out "$T/run-{rank}"
expect_rc 0
FIRST_ID=$(basename "$RUN")
expect_count 1 ckpt_complete tag=step-000000010
expect_count 1 ckpt_complete tag=step-000000020
# (a transient failure before the crash, e.g. a gloo rendezvous hiccup, adds
# an attempt; endure restarts it like any other, so find the resuming attempt)
[ "$(count attempt_start)" = 2 ] || grep '"failure"' "$RUN/events.jsonl" >&2
expect_count 1 ckpt_restore tag=step-000000020
a=$(field ckpt_restore attempt tag=step-000000020)
[ "$(count ckpt_persisted tag=step-000000020)" -ge 2 ] || fail "both nodes persist step 20"
for r in 0 1 2 3; do
    node=n$((r / 2 + 1))
    rank_log "$RUN/attempt-$a/$node/rank-$r.log" | grep -q "rank $r resumed from step 20 (/dev/shm/" ||
        fail "rank $r did not resume from its staged copy of step 20"
    cmp -s "$T/ref-$r" "$T/run-$r" || fail "rank $r: final model differs from the reference"
done
[ -f "$CK/step-000000030/COMPLETE" ] || fail "the last checkpoint is not complete"
"$ENDURE" ckpt verify "$CK" >/dev/null || fail "ckpt verify of a good store"
check_no_leftovers
# flip one byte of the newest checkpoint: restore falls back to step 20
f=$(ls "$CK"/step-000000030/n2/rank-3/* | head -n1)
/usr/bin/python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=1; open(p,"wb").write(b)' "$f"
set +e; "$ENDURE" ckpt verify "$CK" >"$T/verify" 2>&1; vrc=$?; set -e
[ "$vrc" -ne 0 ] || fail "ckpt verify missed the flipped byte"
grep -q "rank-3" "$T/verify" || fail "ckpt verify does not name the file: $(cat "$T/verify")"
# (the same run resuming: its run id, a fresh log dir; another id is refused)
LOGS="$T/logs-again" RUN_ID=$FIRST_ID run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --ckpt-dir "$CK" --verify full -- \
    /usr/bin/python3 "$TRAIN" --pace 0 --out "$T/again-{rank}"
expect_rc 0
expect_count 1 ckpt_restore tag=step-000000020 attempt=0
[ "$(count ckpt_corrupt tag=step-000000030)" -ge 1 ] || fail "the corrupt checkpoint is not journaled"
grep -q "rank-3" "$RUN/events.jsonl" || fail "the journal does not name the corrupt file"
for r in 0 1 2 3; do cmp -s "$T/ref-$r" "$T/again-$r" || fail "rank $r after fallback differs"; done
check_no_leftovers
# a flipped byte in the newest complete checkpoint, then a rank crash in the
# same run: under --verify full the restart falls back to the previous one
run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 --ckpt-dir "$T/ck3" --verify full -- \
    /usr/bin/python3 "$TRAIN" --pace 0.3 --corrupt-at 24 --fail-at 25 --out "$T/third-{rank}"
expect_rc 0
rank_log "$RUN/attempt-0/n1/rank-0.log" | grep -q "rank 0 corrupted .*step-000000020" || fail "the trainer did not corrupt step 20"
expect_count 1 ckpt_restore tag=step-000000010
[ "$(count ckpt_corrupt tag=step-000000020)" -ge 1 ] || fail "the corrupt step 20 is not journaled"
grep -q "resuming from checkpoint step-000000010" "$ERR" || fail "the fallback is not said"
for r in 0 1 2 3; do cmp -s "$T/ref-$r" "$T/third-$r" || fail "rank $r after the fallback differs"; done
check_no_leftovers
