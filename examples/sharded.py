"""sharded: every rank checkpoints its own shard (the FSDP / ZeRO / Megatron pattern).

The optimizer state is split over the ranks (ZeroRedundancyOptimizer,
ZeRO stage 1): each rank holds only its part, and each rank's data stream
(its RNG) is its own, so every rank saves its own shard (scope "sharded",
the default) with endure's tensor-native endure_ckpt.save_state; a
checkpoint is complete once every rank's shard is durable, and after a
restart each rank loads its own shard back with endure_ckpt.load_state.
Resume with the same world size (endure keeps it: a spare node takes a lost
node's place). CPU (gloo) when there is no GPU, one GPU per rank (nccl)
otherwise.

    endure run --nproc-per-node 2 --ckpt-dir /tmp/ck examples/sharded.py
    endure run --nodes n1,n2,n3 --nnodes 2 --nproc-per-node 2 --ckpt-dir /tmp/ck \\
        examples/sharded.py --fault node-loss --fault-step 12      # see faults.py

Flags: --steps N (40), --save-every N (5), --sleep SECONDS per step (0),
--out FILE (rank 0 writes "steps world sum-of-weights" at the end), and the
--fault* flags of faults.py. Without --ckpt-dir, checkpoints go to
./checkpoints/sharded/ (ENDURE_CKPT_FALLBACK_DIR).
Rank 0 prints "step N loss X" every step.
"""
import argparse
import datetime
import os
import sys
import time

import torch
import torch.distributed as dist
from torch.distributed.optim import ZeroRedundancyOptimizer

sys.path.append(os.path.dirname(os.path.abspath(__file__)))  # faults.py
import faults  # noqa: E402

try:
    import endure_ckpt  # on the ranks' PYTHONPATH under endure, or installed
except ImportError:  # a source checkout, run without endure
    sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    import endure_ckpt  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--steps", type=int, default=40)
ap.add_argument("--save-every", type=int, default=5)
ap.add_argument("--sleep", type=float, default=0.0)
ap.add_argument("--out")
faults.add_arguments(ap)
args = ap.parse_args()

for k, v in (("RANK", "0"), ("LOCAL_RANK", "0"), ("WORLD_SIZE", "1"),
             ("MASTER_ADDR", "127.0.0.1"), ("MASTER_PORT", "29500")):
    os.environ.setdefault(k, v)  # a plain `python3 sharded.py` is one rank
# without --ckpt-dir (or endure) the helper saves plain files here
os.environ.setdefault("ENDURE_CKPT_FALLBACK_DIR", os.path.join("checkpoints", "sharded"))
if torch.cuda.is_available():
    device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    torch.cuda.set_device(device)
    backend = "nccl"
else:
    device = torch.device("cpu")
    torch.set_num_threads(1)
    backend = "gloo"
dist.init_process_group(backend, timeout=datetime.timedelta(minutes=30))
rank, world = dist.get_rank(), dist.get_world_size()
inject = faults.Injector(args, rank, world)

torch.manual_seed(0)  # the same initial model on every rank
model = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.Tanh(), torch.nn.Linear(64, 64),
                            torch.nn.Tanh(), torch.nn.Linear(64, 1)).to(device)
ddp = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if backend == "nccl" else None)
opt = ZeroRedundancyOptimizer(ddp.parameters(), optimizer_class=torch.optim.AdamW, lr=1e-2)
gen = torch.Generator().manual_seed(1000 + rank)  # this rank's own data stream
start = 0

state = endure_ckpt.load_state()  # this rank's shard, or None (nothing to resume from)
if state is not None:
    model.load_state_dict(state["model"])
    opt.optim.load_state_dict(state["opt_shard"])  # this rank's part of the optimizer
    gen.set_state(state["data_rng"])
    start = state["step"]
    print("rank %d resumed its shard from the checkpoint of step %d (%s)"
          % (rank, start, endure_ckpt.resume().dir), flush=True)
    del state

for step in range(start + 1, args.steps + 1):
    x = torch.randn(32, 16, generator=gen).to(device)
    loss = inject.loss(step, torch.nn.functional.mse_loss(ddp(x), x.sum(dim=1, keepdim=True).sin()))
    faults.check_finite(loss, step)
    opt.zero_grad()
    loss.backward()
    opt.step()  # each rank updates its shard, then the ranks exchange parameters
    if rank == 0:
        print("step %d loss %.4f" % (step, loss.item()), flush=True)
    inject.after_step(step)
    if step % args.save_every == 0:  # on EVERY rank: its own shard
        endure_ckpt.save_state(step, {"model": model.state_dict(), "opt_shard": opt.optim.state_dict(),
                                      "data_rng": gen.get_state(), "step": step})
    if args.sleep:
        time.sleep(args.sleep)

if rank == 0:
    total = sum(float(p.detach().double().sum()) for p in model.parameters())
    print("done: %d steps on %d ranks, weights sum %.6f" % (args.steps, world, total), flush=True)
    if args.out:
        with open(args.out, "w") as f:
            f.write("%d %d %.9f\n" % (args.steps, world, total))
dist.destroy_process_group()
