"""ckpt_bench: the trainer-side half of bench/ckpt.sh. Measures, in one
run, the blocking time of (a) torch.save straight to the durable dir with
fsync (the synchronous baseline), (b) endure_ckpt.save into the stage, on
fresh slots (first touch of tmpfs pages) and on reused slots, (c) the memcpy
floor (copying the same tensors into already-touched memory); and restore
time with torch.load from the stage against a cold durable copy.
Usage: ckpt_bench.py save|restore MB DURABLE_DIR   (ENDURE_CKPT_STAGE set)"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import endure_ckpt  # noqa: E402


def make_state(mb):
    n = max(1, mb // 128)
    per = mb * (1 << 20) // n // 4
    g = torch.Generator().manual_seed(0)
    return {"w%02d" % i: torch.randn(per, generator=g) for i in range(n)}


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def sync_save(state, path):
    with open(path, "wb") as f:
        torch.save(state, f)
        f.flush()
        os.fsync(f.fileno())


def stage_save(state, step, zipfmt=False):
    """zipfmt False: the helper's own endure_ckpt.torch_save (legacy
    format); True: torch.save's default zip format through endure_ckpt.open"""
    with endure_ckpt.save(step) as d:
        if zipfmt:
            with endure_ckpt.open(os.path.join(d, "state.pt")) as f:
                torch.save(state, f)
        else:
            endure_ckpt.torch_save(state, os.path.join(d, "state.pt"))


def save_phase(mb, durable):
    state = make_state(mb)
    gb = mb / 1024
    base = timed(lambda: sync_save(state, os.path.join(durable, "sync.pt")))
    fresh = timed(lambda: stage_save(state, 1))       # slot 0, fresh pages
    timed(lambda: stage_save(state, 2))               # slot 1, fresh pages
    reused = min(timed(lambda: stage_save(state, st)) for st in (3, 4, 5))  # pages exist
    # torch.save's default zip format computes its own CRC32 per record
    zipped = min(timed(lambda: stage_save(state, 6, True)), timed(lambda: stage_save(state, 7, True)))
    stage_save(state, 8)  # the newest commit (slot 1) in the helper's format, for phases 2 and 3
    dst = {k: torch.empty_like(v).fill_(1.0) for k, v in state.items()}  # pages touched
    floor = min(timed(lambda: [dst[k].copy_(v) for k, v in state.items()]) for _ in range(3))
    del dst
    best = reused
    print("state %.2f GiB" % gb)
    print("sync torch.save+fsync to durable : %7.3f s  (%6.2f GB/s)" % (base, gb * 1.074 / base))
    print("helper torch_save, fresh slot    : %7.3f s  (%6.2f GB/s)" % (fresh, gb * 1.074 / fresh))
    print("helper torch_save, reused (best3): %7.3f s  (%6.2f GB/s)" % (best, gb * 1.074 / best))
    print("torch.save zip fmt, reused slot  : %7.3f s  (%6.2f GB/s)" % (zipped, gb * 1.074 / zipped))
    print("memcpy floor                     : %7.3f s  (%6.2f GB/s)" % (floor, gb * 1.074 / floor))
    print("RATIO blocking sync/reused       : %6.1fx  (target >= 10x)" % (base / best))
    print("RATIO reused/memcpy floor        : %6.2fx  (target <= 2x)" % (best / floor))
    print("RATIO blocking sync/zip reused   : %6.1fx" % (base / zipped))
    print("RATIO zip reused/memcpy floor    : %6.2fx" % (zipped / floor))
    print("RATIO fresh/reused slot          : %6.2fx  (why slots are reused)" % (fresh / best))


def restore_phase(mb, durable):
    staged = os.path.join(os.environ["ENDURE_CKPT_STAGE"], "rank-0")
    staged = max((os.path.join(staged, d, "state.pt") for d in ("slot-0", "slot-1")
                  if os.path.exists(os.path.join(staged, d, "state.pt"))), key=os.path.getmtime)
    cold = [os.path.join(r, f) for r, _, fs in os.walk(durable) for f in fs if f == "state.pt"][0]
    fd = os.open(cold, os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)  # cold read of this file only
    os.close(fd)
    t_d = timed(lambda: torch.load(cold))
    t_s = timed(lambda: torch.load(staged))
    print("restore torch.load from stage    : %7.3f s" % t_s)
    print("restore torch.load from durable  : %7.3f s  (cold page cache)" % t_d)
    print("RATIO restore durable/stage      : %6.2fx" % (t_d / t_s))


if __name__ == "__main__":
    phase, mb, durable = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    (save_phase if phase == "save" else restore_phase)(mb, durable)
