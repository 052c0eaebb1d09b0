"""ckpt_bench: the trainer-side half of bench/ckpt.sh. Measures, in one
run, the blocking time of (a) torch.save straight to the durable dir with
fsync (the synchronous baseline), (b) endure_ckpt.save into the stage, on
fresh slots (first touch of tmpfs pages) and on reused slots, (c) the memcpy
floor (glibc memcpy of the same bytes into already-touched anonymous
memory, one thread) and torch's copy_ of them, (d) the tensor-native
endure_ckpt.save_state into fresh and reused slots, (c) and (d)
interleaved in CKPT_BENCH_ROUNDS rounds (default 7; order rotated;
medians), (a) three times after them; and
restore time with torch.load from the stage against a cold durable copy,
and endure_ckpt.load_state from the stage (no copy, one copy) and from the
cold durable copy against torch.load.
Usage: ckpt_bench.py save|restore MB DURABLE_DIR   (ENDURE_CKPT_STAGE set)"""
import ctypes
import os
import resource
import statistics
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


def measured(fn):
    """fn's wall time, CPU time (this process, all threads), and the minor
    page faults and involuntary context switches it took: under load the
    wall time also counts the slices other processes ran in."""
    r0, c0 = resource.getrusage(resource.RUSAGE_SELF), time.process_time()
    t = time.perf_counter()
    fn()
    t = time.perf_counter() - t
    c, r1 = time.process_time() - c0, resource.getrusage(resource.RUSAGE_SELF)
    return t, c, r1.ru_minflt - r0.ru_minflt, r1.ru_nivcsw - r0.ru_nivcsw


def sync_save(state, path):
    with open(path, "wb") as f:
        torch.save(state, f)
        f.flush()
        os.fsync(f.fileno())


def vmstat():
    """The kernel's reclaim, compaction and migration counters: memory
    pressure slows every copy in a round, the slot's the most."""
    keys = ("pgscan_kswapd", "pgscan_direct", "compact_stall", "pgmigrate_success")
    v = dict(line.split() for line in open("/proc/vmstat"))
    return [int(v.get(k, 0)) for k in keys]


def stage_save(state, step, zipfmt=False):
    """zipfmt False: the helper's own endure_ckpt.torch_save (legacy
    format); True: torch.save's default zip format through endure_ckpt.open"""
    with endure_ckpt.save(step) as d:
        if zipfmt:
            with endure_ckpt.open(os.path.join(d, "state.pt")) as f:
                torch.save(state, f)
        else:
            endure_ckpt.torch_save(state, os.path.join(d, "state.pt"))


def floors(state):
    """The memcpy floors over one pre-touched anonymous buffer of the
    state's size: glibc memcpy (ctypes.memmove, one call per tensor, one
    thread) and torch's own copy (Tensor.copy_, the routine save_state
    uses, torch.get_num_threads() threads) of the same bytes."""
    nbytes = sum(v.numel() * v.element_size() for v in state.values())
    dst = torch.empty(nbytes, dtype=torch.uint8).fill_(1)  # pages touched
    views, o = [], 0
    for v in state.values():
        n = v.numel() * v.element_size()
        views.append((dst[o:o + n], v.view(torch.uint8), n))
        o += n

    def memcpy():
        for d, v, n in views:
            ctypes.memmove(d.data_ptr(), v.data_ptr(), n)

    def tcopy():
        for d, v, _ in views:
            d.copy_(v)
    return memcpy, tcopy


def med(xs):
    return statistics.median(xs)


def save_phase(mb, durable):
    state = make_state(mb)
    gb = mb / 1024
    rounds = int(os.environ.get("CKPT_BENCH_ROUNDS", "7"))
    fresh = timed(lambda: stage_save(state, 1))       # slot 0, fresh pages
    timed(lambda: stage_save(state, 2))               # slot 1, fresh pages
    reused = med([timed(lambda: stage_save(state, st)) for st in (3, 4, 5)])  # pages exist
    # torch.save's default zip format computes its own CRC32 per record
    zipped = med([timed(lambda: stage_save(state, st, True)) for st in (6, 7)])
    est_fresh = timed(lambda: endure_ckpt.save_state(8, state))   # slot 1, its state.pt goes
    timed(lambda: endure_ckpt.save_state(9, state))               # slot 0
    # interleaved rounds, back to back: each measure sees the same load; the
    # order rotates, since under load the scheduler favours whichever runs
    # first after a pause (a wakeup) over the end of a long CPU burst
    memcpy, tcopy = floors(state)
    # one warm-up of each (the first rewrites of just-touched memory ran up
    # to 1.5x slower here, in CPU time, for both kinds of memory)
    memcpy(), tcopy()
    first = [timed(lambda: endure_ckpt.save_state(st, state)) for st in (10, 11)]
    load0, vm0 = os.getloadavg(), vmstat()
    r = {"memcpy": [], "tcopy": [], "est": [], "sync": []}
    for i in range(rounds):
        fns = [("memcpy", memcpy), ("tcopy", tcopy),
               ("est", lambda: endure_ckpt.save_state(12 + i, state))]
        for k, fn in fns[i % 3:] + fns[:i % 3]:
            r[k].append(measured(fn))
    load1 = os.getloadavg()
    vm = [b - a for a, b in zip(vm0, vmstat())]
    # torch.save+fsync after the rounds: its seconds between them would
    # leave the slots idle (rewriting idle memory costs more on a VM)
    for _ in range(3):
        r["sync"].append(measured(lambda: sync_save(state, os.path.join(durable, "sync.pt"))))
        drop_cache(os.path.join(durable, "sync.pt"))
    del memcpy, tcopy
    # the newest commit holds both formats, for phases 2 and 3
    with endure_ckpt.save(12 + rounds) as d:
        endure_ckpt.torch_save(state, os.path.join(d, "state.pt"))
        endure_state.write_state(os.path.join(d, "state.est"), state)
        endure_ckpt._written.add(os.path.abspath(os.path.join(d, "state.est")))
    w = {k: med([x[0] for x in v]) for k, v in r.items()}
    c = {k: med([x[1] for x in v]) for k, v in r.items()}
    floor, base, est = w["memcpy"], w["sync"], w["est"]
    rate = gb * 1.074
    print("state %.2f GiB, %d tensors; torch threads %d; %d interleaved rounds, medians" % (
        gb, len(state), torch.get_num_threads(), rounds))
    print("load average before/after rounds : %.2f / %.2f (%d CPUs)" % (load0[0], load1[0], os.cpu_count()))
    print("during the rounds: pages scanned for reclaim %d (kswapd) + %d (direct), compaction stalls %d, "
          "pages migrated %d" % tuple(vm))
    print("sync torch.save+fsync to durable : %7.3f s  (%6.2f GB/s)" % (base, rate / base))
    print("helper torch_save, fresh slot    : %7.3f s  (%6.2f GB/s)" % (fresh, rate / fresh))
    print("helper torch_save, reused (med3) : %7.3f s  (%6.2f GB/s)" % (reused, rate / reused))
    print("torch.save zip fmt, reused (med2): %7.3f s  (%6.2f GB/s)" % (zipped, rate / zipped))
    print("memcpy floor (glibc, 1 thread)   : %7.3f s  (%6.2f GB/s)  cpu %.3f s" % (floor, rate / floor, c["memcpy"]))
    print("torch copy_ into anonymous memory: %7.3f s  (%6.2f GB/s)  cpu %.3f s" % (w["tcopy"], rate / w["tcopy"], c["tcopy"]))
    print("save_state, fresh slot           : %7.3f s  (%6.2f GB/s)" % (est_fresh, rate / est_fresh))
    print("save_state, first reuse of slots : %7.3f s, %.3f s (warm-up)" % tuple(first))
    print("save_state, reused slot          : %7.3f s  (%6.2f GB/s)  cpu %.3f s" % (est, rate / est, c["est"]))
    for k, name in (("memcpy", "memcpy floor"), ("tcopy", "torch copy_"), ("est", "save_state")):
        print("  %-12s per run, wall/cpu s: %s" % (name, " ".join("%.3f/%.3f" % x[:2] for x in r[k])))
    print("  save_state minor faults %s, involuntary switches %s; memcpy floor's switches %s" % (
        [x[2] for x in r["est"]], [x[3] for x in r["est"]], [x[3] for x in r["memcpy"]]))
    print("RATIO blocking sync/reused       : %6.1fx  (target >= 10x)" % (base / reused))
    print("RATIO reused/memcpy floor        : %6.2fx  (target <= 2x)" % (reused / floor))
    print("RATIO blocking sync/zip reused   : %6.1fx" % (base / zipped))
    print("RATIO zip reused/memcpy floor    : %6.2fx" % (zipped / floor))
    print("RATIO fresh/reused slot          : %6.2fx  (why slots are reused)" % (fresh / reused))
    def paired(k, j):  # median of the per-round ratios: each pair ran under the same load
        return med([a[j] / b[j] for a, b in zip(r["est"], r[k])])
    print("RATIO save_state/memcpy floor    : %6.2fx  (target <= 1.1x; per-round pairs %.2fx, cpu %.2fx)" % (
        est / floor, paired("memcpy", 0), paired("memcpy", 1)))
    print("RATIO save_state/torch copy_     : %6.2fx  (the same copy routine into anonymous memory; pairs %.2fx, cpu %.2fx)" % (
        est / w["tcopy"], paired("tcopy", 0), paired("tcopy", 1)))
    print("RATIO torch.save+fsync/save_state: %6.1fx  (target >= 20x)" % (base / est))
    print("RATIO torch_save/save_state      : %6.2fx  (both reused slots)" % (reused / est))


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
