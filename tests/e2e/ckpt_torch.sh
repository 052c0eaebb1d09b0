#!/bin/bash
# Checkpoints end to end without the core: a ckpt_driver plays the agent
# (persisting on its poll loop) and the controller (mark complete, choose,
# resume dirs) around two real PyTorch ranks using python/endure_ckpt.py.
# Attempt 0 crashes rank 1 at step 25; attempt 1 resumes from step 20 (from
# the staged copies) and must end with exactly the weights of an
# uninterrupted reference run. Then a flipped byte makes full verification
# fall back to step 10 and `endure ckpt verify` name the file.
# not under sanitizers: PyTorch's side (two real ranks, three runs) around the test's ckpt_driver; the persist, commit, resume and verify paths run under the sanitizers through endure run in ckpt_kill, ckpt_nodes, ckfiles_run and ckpt_run_faults
set -eu
B=${ENDURE_TEST_BUILD:-$PWD/build}
DRV=$B/tests/ckpt_driver
export ENDURE_SRC=${ENDURE_SRC:-$PWD}
T=$(mktemp -d /tmp/ckpt-torch.XXXXXX)
trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3
TRAIN=$ENDURE_SRC/tests/e2e/ckpt_trainer.py
fail() { echo "FAIL: $*"; exit 1; }
export MASTER_ADDR=127.0.0.1
# a rank that dies of a signal prints its Python stack (it failed once in a
# sanitizer CI run with no output at all)
export PYTHONFAULTHANDLER=1
# one port per phase (no TIME_WAIT clashes), below the kernel's ephemeral
# range (32768-60999 by default): no outgoing connection of another test
# holds it
P=$((20000 + RANDOM % 12000))
OPTS=(--stage "$T/stage" --ckpt "$T/ckpt" --node n1 --world 2 --ranks 0,1)

# reference: no endure at all (the helper's plain-directory fallback)
( cd "$T" && export MASTER_PORT=$P && for r in 0 1; do RANK=$r WORLD_SIZE=2 $PY "$TRAIN" --out "$T/ref-$r" & done; wait )
[ -s "$T/ref-0" ] && [ -s "$T/ref-1" ] || fail "reference run"
ls "$T/checkpoints/step-000000030/rank-1/state.pt" >/dev/null || fail "fallback directories"

# attempt 0: rank 1 crashes at step 25
set +e
"$DRV" agent "${OPTS[@]}" -- bash -c "export MASTER_PORT=$((P + 1)); for r in 0 1; do RANK=\$r WORLD_SIZE=2 $PY $TRAIN --fail-at 25 --out $T/a0-\$r & done; wait -n; a=\$?; wait -n; b=\$?; exit \$((a|b))" >"$T/ev0" 2>"$T/err0"
rc=$?
set -e
cat "$T/ev0"
[ $rc -ne 0 ] || fail "attempt 0 should have failed"
for s in 10 20; do
  grep -q "\"event\":\"persisted\".*\"tag\":\"step-0000000$s\"" "$T/ev0" || fail "step $s not persisted"
  "$DRV" complete --ckpt "$T/ckpt" --tag step-0000000$s --step $s --world 2 n1=0,1 || fail "complete $s"
done
grep -q '"tag":"step-000000030"' "$T/ev0" && fail "step 30 was only committed by rank 0, must not be staged"
[ -e "$T/ckpt/step-000000030" ] && fail "step 30 must not be persisted"
"$ENDURE" ckpt verify "$T/ckpt" || fail "verify"
"$ENDURE" ckpt ls "$T/ckpt"
"$DRV" choose --ckpt "$T/ckpt" --verify full >"$T/choice"
grep -q '"step":20' "$T/choice" || fail "choice: $(cat "$T/choice")"

# attempt 1: every rank resumes from its staged copy of step 20
for r in 0 1; do
  read -r kind dir < <("$DRV" resume-dir "${OPTS[@]}" --tag step-000000020 --rank $r)
  [ "$kind" = staged ] || fail "rank $r should resume from the stage, got $kind $dir"
  echo "$dir" >"$T/dir-$r"
done
"$DRV" agent "${OPTS[@]}" -- bash -c "export MASTER_PORT=$((P + 2)); for r in 0 1; do RANK=\$r WORLD_SIZE=2 ENDURE_RESUME_TAG=step-000000020 ENDURE_RESUME_STEP=20 ENDURE_RESUME_DIR=\$(cat $T/dir-\$r) $PY $TRAIN --out $T/a1-\$r & done; wait -n; a=\$?; wait -n; b=\$?; [ \$((a|b)) -eq 0 ] || echo \"rank exit statuses: \$a \$b\" >&2; exit \$((a|b))" >"$T/ev1" 2>"$T/err1" || { cat "$T/ev1" "$T/err1"; fail "attempt 1"; }
for r in 0 1; do
  grep -q "rank $r resumed from step 20 ($(cat "$T/dir-$r"))" "$T/ev1" || { cat "$T/ev1" "$T/err1"; fail "rank $r did not resume from step 20"; }
done
for r in 0 1; do
  cmp -s "$T/ref-$r" "$T/a1-$r" || fail "rank $r final model differs: $(cat "$T/ref-$r") vs $(cat "$T/a1-$r")"
done
grep -q '"event":"persisted".*"tag":"step-000000030"' "$T/ev1" || fail "step 30 not persisted in attempt 1"

# a flipped byte in step 20: full verification falls back to step 10
f=$T/ckpt/step-000000020/n1/rank-1/state.pt
printf '\x00' | dd of="$f" bs=1 seek=200 conv=notrunc status=none
printf '\xff' | dd of="$f" bs=1 seek=201 conv=notrunc status=none
"$DRV" choose --ckpt "$T/ckpt" --verify full >"$T/choice2"
cat "$T/choice2"
grep -q '"step":10' "$T/choice2" || fail "no fallback"
grep -q 'rank-1/state.pt' "$T/choice2" || fail "problem does not name the file"
set +e
"$ENDURE" ckpt verify "$T/ckpt" step-000000020 >"$T/verify" 2>&1
rc=$?
set -e
cat "$T/verify"
[ $rc -eq 1 ] && grep -q 'rank-1/state.pt' "$T/verify" || fail "verify must fail naming the file"
echo PASS
