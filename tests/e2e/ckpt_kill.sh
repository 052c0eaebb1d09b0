#!/bin/bash
# Killing the agent in the middle of a persist: the .partial directory it
# leaves is never chosen for restore nor marked complete; the next agent
# cleans it at start-up and persists the staged commit again.
set -eu
B=${ENDURE_TEST_BUILD:-$PWD/build}
DRV=$B/tests/ckpt_driver
export ENDURE_SRC=${ENDURE_SRC:-$PWD}
T=$(mktemp -d /tmp/ckpt-kill.XXXXXX)
S=$(mktemp -d /dev/shm/ckpt-kill.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$T" "$S"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
OPTS=(--stage "$S/stage" --ckpt "$T/ckpt" --node n1 --world 1 --ranks 0 --threads 1)
MB=${CKPT_KILL_MB:-256}

cat >"$T/train.py" <<PY
import os, sys, time
sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import endure_ckpt
open("$T/trainer.pid", "w").write(str(os.getpid()))
block = os.urandom(1 << 20)
with endure_ckpt.save(1) as d:
    with endure_ckpt.open(os.path.join(d, "state.bin")) as f:
        for _ in range($MB):
            f.write(block)
time.sleep(120)
PY
RANK=0 "$DRV" agent "${OPTS[@]}" -- /usr/bin/python3 "$T/train.py" >"$T/ev0" 2>"$T/err0" &
drv=$!
pids+=("$drv")
for _ in $(seq 600); do
  [ -e "$T/ckpt/step-000000001/n1.partial" ] && break
  sleep 0.05
done
kill -9 "$drv"
wait "$drv" 2>/dev/null || true
[ -s "$T/trainer.pid" ] && pids+=("$(cat "$T/trainer.pid")")
cat "$T/ev0"
[ -e "$T/ckpt/step-000000001/n1.partial" ] || fail "no .partial seen (persist never started?)"
[ ! -e "$T/ckpt/step-000000001/n1" ] || fail "the persist finished before the kill; raise CKPT_KILL_MB"
"$DRV" choose --ckpt "$T/ckpt" --verify size | grep -q '"tag":null' || fail "a partial TAG was chosen"
if "$DRV" complete --ckpt "$T/ckpt" --tag step-000000001 --step 1 --world 1 n1=0 2>/dev/null; then
  fail "a partial TAG was marked complete"
fi
"$ENDURE" ckpt ls "$T/ckpt" --json | grep -q '"partial": true' || fail "ls does not show the partial"

# the next agent: cleans the partial, persists the staged commit again
"$DRV" agent "${OPTS[@]}" >"$T/ev1" 2>"$T/err1" &
drv=$!
pids+=("$drv")
for _ in $(seq 1200); do
  grep -q '"event":"persisted"' "$T/ev1" && break
  sleep 0.05
done
kill -TERM "$drv"
wait "$drv" || fail "second agent did not drain cleanly"
cat "$T/ev1"
grep -q '"event":"cleaned".*n1.partial' "$T/ev1" || fail "no cleaned event"
grep -q '"event":"persisted".*"tag":"step-000000001"' "$T/ev1" || fail "not persisted again"
[ ! -e "$T/ckpt/step-000000001/n1.partial" ] || fail "partial still there"
"$DRV" complete --ckpt "$T/ckpt" --tag step-000000001 --step 1 --world 1 n1=0 || fail "complete"
"$ENDURE" ckpt verify "$T/ckpt" || fail "verify"
echo PASS
