#!/bin/bash
# A save the agent never saw is still journaled: with the agent stopped
# (SIGSTOP, as a loaded machine delays its scan), the rank saves steps 10,
# 15 and 20, and step 20 rewrites step 10's slot. After SIGCONT the agent
# persists 15 and 20 and reports step 10 as dropped, "superseded", from the
# rank's note of overwritten commits. A later save that rewrites step 15,
# which the agent had persisted, is not reported.
set -eu
B=${ENDURE_TEST_BUILD:-$PWD/build}
DRV=$B/tests/ckpt_driver
export ENDURE_SRC=${ENDURE_SRC:-$PWD}
T=$(mktemp -d /tmp/ckpt-unseen.XXXXXX)
S=$(mktemp -d /dev/shm/ckpt-unseen.XXXXXX)
trap 'rm -rf "$T" "$S"' EXIT
fail() { echo "FAIL: $*"; cat "$T/events" 2>/dev/null; exit 1; }

cat >"$T/rank.py" <<PY
import os, signal, sys, time
sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import endure_ckpt as e

def save(step):
    with e.save(step) as d:
        with e.open(os.path.join(d, "m.bin")) as f:
            f.write(b"%d" % step * 1000)

agent = os.getppid()
os.kill(agent, signal.SIGSTOP)        # the agent scans nothing until SIGCONT
try:
    for step in (10, 15, 20):
        save(step)
finally:
    os.kill(agent, signal.SIGCONT)
manifest = os.path.join(os.environ["ENDURE_CKPT_DIR"], e.default_tag(20), "n1", "manifest.json")
end = time.monotonic() + 60
while not os.path.exists(manifest):   # step 15 is persisted before step 20
    assert time.monotonic() < end, "step 20 never became durable"
    time.sleep(0.05)
save(25)                              # rewrites step 15's slot: known, not reported
PY

RANK=0 WORLD_SIZE=1 "$DRV" agent --stage "$S/stage" --ckpt "$T/ckpt" --node n1 --world 1 --ranks 0 --threads 1 \
    --drain-ms 60000 -- /usr/bin/python3 "$T/rank.py" >"$T/events" || fail "driver or rank failed"

/usr/bin/python3 - "$T/events" <<'PY' || fail "events"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def of(kind, step):
    return [e for e in evs if e.get("event") == kind and e.get("step") == step]
d10 = of("dropped", 10)
assert len(d10) == 1 and d10[0]["reason"].startswith("superseded") and d10[0]["ranks"] == [0], d10
assert not of("staged", 10) and not of("persisted", 10), "step 10 was seen after all"
for s in (15, 20, 25):
    assert len(of("persisted", s)) == 1 and not of("dropped", s), (s, of("dropped", s))
print("ok")
PY
