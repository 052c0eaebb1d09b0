"""A trainer for checkpoint fault tests (no torch): every --every steps it
saves --size bytes per rank with endure_ckpt; with --until-signal it runs
until endure's save signal arrives, then commits a last checkpoint and exits."""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import endure_ckpt  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=6)
ap.add_argument("--every", type=int, default=2)
ap.add_argument("--size", type=int, default=1 << 20)
ap.add_argument("--until-signal", action="store_true")
args = ap.parse_args()
blob = bytes(range(256)) * (args.size // 256)
step = 0
while args.until_signal or step < args.steps:
    step += 1
    print("step %d" % step, flush=True)
    last = endure_ckpt.save_requested()
    if step % args.every == 0 or last:
        # the ranks of this toy do not run in lockstep, so the last checkpoint
        # uses one agreed step (a real trainer saves the step all ranks share)
        with endure_ckpt.save(1000000 if last else step) as d:
            with open(os.path.join(d, "blob"), "wb") as f:
                f.write(blob)
        print("saved step %d%s" % (step, " (last)" if last else ""), flush=True)
    if last:
        sys.exit(0)
    time.sleep(0.05)
