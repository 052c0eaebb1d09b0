#!/bin/bash
# not under sanitizers: the Python helper's save_state only
# save_state's copy into the slot when a source tensor lies within 4 KiB of
# a multiple of 256 MiB from its place in the slot (torch's vectorized copy
# runs 2.3x slower there on AMD EPYC; the writer then copies with memmove):
# the source is mapped on purpose at such a distance below its slot offset;
# the writer takes the memmove path for it and the file reads back bit for
# bit, in the fallback and the normal path; the distance rule's edges.
set -eu
export ENDURE_SRC=${ENDURE_SRC:-$PWD}
S=$(mktemp -d /dev/shm/ckfloor2-alias.XXXXXX)
trap 'rm -rf "$S"' EXIT
export PYTHONPATH=$ENDURE_SRC/python
/usr/bin/python3 - "$S" <<'PY' || { echo "FAIL: aliased save"; exit 1; }
import ctypes, os, sys
import torch
import endure_state as es

M = 1 << 28
A = es._aliased
assert A(M, 0) and A(2 * M + 4095, 0) and A(M - 4095, 0) and A(3 * M + 4096 - 64, 64), "edges inside"
assert not A(M + 4096, 0) and not A(M - 4096, 0) and not A(M // 2, 0) and not A(4096 + 64, 64), "edges outside"

N = 8 << 20
p = os.path.join(sys.argv[1], "x.est")
es.write_state(p, {"w": torch.zeros(N // 4), "small": torch.zeros(3)})
slot = es._slots[os.path.abspath(p)]
dst = slot.u8.data_ptr() + es._HDR.unpack_from(slot.mm, 0)[4]
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
for k in range(1, 64):  # an address k * 256 MiB below the destination, if free
    want = dst - k * M
    a = libc.mmap(want, N, 3, 0x22 | 0x100000, -1, 0)  # RW, PRIVATE|ANONYMOUS|FIXED_NOREPLACE
    if a == want:
        break
else:
    sys.exit("no free address at a multiple of 256 MiB below the slot")
src = torch.frombuffer((ctypes.c_char * N).from_address(a), dtype=torch.float32)
src.copy_(torch.randn(N // 4, generator=torch.Generator().manual_seed(7)))
state = {"w": src, "small": torch.arange(3.0)}
calls = []
def spy(d, s):
    calls.append(A(d, s))
    return calls[-1]
es._aliased = spy
for guard in (True, False):
    if not guard:
        es._aliased = lambda d, s: False  # torch's copy for the same layout
    es.write_state(p, state)
    back = es.read_state(p)
    assert torch.equal(back["w"].view(torch.int32), src.view(torch.int32)), "bytes differ (guard %s)" % guard
    assert torch.equal(back["small"], state["small"])
assert calls == [True], "the aliased storage was not detected: %r" % calls
print("ok: aliased source at -%d x 256 MiB copied by memmove, bit-identical" % k)
PY
