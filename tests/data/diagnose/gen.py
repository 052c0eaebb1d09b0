#!/usr/bin/python3
"""Writes the labelled diagnosis corpus: one failure log (file, .gz file or
endure run directory) per case, and its expected verdict in <case>.expect.

Deterministic: every case seeds its own random generator from its name, so
re-running this script rewrites identical files (gzip with mtime 0). The
generated files are committed; the suite does not run this script.

The logs are written to look like what real jobs print (torchrun 1.13 and
2.x, srun -l, DeepSpeed, Megatron-LM, HF Trainer, NCCL_DEBUG=INFO floods,
kernel logs pasted by a health check) with wording, versions and prefixes
that differ from the rule examples on purpose: the rules must generalise.

Usage: /usr/bin/python3 gen.py [OUTDIR]   (default: this script's directory)
"""
import gzip
import os
import random
import shutil
import sys
import zlib

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
CASES = []


def case(fn):
    CASES.append(fn)
    return fn


class Log:
    """Lines of one log, with helpers for the usual furniture."""

    def __init__(self, name):
        self.rng = random.Random(zlib.crc32(name.encode()))
        self.lines = []

    def add(self, *lines):
        for l in lines:
            self.lines.extend(l.split("\n") if "\n" in l else [l])

    def text(self):
        return "\n".join(self.lines) + "\n"


# ---------------------------------------------------------------- furniture

def ts(base, sec):
    """ISO-ish timestamp base + sec seconds (base is seconds since midnight)."""
    t = base + sec
    return "2026-11-25 %02d:%02d:%02d,%03d" % ((t // 3600) % 24, (t // 60) % 60, int(t) % 60, int((t * 1000) % 1000))


def hms(sec):
    return "%02d:%02d:%02d" % ((sec // 3600) % 24, (sec // 60) % 60, sec % 60)


def torchrun_banner_113():
    return ["WARNING:torch.distributed.run:",
            "*****************************************",
            "Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid your system being overloaded, please further tune the variable for optimal performance in your application as needed. ",
            "*****************************************"]


def torchrun_banner_2x(pid):
    return ["W1125 03:01:02.331000 %d torch/distributed/run.py:793] " % pid,
            "W1125 03:01:02.331000 %d torch/distributed/run.py:793] *****************************************" % pid,
            "W1125 03:01:02.331000 %d torch/distributed/run.py:793] Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid your system being overloaded, please further tune the variable for optimal performance in your application as needed. " % pid,
            "W1125 03:01:02.331000 %d torch/distributed/run.py:793] *****************************************" % pid]


def nccl_init(rng, host, pid, gpu, rank, nranks, ver="2.18.3+cuda12.2", ib=True):
    tid = pid + rng.randint(40, 200)
    p = "%s:%d:%d [%d] NCCL INFO " % (host, pid, pid, gpu)
    q = "%s:%d:%d [%d] NCCL INFO " % (host, pid, tid, gpu)
    out = []
    if rank == 0:
        out.append(p + "NCCL version " + ver)
    out.append(p + "Bootstrap : Using ib0:10.12.%d.%d<0>" % (rank // 8, 10 + rank // 8))
    out.append(p + "NET/Plugin : No plugin found (libnccl-net.so), using internal implementation")
    if ib:
        out.append(p + "NET/IB : Using [0]mlx5_0:1/IB [1]mlx5_1:1/IB [2]mlx5_2:1/IB [3]mlx5_3:1/IB ; OOB ib0:10.12.%d.%d<0>" % (rank // 8, 10 + rank // 8))
        out.append(p + "Using network IB")
    else:
        out.append(p + "NET/Socket : Using [0]eth0:172.16.%d.%d<0>" % (rank // 8, 4 + rank // 8))
        out.append(p + "Using network Socket")
    out.append(q + "comm 0x%x rank %d nranks %d cudaDev %d busId %x000 - Init START" % (rng.randint(1 << 40, 1 << 44), rank, nranks, gpu, 0x18 + gpu * 0x11))
    out.append(q + "Setting affinity for GPU %d to ffff,ffffffff" % gpu)
    for ch in range(rng.randint(1, 3)):
        out.append(q + "Channel %02d/%d :    %s" % (ch, 16, " ".join("%3d" % ((rank + i) % nranks) for i in range(min(nranks, 8)))))
    out.append(q + "Connected all rings")
    out.append(q + "Connected all trees")
    out.append(q + "threadThresholds 8/8/64 | %d/8/64 | 512 | 512" % (nranks * 8))
    out.append(q + "comm 0x%x rank %d nranks %d cudaDev %d busId %x000 - Init COMPLETE" % (rng.randint(1 << 40, 1 << 44), rank, nranks, gpu, 0x18 + gpu * 0x11))
    return out


WARNINGS = [
    "/opt/conda/lib/python3.10/site-packages/torch/utils/checkpoint.py:460: UserWarning: torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. In version 2.4 we will raise an exception if use_reentrant is not passed. use_reentrant=False is recommended, but if you need to preserve the current default behavior, you can pass use_reentrant=True. Refer to docs for more details on the differences between the two variants.",
    "  warnings.warn(",
    "/usr/local/lib/python3.10/dist-packages/torch/_utils.py:831: UserWarning: TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the only storage class. This should only matter to you if you are using storages directly.  To access UntypedStorage directly, use tensor.untyped_storage() instead of tensor.storage()",
    "/opt/conda/lib/python3.10/site-packages/transformers/training_args.py:1525: FutureWarning: `evaluation_strategy` is deprecated and will be removed in version 4.46 of Transformers. Use `eval_strategy` instead",
    "/opt/conda/lib/python3.10/site-packages/torch/nn/modules/module.py:1747: FutureWarning: `torch.cuda.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cuda', args...)` instead.",
    "/workspace/train.py:212: DeprecationWarning: datetime.datetime.utcnow() is deprecated and scheduled for removal in a future version.",
    "[W CUDAAllocatorConfig.h:30] Warning: expandable_segments not supported on this platform (function operator())",
    "[W socket.cpp:464] [c10d] The server socket cannot be initialized on [::]:29500 (errno: 97 - Address family not supported by protocol).",
    "[W socket.cpp:697] [c10d] The client socket cannot be initialized to connect to [localhost]:29500 (errno: 97 - Address family not supported by protocol).",
    "/opt/conda/lib/python3.10/site-packages/torch/distributed/fsdp/_init_utils.py:440: UserWarning: FSDP is switching to use `NO_SHARD` instead of ShardingStrategy.FULL_SHARD since the world size is 1.",
    "/opt/conda/lib/python3.10/site-packages/torch/optim/lr_scheduler.py:139: UserWarning: Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first value of the learning rate schedule.",
]


def warnings(rng, n):
    return [rng.choice(WARNINGS) for _ in range(n)]


def prog_titan(step, loss, rank=0):
    return "%s - root - INFO - step: %5d  loss: %7.4f  memory: 61.%02dGiB(77.%02d%%)  tps: %s  mfu: 4%d.%02d%%" % (
        ts(3 * 3600, step * 2), step, loss, step % 97, step % 89, "{:,}".format(3400 + step % 300), step % 9, step % 100)


def prog_nanogpt(step, loss):
    return "iter %d: loss %.4f, time %.2fms, mfu %.2f%%" % (step, loss, 310 + (step * 7) % 40, 44 + (step % 7) / 3)


def prog_megatron(step, total, loss):
    return (" [2026-11-25 %s] iteration %8d/%8d | consumed samples: %12d | elapsed time per iteration (ms): %.1f | "
            "learning rate: %.3E | global batch size:  1024 | lm loss: %.6E | loss scale: 1.0 | grad norm: %.3f | "
            "number of skipped iterations:   0 | number of nan iterations:   0 |") % (
        hms(3 * 3600 + step * 5), step, total, step * 1024, 5000 + (step % 13) * 11.1, 3e-4 * min(1, step / 2000), loss, 0.8 + (step % 11) / 20)


def prog_custom(step, loss, lr=3e-4):
    return "step %d | loss %.4f | lr %.2e | grad_norm %.3f | %d ms/step" % (step, loss, lr, 0.4 + (step % 17) / 30, 780 + step % 50)


def prog_hf(step, loss, epoch):
    return "{'loss': %.4f, 'grad_norm': %.4f, 'learning_rate': %.3e, 'epoch': %.2f}" % (loss, 0.3 + (step % 23) / 40, 2e-5 * (1 - epoch / 3), epoch)


def loss_at(step):
    return 10.5 / (1 + step / 400.0) + 1.6


def tb(frames, exc):
    """A traceback: frames are (file, line, func, code) tuples."""
    out = ["Traceback (most recent call last):"]
    for f, ln, fn, code in frames:
        out.append('  File "%s", line %d, in %s' % (f, ln, fn))
        if code:
            out.append("    " + code)
    out.extend(exc if isinstance(exc, list) else [exc])
    return out


def elastic_summary_2x(host, fails, script="train.py", when="2026-11-25_03:41:17"):
    """ChildFailedError block of torchrun 2.x; fails: list of (rank, local, exitcode, pid, tbtext)."""
    out = ["Traceback (most recent call last):",
           '  File "/usr/local/bin/torchrun", line 8, in <module>',
           "    sys.exit(main())",
           '  File "/usr/local/lib/python3.10/dist-packages/torch/distributed/elastic/multiprocessing/errors/__init__.py", line 355, in wrapper',
           "    return f(*args, **kwargs)",
           '  File "/usr/local/lib/python3.10/dist-packages/torch/distributed/run.py", line 919, in main',
           "    run(args)",
           '  File "/usr/local/lib/python3.10/dist-packages/torch/distributed/launcher/api.py", line 263, in launch_agent',
           "    raise ChildFailedError(",
           "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ",
           "============================================================",
           "%s FAILED" % script,
           "------------------------------------------------------------",
           "Failures:"]
    rest = fails[1:]
    if not rest:
        out.append("  <NO_OTHER_FAILURES>")
    for i, (rank, local, code, pid, t) in enumerate(rest):
        out += ["[%d]:" % (i + 1), "  time      : %s" % when, "  host      : %s" % host,
                "  rank      : %d (local_rank: %d)" % (rank, local), "  exitcode  : %d (pid: %d)" % (code, pid),
                "  error_file: <N/A>", "  traceback : %s" % t]
    rank, local, code, pid, t = fails[0]
    out += ["------------------------------------------------------------", "Root Cause (first observed failure):",
            "[0]:", "  time      : %s" % when, "  host      : %s" % host,
            "  rank      : %d (local_rank: %d)" % (rank, local), "  exitcode  : %d (pid: %d)" % (code, pid),
            "  error_file: <N/A>", "  traceback : %s" % t,
            "============================================================"]
    return out


NVSMI = """+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 550.90.07              Driver Version: 550.90.07      CUDA Version: 12.4     |
|-----------------------------------------+------------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |
|                                         |                        |               MIG M. |
|=========================================+========================+======================|"""


def preamble(rng, name):
    """Job-start furniture of a batch script: banner, modules, environment,
    nvidia-smi, versions and a config dump (with error-ish config keys)."""
    nodes = rng.choice([1, 2, 4])
    out = ["=== %s: job %d on %d node(s), started 2026-11-25T0%d:%02d:%02d ===" % (name.split("_")[0], rng.randint(10000, 999999), nodes, rng.randint(0, 9), rng.randint(0, 59), rng.randint(0, 59)),
           "Loading module cuda/12.4.1", "Loading module nccl/2.21.5-1+cuda12.4", "Loading module anaconda3/2024.06",
           "Lmod has detected the following error:  These module(s) or extension(s) exist but cannot be loaded as requested: \"gcc/9\"" if rng.random() < 0.3 else "Lmod: loaded 3 modules",
           "MASTER_ADDR=%s MASTER_PORT=%d WORLD_SIZE=%d" % (rng.choice(["node01", "10.0.0.1", "gpu-a-01"]), rng.choice([29500, 29400, 6000]), nodes * 8)]
    env = ["NCCL_DEBUG=WARN", "NCCL_IB_HCA=mlx5_0,mlx5_1,mlx5_2,mlx5_3", "NCCL_SOCKET_IFNAME=ib0", "TORCH_NCCL_ASYNC_ERROR_HANDLING=1",
           "CUDA_DEVICE_MAX_CONNECTIONS=1", "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True", "OMP_NUM_THREADS=8", "HF_HOME=/scratch/hf-cache",
           "TORCH_DISTRIBUTED_DEBUG=OFF", "NCCL_ASYNC_ERROR_HANDLING=1", "TRITON_CACHE_DIR=/tmp/triton"]
    rng.shuffle(env)
    out += env[:rng.randint(4, len(env))]
    out += NVSMI.split("\n")
    for g in range(rng.choice([2, 4, 8])):
        out += ["|   %d  NVIDIA H100 80GB HBM3          On  |   00000000:%02X:00.0 Off |                    0 |" % (g, 0x18 + g * 0x11),
                "| N/A   3%dC    P0             7%dW /  700W |       1MiB /  81559MiB |      0%%      Default |" % (g, g),
                "|                                         |                        |             Disabled |",
                "+-----------------------------------------+------------------------+----------------------+"]
    out += ["python 3.10.14", "torch 2.%d.%d+cu12%d" % (rng.randint(1, 5), rng.randint(0, 2), rng.randint(1, 4)),
            "transformers 4.4%d.%d" % (rng.randint(0, 6), rng.randint(0, 2)), "config:"]
    cfg = ["  model: llama-7b", "  seq_len: 4096", "  micro_batch_size: %d" % rng.choice([1, 2, 4]), "  grad_accum: 8",
           "  lr: 3.0e-4", "  warmup_steps: 2000", "  max_grad_norm: 1.0", "  skip_nan_steps: true", "  detect_anomaly: false",
           "  on_error: checkpoint_and_exit", "  nccl_timeout_min: 30", "  save_interval: 1000", "  resume: auto",
           "  data_path: /data/tokenized/train", "  num_workers: 8", "  log_interval: 10"]
    out += cfg[:rng.randint(8, len(cfg))]
    return out


def write(name, text, gz=False, ext=".log"):
    if text.count("\n") < 50:
        text = "\n".join(preamble(random.Random(zlib.crc32(name.encode()) + 1), name)) + "\n" + text
    _write(name, text, gz, ext)


def _write(name, text, gz=False, ext=".log"):
    path = os.path.join(OUT, name + ext + (".gz" if gz else ""))
    data = text.encode()
    if gz:
        with open(path, "wb") as f:
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as g:
                g.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def expect(name, **kv):
    with open(os.path.join(OUT, name + ".expect"), "w") as f:
        for k in ("category", "type", "action", "rule", "host", "rank", "gpu", "xfail"):
            if k in kv:
                f.write("%s: %s\n" % (k, kv[k]))


def write_run(name, attempts):
    """An endure run directory: attempts = [ {node: {rank: text}} ]."""
    root = os.path.join(OUT, name)
    if os.path.isdir(root):
        shutil.rmtree(root)
    for n, nodes in enumerate(attempts):
        for node, ranks in nodes.items():
            d = os.path.join(root, "attempt-%d" % n, node)
            os.makedirs(d)
            for r, text in ranks.items():
                with open(os.path.join(d, "rank-%d.log" % r), "w") as f:
                    f.write(text)
    ev = os.path.join(root, "events.jsonl")
    with open(ev, "w") as f:
        f.write('{"ts": 1764039662.1, "event": "run_start", "attempt": 0}\n')


# ==================================================================== cases

# ------------------------------------------------------------ job builder

def pfx(style, r, gpn):
    if style == "rank":
        return "[rank%d]:" % r
    if style == "default":
        return "[default%d]:" % (r % gpn)
    if style == "srun":
        return "%d: " % r
    return ""


FRAMES_TRAIN = [
    ("/workspace/train.py", 412, "<module>", "main(cfg)"),
    ("/workspace/train.py", 371, "main", "loss = train_step(model, batch, optimizer, scaler)"),
    ("/workspace/train.py", 188, "train_step", "loss.backward()"),
    ("/usr/local/lib/python3.10/dist-packages/torch/_tensor.py", 581, "backward", "torch.autograd.backward("),
    ("/usr/local/lib/python3.10/dist-packages/torch/autograd/__init__.py", 347, "backward", "_engine_run_backward("),
    ("/usr/local/lib/python3.10/dist-packages/torch/autograd/graph.py", 825, "_engine_run_backward", "return Variable._execution_engine.run_backward(  # Calls into the C++ engine to run the backward pass"),
]

CUDA_ASYNC = ["CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.",
              "For debugging consider passing CUDA_LAUNCH_BLOCKING=1",
              "Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions.", ""]


def watchdog_2x(r, seq, op="ALLREDUCE", tmo=600000, pid=2290):
    t = "E1125 03:%02d:%02d.%06d %d" % (41 + r % 3, (r * 7) % 60, 118942 + r * 311, pid + r)
    return ["[%s ProcessGroupNCCL.cpp:616] [Rank %d] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=%d, OpType=%s, NumelIn=25165824, NumelOut=25165824, Timeout(ms)=%d) ran for %d milliseconds before timing out." % (t, r, seq, op, tmo, tmo + 311 + r * 17),
            "[%s ProcessGroupNCCL.cpp:1785] [PG 0 (default_pg) Rank %d] Exception (either an error or timeout) detected by watchdog at work: %d, last enqueued NCCL work: %d, last completed NCCL work: %d." % (t, r, seq, seq + 1, seq - 1),
            "[%s ProcessGroupNCCL.cpp:1834] [PG 0 (default_pg) Rank %d] Timeout at NCCL work: %d, last enqueued NCCL work: %d, last completed NCCL work: %d." % (t, r, seq, seq + 1, seq - 1),
            "[%s ProcessGroupNCCL.cpp:630] [Rank %d] Some NCCL operations have failed or timed out. Due to the asynchronous nature of CUDA kernels, subsequent GPU operations might run on corrupted/incomplete data." % (t, r),
            "[%s ProcessGroupNCCL.cpp:636] [Rank %d] To avoid data inconsistency, we are taking the entire process down." % (t, r),
            "terminate called after throwing an instance of 'c10::DistBackendError'",
            "  what():  [PG 0 (default_pg) Rank %d] Process group watchdog thread terminated with exception: [Rank %d] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=%d, OpType=%s, NumelIn=25165824, NumelOut=25165824, Timeout(ms)=%d) ran for %d milliseconds before timing out." % (r, r, seq, op, tmo, tmo + 311 + r * 17),
            "Exception raised from checkTimeout at ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:618 (most recent call first):",
            "frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0x96 (0x7f2b1c0b0446 in /usr/local/lib/python3.10/dist-packages/torch/lib/libc10.so)",
            "frame #1: c10d::ProcessGroupNCCL::WorkNCCL::checkTimeout(std::optional<std::chrono::duration<long, std::ratio<1l, 1000l> > >) + 0x282 (0x7f2acf9a2772 in /usr/local/lib/python3.10/dist-packages/torch/lib/libtorch_cuda.so)",
            "frame #2: c10d::ProcessGroupNCCL::watchdogHandler() + 0x233 (0x7f2acf9a9bb3 in /usr/local/lib/python3.10/dist-packages/torch/lib/libtorch_cuda.so)",
            "frame #3: c10d::ProcessGroupNCCL::ncclCommWatchdog() + 0x14d (0x7f2acf9ab61d in /usr/local/lib/python3.10/dist-packages/torch/lib/libtorch_cuda.so)",
            "frame #4: <unknown function> + 0xdc253 (0x7f2b1c5e1253 in /lib/x86_64-linux-gnu/libstdc++.so.6)",
            "frame #5: <unknown function> + 0x94ac3 (0x7f2b1d6a3ac3 in /lib/x86_64-linux-gnu/libc.so.6)",
            "frame #6: <unknown function> + 0x126850 (0x7f2b1d735850 in /lib/x86_64-linux-gnu/libc.so.6)", ""]


def watchdog_113(r, seq, op="ALLREDUCE", tmo=1800000):
    return ["[E ProcessGroupNCCL.cpp:828] [Rank %d] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=%d, OpType=%s, Timeout(ms)=%d) ran for %d milliseconds before timing out." % (r, seq, op, tmo, tmo + 4000 + r * 13),
            "[E ProcessGroupNCCL.cpp:455] Some NCCL operations have failed or timed out. Due to the asynchronous nature of CUDA kernels, subsequent GPU operations might run on corrupted/incomplete data.",
            "[E ProcessGroupNCCL.cpp:460] To avoid data inconsistency, we are taking the entire process down.",
            "terminate called after throwing an instance of 'std::runtime_error'",
            "  what():  [Rank %d] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=%d, OpType=%s, Timeout(ms)=%d) ran for %d milliseconds before timing out." % (r, seq, op, tmo, tmo + 4000 + r * 13)]


def emit_blocks(L, blocks, style, gpn, rng, interleave=True):
    """blocks: {rank: [lines]}; interleaves them line by line when asked."""
    if not interleave:
        for r, ls in blocks.items():
            for l in ls:
                L.add(pfx(style, r, gpn) + l)
        return
    queues = {r: list(ls) for r, ls in blocks.items()}
    while queues:
        r = rng.choice(sorted(queues))
        take = rng.randint(1, 3)
        for _ in range(take):
            if queues[r]:
                L.add(pfx(style, r, gpn) + queues[r].pop(0))
        if not queues[r]:
            del queues[r]


def job_start(L, *, nranks, gpn, style, torch2=True, hosts=None, ib=True, nccl=True, warn=3):
    rng = L.rng
    hosts = hosts or ["node%02d" % (i + 1) for i in range((nranks + gpn - 1) // gpn)]
    L.add(*(torchrun_banner_2x(139881) if torch2 else torchrun_banner_113()))
    if nccl:
        blocks = {}
        for r in range(nranks):
            blocks[r] = nccl_init(rng, hosts[r // gpn], 40000 + r * 37, r % gpn, r, nranks, ib=ib)
        emit_blocks(L, blocks, style, gpn, rng)
    for w in warnings(rng, warn):
        L.add(pfx(style, rng.randrange(nranks), gpn) + w)
    return hosts


def progress(L, fmt, start, stop, every, style="none", r0=0, gpn=8, noise=None):
    for s in range(start, stop + 1, every):
        L.add(pfx(style, r0, gpn) + fmt(s))
        if noise and L.rng.random() < 0.08:
            L.add(pfx(style, r0, gpn) + L.rng.choice(noise))


def traceback_lines(frames, exc):
    return tb(frames, exc)


# ------------------------------------------------------------ infrastructure

@case
def ecc_cascade_rank_prefix():
    n = "ecc_cascade_rank_prefix"
    L = Log(n)
    hosts = job_start(L, nranks=16, gpn=8, style="rank", hosts=["gpu-h100-041", "gpu-h100-042"])
    progress(L, lambda s: prog_titan(s, loss_at(s)), 10, 1200, 10, style="rank")
    L.add("[rank11]:Traceback (most recent call last):")
    for l in FRAMES_TRAIN[:3]:
        L.add('[rank11]:  File "%s", line %d, in %s' % l[:3], "[rank11]:    " + l[3])
    L.add("[rank11]:RuntimeError: CUDA error: uncorrectable ECC error encountered")
    for l in CUDA_ASYNC:
        L.add("[rank11]:" + l)
    blocks = {r: watchdog_2x(r, 48211) for r in range(16) if r != 11}
    emit_blocks(L, blocks, "rank", 8, L.rng)
    for r in range(8):
        L.add("W1125 03:41:17.001000 139881 torch/distributed/elastic/multiprocessing/api.py:897] Sending process %d closing signal SIGTERM" % (40000 + r * 37))
    L.add("E1125 03:41:18.118000 139881 torch/distributed/elastic/multiprocessing/api.py:869] failed (exitcode: -6) local_rank: 0 (pid: 40000) of binary: /usr/bin/python")
    L.add(*elastic_summary_2x("gpu-h100-042", [(11, 3, 1, 40407, "To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html"), (8, 0, -6, 40296, "Signal 6 (SIGABRT) received by PID 40296")]))
    write(n, L.text())
    expect(n, category="infrastructure", type="ecc_error", action="exclude_node", rank=11)


@case
def xid79_srun_epilog():
    n = "xid79_srun_epilog"
    L = Log(n)
    hosts = ["node%02d" % i for i in range(1, 5)]
    L.add("srun: job 88213 queued and waiting for resources", "srun: job 88213 has been allocated resources")
    for r in range(16):
        L.add("%d: [W socket.cpp:436] [c10d] The server socket cannot be initialized on [::]:29500 (errno: 97 - Address family not supported by protocol)." % r if r == 0 else "%d: initializing rank %d/16 on %s (local gpu %d)" % (r, r, hosts[r // 4], r % 4))
    blocks = {r: nccl_init(L.rng, hosts[r // 4], 51000 + r, r % 4, r, 16, ver="2.14.3+cuda11.7") for r in range(16)}
    emit_blocks(L, blocks, "srun", 4, L.rng)
    progress(L, lambda s: "0: " + prog_nanogpt(s, loss_at(s)), 0, 1400, 20)
    L.add("9: Traceback (most recent call last):",
          '9:   File "/home/ml/nanogpt/train.py", line 298, in <module>',
          "9:     scaler.scale(loss).backward()",
          '9:   File "/opt/conda/lib/python3.10/site-packages/torch/_tensor.py", line 488, in backward',
          "9:     torch.autograd.backward(",
          "9: RuntimeError: CUDA error: unspecified launch failure",
          "9: CUDA kernel errors might be asynchronously reported at some other API call,so the stacktrace below might be incorrect.",
          "9: For debugging consider passing CUDA_LAUNCH_BLOCKING=1.")
    blocks = {r: watchdog_113(r, 8812) for r in range(16) if r != 9}
    emit_blocks(L, blocks, "srun", 4, L.rng)
    L.add("srun: error: node03: task 9: Exited with exit code 1",
          "srun: Job step aborted: Waiting up to 32 seconds for job step to finish.",
          "srun: error: node01: tasks 0-3: Aborted",
          "srun: error: node02: tasks 4-7: Aborted",
          "srun: error: node04: tasks 12-15: Aborted",
          "srun: error: node03: tasks 8,10-11: Aborted",
          "==== epilog: kernel messages since job start (node03) ====",
          "Nov 25 03:40:52 node03 kernel: NVRM: GPU at PCI:0000:3b:00: GPU-4f1a9c2e-0b7d-11ee-9a41-6c3a2f0d88a1",
          "Nov 25 03:40:52 node03 kernel: NVRM: GPU Board Serial Number: 1652322019321",
          "Nov 25 03:40:52 node03 kernel: NVRM: Xid (PCI:0000:3b:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.",
          "Nov 25 03:40:52 node03 kernel: NVRM: GPU 0000:3b:00.0: GPU has fallen off the bus.",
          "Nov 25 03:40:53 node03 kernel: NVRM: A GPU crash dump has been created. If possible, please run",
          "Nov 25 03:40:53 node03 kernel: NVRM: nvidia-bug-report.sh as root to collect this data before",
          "Nov 25 03:40:53 node03 kernel: NVRM: the NVIDIA kernel module is unloaded.",
          "==== epilog done ====")
    write(n, L.text(), ext=".out")
    expect(n, category="infrastructure", type="gpu_lost", action="exclude_node", rule="xid.79_fallen_off_bus", gpu="0000:3b:00")


@case
def xid48_dmesg_default_prefix():
    n = "xid48_dmesg_default_prefix"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="default", torch2=False, hosts=["dgx-a100-07"])
    for s in range(0, 3000, 25):
        L.add("[default0]:%s | INFO | epoch 2 | step %d/40000 | loss %.3f | lr %.2e | tok/s %d" % (ts(2 * 3600, s // 3)[:19], s, loss_at(s), 1.5e-4, 180000 + s))
    L.add("[default5]:Traceback (most recent call last):",
          '[default5]:  File "/workspace/llm/pretrain.py", line 540, in <module>',
          "[default5]:    trainer.fit()",
          '[default5]:  File "/workspace/llm/trainer.py", line 233, in fit',
          "[default5]:    self.optimizer.step()",
          '[default5]:  File "/opt/conda/lib/python3.10/site-packages/torch/optim/optimizer.py", line 280, in wrapper',
          "[default5]:    out = func(*args, **kwargs)",
          "[default5]:RuntimeError: CUDA error: an illegal memory access was encountered")
    for r in [0, 1, 2, 3, 4, 6, 7]:
        for l in watchdog_113(r, 30122):
            L.add("[default%d]:" % r + l)
    L.add("WARNING:torch.distributed.elastic.multiprocessing.api:Sending process 71201 closing signal SIGTERM",
          "ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 5 (pid: 71206) of binary: /opt/conda/bin/python",
          "", "$ dmesg -T | grep -i -e nvrm -e xid",
          "[Tue Nov 25 02:17:41 2026] NVRM: loading NVIDIA UNIX x86_64 Kernel Module  535.129.03  Thu Oct 19 18:56:32 UTC 2023",
          "[Tue Nov 25 03:58:02 2026] NVRM: Xid (PCI:0000:b7:00): 48, pid='<unknown>', name=<unknown>, An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at partition 3, subpartition 1.",
          "[Tue Nov 25 03:58:02 2026] NVRM: Xid (PCI:0000:b7:00): 45, pid=71206, name=python, Ch 00000010",
          "[Tue Nov 25 03:58:03 2026] NVRM: Xid (PCI:0000:b7:00): 63, pid='<unknown>', name=<unknown>, Row Remapper: New row (0x0000000000a1c340) Marked for Remapping, reset gpu to activate.")
    write(n, L.text())
    expect(n, category="infrastructure", type="ecc_error", action="exclude_node", rule="xid.48_dbe_ecc", gpu="0000:b7:00")


@case
def xid94_contained_h100():
    n = "xid94_contained_h100"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="rank", hosts=["h100-pod3-n12"], warn=5)
    progress(L, lambda s: prog_custom(s, loss_at(s)), 1, 600, 5, style="rank")
    L.add("[rank2]:[E1125 05:12:09.441820 88231 ProcessGroupNCCL.cpp:1595] [PG 0 (default_pg) Rank 2] Process group watchdog thread terminated with exception: CUDA error: uncorrectable ECC error encountered",
          "[rank2]:CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.",
          "[rank2]:Exception raised from c10_cuda_check_implementation at ../c10/cuda/CUDAException.cpp:43 (most recent call first):",
          "[rank2]:frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0x96 (0x7f61d6a7a446 in /usr/local/lib/python3.10/dist-packages/torch/lib/libc10.so)")
    for r in [0, 1, 3, 4, 5, 6, 7]:
        for l in watchdog_2x(r, 3309, op="_ALLGATHER_BASE"):
            L.add("[rank%d]:" % r + l)
    L.add("--- node health check (h100-pod3-n12) ---",
          "[ 9812.441020] NVRM: Xid (PCI:0000:9d:00): 94, pid=88231, name=pt_main_thread, Contained: SM (0x1). RST: No, D-RST: No",
          "[ 9812.502911] NVRM: Xid (PCI:0000:9d:00): 94, pid=88231, name=pt_main_thread, Contained: SM (0x1). RST: No, D-RST: No",
          "GPU 0000:9D:00.0: Remapped rows pending: Yes",
          "--- end health check ---")
    write(n, L.text(), gz=True)
    expect(n, category="infrastructure", type="ecc_error", action="exclude_node")


@case
def xid74_nvlink_megatron():
    n = "xid74_nvlink_megatron"
    L = Log(n)
    L.add("using world size: 32, data-parallel size: 4, context-parallel size: 1, tensor-model-parallel size: 8, pipeline-model-parallel size: 1",
          "WARNING: could not find the metadata file /lustre/ckpt/gpt-30b/latest_checkpointed_iteration.txt ",
          "    will not load any checkpoints and will start from random",
          "> building train, validation, and test datasets for GPT ...")
    for s in range(1, 260, 3):
        L.add(prog_megatron(s, 286102, loss_at(s)))
        if s % 30 == 1:
            L.add("(min, max) time across ranks (ms):", "    forward-backward ...............................: (5012.12, 5013.90)", "    optimizer ......................................: (101.44, 102.10)")
    for r in range(32):
        if r // 8 == 2:
            L.add("[E ProcessGroupNCCL.cpp:474] [Rank %d] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=44120, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=600000) ran for 600122 milliseconds before timing out." % r)
    L.add("Nov 25 04:02:11 gpu-a-19 kernel: NVRM: Xid (PCI:0000:07:00): 74, pid=23117, name=python3, NVLink: fatal error detected on link 11(0x0, 0x0, 0x10000, 0x0, 0x0, 0x0, 0x0)",
          "Nov 25 04:02:11 gpu-a-19 kernel: NVRM: Xid (PCI:0000:0f:00): 74, pid=23118, name=python3, NVLink: fatal error detected on link 4(0x0, 0x0, 0x10000, 0x0, 0x0, 0x0, 0x0)")
    write(n, L.text())
    expect(n, category="infrastructure", type="nvlink_error", action="exclude_node", rule="xid.74_nvlink")


@case
def xid13_custom_kernel():
    n = "xid13_custom_kernel"
    L = Log(n)
    job_start(L, nranks=4, gpn=4, style="rank", hosts=["ws-gpu-3"], nccl=False)
    progress(L, lambda s: prog_custom(s, loss_at(s)), 0, 300, 4, style="rank")
    L.add("[rank1]:Traceback (most recent call last):",
          '[rank1]:  File "/src/fused/attn.py", line 91, in forward',
          "[rank1]:    out = fused_attn_cuda.fwd(q, k, v, self.scale)",
          "[rank1]:RuntimeError: CUDA error: an illegal memory access was encountered",
          "[rank1]:Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions.",
          "[rank0]:[W1125 11:02:19.000311 7731 ProcessGroupNCCL.cpp:1250] Warning: WorkNCCL(SeqNum=9911) is still running: aborting",
          "kernel: [ 4211.118211] NVRM: Xid (PCI:0000:21:00): 13, pid=7732, name=python3, Graphics SM Warp Exception on (GPC 4, TPC 2, SM 1): Out Of Range Address",
          "kernel: [ 4211.118290] NVRM: Xid (PCI:0000:21:00): 13, pid=7732, name=python3, Graphics Exception: ESR 0x52df30=0x10c000e 0x52df34=0x4 0x52df28=0xc81eb60 0x52df2c=0x1174",
          "kernel: [ 4211.120004] NVRM: Xid (PCI:0000:21:00): 43, pid=7732, name=python3, Ch 00000008")
    write(n, L.text())
    expect(n, category="infrastructure", type="cuda_error", action="restart")


@case
def xid31_kernlog_paste():
    n = "xid31_kernlog_paste"
    L = Log(n)
    base = ["Nov 25 06:10:%02d gpu-l40s-08 systemd[1]: Started Session %d of User svc-train." % (i, 4400 + i) for i in range(6)]
    L.add(*base)
    for i in range(40):
        L.add("Nov 25 06:11:%02d gpu-l40s-08 kernel: audit: type=1400 audit(1764051%03d.118:%d): apparmor=\"DENIED\" operation=\"open\" profile=\"snap.lxd\" name=\"/proc/%d/mounts\" pid=%d comm=\"python3\"" % (i % 60, i, 900 + i, 3000 + i, 3000 + i))
    L.add("Nov 25 06:12:40 gpu-l40s-08 kernel: NVRM: Xid (PCI:0000:c1:00): 31, pid=88120, name=python3, Ch 00000018, intr 00000000. MMU Fault: ENGINE GRAPHICS GPC1 GPCCLIENT_T1_8 faulted @ 0x7f1c_2c000000. Fault is of type FAULT_PDE ACCESS_TYPE_VIRT_WRITE",
          "Nov 25 06:12:41 gpu-l40s-08 kernel: NVRM: Xid (PCI:0000:c1:00): 45, pid=88120, name=python3, Ch 00000018",
          "Nov 25 06:12:44 gpu-l40s-08 systemd[1]: session-4405.scope: Deactivated successfully.")
    write(n, L.text())
    expect(n, category="infrastructure", type="cuda_error", action="restart", rule="xid.31_mmu_fault", gpu="0000:c1:00")


@case
def xid95_uncontained():
    n = "xid95_uncontained"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="none", hosts=["a3-node-118"], warn=2)
    progress(L, lambda s: prog_hf(s, loss_at(s), s / 3000), 10, 900, 10)
    L.add("RuntimeError: CUDA error: unknown error",
          "CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.",
          "Mar 12 ... pasted from journalctl -k on a3-node-118:",
          "Nov 25 07:33:02 a3-node-118 kernel: NVRM: Xid (PCI:0000:ca:00): 95, pid=22101, name=python, Uncontained: FBHUB. RST: Yes, D-RST: No",
          "Nov 25 07:33:02 a3-node-118 kernel: NVRM: Xid (PCI:0000:ca:00): 45, pid=22101, name=python, Ch 00000008")
    write(n, L.text())
    expect(n, category="infrastructure", type="ecc_error", action="exclude_node", rule="xid.95_uncontained_ecc")


@case
def ib_retry_exceeded_flood():
    n = "ib_retry_exceeded_flood"
    L = Log(n)
    hosts = ["gpu-b-%02d" % i for i in (10, 11, 12, 13)]
    job_start(L, nranks=32, gpn=8, style="rank", hosts=hosts, warn=2)
    progress(L, lambda s: prog_titan(s, loss_at(s)), 1, 400, 8, style="rank")
    L.add("[rank22]:gpu-b-12:88120:88411 [6] NCCL WARN NET/IB: Got completion from peer 10.12.3.41<60112> with status=12 opcode=0 len=0 vendor err 129 (Recv) localGid ::ffff:10.12.3.12 remoteGids::ffff:10.12.3.41 hca mlx5_6",
          "[rank22]:gpu-b-12:88120:88411 [6] NCCL INFO transport/net.cc:1302 -> 6",
          "[rank22]:gpu-b-12:88120:88411 [6] NCCL INFO proxy.cc:697 -> 6",
          "[rank22]:gpu-b-12:88120:88411 [6] NCCL INFO proxy.cc:880 -> 6 [Progress Thread]")
    blocks = {}
    for r in range(32):
        if r == 22:
            continue
        blocks[r] = ["[E1125 04:%02d:%02d.%06d %d ProcessGroupNCCL.cpp:1423] [PG 0 (default_pg) Rank %d] Process group watchdog thread terminated with exception: NCCL error: remote process exited or there was a network error, NCCL version 2.21.5" % (10 + r % 3, r, 4411 * r % 999999, 88000 + r, r),
                     "ncclRemoteError: A call failed possibly due to a network error or a remote process exiting prematurely.",
                     "Last error:",
                     "NET/IB: Got completion from peer 10.12.3.12<44102> with status=5 opcode=0 len=0 vendor err 249 (Send) localGid ::ffff:10.12.%d.%d remoteGids::ffff:10.12.3.12" % (r // 8, r)]
    emit_blocks(L, blocks, "rank", 8, L.rng)
    write(n, L.text())
    expect(n, category="infrastructure", type="network_error", action="restart", host="gpu-b-12")


@case
def ib_port_down_kernel():
    n = "ib_port_down_kernel"
    L = Log(n)
    L.add("=== job 71902 step 0 output (slurm-71902.out) ===")
    hosts = ["gpu-c-%02d" % i for i in (5, 6, 7, 8)]
    job_start(L, nranks=32, gpn=8, style="srun", torch2=False, hosts=hosts, warn=1)
    for s in range(0, 900, 15):
        L.add("0: global_step=%d train/loss=%.4f train/lr=%.3e throughput=%.1f" % (s, loss_at(s), 2e-4, 412.3 + s % 7))
    for r in range(32):
        L.add("%d: [E ProcessGroupNCCL.cpp:828] [Rank %d] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=90211, OpType=ALLREDUCE, Timeout(ms)=1800000) ran for 1802231 milliseconds before timing out." % (r, r))
    L.add("srun: error: gpu-c-07: tasks 16-23: Exited with exit code 1",
          "=== kernel log gpu-c-07 (collected by epilog) ===",
          "Nov 25 02:41:09 gpu-c-07 kernel: mlx5_core 0000:e1:00.0: mlx5_port_module_event:1177:(pid 0): Port module event[error]: module 0, Cable error, High Temperature",
          "Nov 25 02:41:09 gpu-c-07 kernel: mlx5_core 0000:e1:00.0 ibp225s0: Link down",
          "Nov 25 02:41:10 gpu-c-07 kernel: ib_srpt MAD registration failed for mlx5_4-1.")
    write(n, L.text(), ext=".out")
    expect(n, category="infrastructure", type="network_error", action="exclude_node")


@case
def socket_no_route_cloud():
    n = "socket_no_route_cloud"
    L = Log(n)
    hosts = ["vm-train-%d" % i for i in range(4)]
    job_start(L, nranks=16, gpn=4, style="rank", hosts=hosts, ib=False, warn=2)
    progress(L, lambda s: prog_custom(s, loss_at(s)), 0, 500, 10, style="rank")
    L.add("[rank9]:vm-train-2:3310:3477 [1] NCCL WARN NET/Socket : socket progress error",
          "[rank9]:vm-train-2:3310:3477 [1] NCCL WARN Net : Connection closed by remote peer vm-train-3.internal<44321>",
          "[rank12]:vm-train-3:3391:3502 [0] NCCL WARN socketStartConnect: connect to 172.16.0.12<39931> failed : No route to host",
          "[rank12]:vm-train-3:3391:3502 [0] NCCL INFO misc/socket.cc:564 -> 2")
    for r in range(16):
        if r not in (9, 12):
            L.add("[rank%d]:torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1970, remote process exited or there was a network error, NCCL version 2.20.5" % r)
    write(n, L.text())
    expect(n, category="infrastructure", type="network_error", action="restart")


@case
def nccl_watchdog_only_hang():
    n = "nccl_watchdog_only_hang"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="rank", hosts=["dgx-h100-22"])
    progress(L, lambda s: prog_titan(s, loss_at(s)), 1, 700, 7, style="rank")
    blocks = {r: watchdog_2x(r, 77120, tmo=1800000) for r in range(8)}
    emit_blocks(L, blocks, "rank", 8, L.rng)
    L.add("[rank0]:[E1125 06:12:04.220123 5512 ProcessGroupNCCL.cpp:1316] [PG 0 Rank 0] Heartbeat monitor timed out! Process will be terminated after dumping debug info. workMetaList_.size()=2")
    write(n, L.text())
    expect(n, category="infrastructure", type="nccl_timeout", action="restart")


@case
def slurm_node_failure():
    n = "slurm_node_failure"
    L = Log(n)
    hosts = ["node%03d" % i for i in (15, 16, 17, 18)]
    L.add("+ srun --label --kill-on-bad-exit=1 torchrun --nnodes 4 --nproc-per-node 8 train.py --config cfg/13b.yaml")
    job_start(L, nranks=32, gpn=8, style="srun", torch2=True, hosts=hosts, warn=2)
    for s in range(0, 2000, 25):
        L.add("0: [%s] step=%d loss=%.3f" % (ts(4 * 3600, s)[:19], s, loss_at(s)))
    L.add("srun: error: Node failure on node017")
    for r in range(32):
        if r // 8 != 2:
            L.add("%d: [rank%d]:[E1125 05:02:11.000%03d 4411 ProcessGroupNCCL.cpp:1595] [PG 0 Rank %d] Process group watchdog thread terminated with exception: NCCL error: remote process exited or there was a network error, NCCL version 2.19.3" % (r, r, r, r))
    L.add("srun: error: node015: tasks 0-7: Exited with exit code 1",
          "srun: error: node016: tasks 8-15: Exited with exit code 1",
          "srun: error: node018: tasks 24-31: Exited with exit code 1",
          "srun: Force Terminated StepId=88213.0")
    write(n, L.text(), ext=".out")
    expect(n, category="infrastructure", type="node_failure", action="exclude_node", host="node017")


@case
def slurm_cancel_node_fail():
    n = "slurm_cancel_node_fail"
    L = Log(n)
    for s in range(0, 1200, 10):
        L.add("[%s] iter %d/100000 loss %.4f" % (ts(3600, s * 3)[:19], s, loss_at(s)))
    L.add("slurmstepd: error: *** JOB 512233 ON hpc-g011 CANCELLED AT 2026-11-25T01:44:12 DUE TO NODE FAILURE, SEE SLURMCTLD LOG FOR DETAILS ***")
    write(n, L.text(), ext=".out")
    expect(n, category="infrastructure", type="node_failure", action="exclude_node")


@case
def oom_host_dmesg():
    n = "oom_host_dmesg"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="rank", hosts=["cpu-heavy-04"], warn=2)
    progress(L, lambda s: prog_custom(s, loss_at(s)), 0, 320, 4, style="rank")
    L.add("[rank6]:Traceback (most recent call last):",
          '[rank6]:  File "/opt/conda/lib/python3.11/site-packages/torch/utils/data/dataloader.py", line 1243, in _try_get_data',
          "[rank6]:    data = self._data_queue.get(timeout=timeout)",
          '[rank6]:  File "/opt/conda/lib/python3.11/multiprocessing/queues.py", line 113, in get',
          "[rank6]:    if not self._poll(timeout):",
          '[rank6]:  File "/opt/conda/lib/python3.11/site-packages/torch/utils/data/_utils/signal_handling.py", line 73, in handler',
          "[rank6]:    _error_if_any_worker_fails()",
          "[rank6]:RuntimeError: DataLoader worker (pid 66120) is killed by signal: Killed. ",
          "",
          "[rank6]:The above exception was the direct cause of the following exception:",
          "",
          "[rank6]:Traceback (most recent call last):",
          '[rank6]:  File "/work/train.py", line 301, in <module>',
          "[rank6]:    for batch in loader:",
          '[rank6]:  File "/opt/conda/lib/python3.11/site-packages/torch/utils/data/dataloader.py", line 1256, in _try_get_data',
          "[rank6]:    raise RuntimeError(f'DataLoader worker (pid(s) {pids_str}) exited unexpectedly') from e",
          "[rank6]:RuntimeError: DataLoader worker (pid(s) 66120) exited unexpectedly")
    L.add("$ sudo dmesg | tail -n 5",
          "[88211.412201] python invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0",
          "[88211.412390] Mem-Info:",
          "[88211.413009] Out of memory: Killed process 66120 (pt_data_worker) total-vm:40211020kB, anon-rss:31022044kB, file-rss:12044kB, shmem-rss:401224kB, UID:1000 pgtables:63112kB oom_score_adj:0")
    write(n, L.text())
    expect(n, category="infrastructure", type="oom_host", action="restart")


@case
def oom_host_slurm_step():
    n = "oom_host_slurm_step"
    L = Log(n)
    for s in range(0, 2400, 20):
        L.add("%d: Epoch: [1]  [%4d/5005]  eta: 0:%02d:%02d  lr: 0.4  img/s: %d  loss: %.4f (%.4f)  time: 0.2411  data: 0.0%02d  max mem: 21012" % (0, s, (5005 - s) // 100 % 60, s % 60, 1700 + s % 50, loss_at(s), loss_at(s) + 0.1, s % 90))
    L.add("srun: error: gpu-m-03: task 5: Out Of Memory",
          "srun: Job step aborted: Waiting up to 32 seconds for job step to finish.",
          "slurmstepd: error: *** STEP 771120.0 ON gpu-m-03 CANCELLED AT 2026-11-25T06:42:10 ***",
          "slurmstepd: error: Detected 1 oom_kill event in StepId=771120.0. Some of the step tasks have been OOM Killed.")
    write(n, L.text(), ext=".out")
    expect(n, category="infrastructure", type="oom_host", action="restart", rule="slurm.task_out_of_memory")


@case
def killed_plain_python():
    n = "killed_plain_python"
    L = Log(n)
    L.add("$ python prepare_and_train.py --data /mnt/corpus --workers 64", "loading tokenizer from /models/tok-v4 ...", "tokenizing 412 shards with 64 workers")
    for i in range(0, 412, 6):
        L.add("tokenized shard %03d/412 (%d docs, %.1f M tokens)" % (i, 90000 + i * 13, 210.3 + i % 17))
    L.add("building packed index (this takes a while) ...", "Killed")
    write(n, L.text())
    expect(n, category="unknown", type="killed", action="restart")


@case
def storage_enospc_checkpoint():
    n = "storage_enospc_checkpoint"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="rank", hosts=["node21"], warn=3)
    progress(L, lambda s: prog_custom(s, loss_at(s)), 0, 2000, 20, style="rank")
    L.add("[rank0]:saving checkpoint to /scratch/llm/run-77/ckpt/step_2000 ...")
    L.add("[rank0]:Traceback (most recent call last):",
          '[rank0]:  File "/usr/local/lib/python3.10/dist-packages/torch/serialization.py", line 628, in save',
          "[rank0]:    _save(obj, opened_zipfile, pickle_module, pickle_protocol, _disable_byteorder_record)",
          '[rank0]:  File "/usr/local/lib/python3.10/dist-packages/torch/serialization.py", line 862, in _save',
          "[rank0]:    zip_file.write_record(name, storage, num_bytes)",
          "[rank0]:RuntimeError: [enforce fail at inline_container.cc:764] . PytorchStreamWriter failed writing file data/211: file write failed",
          "",
          "[rank0]:During handling of the above exception, another exception occurred:",
          "",
          "[rank0]:Traceback (most recent call last):",
          '[rank0]:  File "/workspace/train.py", line 455, in <module>',
          "[rank0]:    save_checkpoint(model, optimizer, step)",
          '[rank0]:  File "/workspace/train.py", line 140, in save_checkpoint',
          "[rank0]:    torch.save(state, path)",
          '[rank0]:  File "/usr/local/lib/python3.10/dist-packages/torch/serialization.py", line 627, in save',
          "[rank0]:    with _open_zipfile_writer(f) as opened_zipfile:",
          "[rank0]:OSError: [Errno 28] No space left on device")
    for r in range(1, 8):
        L.add("[rank%d]:[E1125 09:11:0%d.118942 5%d ProcessGroupNCCL.cpp:616] [Rank %d] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=20112, OpType=BROADCAST, NumelIn=1, NumelOut=1, Timeout(ms)=600000) ran for 600208 milliseconds before timing out." % (r, r, r, r))
    write(n, L.text())
    expect(n, category="infrastructure", type="storage_error", action="stop")


@case
def storage_stale_nfs_worker():
    n = "storage_stale_nfs_worker"
    L = Log(n)
    job_start(L, nranks=4, gpn=4, style="default", torch2=False, hosts=["lab-gpu-2"], nccl=True, warn=2)
    for s in range(0, 600, 6):
        L.add("[default0]:Epoch 0 | batch %d/9000 | loss %.4f | %.1f samples/s" % (s, loss_at(s), 610.5 + s % 9))
    L.add("[default2]:Traceback (most recent call last):",
          '[default2]:  File "/home/amy/proj/train.py", line 188, in <module>',
          "[default2]:    for i, batch in enumerate(train_loader):",
          '[default2]:  File "/opt/conda/lib/python3.9/site-packages/torch/utils/data/dataloader.py", line 681, in __next__',
          "[default2]:    data = self._next_data()",
          '[default2]:  File "/opt/conda/lib/python3.9/site-packages/torch/utils/data/dataloader.py", line 1376, in _next_data',
          "[default2]:    return self._process_data(data)",
          '[default2]:  File "/opt/conda/lib/python3.9/site-packages/torch/_utils.py", line 543, in reraise',
          "[default2]:    raise exception",
          "[default2]:OSError: Caught OSError in DataLoader worker process 3.",
          "[default2]:Original Traceback (most recent call last):",
          '[default2]:  File "/opt/conda/lib/python3.9/site-packages/torch/utils/data/_utils/worker.py", line 302, in _worker_loop',
          "[default2]:    data = fetcher.fetch(index)",
          '[default2]:  File "/home/amy/proj/data.py", line 77, in __getitem__',
          "[default2]:    with open(self.files[idx], 'rb') as f:",
          "[default2]:OSError: [Errno 116] Stale file handle: '/nfs/shared/imagenet21k/train/n04532670/n04532670_18812.JPEG'",
          "",
          "ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 2 (pid: 30411) of binary: /opt/conda/bin/python")
    write(n, L.text())
    expect(n, category="infrastructure", type="storage_error", action="restart")


@case
def storage_lustre_eio():
    n = "storage_lustre_eio"
    L = Log(n)
    for s in range(0, 5000, 50):
        L.add(prog_megatron(s, 500000, loss_at(s)))
    L.add("saving checkpoint at iteration    5000 to /lustre/fs2/proj/ckpt/gpt-7b",
          "Traceback (most recent call last):",
          '  File "/opt/Megatron-LM/megatron/training/checkpointing.py", line 412, in save_checkpoint',
          "    torch.save(state_dict, checkpoint_name)",
          "OSError: [Errno 5] Input/output error: '/lustre/fs2/proj/ckpt/gpt-7b/iter_0005000/mp_rank_02/model_optim_rng.pt'",
          "--- client messages (lctl dk / dmesg) ---",
          "Nov 25 08:40:02 c1-n044 kernel: LustreError: 11-0: fs2-OST001c-osc-ffff8f4e2a1e9000: operation ost_write to node 10.40.0.28@o2ib failed: rc = -5",
          "Nov 25 08:40:02 c1-n044 kernel: Lustre: fs2-OST001c-osc-ffff8f4e2a1e9000: Connection to fs2-OST001c (at 10.40.0.28@o2ib) was lost; in progress operations using this service will wait for recovery to complete")
    write(n, L.text())
    expect(n, category="infrastructure", type="storage_error", action="restart")


@case
def storage_quota_exceeded():
    n = "storage_quota_exceeded"
    L = Log(n)
    for s in range(0, 3000, 25):
        L.add("%s | INFO | global_step: %d | train/loss: %.4f | lr: %.2e" % (ts(7200, s)[:19], s, loss_at(s), 1e-4))
    L.add("%s | INFO | saving checkpoint-3000" % ts(7200, 3000)[:19],
          "Traceback (most recent call last):",
          '  File "/home/u12/sft/run.py", line 90, in <module>',
          "    trainer.train()",
          '  File "/home/u12/.local/lib/python3.10/site-packages/transformers/trainer.py", line 2481, in _inner_training_loop',
          "    self._maybe_log_save_evaluate(tr_loss, grad_norm, model, trial, epoch, ignore_keys_for_eval)",
          '  File "/home/u12/.local/lib/python3.10/site-packages/safetensors/torch.py", line 286, in save_file',
          "    serialize_file(_flatten(tensors), filename, metadata=metadata)",
          "safetensors_rust.SafetensorError: Error while serializing: IoError(Os { code: 122, kind: FilesystemQuotaExceeded, message: \"Disk quota exceeded\" })")
    write(n, L.text())
    expect(n, category="infrastructure", type="storage_error", action="stop")


@case
def s3_slowdown_webdataset():
    n = "s3_slowdown_webdataset"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="rank", hosts=["p5-041"], warn=2)
    progress(L, lambda s: prog_titan(s, loss_at(s)), 1, 900, 9, style="rank")
    L.add("[rank3]:Traceback (most recent call last):",
          '[rank3]:  File "/app/data/s3_stream.py", line 61, in _fetch',
          "[rank3]:    body = self.client.get_object(Bucket=self.bucket, Key=key)[\"Body\"].read()",
          '[rank3]:  File "/usr/local/lib/python3.11/site-packages/botocore/client.py", line 1023, in _make_api_call',
          "[rank3]:    raise error_class(parsed_response, operation_name)",
          "[rank3]:botocore.exceptions.ClientError: An error occurred (SlowDown) when calling the GetObject operation (reached max retries: 10): Please reduce your request rate.")
    for r in (0, 1, 2, 4, 5, 6, 7):
        L.add("[rank%d]:[W1125 10:02:44.000%03d 9911 ProcessGroupNCCL.cpp:1250] Warning: WorkNCCL(SeqNum=8121) is aborted" % (r, r))
    write(n, L.text())
    expect(n, category="infrastructure", type="storage_error", action="restart")


@case
def cuda_illegal_address_triton():
    n = "cuda_illegal_address_triton"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="rank", hosts=["g0412"], warn=4)
    progress(L, lambda s: prog_custom(s, loss_at(s)), 0, 1500, 15, style="rank")
    L.add("[rank4]:Traceback (most recent call last):",
          '[rank4]:  File "/code/model/kernels/rope_triton.py", line 144, in apply_rotary',
          "[rank4]:    _rope_fwd[grid](x, cos, sin, out, seqlen, BLOCK=128)",
          '[rank4]:  File "/usr/local/lib/python3.10/dist-packages/triton/runtime/jit.py", line 345, in <lambda>',
          "[rank4]:    return lambda *args, **kwargs: self.run(grid=grid, warmup=False, *args, **kwargs)",
          "[rank4]:RuntimeError: Triton Error [CUDA]: an illegal memory access was encountered")
    blocks = {r: watchdog_2x(r, 15522) for r in range(8) if r != 4}
    emit_blocks(L, blocks, "rank", 8, L.rng)
    write(n, L.text())
    expect(n, category="infrastructure", type="cuda_error", action="restart")


@case
def gpu_no_device_node():
    n = "gpu_no_device_node"
    L = Log(n)
    L.add("[2026-11-25 03:00:01] launching on 2 nodes: gpu-r7-01 gpu-r7-02")
    for r in range(8, 16):
        L.add("[rank%d]:Traceback (most recent call last):" % r,
              '[rank%d]:  File "/srv/train/main.py", line 40, in <module>' % r,
              "[rank%d]:    torch.cuda.set_device(local_rank)" % r,
              '[rank%d]:  File "/usr/lib/python3/dist-packages/torch/cuda/__init__.py", line 404, in set_device' % r,
              "[rank%d]:    torch._C._cuda_setDevice(device)" % r,
              '[rank%d]:  File "/usr/lib/python3/dist-packages/torch/cuda/__init__.py", line 298, in _lazy_init' % r,
              "[rank%d]:    torch._C._cuda_init()" % r,
              "[rank%d]:RuntimeError: No CUDA GPUs are available" % r)
    for r in range(8):
        L.add("[rank%d]:torch.distributed.DistStoreError: Timed out after 1801 seconds waiting for clients. 8/16 clients joined." % r)
    write(n, L.text())
    expect(n, category="infrastructure", type="gpu_lost", action="exclude_node")


@case
def fabric_manager_not_ready():
    n = "fabric_manager_not_ready"
    L = Log(n)
    L.add("+ nvidia-smi -L", "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-1c2f...)", "GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-9a10...)")
    L.add(*torchrun_banner_2x(5511))
    for r in range(8):
        L.add("[rank%d]: Traceback (most recent call last):" % r,
              '[rank%d]:   File "/workspace/pretrain.py", line 22, in <module>' % r,
              "[rank%d]:     torch.cuda.set_device(int(os.environ[\"LOCAL_RANK\"]))" % r,
              "[rank%d]: RuntimeError: CUDA error: system not yet initialized" % r,
              "[rank%d]: CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect." % r)
    write(n, L.text())
    expect(n, category="infrastructure", type="nvlink_error", action="exclude_node")


@case
def master_port_in_use():
    n = "master_port_in_use"
    L = Log(n)
    L.add(*torchrun_banner_2x(2201))
    L.add("[W1125 12:00:01.218000 2201 torch/distributed/elastic/rendezvous/static_tcp_rendezvous.py:68] Creating TCPStore as the c10d::Store implementation",
          "Traceback (most recent call last):",
          '  File "/usr/local/bin/torchrun", line 8, in <module>',
          "    sys.exit(main())",
          '  File "/usr/local/lib/python3.10/dist-packages/torch/distributed/elastic/rendezvous/static_tcp_rendezvous.py", line 69, in next_rendezvous',
          "    self._store = TCPStore(  # type: ignore[call-arg]",
          "torch.distributed.DistNetworkError: The server socket has failed to listen on any local network address. port: 29500, useIpv6: 0, code: -98, name: EADDRINUSE, message: address already in use")
    write(n, L.text())
    expect(n, category="infrastructure", type="connection_error", action="restart")


@case
def store_connect_timeout():
    n = "store_connect_timeout"
    L = Log(n)
    for r in range(8):
        L.add("%d: [W socket.cpp:601] [c10d] The client socket has failed to connect to [train-master-0]:29400 (errno: 110 - Connection timed out)." % r)
    for r in range(8):
        L.add("%d: Traceback (most recent call last):" % r,
              '%d:   File "/opt/conda/lib/python3.10/site-packages/torch/distributed/elastic/rendezvous/c10d_rendezvous_backend.py", line 156, in _create_tcp_store' % r,
              "%d:     store = TCPStore(" % r,
              "%d: torch.distributed.DistNetworkError: The client socket has timed out after 900s while trying to connect to (train-master-0, 29400)." % r)
    write(n, L.text())
    expect(n, category="infrastructure", type="connection_error", action="restart")


# ------------------------------------------------------------ framework

@case
def cuda_oom_megatron_v2():
    n = "cuda_oom_megatron_v2"
    L = Log(n)
    L.add("using world size: 16, data-parallel size: 2, context-parallel size: 1, tensor-model-parallel size: 8, pipeline-model-parallel size: 1")
    for s in range(1, 400, 4):
        L.add(prog_megatron(s, 100000, loss_at(s)))
    L.add("[rank5]: Traceback (most recent call last):",
          '[rank5]:   File "/opt/Megatron-LM/pretrain_gpt.py", line 265, in <module>',
          "[rank5]:     pretrain(",
          '[rank5]:   File "/opt/Megatron-LM/megatron/core/tensor_parallel/layers.py", line 641, in linear_with_grad_accumulation_and_async_allreduce',
          "[rank5]:     return LinearWithGradAccumulationAndAsyncCommunication.apply(*args)",
          "[rank5]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 3.50 GiB. GPU 5 has a total capacity of 79.10 GiB of which 2.11 GiB is free. Process 88120 has 76.98 GiB memory in use. Of the allocated memory 71.44 GiB is allocated by PyTorch, and 4.02 GiB is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for Memory Management  (https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)")
    blocks = {r: watchdog_2x(r, 912, op="_REDUCE_SCATTER_BASE") for r in range(16) if r != 5}
    emit_blocks(L, blocks, "rank", 8, L.rng)
    write(n, L.text())
    expect(n, category="framework", type="cuda_oom", action="stop")


@case
def cuda_oom_torch113_gz():
    n = "cuda_oom_torch113_gz"
    L = Log(n)
    job_start(L, nranks=4, gpn=4, style="none", torch2=False, hosts=["box"], nccl=False, warn=2)
    for e in range(2):
        for b in range(0, 500, 10):
            L.add("Epoch %d Iter %d/500: train_loss=%.4f lr=%.5f" % (e, b, loss_at(e * 500 + b), 1e-4))
    L.add("Traceback (most recent call last):",
          '  File "finetune_vit.py", line 233, in <module>',
          "    outputs = model(pixel_values=batch[\"pixel_values\"].cuda())",
          '  File "/opt/conda/lib/python3.8/site-packages/torch/nn/modules/module.py", line 1194, in _call_impl',
          "    return forward_call(*input, **kwargs)",
          "RuntimeError: CUDA out of memory. Tried to allocate 768.00 MiB (GPU 2; 39.59 GiB total capacity; 37.01 GiB already allocated; 412.19 MiB free; 37.88 GiB reserved in total by PyTorch) If reserved memory is >> allocated memory try setting max_split_size_mb to avoid fragmentation.  See documentation for Memory Management and PYTORCH_CUDA_ALLOC_CONF",
          "ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 2 (pid: 14020) of binary: /opt/conda/bin/python")
    write(n, L.text(), gz=True)
    expect(n, category="framework", type="cuda_oom", action="stop", gpu=2)


@case
def dataloader_worker_killed():
    n = "dataloader_worker_killed"
    L = Log(n)
    job_start(L, nranks=2, gpn=2, style="none", torch2=False, hosts=["ws"], nccl=False, warn=1)
    for s in range(0, 1800, 20):
        L.add("train: [%d/12000] loss=%.3f acc=%.3f data_time=%.3f" % (s, loss_at(s), 0.3 + s / 20000, 0.002 + (s % 7) / 1000))
    L.add("ERROR: Unexpected segmentation fault encountered in worker.",
          "Traceback (most recent call last):",
          '  File "/usr/lib/python3.10/site-packages/torch/utils/data/dataloader.py", line 1133, in _try_get_data',
          "    data = self._data_queue.get(timeout=timeout)",
          '  File "/usr/lib/python3.10/site-packages/torch/utils/data/_utils/signal_handling.py", line 66, in handler',
          "    _error_if_any_worker_fails()",
          "RuntimeError: DataLoader worker (pid 30917) is killed by signal: Segmentation fault. ")
    write(n, L.text())
    expect(n, category="framework", type="dataloader_killed", action="restart")


@case
def nan_nonfinite_custom():
    n = "nan_nonfinite_custom"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="rank", hosts=["node09"], warn=2)
    for s in range(0, 8800, 50):
        L.add("[rank0]:step %d | loss %.4f | lr 6.00e-04 | grad_norm %.2f" % (s, loss_at(s), 0.9 + (s % 13) / 10))
    for s in range(8800, 8812):
        L.add("[rank0]:step %d | loss %s | lr 6.00e-04 | grad_norm %s" % (s, "nan" if s > 8805 else "%.2f" % (3 + s - 8800), "nan" if s > 8805 else "%.1f" % (40 + s)))
    L.add("[rank0]:Traceback (most recent call last):",
          '[rank0]:  File "/work/lm/train.py", line 377, in <module>',
          "[rank0]:    check_finite(loss, step)",
          '[rank0]:  File "/work/lm/utils.py", line 18, in check_finite',
          "[rank0]:    raise RuntimeError(f\"Non-finite loss encountered at step {step} (loss={loss.item()})\")",
          "[rank0]:RuntimeError: Non-finite loss encountered at step 8811 (loss=nan)")
    for r in range(1, 8):
        L.add("[rank%d]:W1125 13:01:02.000000 4411 torch/distributed/elastic/multiprocessing/api.py:897] Sending process %d closing signal SIGTERM" % (r, 4400 + r))
    write(n, L.text())
    expect(n, category="framework", type="nan_loss", action="rollback")


@case
def nan_megatron_grad_norm():
    n = "nan_megatron_grad_norm"
    L = Log(n)
    for s in range(1, 1200, 10):
        L.add(prog_megatron(s, 250000, loss_at(s)))
    L.add("[rank13]: Traceback (most recent call last):",
          '[rank13]:   File "/workspace/megatron/core/distributed/param_and_grad_buffer.py", line 233, in check_for_nan_in_grad',
          "[rank13]:     assert not norm_is_nan, (",
          "[rank13]: AssertionError: Rank 13: found NaN in local grad norm in backward pass before data-parallel communication collective. Device: 5, node: gpu-h100-022")
    for r in range(16):
        if r != 13:
            L.add("[rank%d]: torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/NCCLUtils.hpp:275, remote process exited or there was a network error, NCCL version 2.19.3" % r)
    write(n, L.text())
    expect(n, category="framework", type="nan_loss", action="rollback", rank=13, host="gpu-h100-022")


@case
def deepspeed_loss_scale_min():
    n = "deepspeed_loss_scale_min"
    L = Log(n)
    L.add("[2026-11-25 02:00:01,101] [INFO] [real_accelerator.py:203:get_accelerator] Setting ds_accelerator to cuda (auto detect)",
          "[2026-11-25 02:00:03,441] [INFO] [runner.py:568:main] cmd = /usr/bin/python3 -u -m deepspeed.launcher.launch --world_info=eyJsb2NhbGhvc3QiOiBbMCwgMSwgMiwgM119 --master_addr=127.0.0.1 --master_port=29500 train.py --deepspeed ds_fp16.json",
          "[2026-11-25 02:01:12,331] [WARNING] [engine.py:2707:load_checkpoint] Unable to find latest file at ./ckpt/latest, if trying to load latest checkpoint please ensure this file exists or pass an explicit checkpoint tag when loading a checkpoint.")
    for s in range(0, 3000, 30):
        L.add("[2026-11-25 02:%02d:%02d,%03d] [INFO] [logging.py:96:log_dist] [Rank 0] step=%d, skipped=%d, lr=[0.0002], mom=[(0.9, 0.999)]" % (s // 60 % 60, s % 60, s % 1000, s, s // 400))
        if s % 400 == 0:
            L.add("[2026-11-25 02:%02d:%02d,%03d] [INFO] [loss_scaler.py:183:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: %d, reducing to %d" % (s // 60 % 60, s % 60, 7, 2 ** (16 - s // 400), 2 ** (15 - s // 400)))
    for k in range(12):
        L.add("[2026-11-25 02:51:%02d,118] [INFO] [loss_scaler.py:183:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: %d, reducing to %d" % (k, 2 ** max(0, 11 - k), 2 ** max(0, 10 - k)))
    L.add("Traceback (most recent call last):",
          '  File "train.py", line 201, in <module>',
          "    model_engine.step()",
          '  File "/usr/local/lib/python3.10/dist-packages/deepspeed/runtime/fp16/loss_scaler.py", line 175, in update_scale',
          "    raise Exception(",
          "Exception: Current loss scale already at minimum - cannot decrease scale anymore. Exiting run.",
          "[2026-11-25 02:51:13,002] [INFO] [launch.py:315:sigkill_handler] Killing subprocess 4411",
          "[2026-11-25 02:51:13,120] [ERROR] [launch.py:321:sigkill_handler] ['/usr/bin/python3', '-u', 'train.py', '--local_rank=0', '--deepspeed', 'ds_fp16.json'] exits with return code = 1")
    write(n, L.text())
    expect(n, category="framework", type="nan_loss", action="rollback")


@case
def device_assert_embedding():
    n = "device_assert_embedding"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="rank", hosts=["node02"], warn=2)
    progress(L, lambda s: prog_titan(s, loss_at(s)), 1, 40, 1, style="rank")
    for t in range(0, 96, 4):
        L.add("[rank3]:../aten/src/ATen/native/cuda/Indexing.cu:1308: indexSelectSmallIndex: block: [%d,0,0], thread: [%d,0,0] Assertion `srcIndex < srcSelectDimSize` failed." % (t // 32, t % 128))
    L.add("[rank3]: Traceback (most recent call last):",
          '[rank3]:   File "/opt/titan/torchtitan/models/llama/model.py", line 431, in forward',
          "[rank3]:     h = self.tok_embeddings(tokens)",
          "[rank3]: RuntimeError: CUDA error: device-side assert triggered",
          "[rank3]: CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.")
    blocks = {r: watchdog_2x(r, 41) for r in range(8) if r != 3}
    emit_blocks(L, blocks, "rank", 8, L.rng)
    write(n, L.text())
    expect(n, category="framework", type="device_side_assert", action="stop")


@case
def ckpt_state_dict_mismatch():
    n = "ckpt_state_dict_mismatch"
    L = Log(n)
    L.add(*torchrun_banner_113())
    L.add("Resuming from /ckpt/gpt2-xl/step_42000/model.pt")
    L.add("Traceback (most recent call last):",
          '  File "train_gpt2.py", line 611, in <module>',
          "    model.load_state_dict(ckpt[\"model\"])",
          '  File "/opt/conda/lib/python3.10/site-packages/torch/nn/modules/module.py", line 1671, in load_state_dict',
          "    raise RuntimeError('Error(s) in loading state_dict for {}:\\n\\t{}'.format(",
          "RuntimeError: Error(s) in loading state_dict for GPT:",
          "\tMissing key(s) in state_dict: \"transformer.h.0.attn.bias\", \"transformer.h.1.attn.bias\". ",
          "\tUnexpected key(s) in state_dict: \"_orig_mod.transformer.wte.weight\", \"_orig_mod.transformer.wpe.weight\". ")
    write(n, L.text())
    expect(n, category="framework", type="checkpoint_error", action="stop")


@case
def ckpt_truncated_zip():
    n = "ckpt_truncated_zip"
    L = Log(n)
    for r in range(4):
        L.add("[default%d]:loading checkpoint /mnt/ckpt/run-12/latest/optim_%02d.pt" % (r, r))
    L.add("[default1]:Traceback (most recent call last):",
          '[default1]:  File "/app/resume.py", line 58, in load',
          "[default1]:    state = torch.load(path, map_location=\"cpu\")",
          '[default1]:  File "/usr/lib/python3/dist-packages/torch/serialization.py", line 1040, in load',
          "[default1]:    with _open_zipfile_reader(opened_file) as opened_zipfile:",
          "[default1]:RuntimeError: PytorchStreamReader failed reading zip archive: failed finding central directory")
    write(n, L.text())
    # A truncated file the trainer loads by itself (endure never restores a
    # checkpoint whose file sizes do not verify): the retry loads it again.
    expect(n, category="framework", type="checkpoint_error", action="stop")


@case
def hf_safetensors_header():
    n = "hf_safetensors_header"
    L = Log(n)
    L.add("[INFO|configuration_utils.py:733] 2026-11-25 10:01:02,118 >> loading configuration file /models/mistral-7b/config.json",
          "Loading checkpoint shards:   0%|          | 0/3 [00:00<?, ?it/s]",
          "Loading checkpoint shards:  33%|███▎      | 1/3 [00:04<00:08,  4.12s/it]",
          "Traceback (most recent call last):",
          '  File "/opt/sft/train.py", line 44, in <module>',
          "    model = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=torch.bfloat16)",
          '  File "/usr/local/lib/python3.11/site-packages/transformers/modeling_utils.py", line 556, in load_state_dict',
          "    with safe_open(checkpoint_file, framework=\"pt\") as f:",
          "safetensors_rust.SafetensorError: Error while deserializing header: MetadataIncompleteBuffer")
    write(n, L.text())
    expect(n, category="framework", type="checkpoint_error")


@case
def hf_arrow_invalid_json():
    n = "hf_arrow_invalid_json"
    L = Log(n)
    L.add("Generating train split: 0 examples [00:00, ? examples/s]")
    for i in range(1, 60):
        L.add("Generating train split: %d examples [00:%02d, %d examples/s]" % (i * 10000, i, 10000 + i * 13))
    L.add("Traceback (most recent call last):",
          '  File "/usr/local/lib/python3.10/dist-packages/datasets/packaged_modules/json/json.py", line 137, in _generate_tables',
          "    pa_table = paj.read_json(",
          '  File "pyarrow/_json.pyx", line 308, in pyarrow._json.read_json',
          '  File "pyarrow/error.pxi", line 91, in pyarrow.lib.check_status',
          "pyarrow.lib.ArrowInvalid: JSON parse error: Invalid value. in row 4411",
          "",
          "The above exception was the direct cause of the following exception:",
          "",
          "Traceback (most recent call last):",
          '  File "sft.py", line 71, in <module>',
          "    ds = load_dataset(\"json\", data_files=args.train_files, split=\"train\")",
          '  File "/usr/local/lib/python3.10/dist-packages/datasets/builder.py", line 1995, in _prepare_split_single',
          "    raise DatasetGenerationError(\"An error occurred while generating the dataset\") from e",
          "datasets.exceptions.DatasetGenerationError: An error occurred while generating the dataset")
    write(n, L.text())
    expect(n, category="framework", type="dataset_error", action="stop")


@case
def megatron_bad_index():
    n = "megatron_bad_index"
    L = Log(n)
    L.add("> building train, validation, and test datasets for GPT ...",
          " > finished creating indexed datasets for blend in 0.42 seconds",
          "[rank0]: Traceback (most recent call last):",
          '[rank0]:   File "/opt/Megatron-LM/megatron/core/datasets/indexed_dataset.py", line 211, in __init__',
          "[rank0]:     assert header == _INDEX_HEADER, f\"bad header, cannot read: {idx_path}\"",
          "[rank0]: AssertionError: bad header, cannot read: /data/pile/pile_text_document.idx")
    write(n, L.text())
    expect(n, category="framework", type="dataset_error", action="stop")


@case
def jsonl_decode_worker():
    n = "jsonl_decode_worker"
    L = Log(n)
    for s in range(0, 1500, 15):
        L.add("[%s] it=%d loss=%.3f" % (ts(5 * 3600, s)[:19], s, loss_at(s)))
    L.add("Traceback (most recent call last):",
          '  File "/home/dev/pipeline/stream.py", line 88, in __iter__',
          "    rec = json.loads(line)",
          '  File "/usr/lib/python3.11/json/decoder.py", line 353, in raw_decode',
          "    obj, end = self.scan_once(s, idx)",
          "json.decoder.JSONDecodeError: Unterminated string starting at: line 1 column 5571 (char 5570)")
    write(n, L.text())
    expect(n, category="framework", type="dataset_error", action="stop")


@case
def barrier_store_timeout():
    n = "barrier_store_timeout"
    L = Log(n)
    for r in range(24):
        if r < 16:
            L.add("%d: [W1125 00:00:%02d.000000 2201 Utils.hpp:164] Warning: Environment variable NCCL_ASYNC_ERROR_HANDLING is deprecated; use TORCH_NCCL_ASYNC_ERROR_HANDLING instead (function operator())" % (r, r))
    for r in range(16):
        L.add("%d: Traceback (most recent call last):" % r,
              '%d:   File "/opt/run/train.py", line 30, in <module>' % r,
              "%d:     dist.init_process_group(\"nccl\", timeout=timedelta(minutes=30))" % r,
              '%d:   File "/usr/local/lib/python3.10/dist-packages/torch/distributed/distributed_c10d.py", line 1302, in init_process_group' % r,
              "%d:     store, rank, world_size = next(rendezvous_iterator)" % r,
              "%d: torch.distributed.DistStoreError: Timed out after 1801 seconds waiting for clients. 16/24 clients joined." % r)
    write(n, L.text(), ext=".out")
    expect(n, category="framework", type="dist_barrier", action="restart")


@case
def monitored_barrier_rank():
    n = "monitored_barrier_rank"
    L = Log(n)
    progress(L, lambda s: "[rank0]:" + prog_custom(s, loss_at(s)), 0, 300, 5)
    L.add("[rank0]:Traceback (most recent call last):",
          '[rank0]:  File "/code/eval_hook.py", line 52, in run',
          "[rank0]:    dist.monitored_barrier(timeout=timedelta(minutes=10))",
          "[rank0]:RuntimeError: Rank 13 failed to pass monitoredBarrier in 600000 ms",
          "[rank0]: Original exception: ",
          "[rank0]:[../third_party/gloo/gloo/transport/tcp/pair.cc:534] Connection closed by peer [10.1.0.14]:4820")
    write(n, L.text())
    expect(n, category="framework", type="dist_barrier", rank=13)


@case
def attribute_error_ddp():
    n = "attribute_error_ddp"
    L = Log(n)
    job_start(L, nranks=4, gpn=4, style="rank", hosts=["dev-1"], nccl=True, warn=3)
    progress(L, lambda s: "epoch 0 " + prog_custom(s, loss_at(s)), 0, 1000, 25, style="rank")
    for r in range(4):
        L.add("[rank%d]: Traceback (most recent call last):" % r,
              '[rank%d]:   File "/proj/train.py", line 320, in <module>' % r,
              "[rank%d]:     samples = model.generate(prompt_ids, max_new_tokens=64)" % r,
              '[rank%d]:   File "/usr/local/lib/python3.10/dist-packages/torch/nn/modules/module.py", line 1931, in __getattr__' % r,
              "[rank%d]:     raise AttributeError(" % r,
              "[rank%d]: AttributeError: 'DistributedDataParallel' object has no attribute 'generate'" % r)
    write(n, L.text())
    expect(n, category="framework", type="attribute_error", action="stop")


@case
def value_error_config():
    n = "value_error_config"
    L = Log(n)
    L.add("Namespace(batch_size=64, lr='3e-4', warmup='auto', steps=100000, seq_len=4096)",
          "Traceback (most recent call last):",
          '  File "/src/train.py", line 66, in <module>',
          "    sched = build_scheduler(opt, warmup=int(args.warmup), total=args.steps)",
          "ValueError: invalid literal for int() with base 10: 'auto'")
    write(n, L.text())
    expect(n, category="framework", type="value_error", action="stop")


@case
def assertion_bare():
    n = "assertion_bare"
    L = Log(n)
    job_start(L, nranks=2, gpn=2, style="default", torch2=False, hosts=["m1"], nccl=False, warn=1)
    for r in range(2):
        L.add("[default%d]:Traceback (most recent call last):" % r,
              '[default%d]:  File "pack.py", line 140, in <module>' % r,
              "[default%d]:    assert len(buf) %% args.seq_len == 0" % r,
              "[default%d]:AssertionError" % r)
    L.add("ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 0 (pid: 9912) of binary: /usr/bin/python3")
    write(n, L.text())
    expect(n, category="framework", type="assertion_error", action="stop")


@case
def zero_division_empty_shard():
    n = "zero_division_empty_shard"
    L = Log(n)
    for r in range(8):
        L.add("[rank%d]:rank %d: assigned 0 of 6 shards" % (r, r) if r >= 6 else "[rank%d]:rank %d: assigned 1 of 6 shards" % (r, r))
    L.add("[rank7]:Traceback (most recent call last):",
          '[rank7]:  File "/w/train.py", line 99, in <module>',
          "[rank7]:    steps_per_epoch = total_tokens // (tokens_per_step // len(my_shards))",
          "[rank7]:ZeroDivisionError: integer division or modulo by zero",
          "[rank6]:Traceback (most recent call last):",
          '[rank6]:  File "/w/train.py", line 99, in <module>',
          "[rank6]:    steps_per_epoch = total_tokens // (tokens_per_step // len(my_shards))",
          "[rank6]:ZeroDivisionError: integer division or modulo by zero")
    write(n, L.text())
    expect(n, category="framework", type="zero_division", action="stop")


@case
def shape_mismatch_seq():
    n = "shape_mismatch_seq"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="rank", hosts=["h1"], warn=2)
    for r in range(8):
        L.add("[rank%d]: Traceback (most recent call last):" % r,
              '[rank%d]:   File "/m/model.py", line 201, in forward' % r,
              "[rank%d]:     x = x + self.pos_emb[:, : x.size(1)]" % r,
              "[rank%d]: RuntimeError: The size of tensor a (8192) must match the size of tensor b (4096) at non-singleton dimension 1" % r)
    write(n, L.text())
    expect(n, category="framework", type="runtime_error", action="stop")


@case
def compile_inductor_failed():
    n = "compile_inductor_failed"
    L = Log(n)
    L.add("[rank0]:W1125 04:00:01.000 9911 torch/_dynamo/convert_frame.py:844] [0/8] torch._dynamo hit config.cache_size_limit (8)",
          "[rank0]: Traceback (most recent call last):",
          '[rank0]:   File "/usr/local/lib/python3.11/site-packages/torch/_inductor/graph.py", line 1017, in call_function',
          "[rank0]:     out = lowerings[target](*args, **kwargs)",
          "[rank0]: torch._dynamo.exc.BackendCompilerFailed: backend='inductor' raised:",
          "[rank0]: LoweringException: NotImplementedError: View with dynamic shapes of a non-contiguous tensor",
          "[rank0]:   target: aten.view.default")
    write(n, L.text())
    expect(n, category="framework", type="runtime_error", action="stop")


@case
def segfault_native_ext():
    n = "segfault_native_ext"
    L = Log(n)
    for s in range(0, 400, 5):
        L.add("step %05d  loss=%.4f" % (s, loss_at(s)))
    L.add("Fatal Python error: Segmentation fault",
          "",
          "Thread 0x00007f9c2d1ff640 (most recent call first):",
          '  File "/usr/lib/python3.10/threading.py", line 324 in wait',
          "",
          "Current thread 0x00007f9c8a41b740 (most recent call first):",
          '  File "/opt/venv/lib/python3.10/site-packages/decord/video_reader.py", line 201 in get_batch',
          '  File "/srv/vid/data.py", line 77 in __getitem__',
          "",
          "/var/spool/slurmd/job4411/slurm_script: line 19: 88121 Segmentation fault      (core dumped) python train_video.py")
    write(n, L.text())
    expect(n, category="framework", type="runtime_error", action="restart")


# ------------------------------------------------------------ script

@case
def keyerror_collator_worker():
    n = "keyerror_collator_worker"
    L = Log(n)
    job_start(L, nranks=4, gpn=4, style="rank", hosts=["a100x4"], warn=3)
    for r in range(4):
        L.add("[rank%d]: Traceback (most recent call last):" % r,
              '[rank%d]:   File "/work/sft/train.py", line 212, in <module>' % r,
              "[rank%d]:     for step, batch in enumerate(train_dl):" % r,
              '[rank%d]:   File "/usr/local/lib/python3.10/dist-packages/torch/utils/data/dataloader.py", line 1465, in _next_data' % r,
              "[rank%d]:     return self._process_data(data)" % r,
              '[rank%d]:   File "/usr/local/lib/python3.10/dist-packages/torch/_utils.py", line 733, in reraise' % r,
              "[rank%d]:     raise exception" % r,
              "[rank%d]: KeyError: Caught KeyError in DataLoader worker process 0." % r,
              "[rank%d]: Original Traceback (most recent call last):" % r,
              '[rank%d]:   File "/usr/local/lib/python3.10/dist-packages/torch/utils/data/_utils/worker.py", line 351, in _worker_loop' % r,
              "[rank%d]:     data = fetcher.fetch(index)  # type: ignore[possibly-undefined]" % r,
              '[rank%d]:   File "/work/sft/collate.py", line 31, in __call__' % r,
              "[rank%d]:     labels = [ex[\"labels\"] for ex in examples]" % r,
              "[rank%d]: KeyError: 'labels'" % r,
              "[rank%d]: " % r)
    L.add(*elastic_summary_2x("a100x4", [(0, 0, 1, 7711, "To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html")], script="/work/sft/train.py"))
    write(n, L.text())
    expect(n, category="script", type="key_error", action="stop")


@case
def module_not_found_srun():
    n = "module_not_found_srun"
    L = Log(n)
    for r in range(16):
        L.add("%d: Traceback (most recent call last):" % r,
              '%d:   File "/home/jo/llm/train.py", line 9, in <module>' % r,
              "%d:     from flash_attn import flash_attn_varlen_func" % r,
              "%d: ModuleNotFoundError: No module named 'flash_attn'" % r)
    for h in range(4):
        L.add("srun: error: gpu%02d: tasks %d-%d: Exited with exit code 1" % (h + 1, h * 4, h * 4 + 3))
    write(n, L.text(), ext=".out")
    expect(n, category="script", type="import_error", action="stop")


@case
def import_cannot_import_name():
    n = "import_cannot_import_name"
    L = Log(n)
    L.add("2026-11-25 09:00:01 | starting run sft-llama3-8b",
          "Traceback (most recent call last):",
          '  File "/opt/app/sft.py", line 14, in <module>',
          "    from transformers import LlamaForCausalLM, set_seed, is_torch_xla_available",
          "ImportError: cannot import name 'is_torch_xla_available' from 'transformers' (/usr/local/lib/python3.10/dist-packages/transformers/__init__.py)")
    write(n, L.text())
    expect(n, category="script", type="import_error", action="stop")


@case
def syntax_error_edit():
    n = "syntax_error_edit"
    L = Log(n)
    L.add(*torchrun_banner_2x(4410))
    for r in range(8):
        L.add("[rank%d]:  File \"/workspace/train.py\", line 288" % r,
              "[rank%d]:    lr = cfg.lr * (step / warmup if step < warmup else 1.0" % r,
              "[rank%d]:         ^" % r,
              "[rank%d]:SyntaxError: '(' was never closed" % r)
    L.add("E1125 10:00:02.000000 4410 torch/distributed/elastic/multiprocessing/api.py:869] failed (exitcode: 1) local_rank: 0 (pid: 4420) of binary: /usr/bin/python3")
    write(n, L.text())
    expect(n, category="script", type="syntax_error", action="stop")


@case
def file_not_found_data():
    n = "file_not_found_data"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="rank", hosts=["eu-gpu-9"], warn=2)
    for r in range(8):
        L.add("[rank%d]:Traceback (most recent call last):" % r,
              '[rank%d]:  File "/code/data/packed.py", line 40, in __init__' % r,
              "[rank%d]:    self.data = np.memmap(path, dtype=np.uint16, mode=\"r\")" % r,
              '[rank%d]:  File "/usr/local/lib/python3.10/dist-packages/numpy/core/memmap.py", line 229, in __new__' % r,
              "[rank%d]:    f_ctx = open(os_fspath(filename), ('r' if mode == 'c' else mode)+'b')" % r,
              "[rank%d]:FileNotFoundError: [Errno 2] No such file or directory: '/datasets/fineweb-edu/train_%03d.bin'" % (r, r))
    write(n, L.text())
    expect(n, category="script", type="file_not_found", action="stop")


@case
def permission_denied_ckpt():
    n = "permission_denied_ckpt"
    L = Log(n)
    for s in range(0, 500, 10):
        L.add("[%s] step=%d loss=%.3f" % (ts(3600 * 6, s * 2)[:19], s, loss_at(s)))
    L.add("Traceback (most recent call last):",
          '  File "/opt/job/train.py", line 250, in <module>',
          "    os.makedirs(ckpt_dir, exist_ok=True)",
          '  File "/usr/lib/python3.10/os.py", line 225, in makedirs',
          "    mkdir(name, mode)",
          "PermissionError: [Errno 13] Permission denied: '/shared/checkpoints/team-b/run-19'")
    write(n, L.text())
    expect(n, category="script", type="permission_error", action="stop")


@case
def index_error_shards():
    n = "index_error_shards"
    L = Log(n)
    L.add("found 6 shards under /data/tok/")
    for r in range(8):
        if r < 6:
            L.add("[default%d]:rank %d reading shard %d" % (r, r, r))
    L.add("[default6]:Traceback (most recent call last):",
          '[default6]:  File "train.py", line 55, in <module>',
          "[default6]:    shard = shards[global_rank]",
          "[default6]:IndexError: list index out of range")
    write(n, L.text())
    expect(n, category="script", type="index_error", action="stop")


@case
def type_error_forward():
    n = "type_error_forward"
    L = Log(n)
    for r in range(2):
        L.add("[rank%d]: Traceback (most recent call last):" % r,
              '[rank%d]:   File "/u/exp/run.py", line 141, in <module>' % r,
              "[rank%d]:     out = model(input_ids=ids, attention_mask=mask, cache_position=pos)" % r,
              '[rank%d]:   File "/usr/local/lib/python3.10/dist-packages/torch/nn/modules/module.py", line 1747, in _call_impl' % r,
              "[rank%d]:     return forward_call(*args, **kwargs)" % r,
              "[rank%d]: TypeError: GPTNeoXForCausalLM.forward() got an unexpected keyword argument 'cache_position'" % r)
    write(n, L.text())
    expect(n, category="script", type="type_error", action="stop")


@case
def name_error_typo():
    n = "name_error_typo"
    L = Log(n)
    for s in range(0, 1000, 20):
        L.add(prog_nanogpt(s, loss_at(s)))
    L.add("saving checkpoint to out/ckpt.pt",
          "Traceback (most recent call last):",
          '  File "/root/nanoGPT/train.py", line 301, in <module>',
          "    if iter_num % eval_interval == 0 and master_proces:",
          "NameError: name 'master_proces' is not defined. Did you mean: 'master_process'?")
    write(n, L.text())
    expect(n, category="script", type="name_error", action="stop")


@case
def argparse_unrecognized_torchrun():
    n = "argparse_unrecognized_torchrun"
    L = Log(n)
    L.add(*torchrun_banner_2x(8811))
    for r in range(4):
        L.add("[rank%d]:usage: pretrain.py [-h] [--config CONFIG] [--lr LR] [--batch-size BATCH_SIZE]" % r,
              "[rank%d]:                   [--max-steps MAX_STEPS] [--save-dir SAVE_DIR]" % r,
              "[rank%d]:pretrain.py: error: unrecognized arguments: --max_steps 20000" % r)
    L.add("E1125 08:00:01.000000 8811 torch/distributed/elastic/multiprocessing/api.py:869] failed (exitcode: 2) local_rank: 0 (pid: 8820) of binary: /usr/bin/python")
    write(n, L.text())
    expect(n, category="script", type="argument_error", action="stop")


@case
def argparse_required_megatron():
    n = "argparse_required_megatron"
    L = Log(n)
    L.add("usage: pretrain_gpt.py [-h] [--num-layers NUM_LAYERS] [--hidden-size HIDDEN_SIZE]",
          "                       [--ffn-hidden-size FFN_HIDDEN_SIZE]",
          "                       [--num-attention-heads NUM_ATTENTION_HEADS]",
          "pretrain_gpt.py: error: the following arguments are required: --tokenizer-type")
    write(n, L.text())
    expect(n, category="script", type="argument_error", action="stop")


@case
def called_process_preprocess():
    n = "called_process_preprocess"
    L = Log(n)
    L.add("== stage 1/2: preprocessing ==",
          "Traceback (most recent call last):",
          '  File "/opt/pipe/launch.py", line 77, in <module>',
          "    subprocess.run([\"bash\", \"tools/tokenize.sh\", cfg.raw, cfg.out], check=True)",
          '  File "/usr/lib/python3.10/subprocess.py", line 526, in run',
          "    raise CalledProcessError(retcode, process.args,",
          "subprocess.CalledProcessError: Command '['bash', 'tools/tokenize.sh', '/raw/cc-2024', '/tok/cc-2024']' returned non-zero exit status 127.")
    write(n, L.text())
    expect(n, category="script", type="called_process_error", action="stop")


@case
def os_error_not_supported():
    n = "os_error_not_supported"
    L = Log(n)
    L.add("[rank0]:Traceback (most recent call last):",
          '[rank0]:  File "/app/ckpt_io.py", line 33, in atomic_save',
          "[rank0]:    os.link(tmp, final)",
          "[rank0]:OSError: [Errno 95] Operation not supported: '/mnt/blobfuse/ckpt/tmp.3311' -> '/mnt/blobfuse/ckpt/step_100.pt'")
    write(n, L.text())
    # the file system refuses the operation (a FUSE/SMB mount): storage, and a retry fails alike
    expect(n, category="infrastructure", type="storage_error", action="stop")


@case
def hf_model_id_typo():
    n = "hf_model_id_typo"
    L = Log(n)
    L.add("[2026-11-25 07:00:01,000] [INFO] [real_accelerator.py:191:get_accelerator] Setting ds_accelerator to cuda (auto detect)",
          "Traceback (most recent call last):",
          '  File "/usr/local/lib/python3.10/dist-packages/huggingface_hub/utils/_http.py", line 406, in hf_raise_for_status',
          "    response.raise_for_status()",
          "requests.exceptions.HTTPError: 404 Client Error: Not Found for url: https://huggingface.co/meta-lama/Llama-3.1-8B/resolve/main/config.json",
          "",
          "The above exception was the direct cause of the following exception:",
          "",
          "Traceback (most recent call last):",
          '  File "/usr/local/lib/python3.10/dist-packages/transformers/utils/hub.py", line 402, in cached_file',
          "    resolved_file = hf_hub_download(",
          "huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error. (Request ID: Root=1-67443a1b-2c9f)",
          "",
          "The above exception was the direct cause of the following exception:",
          "",
          "Traceback (most recent call last):",
          '  File "/opt/train/sft.py", line 51, in <module>',
          "    tok = AutoTokenizer.from_pretrained(args.model)",
          "OSError: meta-lama/Llama-3.1-8B is not a local folder and is not a valid model identifier listed on 'https://huggingface.co/models'",
          "If this is a private repository, make sure to pass a token having permission to this repo either by logging in with `huggingface-cli login` or by passing `token=<your_token>`")
    write(n, L.text())
    expect(n, category="script", type="file_not_found", action="stop")


@case
def chained_config_value_error():
    n = "chained_config_value_error"
    L = Log(n)
    L.add("loading config configs/run_13b.yaml",
          "Traceback (most recent call last):",
          '  File "/src/cfg.py", line 40, in resolve',
          "    return PRESETS[name]",
          "KeyError: 'llama-13b-v2'",
          "",
          "The above exception was the direct cause of the following exception:",
          "",
          "Traceback (most recent call last):",
          '  File "/src/train.py", line 18, in <module>',
          "    cfg = resolve(args.preset)",
          '  File "/src/cfg.py", line 42, in resolve',
          "    raise ValueError(f\"unknown preset {name!r}; known: {sorted(PRESETS)}\") from e",
          "ValueError: unknown preset 'llama-13b-v2'; known: ['llama-13b', 'llama-7b']")
    write(n, L.text())
    expect(n, category="framework", type="value_error", action="stop")


@case
def slurm_execve_missing():
    n = "slurm_execve_missing"
    L = Log(n)
    L.add("Loading module cuda/12.4", "Activating venv /home/kim/venvs/llm (not found, continuing)",
          "slurmstepd: error: execve(): torchrun: No such file or directory",
          "slurmstepd: error: execve(): torchrun: No such file or directory",
          "srun: error: hpc-g007: task 0: Exited with exit code 2",
          "srun: error: hpc-g008: task 1: Exited with exit code 2")
    write(n, L.text(), ext=".out")
    expect(n, category="script", type="file_not_found", action="stop")


# ------------------------------------------------------------ hangs

@case
def hang_faulthandler_dump():
    n = "hang_faulthandler_dump"
    L = Log(n)
    for s in range(0, 2500, 25):
        L.add("%s INFO train: step=%d loss=%.4f" % (ts(3600 * 2, s * 4)[:19], s, loss_at(s)))
    L.add("Timeout (0:45:00)!",
          "Thread 0x00007f31c1fff640 (most recent call first):",
          '  File "/usr/lib/python3.10/threading.py", line 320 in wait',
          '  File "/usr/lib/python3.10/queue.py", line 171 in get',
          '  File "/opt/conda/lib/python3.10/site-packages/torch/utils/data/_utils/pin_memory.py", line 31 in do_one_step',
          "",
          "Thread 0x00007f32a4c1b740 (most recent call first):",
          '  File "/opt/conda/lib/python3.10/site-packages/torch/distributed/distributed_c10d.py", line 2288 in all_reduce',
          '  File "/work/train.py", line 310 in train_step',
          '  File "/work/train.py", line 402 in main',
          '  File "/work/train.py", line 440 in <module>')
    write(n, L.text())
    expect(n, category="hang", type="hang", action="restart")


@case
def hang_time_limit():
    n = "hang_time_limit"
    L = Log(n)
    for s in range(0, 3100, 20):
        L.add("[%s] iter %d | loss %.4f | 1.21 it/s" % (ts(3600, s)[:19], s, loss_at(s)))
    L.add("slurmstepd: error: *** JOB 4419021 ON gpu-q-14 CANCELLED AT 2026-11-26T01:00:12 DUE TO TIME LIMIT ***",
          "slurmstepd: error: *** STEP 4419021.0 ON gpu-q-14 CANCELLED AT 2026-11-26T01:00:12 DUE TO TIME LIMIT ***")
    write(n, L.text(), ext=".out")
    expect(n, category="hang", type="hang", action="restart")


@case
def hang_nfs_blocked():
    n = "hang_nfs_blocked"
    L = Log(n)
    for s in range(0, 1200, 12):
        L.add("[rank0]:" + prog_custom(s, loss_at(s)))
    L.add("--- dmesg node14 ---",
          "[123011.201] nfs: server nas-03 not responding, still trying",
          "[123011.733] nfs: server nas-03 not responding, still trying",
          "[123250.102] INFO: task python3:41187 blocked for more than 122 seconds.",
          "[123250.102]       Not tainted 5.15.0-91-generic #101-Ubuntu",
          '[123250.102] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
          "[123250.103] task:python3         state:D stack:    0 pid:41187 ppid:41101 flags:0x00004002",
          "[123250.105] INFO: task pt_data_worker:41230 blocked for more than 122 seconds.")
    write(n, L.text())
    expect(n, category="infrastructure", type="storage_error", action="restart")


@case
def hang_silent_stop():
    n = "hang_silent_stop"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="rank", hosts=["n7"], warn=2)
    progress(L, lambda s: prog_titan(s, loss_at(s)), 1, 1500, 10, style="rank")
    write(n, L.text())
    expect(n, category="hang", type="hang", xfail="a log that just stops carries no failure line; offline, diagnose cannot tell it from a clean run (the controller's hang watch decides this online; for a run directory diagnose reads the controller's failure.json)")


# ------------------------------------------------------------ unknown

@case
def unknown_library_exception():
    n = "unknown_library_exception"
    L = Log(n)
    for s in range(0, 800, 10):
        L.add("[rank0]:" + prog_custom(s, loss_at(s)))
    L.add("[rank2]:Traceback (most recent call last):",
          '[rank2]:  File "/app/stream/mixer.py", line 120, in __iter__',
          "[rank2]:    yield next(self.sources[k])",
          "[rank2]:streaming.base.error.ShardCorruptedError: shard 00412 of source 'code' failed validation after 3 retries")
    write(n, L.text())
    # a library's own exception no rule knows (py.library_exception, 2026-12-07)
    expect(n, category="framework", type="runtime_error", action="stop")


@case
def library_exception_not_named_error():
    n = "library_exception_not_named_error"
    L = Log(n)
    for s in range(0, 800, 10):
        L.add("[rank0]:" + prog_custom(s, loss_at(s)))
    L.add("[rank0]: Traceback (most recent call last):",
          '[rank0]:   File "/work/train.py", line 88, in <module>',
          "[rank0]:     main()",
          '[rank0]:   File "/work/data.py", line 41, in open_shards',
          "[rank0]:     reader = shardkit.open(path)",
          "[rank0]: shardkit.readers.ShardFault: shard 12 of 64 has 0 records")
    write(n, L.text())
    # a library's exception whose name does not end in Error or Exception
    # (py.library_exception through the base-class line, thirty-fifth session)
    expect(n, category="framework", type="runtime_error", action="stop", rule="py.library_exception", rank=0)


@case
def unknown_childfailed_only():
    n = "unknown_childfailed_only"
    L = Log(n)
    L.add(*torchrun_banner_113())
    for s in range(0, 1200, 10):
        L.add("epoch 3 step %d loss %.4f" % (s, loss_at(s)))
    L.add("WARNING:torch.distributed.elastic.multiprocessing.api:Sending process 5121 closing signal SIGTERM",
          "WARNING:torch.distributed.elastic.multiprocessing.api:Sending process 5122 closing signal SIGTERM",
          "ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 2 (pid: 5123) of binary: /usr/bin/python3",
          "Traceback (most recent call last):",
          '  File "/usr/lib/python3.10/runpy.py", line 196, in _run_module_as_main',
          "    return _run_code(code, main_globals, None,",
          '  File "/usr/local/lib/python3.10/dist-packages/torch/distributed/launcher/api.py", line 246, in launch_agent',
          "    raise ChildFailedError(",
          "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ",
          "============================================================",
          "train.py FAILED",
          "------------------------------------------------------------",
          "Failures:",
          "  <NO_OTHER_FAILURES>",
          "------------------------------------------------------------",
          "Root Cause (first observed failure):",
          "[0]:",
          "  time      : 2026-11-25_06:12:44",
          "  host      : trainer-0",
          "  rank      : 2 (local_rank: 2)",
          "  exitcode  : 1 (pid: 5123)",
          "  error_file: <N/A>",
          "  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html",
          "============================================================")
    write(n, L.text())
    expect(n, category="unknown", type="unknown", action="restart")


@case
def unknown_scancel():
    n = "unknown_scancel"
    L = Log(n)
    for s in range(0, 600, 6):
        L.add("0: global_step=%d loss=%.3f" % (s, loss_at(s)))
    L.add("srun: Job step aborted: Waiting up to 32 seconds for job step to finish.",
          "slurmstepd: error: *** STEP 99120.0 ON gpu-d-02 CANCELLED AT 2026-11-25T11:20:31 ***",
          "srun: error: gpu-d-02: tasks 0-7: Terminated")
    write(n, L.text(), ext=".out")
    expect(n, category="unknown", type="unknown", action="stop")


# ------------------------------------------------------------ clean runs

@case
def clean_torchrun_warnings():
    n = "clean_torchrun_warnings"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="rank", hosts=["node33"], warn=8)
    for r in range(8):
        L.add("[rank%d]:[W1125 02:00:03.118942 %d ProcessGroupNCCL.cpp:4561] [PG ID 0 PG GUID 0 Rank %d]  using GPU %d to perform barrier as devices used by this process are currently unknown. This can potentially cause a hang if this rank to GPU mapping is incorrect. Specify device_ids in barrier() to force use of a particular device, or call init_process_group() with a device_id." % (r, 4400 + r, r, r))
    L.add("[rank0]:[W reducer.cpp:1389] Warning: find_unused_parameters=True was specified in DDP constructor, but did not find any unused parameters in the forward pass. This flag results in an extra traversal of the autograd graph every iteration,  which can adversely affect performance.")
    progress(L, lambda s: prog_titan(s, loss_at(s)), 1, 2000, 10, style="rank", noise=WARNINGS)
    L.add("[rank0]:%s - root - INFO - Training completed" % ts(3 * 3600, 4100),
          "[rank0]:%s - root - INFO - Sleeping 2 seconds for other ranks to complete" % ts(3 * 3600, 4100),
          "I1125 04:08:22.000000 139881 torch/distributed/elastic/agent/server/api.py:879] [default] worker group successfully finished. Waiting 300 seconds for other agents to finish.",
          "I1125 04:08:22.000000 139881 torch/distributed/elastic/agent/server/api.py:932] Local worker group finished (WorkerState.SUCCEEDED). Waiting 300 seconds for other agents to finish")
    write(n, L.text())
    expect(n, category="none", type="success", action="none")


@case
def clean_deepspeed_overflow():
    n = "clean_deepspeed_overflow"
    L = Log(n)
    L.add("[2026-11-25 02:00:01,101] [INFO] [real_accelerator.py:203:get_accelerator] Setting ds_accelerator to cuda (auto detect)",
          "[2026-11-25 02:00:09,871] [WARNING] [engine.py:2707:load_checkpoint] Unable to find latest file at /ckpt/ds-run/latest, if trying to load latest checkpoint please ensure this file exists or pass an explicit checkpoint tag when loading a checkpoint.")
    for s in range(0, 4000, 25):
        if s < 200 and s % 50 == 0:
            L.add("[2026-11-25 02:%02d:%02d,%03d] [INFO] [loss_scaler.py:183:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: %d, reducing to %d" % (s // 60 % 60, s % 60, 118, 2 ** (32 - s // 50), 2 ** (31 - s // 50)))
        L.add("[2026-11-25 02:%02d:%02d,%03d] [INFO] [logging.py:96:log_dist] [Rank 0] step=%d, skipped=%d, lr=[0.0001], mom=[(0.9, 0.95)]" % (s // 60 % 60, s % 60, 402, s, min(4, s // 50)))
        if s % 500 == 0:
            L.add("[2026-11-25 02:%02d:%02d,%03d] [INFO] [timer.py:260:stop] epoch=0/micro_step=%d/global_step=%d, RunningAvgSamplesPerSec=211.7, CurrSamplesPerSec=213.0, MemAllocated=31.2GB, MaxMemAllocated=58.9GB" % (s // 60 % 60, s % 60, 555, s * 4, s))
    L.add("[2026-11-25 03:10:01,000] [INFO] [launch.py:351:main] Process 7721 exits successfully.",
          "[2026-11-25 03:10:01,000] [INFO] [launch.py:351:main] Process 7722 exits successfully.")
    write(n, L.text())
    expect(n, category="none", type="success", action="none")


@case
def clean_megatron_gz():
    n = "clean_megatron_gz"
    L = Log(n)
    L.add("WARNING: could not find the metadata file /ckpt/gpt-1b/latest_checkpointed_iteration.txt ",
          "    will not load any checkpoints and will start from random",
          "[Rank 0] (after 10 iterations) memory (MB) | allocated: 21622.2 | max allocated: 40233.7 | reserved: 44110.0 | max reserved: 44110.0")
    for s in range(10, 3000, 10):
        L.add(prog_megatron(s, 3000, loss_at(s)))
        if s % 500 == 0:
            L.add("(min, max) time across ranks (ms):", "    save-checkpoint ................................: (10211.01, 10211.88)",
                  "  successfully saved checkpoint from iteration    %4d to /ckpt/gpt-1b [ t 1/1, p 1/1 ]" % s)
    L.add("[after training is done] datetime: 2026-11-25 06:00:01 ", "exiting program at iteration 3000")
    write(n, L.text(), gz=True)
    expect(n, category="none", type="success", action="none")


@case
def clean_hf_trainer():
    n = "clean_hf_trainer"
    L = Log(n)
    L.add("Some weights of LlamaForSequenceClassification were not initialized from the model checkpoint at /models/llama-3-8b and are newly initialized: ['score.weight']",
          "You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.",
          "`use_cache=True` is incompatible with gradient checkpointing. Setting `use_cache=False`.",
          "huggingface/tokenizers: The current process just got forked, after parallelism has already been used. Disabling parallelism to avoid deadlocks...",
          "To disable this warning, you can either:",
          "\t- Avoid using `tokenizers` before the fork if possible",
          "\t- Explicitly set the environment variable TOKENIZERS_PARALLELISM=(true | false)",
          "wandb: Currently logged in as: ml-team. Use `wandb login --relogin` to force relogin",
          "wandb: Network error (ReadTimeout), entering retry loop.")
    for s in range(0, 1500, 10):
        L.add(" %3d%%|%s| %d/1500 [%02d:%02d<%02d:%02d,  1.%02ds/it]" % (s * 100 // 1500, "█" * (s // 150) + " " * (10 - s // 150), s, s // 60, s % 60, (1500 - s) // 60, (1500 - s) % 60, s % 100))
        if s % 50 == 0 and s:
            L.add(prog_hf(s, loss_at(s), s / 500))
    L.add("{'train_runtime': 1711.2, 'train_samples_per_second': 28.05, 'train_steps_per_second': 0.877, 'train_loss': 2.0113, 'epoch': 3.0}",
          "wandb: Run summary:", "wandb:               train/loss 1.8113", "wandb: 🚀 View run sft-3 at: https://wandb.ai/ml-team/sft/runs/x1y2")
    write(n, L.text())
    expect(n, category="none", type="success", action="none")


@case
def clean_nccl_info_retries():
    n = "clean_nccl_info_retries"
    L = Log(n)
    hosts = ["trn-%02d" % i for i in range(4)]
    job_start(L, nranks=32, gpn=8, style="none", torch2=True, hosts=hosts, warn=3)
    L.add("trn-02:9911:9988 [3] NCCL INFO Call to connect returned Connection refused, retrying",
          "trn-02:9911:9988 [3] NCCL INFO Call to connect returned Connection refused, retrying",
          "trn-01:9101:9150 [0] NCCL INFO NET/IB : GID index 3 not found on mlx5_4, falling back to GID 0",
          "[W socket.cpp:426] [c10d] The IPv6 network addresses of (trn-00, 29500) cannot be retrieved (gai error: -2 - Name or service not known).",
          "trn-00:9001:9001 [0] NCCL INFO comm 0x55d2c6a1e2f0 rank 0 nranks 32 cudaDev 0 nvmlDev 0 busId 18000 commId 0x9f1c2e - Init COMPLETE")
    for s in range(0, 1000, 10):
        L.add(prog_custom(s, loss_at(s)))
    L.add("trn-00:9001:9320 [0] NCCL INFO [Service thread] Connection closed by localRank 0",
          "trn-00:9001:9001 [0] NCCL INFO comm 0x55d2c6a1e2f0 rank 0 nranks 32 cudaDev 0 busId 18000 - Abort COMPLETE",
          "training done in 3h12m, final loss 1.9021")
    write(n, L.text())
    expect(n, category="none", type="success", action="none")


@case
def clean_library_warnings():
    """Library warnings that the rules read as symptoms (a CPU-only
    bitsandbytes, xFormers without its extensions) printed before the
    run's completion line: they did not end the run."""
    n = "clean_library_warnings"
    L = Log(n)
    L.add("/opt/conda/lib/python3.10/site-packages/bitsandbytes/cextension.py:31: UserWarning: The installed version of bitsandbytes was compiled without GPU support. 8-bit optimizers and GPU quantization are unavailable.",
          "  warn(\"The installed version of bitsandbytes was compiled without GPU support. \"",
          "WARNING[XFORMERS]: xFormers can't load C++/CUDA extensions. xFormers was built for:",
          "    PyTorch 2.0.1+cu118 with CUDA 1108 (you have 2.1.0+cu121)",
          "    Python  3.10.11 (you have 3.10.13)",
          "  Memory-efficient attention, SwiGLU, sparse and more won't be available.")
    for s in range(50, 1001, 50):
        L.add(prog_hf(s, loss_at(s), s / 500))
    L.add("{'train_runtime': 980.4, 'train_samples_per_second': 16.3, 'train_steps_per_second': 1.02, 'train_loss': 1.9410, 'epoch': 2.0}")
    write(n, L.text())
    expect(n, category="none", type="success", action="none")


@case
def childfailed_after_completion():
    """A symptom after the completion line still counts: the launcher saw a
    rank fail once training had finished (a crash at exit, while saving)."""
    n = "childfailed_after_completion"
    L = Log(n)
    for s in range(50, 501, 50):
        L.add(prog_hf(s, loss_at(s), s / 250))
    L.add("{'train_runtime': 480.2, 'train_samples_per_second': 16.6, 'train_steps_per_second': 1.04, 'train_loss': 2.0101, 'epoch': 2.0}",
          "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ",
          "============================================================",
          "train.py FAILED",
          "------------------------------------------------------------",
          "Root Cause (first observed failure):",
          "[0]:",
          "  time      : 2026-11-25_04:10:12",
          "  host      : gpu-a100-03",
          "  rank      : 1 (local_rank: 1)",
          "  exitcode  : 1 (pid: 88121)")
    write(n, L.text())
    expect(n, category="unknown")


# ------------------------------------------------------------ run directories

def rank_log_progress(rng, r, steps, fmt):
    out = ["rank %d starting on %s" % (r, "cuda:%d" % (r % 4))]
    for s in range(0, steps, 10):
        out.append(fmt(s))
    return out


@case
def run_ecc_two_attempts():
    n = "run_ecc_two_attempts"
    rng = random.Random(7)
    att0 = {"node-0": {}, "node-1": {}}
    att1 = {"node-0": {}, "node-1": {}}
    for r in range(8):
        node = "node-%d" % (r // 4)
        # attempt 0: an unrelated transient (the restart worked)
        lines = rank_log_progress(rng, r, 300, lambda s: "step %d loss %.4f" % (s, loss_at(s)))
        if r == 2:
            lines += ["Traceback (most recent call last):", '  File "train.py", line 80, in <module>', "    batch = next(it)",
                      "botocore.exceptions.ReadTimeoutError: Read timeout on endpoint URL: \"https://s3.eu-west-1.amazonaws.com/corpus/shard-0441.tar\""]
        att0[node][r] = "\n".join(lines) + "\n"
        lines = ["resuming from step 300"] + rank_log_progress(rng, r, 900, lambda s: "step %d loss %.4f" % (s + 300, loss_at(s + 300)))
        if r == 6:
            lines += ["Traceback (most recent call last):", '  File "train.py", line 95, in <module>', "    loss.backward()",
                      "torch.AcceleratorError: CUDA error: uncorrectable ECC error encountered",
                      "Search for `cudaErrorECCUncorrectable' in https://docs.nvidia.com/cuda/cuda-runtime-api/group__CUDART__TYPES.html for more information."]
        else:
            lines += watchdog_2x(r, 6120)
        att1[node][r] = "\n".join(lines) + "\n"
    write_run(n, [att0, att1])
    expect(n, category="infrastructure", type="ecc_error", action="exclude_node", host="node-1", rank=6)


@case
def run_keyerror_all_ranks():
    n = "run_keyerror_all_ranks"
    att = {"gpu-a": {}, "gpu-b": {}}
    for r in range(4):
        node = "gpu-a" if r < 2 else "gpu-b"
        lines = ["using config cfg/base.yaml", "building tokenizer ..."]
        lines += tb([("/srv/job/train.py", 140, "<module>", "pad_id = tok.special_tokens[\"<pad>\"]")], "KeyError: '<pad>'")
        att[node][r] = "\n".join(lines) + "\n"
    write_run(n, [att])
    expect(n, category="script", type="key_error", action="stop")


@case
def run_oom_rank3():
    n = "run_oom_rank3"
    att = {"n1": {}, "n2": {}}
    for r in range(4):
        node = "n1" if r < 2 else "n2"
        lines = ["[%s] step %d loss %.3f" % (ts(3600, s)[:19], s, loss_at(s)) for s in range(0, 200, 5)]
        if r == 3:
            lines += tb([("/srv/job/train.py", 211, "step", "logits = model(x)")],
                        "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 8.00 GiB. GPU 1 has a total capacity of 44.35 GiB of which 3.12 GiB is free. Including non-PyTorch memory, this process has 41.22 GiB memory in use.")
        else:
            lines += ["[E ProcessGroupNCCL.cpp:474] [Rank %d] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=812, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=600000) ran for 600442 milliseconds before timing out." % r]
        att[node][r] = "\n".join(lines) + "\n"
    write_run(n, [att])
    expect(n, category="framework", type="cuda_oom", action="stop")


@case
def run_clean_dir():
    n = "run_clean_dir"
    att = {"local": {}}
    for r in range(2):
        lines = ["[W socket.cpp:464] [c10d] The server socket cannot be initialized on [::]:29500 (errno: 97 - Address family not supported by protocol)."]
        lines += ["iter %d/2000 loss=%.4f" % (s, loss_at(s)) for s in range(0, 2001, 25)]
        lines += ["done; final checkpoint saved to /ckpt/final"]
        att["local"][r] = "\n".join(lines) + "\n"
    write_run(n, [att])
    expect(n, category="none", type="success", action="none")


@case
def run_dataloader_oom_node():
    n = "run_dataloader_oom_node"
    att = {"worker-0": {}, "worker-1": {}}
    for r in range(4):
        node = "worker-%d" % (r // 2)
        lines = ["epoch 0 step %d loss %.4f" % (s, loss_at(s)) for s in range(0, 300, 6)]
        if r == 1:
            lines += ["ERROR: Unexpected bus error encountered in worker. This might be caused by insufficient shared memory (shm).",
                      "Traceback (most recent call last):",
                      '  File "/usr/local/lib/python3.10/dist-packages/torch/utils/data/dataloader.py", line 1243, in _try_get_data',
                      "    data = self._data_queue.get(timeout=timeout)",
                      "RuntimeError: DataLoader worker (pid 2231) is killed by signal: Bus error. It is possible that dataloader's workers are out of shared memory. Please try to raise your shared memory limit."]
        else:
            lines += ["[rank%d]:[E1125 01:00:00.000000 77 ProcessGroupNCCL.cpp:616] [Rank %d] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=301, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=600000) ran for 600101 milliseconds before timing out." % (r, r)]
        att[node][r] = "\n".join(lines) + "\n"
    write_run(n, [att])
    expect(n, category="framework", type="dataloader_killed", action="stop")



# ------------------------------------------------------------ second batch:
# phrasings from other versions and tools, written after the rules.

@case
def host_oom_cpu_allocator():
    n = "host_oom_cpu_allocator"
    L = Log(n)
    L.add("[rank0]:loading consolidated checkpoint /ckpt/70b/consolidated.00.pth (131 GB) on every rank ...")
    for r in range(8):
        L.add("[rank%d]:Traceback (most recent call last):" % r,
              '[rank%d]:  File "/app/load.py", line 21, in <module>' % r,
              "[rank%d]:    sd = torch.load(path, map_location=\"cpu\", mmap=False)" % r,
              "[rank%d]:RuntimeError: [enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: not enough memory: you tried to allocate 68719476736 bytes." % r)
    write(n, L.text())
    # the job's own host allocation: the same step asks for the same memory on every retry
    expect(n, category="infrastructure", type="oom_host", action="stop")


@case
def nan_megatron_forward_loss():
    n = "nan_megatron_forward_loss"
    L = Log(n)
    for s in range(1, 900, 8):
        L.add(prog_megatron(s, 400000, loss_at(s)))
    L.add("[rank0]: Traceback (most recent call last):",
          '[rank0]:   File "/workspace/Megatron-LM/megatron/training/training.py", line 1247, in train_step',
          "[rank0]:     losses_reduced = forward_backward_func(",
          '[rank0]:   File "/workspace/Megatron-LM/megatron/core/pipeline_parallel/schedules.py", line 274, in forward_step',
          "[rank0]:     output_tensor, num_tokens = loss_func(output_tensor)",
          "[rank0]: AssertionError: Rank 0: found NaN in local forward loss calculation. Device: 0, node: dgx-117")
    write(n, L.text())
    expect(n, category="framework", type="nan_loss", action="rollback")


@case
def nccl_cuda_oom_inside():
    n = "nccl_cuda_oom_inside"
    L = Log(n)
    for s in range(0, 50, 2):
        L.add("[rank0]:" + prog_custom(s, loss_at(s)))
    L.add("[rank6]: Traceback (most recent call last):",
          '[rank6]:   File "/code/fsdp_train.py", line 140, in <module>',
          "[rank6]:     model = FSDP(model, auto_wrap_policy=policy, device_id=local_rank)",
          "[rank6]: torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/NCCLUtils.hpp:317, unhandled cuda error (run with NCCL_DEBUG=INFO for details), NCCL version 2.20.5",
          "[rank6]: ncclUnhandledCudaError: Call to CUDA function failed.",
          "[rank6]: Last error:",
          "[rank6]: Cuda failure 'out of memory'")
    write(n, L.text())
    expect(n, category="framework", type="cuda_oom", action="stop")


@case
def slurm_stepd_unkillable():
    n = "slurm_stepd_unkillable"
    L = Log(n)
    for s in range(0, 700, 7):
        L.add("%d: step %d loss %.4f" % (0, s, loss_at(s)))
    L.add("srun: Job step aborted: Waiting up to 32 seconds for job step to finish.",
          "slurmstepd: error: *** STEP 77120.0 STEPD TERMINATED ON gpu-e-05 AT 2026-11-25T03:12:44 DUE TO JOB NOT ENDING WITH SIGNALS ***",
          "srun: error: gpu-e-05: tasks 8-15: Killed")
    write(n, L.text(), ext=".out")
    expect(n, category="infrastructure", type="node_failure", action="exclude_node", host="gpu-e-05")


@case
def shm_torch_write_failed():
    n = "shm_torch_write_failed"
    L = Log(n)
    for s in range(0, 200, 4):
        L.add("[default0]:it %d loss %.3f" % (s, loss_at(s)))
    L.add("[default0]:Traceback (most recent call last):",
          '[default0]:  File "/usr/lib/python3/dist-packages/torch/multiprocessing/reductions.py", line 568, in reduce_storage',
          "[default0]:    fd, size = storage._share_fd_cpu_()",
          "[default0]:RuntimeError: unable to write to file </torch_18692_1954506624_0>: No space left on device (28)")
    write(n, L.text())
    expect(n, category="framework", type="dataloader_killed", action="stop")


@case
def nvidia_smi_unknown_error():
    n = "nvidia_smi_unknown_error"
    L = Log(n)
    for s in range(0, 1000, 10):
        L.add("[rank3]:" + prog_custom(s, loss_at(s)) if s % 20 else "[rank0]:" + prog_custom(s, loss_at(s)))
    L.add("[rank3]:RuntimeError: CUDA error: unknown error",
          "[rank3]:Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions.",
          "=== post-mortem: nvidia-smi on gpu-s-02 ===",
          "Unable to determine the device handle for GPU 0000:41:00.0: Unknown Error",
          "No devices were found")
    write(n, L.text())
    expect(n, category="infrastructure", type="gpu_lost", action="exclude_node")


@case
def store_reset_after_import_error():
    n = "store_reset_after_import_error"
    L = Log(n)
    L.add("[rank0]:Traceback (most recent call last):",
          '[rank0]:  File "/src/train.py", line 3, in <module>',
          "[rank0]:    import wandb",
          "[rank0]:ModuleNotFoundError: No module named 'wandb'")
    for r in range(1, 16):
        L.add("[rank%d]:Traceback (most recent call last):" % r,
              '[rank%d]:  File "/usr/local/lib/python3.10/dist-packages/torch/distributed/distributed_c10d.py", line 4003, in barrier' % r,
              "[rank%d]:    work = default_pg.barrier(opts=opts)" % r,
              "[rank%d]:torch.distributed.DistBackendError: [%d] is setting up NCCL communicator and retrieving ncclUniqueId from [0] via c10d key-value store by key '0', but store->get('0') got error: Connection reset by peer" % (r, r),
              "[rank%d]:Exception raised from recvBytes at ../torch/csrc/distributed/c10d/Utils.hpp:672 (most recent call first):" % r)
    write(n, L.text())
    expect(n, category="script", type="import_error", action="stop")


@case
def run_nfs_then_dataloader_skew():
    n = "run_nfs_then_dataloader_skew"
    att = {"node-a": {}, "node-b": {}}
    for r in range(4):
        node = "node-a" if r < 2 else "node-b"
        lines = ["2026-11-25T04:%02d:%02dZ step %d loss %.3f" % (s // 60, s % 60, s, loss_at(s)) for s in range(0, 600, 12)]
        if r == 2:
            lines += ["Nov 25 04:10:02 node-b kernel: nfs: server filer-7 not responding, still trying",
                      "2026-11-25T04:21:40Z Traceback (most recent call last):",
                      '  File "/opt/conda/lib/python3.10/site-packages/torch/utils/data/dataloader.py", line 1133, in _try_get_data',
                      "    data = self._data_queue.get(timeout=timeout)",
                      "RuntimeError: DataLoader timed out after 600 seconds"]
        else:
            lines += ["2026-11-25T04:32:00Z [E ProcessGroupNCCL.cpp:474] [Rank %d] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=600, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=1800000) ran for 1800311 milliseconds before timing out." % r]
        att[node][r] = "\n".join(lines) + "\n"
    write_run(n, [att])
    expect(n, category="infrastructure", type="storage_error", action="restart")


@case
def clean_scary_exit():
    n = "clean_scary_exit"
    L = Log(n)
    L.add("/usr/local/lib/python3.10/dist-packages/torch/utils/data/dataloader.py:557: UserWarning: This DataLoader will create 16 worker processes in total. Our suggested max number of worker in current system is 8, which is smaller than what this DataLoader is going to create. Please be aware that excessive worker creation might get DataLoader running slow or even freeze, lower the worker number to avoid potential slowness/freeze if necessary.",
          "  warnings.warn(_create_warning_msg(",
          "WARNING:urllib3.connectionpool:Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'ReadTimeoutError(\"HTTPSConnectionPool(host='api.wandb.ai', port=443): Read timed out. (read timeout=20)\")': /graphql",
          "[W ProcessGroupNCCL.cpp:1856] Warning: TORCH_NCCL_AVOID_RECORD_STREAMS=1 has no effect for point-to-point collectives. (function operator())")
    for s in range(0, 3000, 20):
        L.add("step %d | loss %.4f | eval/error_rate %.3f" % (s, loss_at(s), 0.4 - s / 10000) if s % 200 == 0 else prog_custom(s, loss_at(s)))
    L.add("final eval: error_rate=0.112 perplexity=6.91",
          "saved final model to /out/final.pt",
          "Exception ignored in: <function _MultiProcessingDataLoaderIter.__del__ at 0x7f1b2c0a3e20>",
          "Traceback (most recent call last):",
          '  File "/usr/local/lib/python3.10/dist-packages/torch/utils/data/dataloader.py", line 1479, in __del__',
          "    self._shutdown_workers()",
          '  File "/usr/local/lib/python3.10/dist-packages/torch/utils/data/dataloader.py", line 1437, in _shutdown_workers',
          "    if self._persistent_workers or self._workers_status[worker_id]:",
          "AttributeError: '_MultiProcessingDataLoaderIter' object has no attribute '_workers_status'")
    write(n, L.text())
    expect(n, category="none", type="success", action="none")


@case
def accelerate_wrapper_keyerror():
    n = "accelerate_wrapper_keyerror"
    L = Log(n)
    L.add("The following values were not passed to `accelerate launch` and had defaults used instead:",
          "\t`--num_machines` was set to a value of `1`",
          "To avoid this warning pass in values for each of the problematic parameters or run `accelerate config`.")
    for s in range(0, 300, 10):
        L.add(" %d%%|██        | %d/1500 [%02d:%02d<20:11,  1.22it/s]" % (s * 100 // 1500, s, s // 60, s % 60))
    L.add("Traceback (most recent call last):",
          '  File "/home/r/ft/train_lora.py", line 188, in <module>',
          "    main()",
          '  File "/home/r/ft/train_lora.py", line 160, in main',
          "    prompt = TEMPLATES[args.template].format(**ex)",
          "KeyError: 'alpaca-v2'",
          "Traceback (most recent call last):",
          '  File "/usr/local/bin/accelerate", line 8, in <module>',
          "    sys.exit(main())",
          '  File "/usr/local/lib/python3.10/dist-packages/accelerate/commands/launch.py", line 1106, in launch_command',
          "    simple_launcher(args)",
          '  File "/usr/local/lib/python3.10/dist-packages/accelerate/commands/launch.py", line 704, in simple_launcher',
          "    raise subprocess.CalledProcessError(returncode=process.returncode, cmd=cmd)",
          "subprocess.CalledProcessError: Command '['/usr/bin/python3', 'train_lora.py', '--template', 'alpaca-v2', '--bf16']' returned non-zero exit status 1.")
    write(n, L.text())
    expect(n, category="script", type="key_error", action="stop")


@case
def deepspeed_pdsh_unreachable():
    n = "deepspeed_pdsh_unreachable"
    L = Log(n)
    L.add("[2026-11-25 01:00:00,001] [INFO] [runner.py:463:main] Using IP address of 10.3.0.1 for node gpu-k-01",
          "[2026-11-25 01:00:00,118] [INFO] [multinode_runner.py:72:get_cmd] Running on the following workers: gpu-k-01,gpu-k-02,gpu-k-03,gpu-k-04",
          "[2026-11-25 01:00:00,119] [INFO] [runner.py:570:main] cmd = pdsh -S -f 1024 -w gpu-k-01,gpu-k-02,gpu-k-03,gpu-k-04 export PYTHONPATH=/work; cd /work; /usr/bin/python3 -u -m deepspeed.launcher.launch --world_info=eyJncHUtay0wMSI6IFswXX0= --node_rank=%n train.py --deepspeed ds.json")
    for h in (1, 2, 4):
        for r in range(2):
            L.add("gpu-k-%02d: [2026-11-25 01:00:0%d,441] [INFO] [launch.py:146:main] WORLD INFO DICT: {'gpu-k-01': [0, 1, 2, 3, 4, 5, 6, 7]}" % (h, r + 2))
    L.add("gpu-k-03: ssh: connect to host gpu-k-03 port 22: No route to host",
          "pdsh@gpu-k-01: gpu-k-03: ssh exited with exit code 255")
    for h in (1, 2, 4):
        L.add("gpu-k-%02d: torch.distributed.DistStoreError: Timed out after 1801 seconds waiting for clients. 24/32 clients joined." % h)
    write(n, L.text())
    expect(n, category="infrastructure", type="node_failure", action="exclude_node", host="gpu-k-03")


@case
def gloo_cpu_killed():
    n = "gloo_cpu_killed"
    L = Log(n)
    for s in range(0, 400, 5):
        L.add("%d: epoch 1 batch %d loss %.4f" % (s % 4, s, loss_at(s)))
    L.add("2: Killed")
    for r in (0, 1, 3):
        L.add("%d: RuntimeError: [../third_party/gloo/gloo/transport/tcp/unbound_buffer.cc:81] Timed out waiting 1800000ms for recv operation to complete" % r)
    L.add("srun: error: cpu-n-11: task 2: Out Of Memory",
          "srun: error: cpu-n-11: tasks 0-1,3: Exited with exit code 1")
    write(n, L.text(), ext=".out")
    expect(n, category="infrastructure", type="oom_host", action="restart")


# ------------------------------------------------------------ third batch

@case
def hang_pyspy_dump():
    n = "hang_pyspy_dump"
    L = Log(n)
    for s in range(0, 900, 9):
        L.add("[rank0]:" + prog_custom(s, loss_at(s)))
    L.add("--- on-call: job stuck for 40 min, py-spy dump of rank 5 (node gpu-t-03) ---",
          "Process 88125: /usr/bin/python3 -u train.py --config cfg/7b.yaml",
          "Python v3.10.12 (/usr/bin/python3.10)",
          "",
          "Thread 88125 (idle): \"MainThread\"",
          "    synchronize (torch/cuda/__init__.py:892)",
          "    all_reduce (torch/distributed/distributed_c10d.py:2501)",
          "    reduce_grads (train.py:211)",
          "    main (train.py:402)",
          "Thread 88301 (idle): \"pin_memory\"",
          "    wait (threading.py:324)",
          "    get (queue.py:180)")
    write(n, L.text())
    expect(n, category="hang", type="hang", action="restart")


@case
def hang_flight_recorder_dump():
    n = "hang_flight_recorder_dump"
    L = Log(n)
    job_start(L, nranks=8, gpn=8, style="rank", hosts=["b200-07"], warn=2)
    progress(L, lambda s: prog_titan(s, loss_at(s)), 1, 600, 6, style="rank")
    for r in range(8):
        L.add("[rank%d]:[E1125 07:01:%02d.%06d 5%03d ProcessGroupNCCL.cpp:1419] [PG ID 0 PG GUID 0(default_pg) Rank %d] Received a dump signal due to a collective timeout from rank 2 and we will try our best to dump the debug info. Last enqueued NCCL work: 4811, last completed NCCL work: 4810.This is most likely caused by incorrect usages of collectives, e.g., wrong sizes used across ranks, the order of collectives is not same for all ranks or the scheduled collective, for some reason, didn't run. Additionally, this can be caused by GIL deadlock or other reasons such as network errors or bugs in the communications library (e.g. NCCL), etc." % (r, r, r * 1117, r, r),
              "[rank%d]:[E1125 07:01:%02d.%06d 5%03d ProcessGroupNCCL.cpp:1218] [PG ID 0 PG GUID 0(default_pg) Rank %d] ProcessGroupNCCL preparing to dump debug info. Include stack trace: 1" % (r, r, r * 1121, r, r))
    L.add("[rank2]:[F1125 07:09:01.000112 5002 ProcessGroupNCCL.cpp:1537] [PG ID 0 PG GUID 0(default_pg) Rank 2] [PG ID 0 PG GUID 0(default_pg) Rank 2] Terminating the process after attempting to dump debug info, due to collective timeout or exception.")
    write(n, L.text())
    expect(n, category="infrastructure", type="nccl_timeout", action="restart")


@case
def hang_endure_declared():
    n = "hang_endure_declared"
    L = Log(n)
    for s in range(0, 1500, 15):
        L.add("[n1:0] " + prog_nanogpt(s, loss_at(s)))
    L.add("endure: attempt 0: hang: no progress for 1800000 ms (--hang-timeout)",
          "endure: attempt 0: stopping 8 ranks on 1 node (TERM, grace 30s)")
    write(n, L.text())
    expect(n, category="hang", type="hang", action="restart")


@case
def unknown_ds_return_code():
    n = "unknown_ds_return_code"
    L = Log(n)
    for s in range(0, 2000, 20):
        L.add("[2026-11-25 09:%02d:%02d,%03d] [INFO] [logging.py:96:log_dist] [Rank 0] step=%d, skipped=0, lr=[5e-05], mom=[(0.9, 0.999)]" % (s // 60 % 60, s % 60, s % 997, s))
    L.add("[2026-11-25 09:34:01,002] [INFO] [launch.py:315:sigkill_handler] Killing subprocess 30211",
          "[2026-11-25 09:34:01,003] [INFO] [launch.py:315:sigkill_handler] Killing subprocess 30212",
          "[2026-11-25 09:34:02,118] [ERROR] [launch.py:321:sigkill_handler] ['/opt/conda/bin/python', '-u', 'finetune.py', '--local_rank=1', '--deepspeed', 'zero3.json'] exits with return code = 1")
    write(n, L.text())
    expect(n, category="unknown", type="unknown", action="restart")


@case
def bad_alloc_abort():
    n = "bad_alloc_abort"
    L = Log(n)
    for s in range(0, 700, 7):
        L.add("train | it %6d | loss %.4f | lr %.2e" % (s, loss_at(s), 1e-4))
    L.add("building eval cache (materialising 512M tokens in RAM) ...",
          "terminate called after throwing an instance of 'std::bad_alloc'",
          "  what():  std::bad_alloc",
          "Aborted (core dumped)")
    write(n, L.text())
    expect(n, category="infrastructure", type="oom_host", action="stop")


@case
def index_error_embedding_cpu():
    n = "index_error_embedding_cpu"
    L = Log(n)
    L.add("tokenizer vocab: 32000, model vocab_size: 32000, added special tokens: 3")
    L.add(*tb([("/srv/sft/train.py", 77, "<module>", "out = model(batch[\"input_ids\"])"),
               ("/usr/local/lib/python3.11/site-packages/torch/nn/modules/sparse.py", 190, "forward", "return F.embedding("),
               ("/usr/local/lib/python3.11/site-packages/torch/nn/functional.py", 2551, "embedding", "return torch.embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)")],
              ["           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^", "IndexError: index out of range in self"]))
    write(n, L.text())
    expect(n, category="script", type="index_error", action="stop")


@case
def dcgm_dbe_health():
    n = "dcgm_dbe_health"
    L = Log(n)
    for s in range(0, 1200, 12):
        L.add("0: global_step: %d train/loss: %.4f" % (s, loss_at(s)))
    L.add("3: RuntimeError: CUDA error: an illegal instruction was encountered",
          "srun: error: gpu-v-21: task 3: Exited with exit code 1",
          "=== epilog: dcgmi health -c (gpu-v-21) ===",
          "Health Monitor Report",
          "+----------------------------------------------------------------------------+",
          "| Overall Health: Failure                                                    |",
          "| GPU ID: 3                                                                  |",
          "| Memory system: Failure                                                     |",
          "|   DCGM_FR_VOLATILE_DBE_DETECTED: Detected 2 volatile double-bit ECC error(s) in GPU 3. |",
          "+----------------------------------------------------------------------------+")
    write(n, L.text(), ext=".out")
    expect(n, category="infrastructure", type="ecc_error", action="exclude_node")


@case
def device_mismatch_py311():
    n = "device_mismatch_py311"
    L = Log(n)
    for r in range(4):
        L.add("[rank%d]: Traceback (most recent call last):" % r,
              '[rank%d]:   File "/app/eval.py", line 58, in <module>' % r,
              "[rank%d]:     scores = head(feats) + bias_table[ids]" % r,
              "[rank%d]:              ~~~~~~~~~~~~~~~~~^~~~~~~~~~~~~~~~" % r,
              "[rank%d]: RuntimeError: Expected all tensors to be on the same device, but found at least two devices, cuda:%d and cpu!" % (r, r))
    write(n, L.text())
    expect(n, category="framework", type="runtime_error", action="stop")


@case
def nan_then_time_limit():
    n = "nan_then_time_limit"
    L = Log(n)
    for s in range(0, 3000, 30):
        loss = "%.4f" % loss_at(s) if s < 1800 else "nan"
        L.add("[%s] step: %d  loss: %s  grad_norm: %s" % (ts(3600, s * 9)[:19], s, loss, "nan" if s >= 1800 else "0.71"))
    L.add("slurmstepd: error: *** JOB 301220 ON gpu-w-02 CANCELLED AT 2026-11-26T09:00:01 DUE TO TIME LIMIT ***")
    write(n, L.text(), ext=".out")
    expect(n, category="framework", type="nan_loss", action="rollback")


@case
def ecc_iso_ts_rank_prefix():
    n = "ecc_iso_ts_rank_prefix"
    L = Log(n)
    for s in range(0, 800, 8):
        L.add("2026-11-25T05:%02d:%02d.%03dZ [rank0]: step %d loss %.4f" % (s // 60 % 60, s % 60, s % 1000, s, loss_at(s)))
    L.add("2026-11-25T05:13:20.118Z [rank7]: Traceback (most recent call last):",
          '2026-11-25T05:13:20.118Z [rank7]:   File "/w/train.py", line 301, in step',
          "2026-11-25T05:13:20.118Z [rank7]:     optimizer.step()",
          "2026-11-25T05:13:20.119Z [rank7]: RuntimeError: CUDA error: uncorrectable ECC error encountered")
    for r in range(8):
        if r != 7:
            L.add("2026-11-25T05:43:2%d.000Z [rank%d]: [E1125 05:43:2%d ProcessGroupNCCL.cpp:616] [Rank %d] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=802, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=1800000) ran for 1800121 milliseconds before timing out." % (r, r, r, r))
    write(n, L.text())
    expect(n, category="infrastructure", type="ecc_error", action="exclude_node", rank=7)


# ------------------------------------------------------------ fourth batch

@case
def clean_multinode_connect_retries():
    n = "clean_multinode_connect_retries"
    L = Log(n)
    for r in range(8, 16):
        for k in range(3):
            L.add("[W socket.cpp:663] [c10d] The client socket has failed to connect to [gpu-node-01]:29500 (errno: 111 - Connection refused).")
    L.add("gpu-node-02:7711:7711 [0] NCCL WARN Failed to open libibverbs.so[.1]",
          "gpu-node-02:7711:7711 [0] NCCL INFO NET/Socket : Using [0]eth0:10.0.0.2<0>",
          "gpu-node-02:7711:7711 [0] NCCL INFO Using network Socket")
    for s in range(0, 2000, 20):
        L.add("[rank0]:" + prog_custom(s, loss_at(s)))
    L.add("[rank0]:training finished: 2000 steps, final loss %.4f" % loss_at(2000))
    write(n, L.text())
    expect(n, category="none", type="success", action="none")


@case
def xid92_with_type_error():
    n = "xid92_with_type_error"
    L = Log(n)
    for s in range(0, 600, 6):
        L.add("[rank0]:" + prog_custom(s, loss_at(s)))
    L.add("[rank0]:running eval ...",
          "[rank0]:Traceback (most recent call last):",
          '[rank0]:  File "/x/eval.py", line 41, in evaluate',
          "[rank0]:    acc = correct / len(loader.dataset) * 100 + None",
          "[rank0]:TypeError: unsupported operand type(s) for +: 'float' and 'NoneType'",
          "--- kernel log (node gpu-z-4) ---",
          "[ 8812.000101] NVRM: Xid (PCI:0000:65:00): 92, pid='<unknown>', name=<unknown>, High single-bit ECC error rate")
    write(n, L.text())
    expect(n, category="script", type="type_error", action="stop")


@case
def xid64_remap_failure():
    n = "xid64_remap_failure"
    L = Log(n)
    for s in range(0, 900, 9):
        L.add("[default2]:iter %d loss %.4f" % (s, loss_at(s)))
    L.add("[default2]:RuntimeError: CUDA error: unknown error",
          "[default2]:CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.",
          "journalctl -k --since -1h | grep NVRM",
          "Nov 25 10:12:01 sxm-14 kernel: NVRM: Xid (PCI:0000:ba:00): 63, pid='<unknown>', name=<unknown>, Row Remapper: New row (0x0000000003b41200) Marked for Remapping, reset gpu to activate.",
          "Nov 25 10:12:01 sxm-14 kernel: NVRM: Xid (PCI:0000:ba:00): 64, pid='<unknown>', name=<unknown>, Row Remapper Error: (0x0000000003b41200) - All reserved rows for bank are remapped")
    write(n, L.text())
    expect(n, category="infrastructure", type="ecc_error", action="exclude_node", rule="xid.64_row_remap_failure", gpu="0000:ba:00")


@case
def slurm_preempted():
    n = "slurm_preempted"
    L = Log(n)
    for s in range(0, 4000, 40):
        L.add("%s | step %d | loss %.4f" % (ts(3600 * 8, s)[:19], s, loss_at(s)))
    L.add("slurmstepd: error: *** JOB 661201 ON gpu-lo-33 CANCELLED AT 2026-11-25T09:07:41 DUE TO PREEMPTION ***")
    write(n, L.text(), ext=".out")
    expect(n, category="infrastructure", type="node_failure", action="restart")


@case
def hang_blocked_task_only():
    n = "hang_blocked_task_only"
    L = Log(n)
    for s in range(0, 1000, 10):
        L.add("[rank0]:" + prog_nanogpt(s, loss_at(s)))
    L.add("=== on-call notes: job silent for 50 min; dmesg on node gpu-p-02 ===",
          "[301221.118030] INFO: task python3:77101 blocked for more than 245 seconds.",
          "[301221.118041]       Tainted: P           OE     5.15.0-105-generic #115-Ubuntu",
          "[301221.118049] task:python3         state:D stack:    0 pid:77101 ppid:77010 flags:0x00004002",
          "[301221.118061] Call Trace:",
          "[301221.118063]  <TASK>",
          "[301221.118070]  __schedule+0x2cd/0x890",
          "[301221.118085]  rwsem_down_read_slowpath+0x34a/0x3a0",
          "[301221.118102]  ll_file_read_iter+0x1b1/0x320 [lustre]")
    write(n, L.text())
    expect(n, category="hang", type="hang", action="restart")


# ------------------------------------------------------------ fifth batch (blind)

@case
def nccl_system_error_then_killed():
    n = "nccl_system_error_then_killed"
    L = Log(n)
    for s in range(0, 1500, 15):
        L.add("%d: %s" % (0, prog_custom(s, loss_at(s))))
    L.add("5: Killed")
    for r in (0, 1, 2, 3, 4, 6, 7):
        L.add("%d: RuntimeError: NCCL error in: /opt/conda/conda-bld/pytorch_1670525541990/work/torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1269, unhandled system error, NCCL version 2.14.3" % r,
              "%d: ncclSystemError: System call (e.g. socket, malloc) or external library call failed or device error. It can be also caused by unexpected exit of a remote peer, you can check NCCL warnings for failure information on this rank." % r,
              "%d: Last error:" % r,
              "%d: socketProgressOpt: Call to recv from 10.0.0.4<50122> failed : Connection reset by peer" % r)
    write(n, L.text(), ext=".out")
    expect(n, category="unknown", type="killed", action="restart")


@case
def hf_eval_oom_torch20():
    n = "hf_eval_oom_torch20"
    L = Log(n)
    for s in range(0, 1000, 10):
        if s % 50 == 0 and s:
            L.add(prog_hf(s, loss_at(s), s / 1000))
    L.add("***** Running Evaluation *****", "  Num examples = 12000", "  Batch size = 64",
          "Traceback (most recent call last):",
          '  File "/opt/ft/run_clm.py", line 640, in <module>',
          "    metrics = trainer.evaluate()",
          '  File "/usr/local/lib/python3.10/dist-packages/transformers/trainer.py", line 3275, in evaluation_loop',
          "    logits = self.preprocess_logits_for_metrics(logits, labels)",
          "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 4.00 GiB (GPU 0; 23.65 GiB total capacity; 19.20 GiB already allocated; 3.11 GiB free; 19.91 GiB reserved in total by PyTorch) If reserved memory is >> allocated memory try setting max_split_size_mb to avoid fragmentation.  See documentation for Memory Management and PYTORCH_CUDA_ALLOC_CONF")
    write(n, L.text())
    expect(n, category="framework", type="cuda_oom", action="stop", gpu=0)


@case
def lustre_request_timeout():
    n = "lustre_request_timeout"
    L = Log(n)
    for s in range(0, 2200, 20):
        L.add(prog_megatron(s, 300000, loss_at(s)))
    L.add("--- console of node c3-n112 ---",
          "Nov 25 11:40:02 c3-n112 kernel: Lustre: 11273:0:(client.c:2132:ptlrpc_expire_one_request()) @@@ Request sent has timed out for slow reply: [sent 1764070802/real 1764070802]  req@ffff9c2a1c9f4800 x1785523115412352/t0(0) o4->scratch-OST0031-osc-ffff9c2a3b2f1000@10.40.1.31@o2ib:6/4 lens 488/448 e 0 to 1 dl 1764070809 ref 2 fl Rpc:X/0/ffffffff rc 0/-1",
          "Nov 25 11:40:09 c3-n112 kernel: Lustre: scratch-OST0031-osc-ffff9c2a3b2f1000: Connection to scratch-OST0031 (at 10.40.1.31@o2ib) was lost; in progress operations using this service will wait for recovery to complete")
    write(n, L.text())
    expect(n, category="infrastructure", type="storage_error", action="restart")


@case
def slurm_exit_137():
    n = "slurm_exit_137"
    L = Log(n)
    for s in range(0, 800, 8):
        L.add("0: [step %d] loss=%.4f" % (s, loss_at(s)))
    L.add("srun: error: gpu-x-01: task 7: Exited with exit code 137",
          "srun: Job step aborted: Waiting up to 32 seconds for job step to finish.",
          "srun: error: gpu-x-01: tasks 0-6: Terminated")
    write(n, L.text(), ext=".out")
    expect(n, category="infrastructure", type="oom_host", action="restart")


@case
def elastic_sigkill_summary():
    n = "elastic_sigkill_summary"
    L = Log(n)
    L.add(*torchrun_banner_2x(3310))
    for s in range(0, 1000, 10):
        L.add("[rank0]:" + prog_custom(s, loss_at(s)))
    L.add("W1125 06:00:01.000000 3310 torch/distributed/elastic/multiprocessing/api.py:897] Sending process 3321 closing signal SIGTERM",
          "E1125 06:00:02.000000 3310 torch/distributed/elastic/multiprocessing/api.py:869] failed (exitcode: -9) local_rank: 1 (pid: 3322) of binary: /usr/bin/python3")
    L.add(*elastic_summary_2x("trn-07", [(1, 1, -9, 3322, "Signal 9 (SIGKILL) received by PID 3322")]))
    write(n, L.text())
    expect(n, category="unknown", type="killed", action="restart")


@case
def k8s_pod_oomkilled():
    n = "k8s_pod_oomkilled"
    L = Log(n)
    for s in range(0, 600, 6):
        L.add("%s INFO step=%d loss=%.4f" % (ts(3600 * 9, s * 3)[:19], s, loss_at(s)))
    L.add("$ kubectl describe pod llm-train-worker-3",
          "    State:          Terminated",
          "      Reason:       OOMKilled",
          "      Exit Code:    137",
          "    Last State:     Terminated",
          "      Reason:       OOMKilled",
          "Events:",
          "  Warning  BackOff  2m (x4 over 9m)  kubelet  Back-off restarting failed container pytorch in pod llm-train-worker-3_ml(5c1e...)")
    write(n, L.text())
    expect(n, category="infrastructure", type="oom_host", action="restart")


@case
def rocm_hip_oom():
    n = "rocm_hip_oom"
    L = Log(n)
    for s in range(0, 300, 5):
        L.add("[rank0]:" + prog_titan(s, loss_at(s)))
    L.add("[rank3]: Traceback (most recent call last):",
          '[rank3]:   File "/opt/titan/torchtitan/train.py", line 318, in main',
          "[rank3]:     loss.backward()",
          "[rank3]: torch.OutOfMemoryError: HIP out of memory. Tried to allocate 2.00 GiB. GPU 3 has a total capacity of 191.98 GiB of which 1.21 GiB is free. Of the allocated memory 182.33 GiB is allocated by PyTorch, and 6.12 GiB is reserved by PyTorch but unallocated.")
    write(n, L.text())
    expect(n, category="framework", type="cuda_oom", action="stop")


@case
def nccl_internal_version_skew():
    n = "nccl_internal_version_skew"
    L = Log(n)
    hosts = ["gpu-old-01", "gpu-new-02"]
    job_start(L, nranks=16, gpn=8, style="rank", hosts=hosts, warn=1)
    L.add("[rank8]:gpu-new-02:5120:5120 [0] NCCL INFO NCCL version 2.21.5+cuda12.4",
          "[rank0]:gpu-old-01:4410:4410 [0] NCCL INFO NCCL version 2.18.1+cuda12.1",
          "[rank8]:gpu-new-02:5120:5190 [0] NCCL WARN bootstrap.cc:150 -> 3 Message truncated : received 1024 bytes instead of 256",
          "[rank8]:gpu-new-02:5120:5190 [0] NCCL INFO bootstrap.cc:180 -> 3")
    for r in range(16):
        L.add("[rank%d]: Traceback (most recent call last):" % r,
              '[rank%d]:   File "/work/train.py", line 51, in <module>' % r,
              "[rank%d]:     dist.barrier()" % r,
              "[rank%d]: torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1970, internal error - please report this issue to the NCCL developers, NCCL version 2.%d" % (r, 21 if r >= 8 else 18),
              "[rank%d]: ncclInternalError: Internal check failed." % r,
              "[rank%d]: Last error:" % r,
              "[rank%d]: Message truncated : received 1024 bytes instead of 256" % r)
    write(n, L.text())
    expect(n, category="infrastructure", type="nccl_error", action="restart")


@case
def bare_value_error_rank():
    """a rank's traceback ending in a bare 'ValueError' (raised with no message), then torchrun's ChildFailedError: py.value_error, not the launcher's unknown (2026-12-05)."""
    n = "bare_value_error_rank"
    L = Log(n)
    L.add('W1203 09:14:02.118000 4411 torch/distributed/run.py:793]',
          'W1203 09:14:02.118000 4411 torch/distributed/run.py:793] *****************************************',
          'W1203 09:14:02.118000 4411 torch/distributed/run.py:793] Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid your system being overloaded, please further tune the variable for optimal performance in your application as needed.',
          'W1203 09:14:02.118000 4411 torch/distributed/run.py:793] *****************************************',
          '[rank0]: step 0 loading shards from /data/tok/train',
          '[rank1]: Traceback (most recent call last):',
          '[rank1]:   File "/workspace/train.py", line 88, in <module>',
          '[rank1]:     main()',
          '[rank1]:   File "/workspace/train.py", line 61, in main',
          '[rank1]:     shards = pick_shards(args.data, rank, world)',
          '[rank1]:   File "/workspace/data.py", line 17, in pick_shards',
          '[rank1]:     raise ValueError',
          '[rank1]: ValueError',
          'E1203 09:14:09.532000 4411 torch/distributed/elastic/multiprocessing/api.py:869] failed (exitcode: 1) local_rank: 1 (pid: 4420) of binary: /usr/bin/python3',
          'Traceback (most recent call last):',
          '  File "/usr/local/bin/torchrun", line 8, in <module>',
          '    sys.exit(main())',
          'torch.distributed.elastic.multiprocessing.errors.ChildFailedError:',
          '============================================================',
          'train.py FAILED',
          '------------------------------------------------------------',
          'Failures:',
          '  <NO_OTHER_FAILURES>',
          '------------------------------------------------------------',
          'Root Cause (first observed failure):',
          '[0]:',
          '  time      : 2026-12-03_09:14:09',
          '  host      : gpu-b-07',
          '  rank      : 1 (local_rank: 1)',
          '  exitcode  : 1 (pid: 4420)',
          '  error_file: <N/A>',
          '  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html',
          '============================================================')
    write(n, L.text())
    expect(n, category='framework', type='value_error', action='stop', rank='1', host='gpu-b-07')


@case
def bare_custom_exception():
    """a traceback ending in a bare private-module exception name with no message: py.generic_exception, not 'no failure found' (2026-12-05)."""
    n = "bare_custom_exception"
    L = Log(n)
    L.add('2026-12-03 10:02:11,004 INFO trainer: epoch 3 step 1200 loss 2.871',
          '2026-12-03 10:02:40,517 INFO trainer: epoch 3 step 1210 loss 2.866',
          'Traceback (most recent call last):',
          '  File "/opt/app/run.py", line 40, in <module>',
          '    trainer.fit()',
          '  File "/opt/app/trainer.py", line 212, in fit',
          '    self._sync_shards()',
          '  File "/opt/app/trainer.py", line 301, in _sync_shards',
          '    raise ShardManifestMismatchError',
          'app.errors.ShardManifestMismatchError')
    write(n, L.text())
    expect(n, category='framework', type='runtime_error', rule='py.library_exception')


@case
def ray_worker_interleaved():
    """two Ray Train workers' output interleaved behind Ray's '(NAME pid=N, ip=A)' prefix: the failing worker's traceback is its own stream, its exception line is read behind the prefix, its ip is the culprit (2026-12-05)."""
    n = "ray_worker_interleaved"
    L = Log(n)
    L.add('2026-12-03 11:02:14,117\tINFO worker.py:1841 -- Connected to Ray cluster. View the dashboard at 10.0.0.4:8265',
          '(TrainController pid=3310) Started distributed worker processes:',
          '(TrainController pid=3310) - (node_id=6a1f0c, ip=10.0.0.5, pid=4101) world_rank=0, local_rank=0, node_rank=0',
          '(TrainController pid=3310) - (node_id=9be2d4, ip=10.0.0.6, pid=4188) world_rank=1, local_rank=0, node_rank=1',
          '(RayTrainWorker pid=4101, ip=10.0.0.5) step 1200 loss 2.913',
          '(RayTrainWorker pid=4188, ip=10.0.0.6) step 1200 loss 2.907',
          '(RayTrainWorker pid=4188, ip=10.0.0.6) Traceback (most recent call last):',
          '(RayTrainWorker pid=4101, ip=10.0.0.5) step 1210 loss 2.899',
          '(RayTrainWorker pid=4188, ip=10.0.0.6)   File "/home/ray/train.py", line 212, in train_loop',
          '(RayTrainWorker pid=4188, ip=10.0.0.6)     shard = store.fetch(manifest, idx)',
          '(RayTrainWorker pid=4101, ip=10.0.0.5) step 1220 loss 2.896',
          '(RayTrainWorker pid=4188, ip=10.0.0.6)   File "/home/ray/shards.py", line 88, in fetch',
          '(RayTrainWorker pid=4188, ip=10.0.0.6)     raise ShardStoreError(f"timed out waiting for shard {idx} after {t}s")',
          '(RayTrainWorker pid=4188, ip=10.0.0.6) shards.ShardStoreError: timed out waiting for shard 48113 after 600s')
    write(n, L.text())
    expect(n, category='infrastructure', type='connection_error', action='restart', rule='words.exc_timeout', host='10.0.0.6')


@case
def ds_launcher_sigsegv():
    """DeepSpeed's launcher reporting a rank killed by SIGSEGV ('exits with return code = -11'): the torchrun form's verdict, not unknown (2026-12-05)."""
    n = "ds_launcher_sigsegv"
    L = Log(n)
    L.add('[2026-12-03 08:11:02,301] [INFO] [runner.py:568:main] cmd = /usr/bin/python -u -m deepspeed.launcher.launch --world_info=eyJsb2NhbGhvc3QiOiBbMCwgMV19 --master_addr=127.0.0.1 --master_port=29500 train.py --deepspeed ds_config.json',
          "[2026-12-03 08:11:04,877] [INFO] [launch.py:146:main] WORLD INFO DICT: {'localhost': [0, 1]}",
          '[2026-12-03 08:11:04,877] [INFO] [launch.py:152:main] nnodes=1, num_local_procs=2, node_rank=0',
          '[2026-12-03 08:11:04,878] [INFO] [launch.py:163:main] dist_world_size=2',
          '[2026-12-03 08:11:04,878] [INFO] [launch.py:165:main] Setting CUDA_VISIBLE_DEVICES=0,1',
          '[2026-12-03 08:12:40,114] [INFO] [logging.py:96:log_dist] [Rank 0] step=10, skipped=0, lr=[1.9e-05], mom=[(0.9, 0.999)]',
          '[2026-12-03 08:13:19,662] [INFO] [launch.py:315:sigkill_handler] Killing subprocess 20311',
          '[2026-12-03 08:13:19,663] [INFO] [launch.py:315:sigkill_handler] Killing subprocess 20312',
          "[2026-12-03 08:13:19,970] [ERROR] [launch.py:321:sigkill_handler] ['/usr/bin/python', '-u', 'train.py', '--local_rank=1', '--deepspeed', 'ds_config.json'] exits with return code = -11")
    write(n, L.text())
    expect(n, category='framework', type='runtime_error', action='restart', rule='pt.signal_sigsegv', rank='1')


@case
def mpirun_rank_sigabrt():
    """Open MPI's report of a rank killed by SIGABRT ('exited on signal 6 (Aborted)'): torchrun's verdict for the same signal, with the rank and node it names (2026-12-06)."""
    n = "mpirun_rank_sigabrt"
    L = Log(n)
    L.add('[1,0]<stdout>:epoch 2 step 400 loss 3.118',
          '[1,1]<stdout>:epoch 2 step 400 loss 3.121',
          '[1,0]<stdout>:epoch 2 step 410 loss 3.104',
          '--------------------------------------------------------------------------',
          'Primary job  terminated normally, but 1 process returned',
          'a non-zero exit code. Per user-direction, the job has been aborted.',
          '--------------------------------------------------------------------------',
          '--------------------------------------------------------------------------',
          'mpirun noticed that process rank 1 with PID 0 on node cn-0412 exited on signal 6 (Aborted).',
          '--------------------------------------------------------------------------')
    write(n, L.text())
    expect(n, category='framework', type='runtime_error', action='restart', rule='pt.signal_sigabrt', rank='1', host='cn-0412')


@case
def hydra_rank_sigfpe():
    """MPICH/Hydra's report of a process killed by SIGFPE ('EXIT STRING: Floating point exception (signal 8)'): torchrun's verdict for the same signal (convention 7, 2026-12-06)."""
    n = "hydra_rank_sigfpe"
    L = Log(n)
    L.add('iter 120 loss 1.902', 'iter 130 loss 1.887',
          '',
          '===================================================================================',
          '=   BAD TERMINATION OF ONE OF YOUR APPLICATION PROCESSES',
          '=   PID 88121 RUNNING AT node07',
          '=   EXIT CODE: 136',
          '=   CLEANING UP REMAINING PROCESSES',
          '=   YOU CAN IGNORE THE BELOW CLEANUP MESSAGES',
          '===================================================================================',
          'YOUR APPLICATION TERMINATED WITH THE EXIT STRING: Floating point exception (signal 8)',
          'This typically refers to a problem with your application.',
          'Please see the FAQ page for debugging suggestions')
    write(n, L.text())
    expect(n, category='framework', type='runtime_error', action='stop', rule='public_hsys.elastic_sigill_sigfpe')


@case
def exception_nonfinite_loss():
    """an exception of a type no rule knows whose message says the gradients went non-finite: numerical divergence (nan_loss, rollback), not unknown (2026-12-06)."""
    n = "exception_nonfinite_loss"
    L = Log(n)
    L.add('2026-12-03 10:02:11,004 INFO trainer: step 3080 loss 2.871',
          '2026-12-03 10:02:40,517 INFO trainer: step 3090 loss 9.466',
          'Traceback (most recent call last):',
          '  File "/opt/app/run.py", line 40, in <module>',
          '    trainer.fit()',
          '  File "/opt/app/trainer.py", line 233, in fit',
          '    self._guard(loss)',
          '  File "/opt/app/trainer.py", line 118, in _guard',
          '    raise DivergenceError(f"gradients became non-finite at step {self.step}")',
          'app.errors.DivergenceError: gradients became non-finite at step 3100')
    write(n, L.text())
    expect(n, category='framework', type='nan_loss', action='rollback', rule='words.exc_nonfinite')


@case
def torchrun_banner_cut():
    """a log that ends inside torchrun's start-up banner (its run.py lines), before the OMP_NUM_THREADS line: launcher setup with no step, a suspected hang (convention 1, 2026-12-06)."""
    n = "torchrun_banner_cut"
    L = Log(n)
    L.add('+ torchrun --nnodes 2 --nproc-per-node 8 --rdzv-backend c10d --rdzv-endpoint node01:29400 train.py',
          'W1125 03:01:02.331000 18465 site-packages/torch/distributed/run.py:793] ',
          'W1125 03:01:02.331000 18465 site-packages/torch/distributed/run.py:793] *****************************************')
    write(n, L.text())
    expect(n, category='hang', type='hang', action='restart')


@case
def http_read_timeout_logged():
    """a data loader that logs urllib3's read timeout against its own object store (no exception line, any host): connection_error, restart (convention 5, 2026-12-06)."""
    n = "http_read_timeout_logged"
    L = Log(n)
    L.add('2026-12-03 10:02:11,004 INFO trainer: step 200 loss 4.112',
          '2026-12-03 10:02:41,118 INFO shards: fetching shard 00417 from https://objects.internal:9000/corpus/',
          "2026-12-03 10:03:41,120 WARNING shards: HTTPSConnectionPool(host='objects.internal', port=9000): Read timed out. (read timeout=60), retry 1/3",
          "2026-12-03 10:04:41,124 WARNING shards: HTTPSConnectionPool(host='objects.internal', port=9000): Read timed out. (read timeout=60), retry 2/3",
          "2026-12-03 10:05:41,127 WARNING shards: HTTPSConnectionPool(host='objects.internal', port=9000): Read timed out. (read timeout=60), retry 3/3",
          '2026-12-03 10:05:41,128 INFO shards: giving up on shard 00417, exiting')
    write(n, L.text())
    expect(n, category='infrastructure', type='connection_error', action='restart', rule='net.http_timeout')


@case
def checkpoint_write_failed_logged():
    """a trainer that only logs that its checkpoint could not be written, then stops: a storage fault (convention 12), stop, not 'no failure' (2026-12-06)."""
    n = "checkpoint_write_failed_logged"
    L = Log(n)
    L.add('[08:01:10.211] [info] trainer.cpp:812  iter 11990 loss 0.0231 psnr 29.41',
          '[08:01:12.004] [info] trainer.cpp:812  iter 12000 loss 0.0229 psnr 29.43',
          '[08:01:12.005] [info] checkpoint.cpp:88  writing checkpoint to /output/run3/ckpt_12000',
          '[08:01:19.640] [warn] checkpoint.cpp:141  Could not write checkpoint ckpt_12000: short write (31457280 of 52428800 bytes)',
          '[08:01:19.641] [info] trainer.cpp:1204  shutting down')
    write(n, L.text())
    expect(n, category='infrastructure', type='storage_error', action='stop', rule='words.line_checkpoint_write')


@case
def k8s_pod_stuck_init():
    """kubectl's pod list: the master runs but one worker pod has sat in Pending for minutes, nothing else: a suspected hang, not 'no failure' (2026-12-06)."""
    n = "k8s_pod_stuck_init"
    L = Log(n)
    L.add('$ kubectl get pods -n llm',
          'NAME                       READY   STATUS     RESTARTS   AGE',
          'pretrain-7b-master-0       1/1     Running    0          14m',
          'pretrain-7b-worker-0       1/1     Running    0          14m',
          'pretrain-7b-worker-1       0/1     Pending    0          14m')
    _write(n, L.text())  # what kubectl printed, not a batch job's output: no preamble
    expect(n, category='hang', type='hang', action='restart', rule='k8s.pod_stuck_starting')


@case
def orte_daemons_orted_not_found_dash():
    """mpirun cannot start its daemons because dash on the remote node finds no orted ('sh: 1: orted: not found'): the shell's named cause decides over ORTE's report, which only lists possible causes (a symptom since 2026-12-06)."""
    n = "orte_daemons_orted_not_found_dash"
    L = Log(n)
    L.add('$ mpirun -np 16 -H gpu-a01:8,gpu-a02:8 -x PATH -x LD_LIBRARY_PATH python train.py',
          'sh: 1: orted: not found',
          '--------------------------------------------------------------------------',
          'ORTE was unable to reliably start one or more daemons.',
          'This usually is caused by:',
          '',
          '* not finding the required libraries and/or binaries on',
          '  one or more nodes. Please check your PATH and LD_LIBRARY_PATH',
          '  settings, or configure OMPI with --enable-orterun-prefix-by-default',
          '',
          '* lack of authority to execute on one or more specified nodes.',
          '--------------------------------------------------------------------------')
    write(n, L.text())
    expect(n, category='script', type='file_not_found', action='stop', rule='corpus_cscript.shell_command_not_found')


@case
def exception_type_config():
    """an exception of a type no rule knows, whose message says nothing a rule knows, named for configuration: script/argument_error by its type's words (2026-12-06)."""
    n = "exception_type_config"
    L = Log(n)
    L.add('2026-12-03 09:00:01,114 INFO launcher: reading run.toml',
          'Traceback (most recent call last):',
          '  File "/opt/app/run.py", line 21, in <module>',
          '    cfg = load_run_config(sys.argv[1])',
          '  File "/opt/app/cfg.py", line 77, in load_run_config',
          '    raise RunConfigValidationError(f"warmup_steps={w} must not exceed max_steps={m}")',
          'app.cfg.RunConfigValidationError: warmup_steps=4000 must not exceed max_steps=2000')
    write(n, L.text())
    expect(n, category='script', type='argument_error', action='stop', rule='words.type_config')


@case
def exception_type_checkpoint():
    """an exception of a type no rule knows, named for checkpoints, ended a resume: framework/checkpoint_error by its type's words (2026-12-06)."""
    n = "exception_type_checkpoint"
    L = Log(n)
    L.add('2026-12-03 09:00:01,114 INFO trainer: resuming from /ckpt/run7/step_12000',
          'Traceback (most recent call last):',
          '  File "/opt/app/train.py", line 140, in <module>',
          '    state = restore(args.resume)',
          '  File "/opt/app/state.py", line 52, in restore',
          '    raise ShardedCheckpointMismatch(f"{len(found)} of {want} shards present")',
          'app.state.ShardedCheckpointMismatchError: 7 of 8 shards present')
    write(n, L.text())
    expect(n, category='framework', type='checkpoint_error', action='stop', rule='words.type_checkpoint')


@case
def exception_install_mismatch():
    """a ValueError whose message says an installed package needs another version: the environment (script/import_error), not the framework's value error (2026-12-06)."""
    n = "exception_install_mismatch"
    L = Log(n)
    L.add('2026-12-03 09:00:01,114 INFO trainer: building optimizer fused_lamb',
          'Traceback (most recent call last):',
          '  File "/opt/app/train.py", line 88, in <module>',
          '    opt = build_optimizer(model, cfg.optim)',
          '  File "/opt/venv/lib/python3.11/site-packages/fastopt/__init__.py", line 31, in build_optimizer',
          '    raise ValueError(f"fused_lamb requires version >= 0.9.2 of fastopt-kernels, found {v}")',
          'ValueError: fused_lamb requires version >= 0.9.2 of fastopt-kernels, found 0.8.0')
    write(n, L.text())
    expect(n, category='script', type='import_error', action='stop', rule='words.exc_install')


@case
def traceback_cut_unknown_frames():
    """a paste that ends inside a traceback whose frames no rule knows: an exception was raised, so unknown (py.traceback_cut_off), not 'no failure found' (2026-12-06)."""
    n = "traceback_cut_unknown_frames"
    L = Log(n)
    L.add('2026-12-03 10:02:11,004 INFO trainer: step 1200 loss 2.871',
          '2026-12-03 10:02:40,517 INFO trainer: step 1210 loss 2.866',
          'Traceback (most recent call last):',
          '  File "/opt/app/run.py", line 40, in <module>',
          '    trainer.fit()',
          '  File "/opt/app/trainer.py", line 212, in fit',
          '    self._eval_and_log(step)',
          '  File "/opt/app/trainer.py", line 388, in _eval_and_log')
    _write(n, L.text())  # no preamble: its Lmod error line (a root) would rightly win over this symptom
    expect(n, category='unknown', type='unknown', action='restart', rule='py.traceback_cut_off')


@case
def store_timeout_names_the_store_host():
    """a c10d client that times out connecting to the store names the store's host (a name, not only an IP) as the culprit (2026-12-06)."""
    n = "store_timeout_names_the_store_host"
    L = Log(n)
    L.add('[rank3]: Traceback (most recent call last):',
          '[rank3]:   File "/opt/app/train.py", line 12, in <module>',
          '[rank3]:     dist.init_process_group("nccl")',
          '[rank3]: torch.distributed.DistNetworkError: The client socket has timed out after 600000ms '
          'while trying to connect to (trainer-master-0, 29500).')
    _write(n, L.text())
    expect(n, category='infrastructure', type='connection_error', action='restart',
           rule='net.store_client_timeout', host='trainer-master-0')


@case
def preempted_node_with_a_dotted_name():
    """a preemption notice whose node name has dots (a cloud DNS name) is still one, and names the node (2026-12-06)."""
    n = "preempted_node_with_a_dotted_name"
    L = Log(n)
    L.add('2026-12-03 10:02:11,004 INFO trainer: step 1200 loss 2.871',
          'Pod trainer-worker-2 on node ip-10-0-1-23.ec2.internal was preempted')
    _write(n, L.text())
    expect(n, category='infrastructure', type='node_failure', action='restart',
           rule='words.any_preempted', host='ip-10-0-1-23.ec2.internal')


@case
def argparse_error_line_after_usage_is_the_key():
    """argparse prints its usage line before each error: the error line ('unrecognized arguments') decides and is the key line, not the usage line before it (2026-12-06)."""
    n = "argparse_error_line_after_usage_is_the_key"
    L = Log(n)
    L.add('usage: main_pretrain.py [-h] [--local_rank LOCAL_RANK]',
          'main_pretrain.py: error: unrecognized arguments: --local-rank=1')
    _write(n, L.text())
    expect(n, category='script', type='argument_error', action='stop', rule='py.argparse_unrecognized')


@case
def ide_exit_0_after_error():
    """an IDE's run console ends with 'Process finished with exit code 0' (completion evidence), but a root failure before it still decides (2026-12-06)."""
    n = "ide_exit_0_after_error"
    L = Log(n)
    L.add('Epoch 1: loading data',
          "FileNotFoundError: [Errno 2] No such file or directory: 'data/train.json'",
          '',
          'Process finished with exit code 0')
    _write(n, L.text())
    expect(n, category='script', type='file_not_found', action='stop', rule='py.file_not_found')


@case
def ray_task_error_node_died_cut_off():
    """a RayTaskError(NodeDiedError) header whose inner exception line is cut off reads as its inner type: a node died (restart: ip= names the task's node, not the dead one) (2026-12-06)."""
    n = "ray_task_error_node_died_cut_off"
    L = Log(n)
    L.add('(TrainTrainable pid=2231) step 40 loss 1.92',
          'Traceback (most recent call last):',
          '  File "/app/train.py", line 88, in <module>',
          '    result = trainer.fit()',
          'ray.exceptions.RayTaskError(NodeDiedError): ray::_Inner.train() (pid=2231, ip=10.0.0.5, repr=TorchTrainer)')
    _write(n, L.text())
    expect(n, category='infrastructure', type='node_failure', action='restart', rule='public_rray.task_error_node_died')


@case
def localized_plain_segfault_german():
    """a German shell's segfault ('Speicherzugriffsfehler (Speicherabzug geschrieben)', plain ASCII) is read in English (2026-12-06)."""
    n = "localized_plain_segfault_german"
    L = Log(n)
    L.add('Epoch 3 | step 1200 | loss 2.31',
          'run.sh: Zeile 14: 48213 Speicherzugriffsfehler  (Speicherabzug geschrieben) python train.py')
    _write(n, L.text())
    expect(n, category='framework', type='runtime_error', rule='host.segfault_process')



@case
def torchrun_teardown_before_sigkill_report():
    """torchrun sends SIGTERM to the other workers, then reports the SIGKILLed worker 2.3 s later: the teardown line does not open the verdict window, so the report decides: killed, rank 0 (2026-12-06)."""
    n = "torchrun_teardown_before_sigkill_report"
    L = Log(n)
    L.add('Training Epoch0:   3%|3         | 12/400 [01:10<37:56,  5.87s/it]',
          '[2023-09-08 10:21:20,650] torch.distributed.elastic.multiprocessing.api: [WARNING] Sending process 203616 closing signal SIGTERM',
          '[2023-09-08 10:21:22,992] torch.distributed.elastic.multiprocessing.api: [ERROR] failed (exitcode: -9) local_rank: 0 (pid: 203612) of binary: /usr/bin/python3.9')
    _write(n, L.text())
    expect(n, category='unknown', type='killed', action='restart', rule='pt.signal_sigkill', rank=0)


@case
def loss_spike_log_stops_high():
    """GPT-NeoX's lm_loss jumps from about 1.1 to 11.5 and the log ends there: a suspected loss spike, rolled back, the jump's line the key (2026-12-06)."""
    n = "loss_spike_log_stops_high"
    L = Log(n)
    for it, loss in ((1, "1.127795E+00"), (2, "1.160058E+00"), (3, "1.151771E+01")):
        L.add(' samples/sec: 12.857 | iteration %8d/  100000 | elapsed time per iteration (ms): 11706.4 | '
              'learning rate: 6.467E-08 | lm_loss: %s | loss scale: 65536.0 | number of skipped iterations:   0 |' % (it, loss))
    _write(n, L.text())
    expect(n, category='framework', type='loss_spike', action='rollback')


@case
def loss_spike_that_recovers_is_no_failure():
    """a loss that jumps and comes back down before the log ends is not a divergence: no failure found (2026-12-06)."""
    n = "loss_spike_that_recovers_is_no_failure"
    L = Log(n)
    for step, loss in ((100, 2.1), (110, 2.0), (120, 12.3), (130, 2.2), (140, 2.0)):
        L.add('step %d loss %.1f' % (step, loss))
    _write(n, L.text())
    expect(n, category='none', type='no_failure', action='none')


@case
def ddp_first_backward_is_training():
    """detectron2 starts at iteration 0 and DDP's reducer says after the first backward that no parameter was unused: one step ran, so a log that stops there is no failure found, not a hang at the start (twenty-fifth session)."""
    n = "ddp_first_backward_is_training"
    L = Log(n)
    L.add("[03/07 20:19:02 detectron2]: Starting training from iteration 0",
          "[W reducer.cpp:1303] Warning: find_unused_parameters=True was specified in DDP constructor, but did not "
          "find any unused parameters in the forward pass. This flag results in an extra traversal of the autograd "
          "graph every iteration, which can adversely affect performance. If your model indeed never has any unused "
          "parameters in the forward pass, consider turning this flag off.")
    _write(n, L.text())
    expect(n, category='none', type='no_failure', action='none')


@case
def torchtitan_resume_start_is_no_step():
    """torchtitan resumes and announces the step it starts from; a log that ends there has done no step: a suspected hang in the first step, not "training at step 26" (twenty-fifth session)."""
    n = "torchtitan_resume_start_is_no_step"
    L = Log(n)
    L.add("[rank0]:2024-09-08 10:58:15,493 - root - INFO - Loading the checkpoint at step 45.",
          "[rank0]:2024-09-08 10:58:16,211 - root - INFO - Training starts at step 26, with local batch size 8, "
          "global batch size 8, sequence length 2048, total steps 100 (warmup 2)")
    _write(n, L.text())
    expect(n, category='hang', type='hang', action='restart')

@case
def nccl_duplicate_gpu_names_the_device():
    """NCCL's invalid usage of two ranks on one GPU names the rank and the device (its bus id, in hex), which is the culprit GPU (twenty-seventh session)."""
    n = "nccl_duplicate_gpu_names_the_device"
    L = Log(n)
    L.add("[2024-05-01 10:00:01] node3:4412:4412 [0] NCCL INFO Bootstrap : Using eth0:10.0.0.3<0>",
          "[rank1]: torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/NCCLUtils.hpp:275, "
          "invalid usage (run with NCCL_DEBUG=WARN for details), NCCL version 2.20.5",
          "[rank1]: ncclInvalidUsage: This usually reflects invalid usage of NCCL library.",
          "[rank1]: Last error:",
          "[rank1]: Duplicate GPU detected : rank 1 and rank 0 both on CUDA device 1d0")
    _write(n, L.text())
    expect(n, category='infrastructure', type='nccl_error', action='stop', rank=1, gpu='1d0')


if __name__ == "__main__":
    for c in CASES:
        c()
    print("wrote %d cases to %s" % (len(CASES), OUT))
