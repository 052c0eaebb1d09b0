#!/bin/bash
# The Python helper on its own: files rewritten in place and truncated
# (torch zip and legacy formats both load back; torch_save writes the
# legacy one), stale files removed, an
# aborted save leaves the previous commit valid, the slot being persisted
# (locked by the agent) is never written, resume() from the environment,
# and the plain-directory fallback outside endure.
set -eu
export ENDURE_SRC=${ENDURE_SRC:-$PWD}
T=$(mktemp -d /tmp/ckpt-py.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
/usr/bin/python3 - <<'PY'
import fcntl, json, os, sys
sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import torch
import endure_ckpt as e

T = os.getcwd()
os.environ.update(ENDURE_CKPT_STAGE=T + "/stage", RANK="3", WORLD_SIZE="4")
rd = T + "/stage/rank-3"

def commit(k):
    p = "%s/slot-%d.commit" % (rd, k)
    return json.load(open(p)) if os.path.exists(p) else None

big = {"w": torch.arange(100000, dtype=torch.float32)}
small = {"w": torch.arange(10, dtype=torch.float32)}
for step, (obj, zipfmt) in enumerate([(big, True), (big, False), (small, True), (small, False)], 1):
    with e.save(step) as d:
        with e.open(os.path.join(d, "m.pt")) as f:
            torch.save(obj, f, _use_new_zipfile_serialization=zipfmt)
        if step == 1:
            open(os.path.join(d, "extra.txt"), "w").write("only in step 1")
    c = commit(0 if step % 2 else 1)
    assert c["step"] == step and c["rank"] == 3, c
    loaded = torch.load(os.path.join(d, "m.pt"))
    assert torch.equal(loaded["w"], obj["w"]), step
    sizes = {f["path"]: f["size"] for f in c["files"]}
    assert os.path.getsize(os.path.join(d, "m.pt")) == sizes["m.pt"], (step, sizes)
# step 3 reused slot 0: the stale extra.txt of step 1 is gone and not listed
assert not os.path.exists(rd + "/slot-0/extra.txt")
assert [f["path"] for f in commit(0)["files"]] == ["m.pt"], commit(0)
assert os.path.getsize(rd + "/slot-0/m.pt") < 2000   # truncated, not 400 KB

# an aborted save leaves the previous (newest) commit valid
try:
    with e.save(5) as d:
        open(os.path.join(d, "m.pt"), "w").write("half")
        raise RuntimeError("boom")
except RuntimeError:
    pass
assert commit(1)["step"] == 4 and commit(0) is None, (commit(0), commit(1))

# the agent persists slot 1 (shared lock): the save must use slot 0
fd = os.open(rd + "/slot-1.lock", os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_SH)
with e.save(6) as d:
    assert d.endswith("slot-0"), d
    open(os.path.join(d, "m.pt"), "w").write("six")
# ...and again: slot 0 holds the newest, slot 1 is still locked: it
# overwrites the newest (not yet persisted) commit rather than block
with e.save(7) as d:
    assert d.endswith("slot-0"), d
    open(os.path.join(d, "m.pt"), "w").write("seven")
os.close(fd)
assert commit(0)["step"] == 7 and commit(1)["step"] == 4

# torch_save: legacy (non-zip) format, rewritten in place, loads back
ino = os.stat(rd + "/slot-1/m.pt").st_ino
with e.save(8) as d:
    e.torch_save(big, os.path.join(d, "m.pt"))
assert d.endswith("slot-1") and os.stat(rd + "/slot-1/m.pt").st_ino == ino, d
assert open(rd + "/slot-1/m.pt", "rb").read(2) != b"PK", "torch_save wrote the zip format"
assert torch.equal(torch.load(rd + "/slot-1/m.pt")["w"], big["w"])
assert commit(1)["files"] == [{"path": "m.pt", "size": os.path.getsize(rd + "/slot-1/m.pt")}], commit(1)

# resume(): under endure only from the environment
assert e.resume() is None
os.environ.update(ENDURE_RESUME_DIR="/x/y", ENDURE_RESUME_STEP="7")
r = e.resume()
assert r == ("/x/y", 7) and r.step == 7, r
for k in ("ENDURE_RESUME_DIR", "ENDURE_RESUME_STEP", "ENDURE_CKPT_STAGE"):
    del os.environ[k]

# fallback: ./checkpoints/<tag>/rank-<R>, resume needs every rank
for rank in range(4):
    os.environ["RANK"] = str(rank)
    with e.save(10) as d:
        open(os.path.join(d, "m.pt"), "w").write("r%d" % rank)
    if rank < 3:
        with e.save(20) as d:
            open(os.path.join(d, "m.pt"), "w").write("r%d" % rank)
r = e.resume()
assert r.step == 10 and r.dir.endswith("checkpoints/step-000000010/rank-3"), r
assert open(os.path.join(r.dir, "m.pt")).read() == "r3"
try:
    with e.save(30) as d:
        raise KeyError("abort")
except KeyError:
    pass
assert not os.path.exists("checkpoints/step-000000030/rank-3")
print("python helper ok")
PY
# the save signal: ENDURE_SAVE_SIGNAL makes the helper catch it
ENDURE_SAVE_SIGNAL=SIGUSR1 ENDURE_CKPT_STAGE=$T/stage2 RANK=0 /usr/bin/python3 - <<'PY'
import os, signal, sys
sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import endure_ckpt as e
assert not e.save_requested()
os.kill(os.getpid(), signal.SIGUSR1)
assert e.save_requested()
with e.save(1) as d:
    open(os.path.join(d, "x"), "w").write("last")
assert not e.save_requested()
print("save signal ok")
PY
echo PASS
