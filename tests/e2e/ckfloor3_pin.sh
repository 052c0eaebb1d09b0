#!/bin/bash
# not under sanitizers: the Python helper's save_state only
# save_state's pinning of its stage slots, through a stand-in CUDA runtime
# (build/tests/fakes/libcudart.so.12, named by ENDURE_CUDART) since this
# machine has no GPU: a slot is registered once, with its mapping's address
# and size and flags 0, and kept registered across saves that reuse it; it
# is unregistered before it is unmapped (a slot replaced by a bigger save,
# and close); a failed registration leaves the slot unpinned and the save
# still reads back; ENDURE_CKPT_PIN=0 registers nothing; with no runtime at
# all nothing is pinned.
set -eu
export ENDURE_SRC=${ENDURE_SRC:-$PWD}
BUILD=${BUILD:-build}
S=$(mktemp -d /dev/shm/ckfloor3-pin.XXXXXX)
trap 'rm -rf "$S"' EXIT
export PYTHONPATH=$ENDURE_SRC/python
export ENDURE_CUDART=$PWD/$BUILD/tests/fakes/libcudart.so.12 FAKE_CUDART_LOG=$S/calls
[ -f "$ENDURE_CUDART" ] || { echo "FAIL: $ENDURE_CUDART not built"; exit 1; }
/usr/bin/python3 - "$S" <<'PY' || { echo "FAIL: pinning through the CUDA runtime"; exit 1; }
import os, sys
import torch
import endure_state as es

d, log = sys.argv[1], os.environ["FAKE_CUDART_LOG"]
def calls():
    with open(log) as f:
        return [l.split() for l in f]
def pin_save(p, n):
    """A save of a CUDA state pins the slot before copying; here the slot's
    pinning is called as write_state calls it, for the slot it reuses."""
    st = {"w": torch.arange(n, dtype=torch.float32), "step": n}
    es.write_state(p, st)
    s = es._slots[os.path.abspath(p)]
    es._pin(s)
    return s

p = os.path.join(d, "a.est")
s = pin_save(p, 1 << 20)
ptr, size = s.u8.data_ptr(), s.size
assert calls() == [["register", hex(ptr), str(size), "0"]], calls()
assert s.pinned, "slot not marked pinned"
s2 = pin_save(p, 1 << 20)  # same size: same mapping, still registered
assert s2 is s and len(calls()) == 1, calls()
s3 = pin_save(p, 1 << 21)  # bigger: old mapping unregistered, new one registered
assert s3 is not s, "slot not replaced"
c = calls()
assert c[1] == ["unregister", hex(ptr)] and c[2][0] == "register" and c[2][2] == str(s3.size), c
es._slots.pop(os.path.abspath(p)).close()
assert calls()[3] == ["unregister", c[2][1]], calls()
assert not any(l[0] == "error" for l in calls()), calls()
back = es.read_state(p)
assert back["step"] == 1 << 21 and torch.equal(back["w"], torch.arange(1 << 21, dtype=torch.float32))

os.environ["FAKE_CUDART_FAIL"] = "1"  # registration fails: unpinned, save intact
q = os.path.join(d, "b.est")
s = pin_save(q, 1000)
assert s.pinned is False and calls()[-1][:2] == ["error", "register"], calls()
n = len(calls())
es._slots.pop(os.path.abspath(q)).close()
assert len(calls()) == n, "an unpinned slot was unregistered"
assert torch.equal(es.read_state(q)["w"], torch.arange(1000, dtype=torch.float32))
del os.environ["FAKE_CUDART_FAIL"]

os.environ["ENDURE_CKPT_PIN"] = "0"
s = pin_save(os.path.join(d, "c.est"), 1000)
assert s.pinned is None and len(calls()) == n, calls()
del os.environ["ENDURE_CKPT_PIN"]

os.environ["ENDURE_CUDART"] = os.path.join(d, "no-such-libcudart.so")
s = pin_save(os.path.join(d, "e.est"), 1000)
assert s.pinned is False and len(calls()) == n, calls()
print("pin ok")
PY
echo "PASS: ckfloor3_pin"
