"""hang_trainer.py: a real PyTorch (gloo) data-parallel loop for the hang
stack tests: every step is an all-reduce and a progress line. In attempt 0,
at --at-step, rank --rank blocks: `python` in a Python function
(stuck_in_loader, sleeping), `c` inside C code (libc pause() through
ctypes); the other ranks then wait in the all-reduce. Later attempts run
--steps steps and end. Writes nothing else."""
import argparse
import ctypes
import datetime
import os
import time

import torch
import torch.distributed as dist

ap = argparse.ArgumentParser()
ap.add_argument("--mode", choices=["python", "c"], default="python")
ap.add_argument("--rank", type=int, default=1)
ap.add_argument("--at-step", type=int, default=3)
ap.add_argument("--steps", type=int, default=6)
args = ap.parse_args()
dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=600))
rank = dist.get_rank()
attempt = int(os.environ.get("ENDURE_ATTEMPT", "0"))


def stuck_in_loader():
    time.sleep(3600)


def stuck_in_c():
    ctypes.CDLL(None).pause()


for step in range(1, args.steps + 1):
    if attempt == 0 and step == args.at_step and rank == args.rank:
        stuck_in_loader() if args.mode == "python" else stuck_in_c()
    dist.all_reduce(torch.ones(4))
    print("step %d loss %.3f" % (step, 1.0 / step), flush=True)
    time.sleep(0.05)
