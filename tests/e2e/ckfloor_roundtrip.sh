#!/bin/bash
# not under sanitizers: the Python helper's save_state; the endure paths it takes run under the sanitizers in the ckpt_* tests
# endure_ckpt.save_state / load_state round trips, bit for bit: a nested
# state (a module's and an optimizer's state_dict, every dtype of torch 1.13,
# non-contiguous, zero-size and 0-dim tensors, two tensors sharing one
# storage, a Parameter, non-tensor leaves of every kind) through the stage
# (reused slots, zero-copy and one-copy loads), through the agent into the
# durable store (load from the persisted file, `endure ckpt verify`, export
# with `endure ckpt restore --to` and the plain fallback), and through the
# converter `python3 -m endure_state convert` into a torch.load-able file.
# Zero-copy tensors keep their values when their slot is rewritten; damaged
# files are refused with a reason.
set -eu
B=${ENDURE_TEST_BUILD:-$PWD/build}
DRV=$B/tests/ckpt_driver
export ENDURE_SRC=${ENDURE_SRC:-$PWD}
T=$(mktemp -d /tmp/ckfloor-rt.XXXXXX)
S=$(mktemp -d /dev/shm/ckfloor-rt.XXXXXX)
trap 'rm -rf "$T" "$S"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export PYTHONPATH=$ENDURE_SRC/python
cd "$T"

cat >"$T/common.py" <<'PY'
"""The state every step saves (a function of the step) and an exact,
type-strict comparison."""
import collections, math, warnings, torch
warnings.filterwarnings("ignore", "ComplexHalf")

def state(step):
    torch.manual_seed(step)
    m = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    opt = torch.optim.Adam(m.parameters())
    m(torch.randn(5, 4)).sum().backward()
    opt.step()
    base = torch.randn(6, 5)
    dt = {}
    for d in (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
              torch.float16, torch.bfloat16, torch.float32, torch.float64,
              torch.complex32, torch.complex64, torch.complex128):
        src = torch.randn(11, dtype=torch.complex128) * 100
        dt[str(d)] = (src.real > 0) if d == torch.bool else (src if d.is_complex else src.real).to(d)
    return {"model": m.state_dict(), "opt": opt.state_dict(), "dtypes": dt,
            "noncontig": base.t()[1:], "shared": base, "view_i32": base.view(torch.int32)[2],
            "empty": torch.empty(0, 3), "empty_i8": torch.empty(2, 0, dtype=torch.int8),
            "scalar": torch.tensor(step, dtype=torch.int64), "param": torch.nn.Parameter(torch.ones(2) * step),
            "rng": {"torch": torch.get_rng_state(), "py": (3, tuple(range(5)), None)},
            "leaves": [step, 2.5, float("nan"), float("-inf"), None, True, "s", b"\x00\xff", 2 ** 70,
                       {1: "int key", (2, "t"): [1.0]}, collections.OrderedDict(a=1), complex(1, 2)],
            "big": torch.full((1 << 16,), float(step))}

def equal(a, b, k="state"):
    assert type(a) is type(b), (k, type(a), type(b))
    if isinstance(a, torch.Tensor):
        assert (a.dtype, a.shape, a.stride(), a.storage_offset(), a.requires_grad) == \
               (b.dtype, b.shape, b.stride(), b.storage_offset(), b.requires_grad), k
        if a.numel():
            ab = a.detach().contiguous().reshape(-1).view(torch.uint8)
            bb = b.detach().contiguous().reshape(-1).view(torch.uint8)
            assert torch.equal(ab, bb), "%s: bytes differ" % k
    elif isinstance(a, dict):
        assert list(a) == list(b), (k, list(a), list(b))
        assert getattr(a, "_metadata", None) == getattr(b, "_metadata", None), k
        for x in a:
            equal(a[x], b[x], "%s/%s" % (k, x))
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), k
        for i, (x, y) in enumerate(zip(a, b)):
            equal(x, y, "%s/%d" % (k, i))
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), k
    else:
        assert a == b, (k, a, b)
PY

# the stage: four saves (slots reused), loads with and without a copy
cat >"$T/stage.py" <<'PY'
import json, os, sys, torch
sys.path.insert(0, os.environ["T"])
import endure_ckpt as e, endure_state
from common import state, equal
rd = os.environ["ENDURE_CKPT_STAGE"] + "/rank-0"
for step in (1, 2, 3, 4):
    e.save_state(step, state(step))
ino = os.stat(rd + "/slot-0/state.est").st_ino
for step in (5, 6):
    e.save_state(step, state(step))
assert os.stat(rd + "/slot-0/state.est").st_ino == ino, "the slot file was replaced, not rewritten"
c = json.load(open(rd + "/slot-1.commit"))
assert c["step"] == 6 and c["files"] == [{"path": "state.est", "size": os.path.getsize(rd + "/slot-1/state.est")}], c
for mm in (None, True, False):
    got = e.load_state(rd + "/slot-1", mmap=mm)
    equal(state(6), got)
    # tensors that shared a storage share one again, views keep their offsets
    assert got["noncontig"].storage().data_ptr() == got["shared"].storage().data_ptr()
    assert got["view_i32"].storage().data_ptr() == got["shared"].storage().data_ptr()
    assert isinstance(got["param"], torch.nn.Parameter) and got["param"].requires_grad
# a zero-copy load from the stage (the default there) maps the file...
z = e.load_state(rd + "/slot-1")
assert z["big"].storage().data_ptr() != 0
# ...and keeps its values when the slot is rewritten (steps 7 and 8)
e.save_state(7, state(7)); e.save_state(8, state(8))
equal(state(6), z)
equal(state(8), e.load_state(rd + "/slot-1", mmap=True))
# torch_save into the slot state.est lived in: the stale file goes away
with e.save(9) as d:
    e.torch_save({"x": 1}, os.path.join(d, "other.pt"))
assert not os.path.exists(os.path.join(d, "state.est")), os.listdir(d)
e.save_state(10, state(10))
e.save_state(11, state(11))
# resume() under endure gives the directory; load_state() with no arguments
os.environ.update(ENDURE_RESUME_DIR=rd + "/slot-0", ENDURE_RESUME_STEP="11")
equal(state(11), e.load_state())
del os.environ["ENDURE_RESUME_DIR"]
assert e.load_state() is None
print("stage ok")
PY
T=$T ENDURE_CKPT_STAGE=$S/stage RANK=0 WORLD_SIZE=1 /usr/bin/python3 "$T/stage.py" 2>"$T/err" || { cat "$T/err"; fail "stage round trip"; }

# the durable store: the agent persists step 12 (and CRCs it); load from it
rm -rf "$S/stage"
"$DRV" agent --stage "$S/stage" --ckpt "$T/ckpt" --node n1 --world 1 --ranks 0 -- \
    env T="$T" RANK=0 WORLD_SIZE=1 /usr/bin/python3 -c '
import os, sys; sys.path.insert(0, os.environ["T"])
import endure_ckpt as e; from common import state
e.save_state(12, state(12))' >"$T/ev" 2>"$T/err" || { cat "$T/err"; fail "agent run"; }
grep -q '"event":"persisted".*"tag":"step-000000012"' "$T/ev" || { cat "$T/ev"; fail "step 12 not persisted"; }
"$DRV" complete --ckpt "$T/ckpt" --tag step-000000012 --step 12 --world 1 n1=0 || fail "complete"
"$ENDURE" ckpt verify "$T/ckpt" >/dev/null || fail "verify of a save_state checkpoint"
D=$T/ckpt/step-000000012/n1/rank-0
T=$T /usr/bin/python3 -c '
import os, sys; sys.path.insert(0, os.environ["T"])
import endure_ckpt as e; from common import state, equal
equal(state(12), e.load_state(sys.argv[1]))            # one copy (read), not in a stage
equal(state(12), e.load_state(sys.argv[1], mmap=True))
print("store ok")' "$D" || fail "load from the durable store"
# exported, then resumed outside endure (the plain fallback)
"$ENDURE" ckpt restore "$T/ckpt" --to "$T/export" >/dev/null || fail "export"
T=$T RANK=0 WORLD_SIZE=1 ENDURE_CKPT_FALLBACK_DIR=$T/export /usr/bin/python3 -c '
import os, sys; sys.path.insert(0, os.environ["T"])
import endure_ckpt as e; from common import state, equal
equal(state(12), e.load_state())
e.save_state(13, state(13))                       # a plain save: fsync + rename
assert e.resume().step == 13
equal(state(13), e.load_state())
print("plain ok")' || fail "plain fallback"

# the converter: a torch.save file (torch 1.13 cannot save complex32, nor
# one storage viewed as two dtypes: those are dropped here)
T=$T /usr/bin/python3 -c '
import os, sys; sys.path.insert(0, os.environ["T"])
import endure_state; from common import state
s = state(14); del s["dtypes"]["torch.complex32"], s["view_i32"]
endure_state.write_state(sys.argv[1], s, keep_mapped=False)' "$T/s14.est"
/usr/bin/python3 -m endure_state convert "$T/s14.est" "$T/s14.pt" || fail "convert"
T=$T /usr/bin/python3 -c '
import os, sys, torch; sys.path.insert(0, os.environ["T"])
from common import state, equal
s = state(14); del s["dtypes"]["torch.complex32"], s["view_i32"]
equal(s, torch.load(sys.argv[1]))' "$T/s14.pt" || fail "the converted file differs"
set +e
/usr/bin/python3 -m endure_state convert "$T/s14.est" >/dev/null 2>&1; rc1=$?
/usr/bin/python3 -m endure_state convert "$T/s14.pt" "$T/x.pt" 2>"$T/conv.err"; rc2=$?
set -e
[ $rc1 -eq 2 ] || fail "convert usage error: rc $rc1"
[ $rc2 -eq 1 ] && grep -q "not an endure state file" "$T/conv.err" || fail "convert of a torch file: rc $rc2 $(cat "$T/conv.err")"

# damaged files: refused with a reason, never half-loaded
cp "$T/s14.est" "$T/cut.est"; truncate -s -100 "$T/cut.est"
cp "$T/s14.est" "$T/flip.est"; printf '\x01' | dd of="$T/flip.est" bs=1 seek=100 conv=notrunc status=none
/usr/bin/python3 - "$T" <<'PY' || fail "damaged files"
import sys, endure_state
for name, why in (("cut.est", "sizes do not match"), ("flip.est", "CRC mismatch")):
    try:
        endure_state.read_state(sys.argv[1] + "/" + name)
    except ValueError as e:
        assert why in str(e), (name, e)
    else:
        raise AssertionError(name + " loaded")
PY
echo PASS
