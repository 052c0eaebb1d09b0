#!/bin/bash
# Persisting onto a filesystem that fills up: the durable dir is a 2 MiB
# tmpfs; a 3 MiB checkpoint fails to persist with a persist_failed event
# naming the error, leaves no partial directory and cannot be marked
# complete, while the trainer goes on and its next, smaller checkpoint
# persists. Skips (exit 0, with a message) where tmpfs cannot be mounted.
set -eu
B=${ENDURE_TEST_BUILD:-$PWD/build}
DRV=$B/tests/ckpt_driver
export ENDURE_SRC=${ENDURE_SRC:-$PWD}
T=$(mktemp -d /tmp/ckpt-enospc.XXXXXX)
mkdir "$T/small"
if ! mount -t tmpfs -o size=2m tmpfs "$T/small" 2>"$T/mount.err"; then
  echo "SKIP: cannot mount a 2 MiB tmpfs ($(cat "$T/mount.err")); needs root"
  rm -rf "$T"
  exit 0
fi
trap 'umount "$T/small"; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$T/train.py" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import endure_ckpt
for step, size in ((1, 3 << 20), (2, 100 << 10)):
    with endure_ckpt.save(step) as d:
        with endure_ckpt.open(os.path.join(d, "state.bin")) as f:
            f.write(os.urandom(size))
print("trainer finished", flush=True)
PY
RANK=0 "$DRV" agent --stage "$T/stage" --ckpt "$T/small" --node n1 --world 1 --ranks 0 \
  -- /usr/bin/python3 "$T/train.py" >"$T/ev" 2>"$T/err" || { cat "$T/err"; fail "driver or trainer failed"; }
cat "$T/ev"
grep -q "trainer finished" "$T/ev" || fail "the trainer did not go on"
grep '"event":"persist_failed"' "$T/ev" | grep '"tag":"step-000000001"' | grep -q 'No space left on device' \
  || fail "no persist_failed event with the error"
grep -q '"event":"persisted".*"tag":"step-000000002"' "$T/ev" || fail "the next checkpoint did not persist"
[ ! -e "$T/small/step-000000001/n1" ] || fail "a failed part was renamed into place"
[ ! -e "$T/small/step-000000001/n1.partial" ] || fail "the partial directory was left behind"
if "$DRV" complete --ckpt "$T/small" --tag step-000000001 --step 1 --world 1 n1=0 2>"$T/cerr"; then
  fail "a failed part was marked complete"
fi
"$DRV" complete --ckpt "$T/small" --tag step-000000002 --step 2 --world 1 n1=0 || fail "complete step 2"
"$DRV" choose --ckpt "$T/small" --verify full | grep -q '"step":2' || fail "restore choice"
echo PASS
