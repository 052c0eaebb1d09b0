#!/bin/bash
# not under sanitizers: the Python helper's save_state; the endure paths it takes run under the sanitizers in the ckpt_* tests
# A rank killed in the middle of save_state never leaves a torn commit:
# 1. a trainer that SIGKILLs itself halfway through copying step 3's
#    tensors into slot 0 (which held step 1): slot 0 has no commit, slot 1
#    still holds step 2 and loads bit-identical; the agent then persists
#    step 2 only, and the resume directory it gives is step 2's;
# 2. a trainer saving in a loop, killed by SIGKILL from outside at an
#    arbitrary moment: every commit record left names a file that loads as
#    exactly the state of its step.
set -eu
B=${ENDURE_TEST_BUILD:-$PWD/build}
DRV=$B/tests/ckpt_driver
export ENDURE_SRC=${ENDURE_SRC:-$PWD}
T=$(mktemp -d /tmp/ckfloor-crash.XXXXXX)
S=$(mktemp -d /dev/shm/ckfloor-crash.XXXXXX)
loop=
trap '[ -n "$loop" ] && kill -9 "$loop" 2>/dev/null; rm -rf "$T" "$S"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export PYTHONPATH=$ENDURE_SRC/python RANK=0 WORLD_SIZE=1
cat >"$T/common.py" <<'PY'
import torch
def state(step):   # 8 storages of 4 MiB, each filled from the step
    return {"w%d" % i: torch.full((1 << 20,), float(step * 10 + i)) for i in range(8)} | {"step": step}
PY

# 1. killed by itself halfway through the copy of step 3
cat >"$T/selfkill.py" <<'PY'
import os, signal, sys
sys.path.insert(0, os.environ["T"])
import endure_ckpt as e, endure_state
from common import state
e.save_state(1, state(1))
e.save_state(2, state(2))
orig, n = endure_state._storage_bytes, [0]
def dying(t):  # the 5th storage of step 3: the header and 4 storages are in slot 0
    n[0] += 1
    if n[0] == 5:
        os.kill(os.getpid(), signal.SIGKILL)
    return orig(t)
endure_state._storage_bytes = dying
e.save_state(3, state(3))
print("not killed")
PY
set +e
T=$T ENDURE_CKPT_STAGE=$S/stage /usr/bin/python3 "$T/selfkill.py" >"$T/out" 2>&1
rc=$?
set -e
[ $rc -eq 137 ] || fail "the trainer was not killed (rc $rc): $(cat "$T/out")"
rd=$S/stage/rank-0
[ ! -e "$rd/slot-0.commit" ] || fail "slot 0 has a commit after a killed save: $(cat "$rd/slot-0.commit")"
[ ! -e "$rd/slot-0.commit.tmp" ] || fail "a commit record was begun"
grep -q '"step": 2' "$rd/slot-1.commit" || fail "slot 1 lost step 2"
T=$T /usr/bin/python3 - "$rd" <<'PY' || fail "what the killed save left"
import os, sys, torch
sys.path.insert(0, os.environ["T"])
import endure_ckpt as e
from common import state
got = e.load_state(sys.argv[1] + "/slot-1", mmap=False)
want = state(2)
assert got.keys() == want.keys() and got["step"] == 2
assert all(torch.equal(got[k], want[k]) for k in want if k != "step"), "step 2 changed"
# the torn file really is torn: step 3's first storages, step 1's last ones
torn = e.load_state(sys.argv[1] + "/slot-0", mmap=False)
assert torn["w0"][0] == 30 and torn["w7"][0] == 17, (torn["w0"][0], torn["w7"][0])
PY
# the agent persists step 2 only; step 2 is where a restart resumes from
"$DRV" agent --stage "$S/stage" --ckpt "$T/ckpt" --node n1 --world 1 --ranks 0 -- true >"$T/ev" 2>&1 ||
    { cat "$T/ev"; fail "agent"; }
grep -q '"event":"persisted".*"tag":"step-000000002"' "$T/ev" || { cat "$T/ev"; fail "step 2 not persisted"; }
grep -q '"tag":"step-000000003"' "$T/ev" && fail "the killed step 3 reached the agent: $(cat "$T/ev")"
[ ! -e "$T/ckpt/step-000000003" ] || fail "step 3 in the store"
"$DRV" complete --ckpt "$T/ckpt" --tag step-000000002 --step 2 --world 1 n1=0 || fail "complete"
"$DRV" choose --ckpt "$T/ckpt" --verify full | grep -q '"step":2' || fail "restore does not choose step 2"
read -r kind dir < <("$DRV" resume-dir --stage "$S/stage" --ckpt "$T/ckpt" --node n1 --world 1 --ranks 0 --tag step-000000002 --rank 0)
[ "$kind" = staged ] && [ "$dir" = "$rd/slot-1" ] || fail "resume dir: $kind $dir"

# 2. killed from outside at an arbitrary moment of a loop of saves
cat >"$T/loop.py" <<'PY'
import os, sys
sys.path.insert(0, os.environ["T"])
import endure_ckpt as e
from common import state
for step in range(1, 100000):
    e.save_state(step, state(step))
    print("saved", step, flush=True)
PY
T=$T ENDURE_CKPT_STAGE=$S/loop /usr/bin/python3 "$T/loop.py" >"$T/loop.out" 2>&1 &
loop=$!
for _ in $(seq 600); do
    [ "$(grep -c saved "$T/loop.out")" -ge 5 ] && break
    sleep 0.05
done
kill -9 "$loop"
wait "$loop" 2>/dev/null || true
loop=
[ "$(grep -c saved "$T/loop.out")" -ge 5 ] || fail "the loop did not save: $(cat "$T/loop.out")"
T=$T /usr/bin/python3 - "$S/loop/rank-0" <<'PY' || fail "a torn commit after the kill"
import json, os, sys, torch
sys.path.insert(0, os.environ["T"])
import endure_ckpt as e
from common import state
n = 0
for k in (0, 1):
    p = "%s/slot-%d.commit" % (sys.argv[1], k)
    if not os.path.exists(p):
        continue
    c = json.load(open(p))
    got, want = e.load_state("%s/slot-%d" % (sys.argv[1], k), mmap=False), state(c["step"])
    assert got["step"] == c["step"], (got["step"], c)
    assert all(torch.equal(got[x], want[x]) for x in want if x != "step"), "slot %d: step %d torn" % (k, c["step"])
    n += 1
assert n >= 1, "no commit left"
print("%d commits intact" % n)
PY
echo PASS
