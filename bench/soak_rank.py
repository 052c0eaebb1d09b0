"""soak_rank.py: one rank of the soak (bench/soak.sh). Plain Python with
endure_ckpt (no torch). Every attempt resumes from its checkpoint, prints a
few step/loss lines, saves every 3 steps, and then, until attempt FINAL,
rank 0 causes the attempt's failure, a different kind from attempt to
attempt: crash (exit 1), signal (SIGSEGV), hang (every rank stops
printing), agent loss (SIGKILL to its agent), checkpoint corruption (a
flipped byte in the newest complete checkpoint, then a crash). The other
ranks wait, as data-parallel ranks blocked in a collective would, until
endure stops them. From attempt FINAL on, every rank finishes."""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import endure_ckpt  # noqa: E402

final = int(sys.argv[1])
attempt = int(os.environ.get("ENDURE_ATTEMPT", "0"))
rank = int(os.environ.get("RANK", "0"))
KINDS = ["crash", "signal", "hang", "agent", "corrupt"]
kind = KINDS[(attempt * 3 + 1) % len(KINDS)] if attempt < final else "none"
r = endure_ckpt.resume()
start = r.step if r else 0
blob = bytes(range(256)) * 64
for step in range(start + 1, start + 7):
    print("step %d loss %.4f" % (step, 2.0 + (step % 5) * 0.01), flush=True)
    if step % 3 == 0:
        with endure_ckpt.save(step) as d:
            with open(os.path.join(d, "blob"), "wb") as f:
                f.write(blob)
    time.sleep(0.02)
if kind == "none":
    sys.exit(0)
if kind == "hang" or rank != 0:
    time.sleep(600)  # stopped by endure (a hang, or a peer's failure)
if kind == "crash":
    raise RuntimeError("soak: crash in attempt %d" % attempt)
if kind == "signal":
    os.kill(os.getpid(), signal.SIGSEGV)
if kind == "agent":
    os.kill(os.getppid(), signal.SIGKILL)
    time.sleep(600)
if kind == "corrupt":
    root = os.environ.get("ENDURE_CKPT_DIR", "")
    done = sorted(t for t in os.listdir(root) if os.path.exists(os.path.join(root, t, "COMPLETE"))) if root else []
    for dirpath, _, files in os.walk(os.path.join(root, done[-1])) if done else []:
        for name in files:
            if name == "blob":
                with open(os.path.join(dirpath, name), "r+b") as f:
                    f.seek(100)
                    b = f.read(1)
                    f.seek(100)
                    f.write(bytes([b[0] ^ 1]))
                break
    raise RuntimeError("soak: corrupted the newest checkpoint in attempt %d" % attempt)
