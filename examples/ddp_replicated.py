"""ddp_replicated: data-parallel training (DDP) that checkpoints with endure.

Every rank holds the same model, so rank 0 alone saves it for the whole job
(scope="replicated", the nanoGPT pattern); after a restart every rank, on
every node, resumes from that one copy. CPU (gloo) when there is no GPU,
one GPU per rank (nccl) otherwise; nothing to change.

    endure run --nproc-per-node 2 --ckpt-dir /tmp/ck examples/ddp_replicated.py
    endure run --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --ckpt-dir /tmp/ck \\
        examples/ddp_replicated.py --fault crash --fault-step 12      # see faults.py
    torchrun --nproc-per-node 2 examples/ddp_replicated.py            # without endure

Flags: --steps N (40), --save-every N (5), --sleep SECONDS per step (0),
--out FILE (rank 0 writes "steps world sum-of-weights" at the end), and the
--fault* flags of faults.py. Without --ckpt-dir, checkpoints go to
./checkpoints/ddp_replicated/ (ENDURE_CKPT_FALLBACK_DIR).
Rank 0 prints "step N loss X" every step.
"""
import argparse
import datetime
import os
import sys
import time

import torch
import torch.distributed as dist

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
    os.environ.setdefault(k, v)  # a plain `python3 ddp_replicated.py` is one rank
# without --ckpt-dir (or endure) the helper saves plain files here
os.environ.setdefault("ENDURE_CKPT_FALLBACK_DIR", os.path.join("checkpoints", "ddp_replicated"))
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

torch.manual_seed(0)  # DDP needs the same initial model on every rank
model = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.Tanh(), torch.nn.Linear(64, 1)).to(device)
opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
start = 0

r = endure_ckpt.resume()  # None, or the directory rank 0 saved (the same on every rank)
if r:
    ckpt = torch.load(os.path.join(r.dir, "ckpt.pt"), map_location=device)
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["opt"])
    start = ckpt["step"]
    print("rank %d resumed from the checkpoint of step %d (%s)" % (rank, start, r.dir), flush=True)
ddp = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if backend == "nccl" else None)


def batch(step):
    """This rank's batch of a step: a pure function of (step, rank), so a
    resumed run sees the same data as an uninterrupted one."""
    g = torch.Generator().manual_seed(step * 1000 + rank)
    x = torch.randn(32, 16, generator=g)
    return x.to(device), x.sum(dim=1, keepdim=True).sin().to(device)


for step in range(start + 1, args.steps + 1):
    x, y = batch(step)
    loss = inject.loss(step, torch.nn.functional.mse_loss(ddp(x), y))
    faults.check_finite(loss, step)
    opt.zero_grad()
    loss.backward()  # DDP averages the gradients over all ranks here
    opt.step()
    if rank == 0:
        print("step %d loss %.4f" % (step, loss.item()), flush=True)
    inject.after_step(step)
    if step % args.save_every == 0 and rank == 0:  # ONLY rank 0 saves, for everyone
        with endure_ckpt.save(step, scope="replicated") as d:
            endure_ckpt.torch_save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step},
                                   os.path.join(d, "ckpt.pt"))
        # committed: endure copies it to --ckpt-dir in the background
    if args.sleep:
        time.sleep(args.sleep)

if rank == 0:
    total = sum(float(p.detach().double().sum()) for p in model.parameters())
    print("done: %d steps on %d ranks, weights sum %.6f" % (args.steps, world, total), flush=True)
    if args.out:
        with open(args.out, "w") as f:
            f.write("%d %d %.9f\n" % (args.steps, world, total))
dist.destroy_process_group()
