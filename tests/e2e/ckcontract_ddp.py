"""A tiny deterministic data-parallel PyTorch trainer (DistributedDataParallel
on gloo) that checkpoints the way nanoGPT does: the state is the same on
every rank, so only rank 0 saves it, with endure_ckpt.save(step,
scope="replicated"); every rank resumes with endure_ckpt.resume(). It
imports endure_ckpt without touching sys.path (endure puts its Python helper
on the ranks' PYTHONPATH). Writes the final weights' sum of squares to --out.
--fail-at S makes rank --fail-rank exit 1 at step S in attempt 0.
--scope sharded keeps the rank-0-only save but without the replicated scope
(the mistake endure warns about: such a TAG never completes)."""
import argparse
import datetime
import os
import sys
import time

import torch
import torch.distributed as dist

import endure_ckpt

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=30)
ap.add_argument("--every", type=int, default=10)
ap.add_argument("--fail-at", type=int, default=-1)
ap.add_argument("--fail-rank", type=int, default=2)
ap.add_argument("--scope", default="replicated")
ap.add_argument("--pace", type=float, default=0.0)
ap.add_argument("--out", required=True)
args = ap.parse_args()
rank = int(os.environ.get("RANK", "0"))
dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=60))

torch.manual_seed(1234)  # the same initial model everywhere, as DDP requires
model = torch.nn.parallel.DistributedDataParallel(
    torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.Tanh(), torch.nn.Linear(64, 1)))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
start = 0
r = endure_ckpt.resume()
if r:
    state = torch.load(os.path.join(r.dir, "state.pt"))
    model.module.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    start = state["step"]
    assert start == r.step, (start, r.step)
    print("rank %d resumed from step %d (%s)" % (rank, start, r.dir), flush=True)

for step in range(start + 1, args.steps + 1):
    g = torch.Generator().manual_seed(step * 100 + rank)  # each rank its own batch
    x = torch.randn(16, 32, generator=g)
    y = x.sum(dim=1, keepdim=True).sin()
    loss = torch.nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()  # DDP all-reduces the gradients: the ranks meet every step
    opt.step()
    if step == args.fail_at and rank == args.fail_rank and int(os.environ.get("ENDURE_ATTEMPT", "0")) == 0:
        print("rank %d crashing at step %d" % (rank, step), flush=True)
        sys.exit(1)
    if step % args.every == 0:
        if rank == 0:
            with endure_ckpt.save(step, scope=args.scope) as d:
                endure_ckpt.torch_save({"model": model.module.state_dict(), "opt": opt.state_dict(),
                                        "step": step}, os.path.join(d, "state.pt"))
        dist.barrier()
        time.sleep(args.pace)
    print("step %d loss %.4f" % (step, loss.item()), flush=True)

with open(args.out.replace("{rank}", str(rank)), "w") as f:
    f.write(repr(sum(float((p.double() ** 2).sum()) for p in model.parameters())) + "\n")
dist.destroy_process_group()
