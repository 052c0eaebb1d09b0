#!/bin/bash
# run_failure_reaction.sh: how fast endure turns a failed rank into a running
# next attempt. A local job of NODES nodes x NPROC ranks (default 4 x 4) of
# tests/helpers/bench_rank.c, --restart-backoff 0, where rank FAIL_RANK exits
# with code 3 about 200 ms into every attempt (ranks exit promptly on TERM),
# for RESTARTS restarts. Each rank stamps the wall clock when it starts and
# the failing rank when it exits, so the headline number is end to end:
#   failing rank's exit -> every rank of the next attempt running
# (median, p90; target median <= 200 ms). The journal (events.jsonl, ms
# timestamps taken by the controller) splits it: exit -> the controller hears
# of it (rank_exit) -> every rank reaped (stop_end) -> attempt_start -> the
# last ranks_started -> the last rank running. Next to it, the cold start of
# the same ranks: attempt 0's attempt_start -> its last rank running, and
# run_start -> that (which includes starting the agents).
# Prints numbers, asserts nothing.
#   NODES=4 NPROC=4 RESTARTS=20 BUILD=build bench/run_failure_reaction.sh
# EXTRA="--metrics-file F ..." adds flags to endure run (bench/oncall_reaction.sh).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ENDURE=${ENDURE:-$PWD/$BUILD/endure}
RANK_BIN=$PWD/$BUILD/tests/bench_rank
NODES=${NODES:-4}
NPROC=${NPROC:-4}
RESTARTS=${RESTARTS:-20}
FAIL_RANK=${FAIL_RANK:-5}
[ -x "$ENDURE" ] && [ -x "$RANK_BIN" ] || { echo "build first: make BUILD=$BUILD" >&2; exit 2; }
DIR=$(mktemp -d "${BENCH_DIR:-/tmp}/endure-bench-fail.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
export BENCH_MARKS="$DIR/marks"
mkdir -p "$BENCH_MARKS"

nodes=$(seq -s, -f 'n%g' 1 "$NODES")
"$ENDURE" run --log-dir "$DIR" --rdzv-id fr --nodes "$nodes" --nnodes "$NODES" --nproc-per-node "$NPROC" \
    --restart-backoff 0 --max-restarts "$RESTARTS" --stop-timeout 5s --heartbeat-timeout 10s ${EXTRA:-} \
    -- "$RANK_BIN" --step-ms 10 --fail-rank "$FAIL_RANK" --at-step 20 >/dev/null 2>"$DIR/err"
rc=$?
[ "$rc" = 1 ] || { echo "warning: endure exited $rc (expected 1: the budget is spent by design)" >&2; tail -n 5 "$DIR/err" >&2; }

/usr/bin/python3 - "$DIR/fr/events.jsonl" "$BENCH_MARKS" "$NODES" "$NPROC" "$FAIL_RANK" <<'PY'
import json, os, sys
from datetime import datetime, timezone

path, marks = sys.argv[1], sys.argv[2]
nodes, nproc, fail_rank = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
world = nodes * nproc
evs = [json.loads(l) for l in open(path) if l.strip()]
def t(e):
    d = datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return d.timestamp() * 1000.0
def first(name, **kw):
    for e in evs:
        if e["event"] == name and all(e.get(k) == v for k, v in kw.items()):
            return e
    return None
def mark(name):
    try:
        return float(open(os.path.join(marks, name)).read())
    except (OSError, ValueError):
        return None
def last_running(a):
    ts = [mark(f"start-{a}-{r}") for r in range(world)]
    return None if None in ts else max(ts)
def last_spawned(a):
    s = [e for e in evs if e["event"] == "ranks_started" and e.get("attempt") == a]
    n = sum(len(e["pids"]) for e in s)
    return max(t(e) for e in s) if s and n == world else None

cols = {k: [] for k in ("total", "heard", "reap", "relaunch", "spawn", "exec")}
attempts = sorted({e["attempt"] for e in evs if e["event"] == "attempt_start"})
for a in attempts:
    ex, ev = mark(f"exit-{a}"), first("rank_exit", attempt=a, rank=fail_rank)
    stop, nxt = first("stop_end", attempt=a), first("attempt_start", attempt=a + 1)
    spawned, running = last_spawned(a + 1), last_running(a + 1)
    if None in (ex, ev, stop, nxt, spawned, running):
        continue
    cols["total"].append(running - ex)
    cols["heard"].append(t(ev) - ex)
    cols["reap"].append(t(stop) - t(ev))
    cols["relaunch"].append(t(nxt) - t(stop))
    cols["spawn"].append(spawned - t(nxt))
    cols["exec"].append(running - spawned)

def q(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]
def row(name, xs):
    print(f"  {name:<46} median {q(xs, .5):7.1f} ms   p90 {q(xs, .9):7.1f} ms   max {max(xs):7.1f} ms")

n = len(cols["total"])
print(f"failure reaction: {nodes} nodes x {nproc} ranks, {n} failures measured")
if not n:
    sys.exit("no complete failure -> restart sequence (journal and rank stamps)")
row("rank exits -> every next-attempt rank running", cols["total"])
row("  exit -> controller journals it (rank_exit)", cols["heard"])
row("  rank_exit -> every rank reaped (stop_end)", cols["reap"])
row("  stop_end -> next attempt_start", cols["relaunch"])
row("  attempt_start -> last ranks_started", cols["spawn"])
row("  last ranks_started -> last rank running", cols["exec"])
print("  (journal timestamps have 1 ms resolution; parts may be off by 1 ms)")
s0, rs, r0 = first("attempt_start", attempt=0), first("run_start"), last_running(0)
if s0 and rs and r0:
    print(f"cold start of the same {world} ranks: attempt_start -> last rank running {r0 - t(s0):.1f} ms; "
          f"run_start (agents not yet started) -> last rank running {r0 - t(rs):.1f} ms")
    print(f"ratio: median reaction / cold attempt start = {q(cols['total'], .5) / max(r0 - t(s0), 1.0):.2f}; "
          f"target: median reaction <= 200 ms")
PY
