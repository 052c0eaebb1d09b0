"""A trainer for the weeks tests (no torch): resumes from endure's newest
checkpoint, prints "resumed from step N" and "step N" lines, saves every
--every steps (endure_ckpt), sleeps --step-ms between steps and, when
--fail-attempts lists ENDURE_ATTEMPT, exits 1 at step --fail-at with a
RuntimeError line."""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import endure_ckpt  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=20)
ap.add_argument("--every", type=int, default=2)
ap.add_argument("--step-ms", type=int, default=50)
ap.add_argument("--fail-at", type=int, default=-1)
ap.add_argument("--fail-attempts", default="")
args = ap.parse_args()
attempt = int(os.environ.get("ENDURE_ATTEMPT", "0"))
step = 0
r = endure_ckpt.resume()
if r is not None:
    step = r.step
    print("resumed from step %d in attempt %d" % (step, attempt), flush=True)
fail_here = str(attempt) in args.fail_attempts.split(",")
while step < args.steps:
    step += 1
    print("step %d loss 1.0" % step, flush=True)
    if fail_here and step >= args.fail_at:
        print("RuntimeError: weeks_trainer fails at step %d in attempt %d" % (step, attempt), flush=True)
        sys.exit(1)
    if step % args.every == 0:
        with endure_ckpt.save(step) as d:
            with open(os.path.join(d, "blob"), "wb") as f:
                f.write(b"x" * 1024)
    time.sleep(args.step_ms / 1000.0)
print("done at step %d" % step, flush=True)
