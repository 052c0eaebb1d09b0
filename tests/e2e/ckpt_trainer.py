"""A tiny deterministic PyTorch trainer for the checkpoint tests: a small
model per rank trained with SGD+momentum on data derived from the step
number, checkpointed every --every steps with endure_ckpt, resuming with
endure_ckpt.resume(). The ranks form a real gloo process group, meet in an
all-reduce every step (as real data-parallel ranks do) and at a barrier
after every checkpoint, then spend --pace seconds (the compute between
checkpoints).
Writes the final weights' sum of squares to --out. --fail-at S makes rank
--fail-rank exit 1 at step S (a crash)."""
import argparse
import datetime
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import endure_ckpt  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=30)
ap.add_argument("--every", type=int, default=10)
ap.add_argument("--fail-at", type=int, default=-1)
ap.add_argument("--fail-rank", type=int, default=1)
ap.add_argument("--fail-attempt", type=int, default=0, help="crash only in this ENDURE_ATTEMPT")
ap.add_argument("--corrupt-at", type=int, default=-1,
                help="at this step (attempt 0, rank 0) flip a byte in the newest complete checkpoint")
ap.add_argument("--pace", type=float, default=0.2)
ap.add_argument("--out", required=True)
args = ap.parse_args()
rank = int(os.environ.get("RANK", "0"))
import torch.distributed as dist  # noqa: E402
dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=60))

torch.manual_seed(1234 + rank)
model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.Tanh(), torch.nn.Linear(64, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
start = 0
r = endure_ckpt.resume()
if r:
    state = torch.load(os.path.join(r.dir, "state.pt"))
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    start = state["step"]
    assert start == r.step, (start, r.step)
    print("rank %d resumed from step %d (%s)" % (rank, start, r.dir), flush=True)

for step in range(start + 1, args.steps + 1):
    # every step meets the other ranks, as a data-parallel all-reduce does: a
    # rank never runs a checkpoint ahead of a peer that crashed
    dist.all_reduce(torch.zeros(1))
    g = torch.Generator().manual_seed(step * 100 + rank)
    x = torch.randn(16, 32, generator=g)
    y = x.sum(dim=1, keepdim=True).sin()
    loss = torch.nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    attempt = int(os.environ.get("ENDURE_ATTEMPT", "0"))
    if step == args.corrupt_at and rank == 0 and attempt == 0:
        # the newest checkpoint taken (endure persists it in the background:
        # wait until it is complete, so the victim does not depend on timing)
        root = os.environ["ENDURE_CKPT_DIR"]
        tag = "step-%09d" % (step - step % args.every)
        for _ in range(1200):
            if os.path.exists(os.path.join(root, tag, "COMPLETE")):
                break
            time.sleep(0.05)
        victim = None
        for dirpath, _, files in os.walk(os.path.join(root, tag)):
            for name in files:
                if name == "state.pt":
                    victim = os.path.join(dirpath, name)
        with open(victim, "r+b") as f:
            f.seek(os.path.getsize(victim) // 2)
            b = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([b[0] ^ 1]))
        print("rank 0 corrupted %s" % victim, flush=True)
    if step == args.fail_at and rank == args.fail_rank and attempt == args.fail_attempt:
        print("rank %d crashing at step %d" % (rank, step), flush=True)
        sys.exit(1)
    if step % args.every == 0:
        with endure_ckpt.save(step) as d:
            endure_ckpt.torch_save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step},
                                   os.path.join(d, "state.pt"))
        dist.barrier()
        time.sleep(args.pace)

with open(args.out.replace("{rank}", str(rank)), "w") as f:
    f.write(repr(sum(float((p.double() ** 2).sum()) for p in model.parameters())) + "\n")
# both ranks leave the process group together: one that exits while its
# peer still holds the gloo pair can make the peer's teardown fail
dist.barrier()
dist.destroy_process_group()
