"""endure_state: a tensor-native checkpoint file, written at memcpy speed.

endure_ckpt.save_state(step, state) / endure_ckpt.load_state() use it; this
module holds the format, the writer and the reader, and a converter:

    python3 -m endure_state convert IN.est OUT.pt    # a torch.save file

Why: torch.save walks and writes the tensors itself and blocks the trainer
2.5-3.5x the time of a plain memory copy. Here each tensor storage's bytes
are copied straight into a memory mapping of the file (kept mapped across
saves: endure's stage slots are rewritten in place), so a save costs about
one memcpy of the state.

File layout (little-endian), format version 1:
    0   header, 64 bytes: magic b"ENDURST\\n", u32 version, u32 header size,
        u64 metadata length, u64 data offset, u64 data length,
        u32 CRC32 of the metadata, zero padding
    64  metadata: UTF-8 JSON {"storages": [[offset, nbytes, device], ...],
        "tensors": [[storage, dtype, shape, stride, storage_offset, flags]],
        "tree": the state's structure, tensors as {"x": index}}
    data offset (a multiple of 4096): the storages' bytes, each at an
        offset (relative to the data offset) aligned to 4096 bytes (64 for
        storages under 64 KiB); padding is zero.
A storage viewed by several tensors is written once and shared again on
load; a tensor's strides and storage offset are kept (like torch.save).
Non-tensor leaves: None, bool, int, float, str, bytes, lists, tuples, dicts
(any keys) and OrderedDicts (with a module state_dict's _metadata) are JSON;
anything else is pickled (load with allow_pickle=False refuses those).
Standard library plus torch.
"""
import base64
import collections
import ctypes
import json
import mmap
import os
import pickle
import struct
import sys
import weakref
import zlib

import torch

__all__ = ["write_state", "read_state", "convert", "STATE_FILE"]

STATE_FILE = "state.est"
MAGIC = b"ENDURST\n"
VERSION = 1
_HDR = struct.Struct("<8sIIQQQI")
HEADER_SIZE = 64
DATA_ALIGN = 4096
SMALL_ALIGN = 64
SMALL = 64 << 10
_MAX_META = 1 << 30

_DTYPES = {str(d).split(".")[1]: d for d in (
    torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
    torch.float16, torch.bfloat16, torch.float32, torch.float64,
    torch.complex32, torch.complex64, torch.complex128)}
_NAMES = {d: n for n, d in _DTYPES.items()}
_F_PARAM, _F_GRAD = 1, 2
# a tensor's whole storage, untyped, without the TypedStorage wrapper that
# Tensor.storage() builds (a per-tensor cost that adds up over thousands)
_untyped = getattr(torch.Tensor, "untyped_storage", None) or torch.Tensor._storage


def _align(n, a):
    return (n + a - 1) // a * a


# ---- the structure (non-tensor leaves as compact JSON) ----

class _Enc:
    def __init__(self):
        self.storages, self.tensors, self.src = [], [], []
        self._sid = {}

    def tensor(self, t):
        if t.layout != torch.strided or t.is_quantized or t.device.type == "meta":
            raise TypeError("endure_state: cannot save a %s tensor (%s)" % (t.layout, t.dtype))
        name = _NAMES.get(t.dtype)
        if name is None:
            raise TypeError("endure_state: unsupported dtype %s" % t.dtype)
        st = _untyped(t)
        nbytes = st.nbytes()
        dev = str(t.device)
        key = (dev, st.data_ptr(), nbytes)
        sid = self._sid.get(key) if nbytes else None
        if sid is None:
            sid = len(self.storages)
            self.storages.append([0, nbytes, dev])
            self.src.append((t, st))
            if nbytes:
                self._sid[key] = sid
        cls = type(t)  # Parameter's isinstance is slow; most tensors are plain
        param = cls is torch.nn.Parameter or (cls is not torch.Tensor and isinstance(t, torch.nn.Parameter))
        flags = (_F_PARAM if param else 0) | (_F_GRAD if t.requires_grad else 0)
        self.tensors.append([sid, name, list(t.shape), list(t.stride()), t.storage_offset(), flags])
        return {"x": len(self.tensors) - 1}

    def enc(self, o):
        ty = type(o)
        if o is None or ty in (bool, int, str):
            return o
        if ty is float:
            return o
        if isinstance(o, torch.Tensor):
            return self.tensor(o)
        if ty is list:
            return [self.enc(v) for v in o]
        if ty is tuple:
            return {"t": [self.enc(v) for v in o]}
        if ty is bytes:
            return {"b": base64.b64encode(o).decode()}
        if ty in (dict, collections.OrderedDict):
            if all(type(k) is str for k in o):
                r = {"s": {k: self.enc(v) for k, v in o.items()}}
            else:
                r = {"d": [[self.enc(k), self.enc(v)] for k, v in o.items()]}
            if ty is collections.OrderedDict:
                r["o"] = 1
                if hasattr(o, "_metadata"):
                    r["m"] = self.enc(o._metadata)
            return r
        return {"p": base64.b64encode(pickle.dumps(o, protocol=4)).decode()}


def _dec(o, tensors, allow_pickle):
    if not isinstance(o, (dict, list)):
        return o
    if isinstance(o, list):
        return [_dec(v, tensors, allow_pickle) for v in o]
    if "x" in o:
        return tensors[o["x"]]
    if "t" in o:
        return tuple(_dec(v, tensors, allow_pickle) for v in o["t"])
    if "b" in o:
        return base64.b64decode(o["b"])
    if "s" in o or "d" in o:
        items = o["s"].items() if "s" in o else o["d"]
        r = (collections.OrderedDict if o.get("o") else dict)(
            (_dec(k, tensors, allow_pickle), _dec(v, tensors, allow_pickle)) for k, v in items)
        if "m" in o:
            r._metadata = _dec(o["m"], tensors, allow_pickle)
        return r
    if "p" in o:
        if not allow_pickle:
            raise ValueError("endure_state: a pickled leaf, and allow_pickle is False")
        return pickle.loads(base64.b64decode(o["p"]))
    raise ValueError("endure_state: corrupt metadata (unknown node %r)" % sorted(o)[:3])


# ---- live zero-copy mappings (read_state(mmap=True)) ----

_live = {}  # (st_dev, st_ino) -> [weakref to a MAP_PRIVATE mmap whose tensors live]


def unshare(path=None):
    """Called before a file is rewritten (write_state, endure_ckpt.open) and
    when a save into the stage begins (path None: every file): each live
    zero-copy mapping of it gets private copies of all its pages first, so
    tensors loaded with mmap_mode=True keep the saved values even when the
    slot is rewritten or freed by the agent afterwards. No cost once those
    tensors are gone (a model's load_state_dict copies)."""
    if path is None:
        keys = list(_live)
    else:
        try:
            st = os.stat(path)
        except OSError:
            return
        keys = [(st.st_dev, st.st_ino)]
    for ref in [r for k in keys for r in _live.pop(k, [])]:
        mm = ref()
        if mm is not None and not mm.closed:
            u8 = torch.frombuffer(mm, dtype=torch.uint8)
            pages = u8[::mmap.PAGESIZE]
            pages.copy_(pages.clone())  # a write to each page: copy-on-write


# ---- writing ----

class _Slot:
    """One file kept mapped (MAP_SHARED) between saves, with its pinning."""

    def __init__(self, path, size):
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            os.ftruncate(self.fd, size)
            self.ino = os.fstat(self.fd).st_ino
            self.size = size
            self.mm = mmap.mmap(self.fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except BaseException:
            os.close(self.fd)
            raise
        self.u8 = torch.frombuffer(self.mm, dtype=torch.uint8)
        self.pinned = None

    def close(self):
        if self.pinned:
            _unpin(self.pinned, self.u8.data_ptr())
        self.u8 = None
        self.mm.close()
        os.close(self.fd)


_slots = {}  # abspath -> _Slot, the mappings reused by the next save


def _cudart():
    """cudaHostRegister/Unregister: torch's binding where torch has CUDA,
    else the CUDA runtime by dlopen (ENDURE_CUDART names the library when
    it is not on the loader's path); None when there is neither."""
    if torch.cuda.is_available():
        rt = torch.cuda.cudart()
        if hasattr(rt, "cudaHostRegister"):
            return rt, rt.cudaHostRegister, rt.cudaHostUnregister
    names = [os.environ["ENDURE_CUDART"]] if os.environ.get("ENDURE_CUDART") else \
        ["libcudart.so", "libcudart.so.12", "libcudart.so.11.0"]
    for name in names:
        try:
            lib = ctypes.CDLL(name)
            lib.cudaHostRegister.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint]
            lib.cudaHostUnregister.argtypes = [ctypes.c_void_p]
            return lib, lib.cudaHostRegister, lib.cudaHostUnregister
        except (OSError, AttributeError):
            continue
    return None


def _pin(slot):
    """Registers the slot's mapping as pinned memory, once per mapping, so
    that device-to-host copies into it run at full PCIe speed; a failed
    registration leaves it unpinned (the copy still works, slower). Called
    when a save holds CUDA tensors. ENDURE_CKPT_PIN=0 turns it off. Tested
    through a stand-in CUDA runtime (tests/fakes/fake_cudart.c); not yet run
    on a GPU."""
    if slot.pinned is not None or os.environ.get("ENDURE_CKPT_PIN", "1") == "0":
        return
    slot.pinned = False
    rt = _cudart()
    if rt and int(rt[1](slot.u8.data_ptr(), slot.size, 0)) == 0:
        slot.pinned = rt


def _unpin(rt, ptr):
    """Unregisters a pinned mapping before it is unmapped, after the device
    has finished any copy into it."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    rt[2](ptr)


def _slot_for(path, size, keep):
    path = os.path.abspath(path)
    s = _slots.pop(path, None)
    if s is not None:
        try:
            same = os.stat(path).st_ino == s.ino
        except OSError:
            same = False
        if not same or s.size != size:
            s.close()
            s = None
        elif os.fstat(s.fd).st_size != size:
            os.ftruncate(s.fd, size)  # shrunk by someone (the agent freeing the slot)
    if s is None:
        s = _Slot(path, size)
    if keep:
        _slots[path] = s
    return s


def _storage_bytes(t):
    """The whole storage of t as a flat uint8 tensor (no copy)."""
    st = t.storage()
    base = torch.empty(0, dtype=t.dtype, device=t.device)
    base.set_(st, 0, (st.size(),), (1,))
    return base.view(torch.uint8) if t.dtype != torch.uint8 else base


_ALIAS_MOD, _ALIAS_WIN = 1 << 28, 4096


def _aliased(dst, src):
    """True when dst - src is within 4 KiB of a multiple of 256 MiB: torch's
    vectorized copy then runs 2.3x slower on AMD EPYC (Zen 4, measured; the
    CPU's store/load address aliasing), glibc's memmove does not."""
    d = (dst - src) % _ALIAS_MOD
    return d < _ALIAS_WIN or d > _ALIAS_MOD - _ALIAS_WIN


def write_state(path, state, keep_mapped=True):
    """Writes state (a tensor, or a nested dict/list/tuple holding tensors
    and plain values) to path in the endure state format. The file is
    rewritten in place and kept mapped for the next write of the same path
    when keep_mapped (endure's stage slots); returns the file size."""
    e = _Enc()
    tree = e.enc(state)
    off = 0
    for s in e.storages:
        off = _align(off, DATA_ALIGN if s[1] >= SMALL else SMALL_ALIGN)
        s[0] = off
        off += s[1]
    data_len = off
    meta = json.dumps({"storages": e.storages, "tensors": e.tensors, "tree": tree},
                      separators=(",", ":")).encode()
    data_off = _align(HEADER_SIZE + len(meta), DATA_ALIGN)
    size = data_off + data_len
    unshare(path)
    slot = _slot_for(path, size, keep_mapped)
    try:
        hdr = _HDR.pack(MAGIC, VERSION, HEADER_SIZE, len(meta), data_off, data_len, zlib.crc32(meta))
        slot.mm[0:data_off] = hdr.ljust(HEADER_SIZE, b"\0") + meta + bytes(data_off - HEADER_SIZE - len(meta))
        cuda = any(t.is_cuda for t, _st in e.src)
        if cuda:
            _pin(slot)
        base = slot.u8.data_ptr()
        end = data_off
        for (o, n, _dev), (t, st) in zip(e.storages, e.src):
            o += data_off
            if o > end:
                ctypes.memset(base + end, 0, o - end)
            if n and t.device.type != "cpu":
                slot.u8[o:o + n].copy_(_storage_bytes(t))  # device to host
            elif n >= SMALL and not _aliased(base + o, st.data_ptr()):
                slot.u8[o:o + n].copy_(_storage_bytes(t))  # torch's copy: intra-op threads
            elif n:
                ctypes.memmove(base + o, st.data_ptr(), n)  # small: no per-call tensor overhead
            end = o + n
        if cuda:
            torch.cuda.synchronize()
    finally:
        if not keep_mapped:
            slot.close()
    return size


# ---- reading ----

def _header(buf, size):
    if size < HEADER_SIZE:
        raise ValueError("endure_state: not an endure state file (too short)")
    magic, ver, hsz, mlen, doff, dlen, crc = _HDR.unpack_from(buf, 0)
    if magic != MAGIC:
        raise ValueError("endure_state: not an endure state file (bad magic)")
    if ver != VERSION or hsz != HEADER_SIZE:
        raise ValueError("endure_state: unsupported format version %d" % ver)
    if mlen > _MAX_META or HEADER_SIZE + mlen > doff or doff + dlen != size:
        raise ValueError("endure_state: corrupt header (sizes do not match the file)")
    return mlen, doff, dlen, crc


def _meta(raw, crc, dlen):
    if zlib.crc32(raw) != crc:
        raise ValueError("endure_state: corrupt metadata (CRC mismatch)")
    m = json.loads(raw)
    for o, n, _dev in m["storages"]:
        if not (isinstance(o, int) and isinstance(n, int) and 0 <= o and 0 <= n and o + n <= dlen):
            raise ValueError("endure_state: corrupt metadata (storage outside the data)")
    return m


def _pread_into(fd, t, offset):
    n = t.numel()
    buf = memoryview((ctypes.c_char * n).from_address(t.data_ptr())).cast("B")
    done = 0
    while done < n:
        k = os.preadv(fd, [buf[done:]], offset + done)
        if k <= 0:
            raise ValueError("endure_state: file shorter than its header says")
        done += k


def _build(m, bases, map_location):
    out = []
    for sid, name, shape, stride, soff, flags in m["tensors"]:
        dtype = _DTYPES.get(name)
        if dtype is None or not 0 <= sid < len(bases):
            raise ValueError("endure_state: corrupt metadata (tensor %d)" % len(out))
        b = bases[sid]
        if b is None:
            t = torch.empty_strided(shape, stride, dtype=dtype)
        else:
            t = b.view(dtype).as_strided(shape, stride, soff)
        if map_location is not None and b is None:
            t = t.to(map_location)
        if flags & _F_PARAM:
            t = torch.nn.Parameter(t, requires_grad=bool(flags & _F_GRAD))
        elif flags & _F_GRAD:
            t.requires_grad_()
        out.append(t)
    return out


def read_state(path, mmap_mode=False, map_location=None, allow_pickle=True):
    """Reads a file written by write_state; returns the same structure with
    bit-identical tensors (on the CPU, or moved to map_location).
    mmap_mode False: one copy (each storage read into fresh memory).
    True: no copy; tensors over a private (copy-on-write) mapping of the
    file: writes to them stay private, and a later write_state or
    endure_ckpt.open of the same file first gives them private pages."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        hdr = os.pread(fd, HEADER_SIZE, 0)
        mlen, doff, dlen, crc = _header(hdr, size)
        m = _meta(os.pread(fd, mlen, HEADER_SIZE), crc, dlen)
        bases = []
        if mmap_mode and dlen:
            mm = mmap.mmap(fd, size, mmap.MAP_PRIVATE, mmap.PROT_READ | mmap.PROT_WRITE)
            st = os.fstat(fd)
            _live.setdefault((st.st_dev, st.st_ino), []).append(weakref.ref(mm))
            for o, n, _dev in m["storages"]:
                bases.append(torch.frombuffer(mm, dtype=torch.uint8, count=n, offset=doff + o) if n else None)
            del mm
        else:
            for o, n, _dev in m["storages"]:
                if not n:
                    bases.append(None)
                    continue
                b = torch.empty(n, dtype=torch.uint8)
                _pread_into(fd, b, doff + o)
                bases.append(b)
    finally:
        os.close(fd)
    if map_location is not None:
        bases = [b.to(map_location) if b is not None else None for b in bases]
    tensors = _build(m, bases, map_location)
    return _dec(m["tree"], tensors, allow_pickle)


def convert(src, dst):
    """Writes the state in src (endure format) to dst with torch.save."""
    torch.save(read_state(src), dst)


def _main(argv):
    if len(argv) != 3 or argv[0] != "convert":
        print("usage: python3 -m endure_state convert IN.est OUT.pt\n"
              "  writes the state saved by endure_ckpt.save_state (IN) as a torch.save file (OUT)",
              file=sys.stderr)
        return 2
    try:
        convert(argv[1], argv[2])
    except (OSError, ValueError, KeyError, RuntimeError) as e:  # torch.save: no complex32
        print("endure_state: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
