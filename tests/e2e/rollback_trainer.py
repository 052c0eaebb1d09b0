"""rollback_trainer.py: a single-rank "trainer" for the rollback tests (no
torch: the state is a JSON file through endure_ckpt). It saves every 5
steps, prints "step N loss X", and obeys the rollback contract: when
ENDURE_SKIP_STEPS=A-B is set it skips those steps' data (here: records them
as skipped) and goes on. Faults, each in attempt 0 only unless said:
  --nan-at N        at step N print a NaN loss and raise FloatingPointError
  --spike-at N      at step N print a loss 1000x the usual
  --fail-at N       at step N exit 1 (a plain crash)
  --crash-after-resume-from S --at N   every attempt that resumed from step S
                    crashes at step N (a bad batch right after a checkpoint)
Writes --out with the steps trained, the steps skipped and the environment
it saw."""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import endure_ckpt  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=40)
ap.add_argument("--nan-at", type=int, default=-1)
ap.add_argument("--spike-at", type=int, default=-1)
ap.add_argument("--fail-at", type=int, default=-1)
ap.add_argument("--pace", type=float, default=0.03)
ap.add_argument("--crash-after-resume-from", type=int, default=-1)
ap.add_argument("--at", type=int, default=-1)
ap.add_argument("--out", required=True)
args = ap.parse_args()
attempt = int(os.environ.get("ENDURE_ATTEMPT", "0"))
skip = os.environ.get("ENDURE_SKIP_STEPS")
lo, hi = (int(x) for x in skip.split("-")) if skip else (0, -1)
state = {"trained": [], "skipped": []}
start = 0
r = endure_ckpt.resume()
if r:
    with open(os.path.join(r.dir, "state.json")) as f:
        state = json.load(f)
    start = r.step
    print("resumed from step %d" % start, flush=True)


def wait_complete(step):
    """Before a fault: the newest checkpoint this attempt saved (endure
    persists it in the background) is complete, so that which checkpoint
    the rollback picks does not depend on the machine's load."""
    saved = step - 1 - (step - 1) % 5
    root = os.environ.get("ENDURE_CKPT_DIR")
    if not root or saved <= start:
        return
    for _ in range(1200):
        if os.path.exists(os.path.join(root, "step-%09d" % saved, "COMPLETE")):
            return
        time.sleep(0.05)


for step in range(start + 1, args.steps + 1):
    if lo <= step <= hi:
        state["skipped"].append(step)
        continue
    if attempt == 0 and step in (args.nan_at, args.fail_at, args.spike_at):
        wait_complete(step)
    if attempt == 0 and step == args.nan_at:
        print("step %d loss nan" % step, flush=True)
        raise FloatingPointError("Loss became infinite or NaN at iteration=%d" % step)
    if attempt == 0 and step == args.fail_at:
        print("rank 0 crashing at step %d" % step, flush=True)
        sys.exit(1)
    if start == args.crash_after_resume_from and step == args.at:
        raise RuntimeError("bad batch at step %d" % step)
    loss = 2.0 + (step % 3) * 0.01
    if attempt == 0 and step == args.spike_at:
        loss *= 1000
    print("step %d loss %.4f" % (step, loss), flush=True)
    state["trained"].append(step)
    time.sleep(args.pace)  # a test program: steps paced so progress reaches endure step by step
    if step % 5 == 0:
        with endure_ckpt.save(step) as d:
            with open(os.path.join(d, "state.json"), "w") as f:
                json.dump(state, f)
state["env"] = {k: os.environ.get(k) for k in ("ENDURE_ROLLBACK_FROM_STEP", "ENDURE_SKIP_STEPS")}
with open(args.out, "w") as f:
    json.dump(state, f)
