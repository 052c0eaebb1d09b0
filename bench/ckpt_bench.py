"""ckpt_bench: the trainer-side half of bench/ckpt.sh. Measures, in one
run, the blocking time of (a) torch.save straight to the durable dir with
fsync (the synchronous baseline), (b) endure_ckpt.save into the stage, on
fresh slots (first touch of tmpfs pages) and on reused slots, (c) the memcpy
floor (copying the same tensors into already-touched memory), (d) the
tensor-native endure_ckpt.save_state into fresh and reused slots; and
restore time with torch.load from the stage against a cold durable copy,
and endure_ckpt.load_state from the stage (no copy, one copy) and from the
cold durable copy against torch.load.
Usage: ckpt_bench.py save|restore MB DURABLE_DIR   (ENDURE_CKPT_STAGE set)"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import endure_ckpt  # noqa: E402
import endure_state  # noqa: E402


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
    est_fresh = timed(lambda: endure_ckpt.save_state(8, state))   # slot 1, its state.pt goes
    timed(lambda: endure_ckpt.save_state(9, state))               # slot 0
    est = min(timed(lambda: endure_ckpt.save_state(st, state)) for st in (10, 11, 12))
    # the newest commit (step 13, slot 0) holds both formats, for phases 2 and 3
    with endure_ckpt.save(13) as d:
        endure_ckpt.torch_save(state, os.path.join(d, "state.pt"))
        endure_state.write_state(os.path.join(d, "state.est"), state)
        endure_ckpt._written.add(os.path.abspath(os.path.join(d, "state.est")))
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
    print("save_state, fresh slot           : %7.3f s  (%6.2f GB/s)" % (est_fresh, gb * 1.074 / est_fresh))
    print("save_state, reused slot (best3)  : %7.3f s  (%6.2f GB/s)" % (est, gb * 1.074 / est))
    print("RATIO save_state/memcpy floor    : %6.2fx  (target <= 1.1x)" % (est / floor))
    print("RATIO torch.save+fsync/save_state: %6.1fx  (target >= 20x)" % (base / est))
    print("RATIO torch_save/save_state      : %6.2fx  (both reused slots)" % (best / est))


def drop_cache(path):
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)  # cold read of this file only
    os.close(fd)


def restore_phase(mb, durable):
    staged = os.path.join(os.environ["ENDURE_CKPT_STAGE"], "rank-0")
    staged = max((os.path.join(staged, d, "state.pt") for d in ("slot-0", "slot-1")
                  if os.path.exists(os.path.join(staged, d, "state.pt"))), key=os.path.getmtime)
    cold = [os.path.join(r, f) for r, _, fs in os.walk(durable) for f in fs if f == "state.pt"][0]
    drop_cache(cold)
    t_d = timed(lambda: torch.load(cold))
    t_s = timed(lambda: torch.load(staged))
    print("restore torch.load from stage    : %7.3f s" % t_s)
    print("restore torch.load from durable  : %7.3f s  (cold page cache)" % t_d)
    print("RATIO restore durable/stage      : %6.2fx" % (t_d / t_s))
    est_s, est_c = staged[:-len("state.pt")] + "state.est", cold[:-len("state.pt")] + "state.est"
    drop_cache(est_c)
    e_d = timed(lambda: endure_state.read_state(est_c))
    e_m = timed(lambda: endure_state.read_state(est_s, mmap_mode=True))
    e_c = timed(lambda: endure_state.read_state(est_s))
    print("load_state from stage, no copy   : %7.3f s" % e_m)
    print("load_state from stage, one copy  : %7.3f s" % e_c)
    print("load_state from durable          : %7.3f s  (cold page cache)" % e_d)
    print("RATIO torch.load/load_state stage copy  : %6.2fx" % (t_s / e_c))
    print("RATIO torch.load/load_state durable     : %6.2fx" % (t_d / e_d))


if __name__ == "__main__":
    phase, mb, durable = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    (save_phase if phase == "save" else restore_phase)(mb, durable)
