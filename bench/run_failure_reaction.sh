#!/bin/bash
# run_failure_reaction.sh: how fast endure turns a failed rank into a running
# next attempt. A local job of NODES nodes x NPROC ranks (default 4 x 4) of
# the fake trainer, --restart-backoff 0, where rank FAIL_RANK exits with
# code 3 about 200 ms into every attempt (ranks exit promptly on TERM), for
# RESTARTS restarts. From the journal (events.jsonl, ms timestamps) it takes
# for each failure: the failed rank's rank_exit -> the last ranks_started of
# the next attempt (every node's ranks spawned again), split into
# exit -> stop_end (every rank of every node reaped) -> attempt_start ->
# last ranks_started; prints median and p90 (target: median <= 200 ms), next
# to the cold spawn of the same ranks (attempt 0's attempt_start -> its last
# ranks_started, and run_start -> that, which includes starting the agents).
# Prints numbers, asserts nothing.
#   NODES=4 NPROC=4 RESTARTS=20 BUILD=build bench/run_failure_reaction.sh
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ENDURE=${ENDURE:-$PWD/$BUILD/endure}
FAKE=$PWD/$BUILD/tests/fake_trainer
NODES=${NODES:-4}
NPROC=${NPROC:-4}
RESTARTS=${RESTARTS:-20}
FAIL_RANK=${FAIL_RANK:-5}
[ -x "$ENDURE" ] && [ -x "$FAKE" ] || { echo "build first: make BUILD=$BUILD" >&2; exit 2; }
DIR=$(mktemp -d "${BENCH_DIR:-/tmp}/endure-bench-fail.XXXXXX")
trap 'rm -rf "$DIR"' EXIT

nodes=$(seq -s, -f 'n%g' 1 "$NODES")
"$ENDURE" run --log-dir "$DIR" --rdzv-id fr --nodes "$nodes" --nnodes "$NODES" --nproc-per-node "$NPROC" \
    --restart-backoff 0 --max-restarts "$RESTARTS" --stop-timeout 5s --heartbeat-timeout 10s \
    -- "$FAKE" --steps 100000 --step-ms 10 --fail "$FAIL_RANK" --at-step 20 >/dev/null 2>"$DIR/err"
rc=$?
[ "$rc" = 1 ] || { echo "warning: endure exited $rc (expected 1: the budget is spent by design)" >&2; tail -n 5 "$DIR/err" >&2; }

/usr/bin/python3 - "$DIR/fr/events.jsonl" "$NODES" "$NPROC" "$FAIL_RANK" <<'PY'
import json, sys
from datetime import datetime

path, nodes, nproc, fail_rank = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
evs = [json.loads(l) for l in open(path) if l.strip()]
def t(e):
    return datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000.0
def first(name, **kw):
    for e in evs:
        if e["event"] == name and all(e.get(k) == v for k, v in kw.items()):
            return e
    return None
def last_started(attempt):
    s = [e for e in evs if e["event"] == "ranks_started" and e.get("attempt") == attempt]
    return (max(t(e) for e in s), sum(len(e["pids"]) for e in s)) if s else (None, 0)

attempts = sorted({e["attempt"] for e in evs if e["event"] == "attempt_start"})
total, reap, relaunch, spawn = [], [], [], []
for a in attempts:
    ex = first("rank_exit", attempt=a, rank=fail_rank)
    stop = first("stop_end", attempt=a)
    nxt = first("attempt_start", attempt=a + 1)
    ready, n = last_started(a + 1)
    if not (ex and stop and nxt and ready) or n != nodes * nproc:
        continue
    total.append(ready - t(ex))
    reap.append(t(stop) - t(ex))
    relaunch.append(t(nxt) - t(stop))
    spawn.append(ready - t(nxt))

def q(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]
def row(name, xs):
    print(f"  {name:<44} median {q(xs, .5):7.1f} ms   p90 {q(xs, .9):7.1f} ms   max {max(xs):7.1f} ms")

print(f"failure reaction: {nodes} nodes x {nproc} ranks, {len(total)} failures measured (journal ms timestamps)")
if not total:
    sys.exit("no complete failure -> restart sequence in the journal")
row("rank exit -> next attempt's ranks all spawned", total)
row("  rank exit -> every rank reaped (stop_end)", reap)
row("  stop_end -> next attempt_start", relaunch)
row("  attempt_start -> last ranks_started", spawn)
s0 = first("attempt_start", attempt=0)
r0, n0 = last_started(0)
rs = first("run_start")
print(f"cold start of the same {n0} ranks: attempt_start -> last ranks_started {r0 - t(s0):.1f} ms; "
      f"run_start (agents not yet started) -> last ranks_started {r0 - t(rs):.1f} ms")
print(f"ratio: median reaction / cold attempt spawn = {q(total, .5) / max(r0 - t(s0), 1.0):.1f}x; "
      f"target median reaction <= 200 ms")
PY
