#!/usr/bin/env python3
"""Generates a realistic training log for bench/diagnose.sh: mostly NCCL INFO
floods and per-step metric lines from many ranks, some info and warning
lines, and an error cascade every ~200k lines. A 16 MiB block of routine
lines is built once (random) and written repeatedly, so 1 GiB takes seconds.
usage: diagnose_gen.py OUT SIZE_MB"""
import random
import sys

out, size_mb = sys.argv[1], int(sys.argv[2])
rnd = random.Random(7)
hosts = ["gpu-a100-%03d" % i for i in range(64)]


def nccl():
    h = rnd.choice(hosts)
    pre = "%s:%d:%d [%d] NCCL INFO " % (h, rnd.randint(1000, 99999), rnd.randint(1000, 99999), rnd.randint(0, 7))
    return pre + rnd.choice([
        "Channel %02d/24 :    0   1   2   3   4   5   6   7" % rnd.randint(0, 23),
        "Channel %02d/0 : %d[%d] -> %d[%d] via P2P/IPC/read" % (rnd.randint(0, 23), rnd.randint(0, 511), rnd.randint(0, 7), rnd.randint(0, 511), rnd.randint(0, 7)),
        "Connected all rings",
        "Connected all trees",
        "threadThresholds 8/8/64 | 4096/8/64 | 512 | 512",
        "comm 0x%x rank %d nranks 512 cudaDev %d busId %x0 - Init COMPLETE" % (rnd.getrandbits(48), rnd.randint(0, 511), rnd.randint(0, 7), rnd.randint(16, 255)),
        "NET/IB : Using [0]mlx5_0:1/IB [1]mlx5_1:1/IB ; OOB ib0:10.12.%d.%d<0>" % (rnd.randint(0, 9), rnd.randint(1, 250)),
        "Using network IB",
        "Trees [0] %d/-1/-1->%d->%d [1] %d/-1/-1->%d->%d" % tuple(rnd.randint(0, 511) for _ in range(6)),
    ])


def step(s):
    r = rnd.randint(0, 511)
    return rnd.choice([
        "[rank%d]: step %d | loss %.4f | lr %.3e | grad_norm %.3f | tokens/s %d | mfu %.1f%%" % (r, s, rnd.uniform(1.5, 3.5), 3e-4, rnd.uniform(0.5, 2), rnd.randint(100000, 200000), rnd.uniform(30, 50)),
        "[default%d]:iteration %8d/ 500000 | consumed samples: %12d | elapsed time per iteration (ms): %.1f | learning rate: %.3E | global batch size: 1024 | lm loss: %.6E | loss scale: 1.0 | grad norm: %.3f |" % (r % 8, s, s * 1024, rnd.uniform(900, 1100), 3e-4, rnd.uniform(1.5, 3.5), rnd.uniform(0.5, 2)),
        "%d: {'loss': %.4f, 'learning_rate': %.2e, 'epoch': %.2f}" % (r, rnd.uniform(1.5, 3.5), 2e-5, s / 1000.0),
    ])


def misc(s):
    return rnd.choice([
        "[2026-11-25 03:%02d:%02d,%03d] [INFO] [data.py:118] loaded shard %05d from /lustre/datasets/pile/train-%05d.arrow" % (rnd.randint(0, 59), rnd.randint(0, 59), rnd.randint(0, 999), rnd.randint(0, 99999), rnd.randint(0, 99999)),
        "[2026-11-25 03:%02d:%02d,%03d] [INFO] [checkpointing.py:201] saving checkpoint at iteration %d to /ckpt/run42" % (rnd.randint(0, 59), rnd.randint(0, 59), rnd.randint(0, 999), s),
        "/opt/conda/lib/python3.10/site-packages/torch/utils/checkpoint.py:429: UserWarning: torch.utils.checkpoint: please pass in use_reentrant=True or use_reentrant=False explicitly.",
        "[W socket.cpp:663] [c10d] The client socket has failed to connect to [gpu-a100-%03d]:29500 (errno: 99 - Cannot assign requested address)." % rnd.randint(0, 63),
        "  warnings.warn(",
        "wandb: Tracking run with wandb version 0.16.1",
    ])


errors = [
    "[rank17]:[E1125 03:14:02.118942 2290 ProcessGroupNCCL.cpp:1568] [PG 0 (default_pg) Rank 17] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=2043, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=1800000) ran for 1800872 milliseconds before timing out.",
    "gpu-a100-017:48211:48390 [5] NCCL WARN NET/IB : Got completion from peer 10.12.4.33<53104> with error 12, opcode 0, len 0, vendor err 129 (Send)",
    "[rank3]: RuntimeError: CUDA error: uncorrectable ECC error encountered",
    "[rank5]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 5 has a total capacity of 79.15 GiB of which 1.2 GiB is free.",
]

lines, s = [], 0
size = 0
while size < 16 << 20:
    x = rnd.random()
    s += 1
    line = nccl() if x < 0.5 else step(s) if x < 0.8 else misc(s)
    lines.append(line)
    size += len(line) + 1
block = "\n".join(lines) + "\n"
target = size_mb << 20
written = 0
with open(out, "w") as f:
    while written < target:
        f.write(block)
        err = rnd.choice(errors) + "\n"
        f.write(err)
        written += len(block) + len(err)
