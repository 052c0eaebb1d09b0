"""A tiny deterministic DistributedDataParallel trainer (gloo) that saves
with endure_ckpt.save_state and resumes with endure_ckpt.load_state (the
tensor-native path), on every rank (scope "sharded"): the model, the SGD
momentum buffers, the step, and the rank's torch and Python RNG states
(the batches are drawn from the RNG, so a resume that lost a bit of them
would train differently). Prints "rank R resumed from step S (DIR) zero-copy
Z" and writes the SHA-256 of the final weights' bytes to --out ({rank}).
--fail-at S: rank --fail-rank exits 1 at step S in attempt 0."""
import argparse
import datetime
import hashlib
import os
import random
import sys

import torch
import torch.distributed as dist

import endure_ckpt

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=30)
ap.add_argument("--every", type=int, default=10)
ap.add_argument("--fail-at", type=int, default=-1)
ap.add_argument("--fail-rank", type=int, default=2)
ap.add_argument("--out", required=True)
args = ap.parse_args()
rank = int(os.environ.get("RANK", "0"))
torch.set_num_threads(1)
dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=60))

torch.manual_seed(1234)  # the same initial model everywhere, as DDP requires
model = torch.nn.parallel.DistributedDataParallel(
    torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.Tanh(), torch.nn.Linear(64, 1)))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
torch.manual_seed(rank)  # each rank its own stream of batches
random.seed(rank)


def mapped_from(addr, path):
    """True when addr lies in a mapping of the file path (no copy made)."""
    ino = os.stat(path).st_ino
    with open("/proc/self/maps") as f:
        for line in f:
            a, _perm, _off, _dev, i = line.split()[:5]
            lo, hi = (int(x, 16) for x in a.split("-"))
            if lo <= addr < hi and int(i) == ino:
                return True
    return False


start = 0
r = endure_ckpt.resume()
if r:
    state = endure_ckpt.load_state()
    model.module.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    torch.set_rng_state(state["rng"]["torch"])
    random.setstate(state["rng"]["py"])
    start = state["step"]
    assert start == r.step, (start, r.step)
    zc = mapped_from(state["model"]["0.weight"].data_ptr(), os.path.join(r.dir, "state.est"))
    print("rank %d resumed from step %d (%s) zero-copy %s" % (rank, start, r.dir, zc), flush=True)
    del state

for step in range(start + 1, args.steps + 1):
    x = torch.randn(16, 32)
    y = x.sum(dim=1, keepdim=True).sin() + random.random()
    loss = torch.nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()  # DDP all-reduces the gradients: the ranks meet every step
    opt.step()
    if step == args.fail_at and rank == args.fail_rank and int(os.environ.get("ENDURE_ATTEMPT", "0")) == 0:
        print("rank %d crashing at step %d" % (rank, step), flush=True)
        sys.exit(1)
    if step % args.every == 0:
        endure_ckpt.save_state(step, {"model": model.module.state_dict(), "opt": opt.state_dict(), "step": step,
                                      "rng": {"torch": torch.get_rng_state(), "py": random.getstate()}})
        dist.barrier()
    print("step %d loss %.4f" % (step, loss.item()), flush=True)

h = hashlib.sha256()
for p in model.parameters():
    h.update(p.detach().numpy().tobytes())
with open(args.out.replace("{rank}", str(rank)), "w") as f:
    f.write(h.hexdigest() + "\n")
dist.destroy_process_group()
