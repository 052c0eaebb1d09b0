"""ddp_train.py: a tiny deterministic DDP job for endure's end-to-end tests.

A stock torch.distributed script: init_process_group("gloo") with no other
arguments, so the rendezvous comes only from the torchrun-style environment
that endure gives each rank (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT).
It trains a Linear model on synthetic data seeded by step and rank, prints
"step N loss X" lines (endure's default progress form) and, on rank 0,
writes a checksum of the final weights; because every run with the same
world size and steps computes the same thing, the checksum must not depend on
restarts or on which nodes ran the job.

Options:
  --steps N          training steps (default 20)
  --fail-rank R      this global rank raises RuntimeError ...
  --fail-attempt A   ... in this attempt (ENDURE_ATTEMPT; default 0) ...
  --fail-step S      ... at this step (default 3)
  --step-sleep SEC   sleep after every step (lets a test act mid-run)
  --out FILE         rank 0 writes "checksum <x> steps <n> world <w>" here
  --reference W      no torch.distributed: compute in one process what a
                     world of W ranks must end with (averaged gradients) and
                     write the same line to --out, for the tests to compare
"""
import argparse
import os
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--fail-rank", type=int, default=-1)
    p.add_argument("--fail-attempt", type=int, default=0)
    p.add_argument("--fail-step", type=int, default=3)
    p.add_argument("--step-sleep", type=float, default=0.0)
    p.add_argument("--out", default="")
    p.add_argument("--reference", type=int, default=0)
    return p.parse_args()


def batch(step, rank, dim=8, n=16):
    """Deterministic synthetic regression data for (step, rank)."""
    g = torch.Generator().manual_seed(1000 * step + rank)
    x = torch.randn(n, dim, generator=g)
    w_true = torch.arange(1, dim + 1, dtype=torch.float32) / dim
    y = x @ w_true.unsqueeze(1) + 0.5
    return x, y


def checksum_of(params):
    flat = torch.cat([p.detach().reshape(-1) for p in params])
    return flat, float(flat.double().sum()) + float((flat.double() ** 2).sum())


def write_out(path, checksum, steps, world):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"checksum {checksum:.9f} steps {steps} world {world}\n")
    os.replace(tmp, path)


def reference(args):
    """What DDP over `world` ranks computes: the mean of the ranks' gradients."""
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    loss_fn = torch.nn.MSELoss()
    for step in range(1, args.steps + 1):
        grads = [torch.zeros_like(p) for p in model.parameters()]
        for rank in range(args.reference):
            model.zero_grad()
            x, y = batch(step, rank)
            loss_fn(model(x), y).backward()
            for g, p in zip(grads, model.parameters()):
                g += p.grad
        for g, p in zip(grads, model.parameters()):
            p.grad = g / args.reference
        opt.step()
    _, checksum = checksum_of(model.parameters())
    write_out(args.out, checksum, args.steps, args.reference)


def main():
    args = parse_args()
    torch.set_num_threads(1)
    if args.reference:
        reference(args)
        return
    attempt = int(os.environ.get("ENDURE_ATTEMPT", "0"))
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    print(f"rank {rank}/{world} attempt {attempt} node {os.environ.get('ENDURE_NODE', '?')} "
          f"local_rank {os.environ.get('LOCAL_RANK')} master "
          f"{os.environ.get('MASTER_ADDR')}:{os.environ.get('MASTER_PORT')} "
          f"restart_count {os.environ.get('TORCHELASTIC_RESTART_COUNT')}")

    torch.manual_seed(0)  # same initial weights on every rank
    model = DDP(torch.nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    loss_fn = torch.nn.MSELoss()
    for step in range(1, args.steps + 1):
        if rank == args.fail_rank and attempt == args.fail_attempt and step == args.fail_step:
            raise RuntimeError(f"injected failure on rank {rank} at step {step} in attempt {attempt}")
        x, y = batch(step, rank)
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()  # DDP all-reduces the gradients over gloo here
        opt.step()
        # flushed: under endure stdout is a pipe, and the tests that act mid-run
        # (--step-sleep) wait for these lines in the rank logs
        print(f"step {step} loss {loss.item():.6f}", flush=True)
        if args.step_sleep > 0:
            time.sleep(args.step_sleep)

    # Every rank must hold the same weights after DDP; check it, then publish.
    flat, checksum = checksum_of(model.parameters())
    ref = flat.clone()
    dist.broadcast(ref, src=0)
    if not torch.equal(ref, flat):
        print(f"rank {rank}: weights differ from rank 0", file=sys.stderr)
        sys.exit(5)
    print(f"rank {rank} done checksum {checksum:.9f}")
    if rank == 0 and args.out:
        write_out(args.out, checksum, args.steps, world)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
