#!/bin/bash
# scale.sh: the controller with many agents. For each size in SIZES (default
# "256 1024") and each rule set in RULES (default "default tiny": the shipped
# rule base, or --no-default-rules with a one-rule file), one local job of
# that many nodes x 1 rank, the rank `sh -c 'echo bench step 1; exec sleep ...'`
# (--no-python; the line is progress, so repeated kills are no crash loop), with
# --restart-backoff 0. Figures, from the journal (events.jsonl, ms
# timestamps written by the controller) and /proc:
#   connect    run_start -> the last agent_connected
#   cold start attempt 0's attempt_start -> its last ranks_started (each
#              agent compiles its rule set on its first start message)
#   CPU        the controller's CPU over CPU_S seconds (default 10) at
#              steady heartbeats, % of one core; and all agents' together
#   RSS        the controller's VmRSS/VmHWM, an agent's median VmRSS
#   failure    FAILS times (default 3): one rank (the middle node's) is
#              KILLed; the kill's wall clock -> the last node_stopped (every
#              rank of every node stopped; goal <= 1 s), -> stop_end, ->
#              the next attempt's last ranks_started (all running again)
#   shutdown   SIGTERM to the controller -> it has exited (every agent gone)
# Medians where repeated. Prints figures, asserts nothing. Every process it
# started is gone when it exits (also on Ctrl-C): whatever carries its
# marker in its environment is KILLed at the end.
# KEEP=1 keeps the run directories (printed at the end).
#   SIZES="256 1024" RULES="default tiny" FAILS=3 BUILD=build bench/scale.sh
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ENDURE=${ENDURE:-$PWD/$BUILD/endure}
SIZES=${SIZES:-256 1024}
RULES=${RULES:-default tiny}
FAILS=${FAILS:-3}
CPU_S=${CPU_S:-10}
HB=${HB:-10s}     # --heartbeat-timeout (agents send one every HB/4)
WAIT_S=${WAIT_S:-900} # how long one phase (all connected, all restarted) may take
[ -x "$ENDURE" ] || { echo "build first: make BUILD=$BUILD" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null
DIR=$(mktemp -d "${BENCH_DIR:-/tmp}/endure-bench-scale.XXXXXX")
export ENDURE_BENCH_SCALE="$DIR" # the marker: every process we start inherits it
CTL=

# KILLs every process carrying our marker (agents and ranks inherit the
# controller's environment), until none is left.
kill_marked() {
    local i f p left
    for i in 1 2 3 4 5 6 7 8 9 10; do
        left=0
        for f in $(grep -lzxF "ENDURE_BENCH_SCALE=$DIR" /proc/[0-9]*/environ 2>/dev/null); do
            p=${f#/proc/}; p=${p%/environ}
            [ "$p" = $$ ] || { kill -KILL "$p" 2>/dev/null && left=1; }
        done
        [ "$left" = 0 ] && return 0
        sleep 0.2
    done
    echo "warning: processes with ENDURE_BENCH_SCALE=$DIR survived" >&2
}
cleanup() {
    trap - EXIT INT TERM
    if [ -n "$CTL" ] && kill -0 "$CTL" 2>/dev/null; then
        kill -TERM "$CTL" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$CTL" 2>/dev/null || break; sleep 0.1; done
    fi
    kill_marked
    if [ -n "${KEEP:-}" ]; then echo "kept: $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$DIR/tiny.yaml" <<'EOF'
# scale.sh: one rule (its ranks' progress line), to time agents without
# the shipped rule base.
- id: bench.step
  category: progress
  type: progress
  role: progress
  action: ignore
  priority: -90
  match: 'bench step (?<step>\d+)'
  explain: 'The benchmark rank started.'
  examples:
    - 'bench step 1'
EOF

cat >"$DIR/h.py" <<'PY'
import json, statistics, sys
from datetime import datetime, timezone

def evs(path):
    out = []
    for l in open(path):
        try:
            out.append(json.loads(l))
        except ValueError:
            pass  # a line being written
    return out
def t(e):
    d = datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return d.timestamp() * 1000.0
def started(E, a):
    return {e["node"]: e for e in E if e["event"] == "ranks_started" and e.get("attempt") == a}

cmd, path = sys.argv[1], sys.argv[2]
E = evs(path)
if cmd == "started":  # nodes whose ranks of attempt A run
    print(len(started(E, int(sys.argv[3]))))
elif cmd == "attempt":  # the latest attempt started
    print(max([e["attempt"] for e in E if e["event"] == "attempt_start"], default=-1))
elif cmd == "pid":  # the pid of node NODE's rank in attempt A
    print(started(E, int(sys.argv[3]))[sys.argv[4]]["pids"][0])
elif cmd == "report":
    n, kills = int(sys.argv[3]), [tuple(map(float, x.split(":"))) for x in sys.argv[4:]]
    def last(name, **kw):
        ts = [t(e) for e in E if e["event"] == name and all(e.get(k) == v for k, v in kw.items())]
        return max(ts) if ts else None
    def first(name, **kw):
        ts = [t(e) for e in E if e["event"] == name and all(e.get(k) == v for k, v in kw.items())]
        return min(ts) if ts else None
    rs, lc = first("run_start"), last("agent_connected")
    nc = sum(1 for e in E if e["event"] == "agent_connected")
    print(f"  connect: run_start -> last agent_connected ({nc}/{n}): {lc - rs:.0f} ms")
    s0 = first("attempt_start", attempt=0)
    print(f"  cold start: attempt 0 attempt_start -> last ranks_started: {last('ranks_started', attempt=0) - s0:.0f} ms")
    cols = {k: [] for k in ("heard", "stopped", "stop_end", "relaunch", "running")}
    for a, kill_ms in kills:
        a = int(a)
        ex, ls, se = first("rank_exit", attempt=a), last("node_stopped", attempt=a), first("stop_end", attempt=a)
        nxt, lr = first("attempt_start", attempt=a + 1), last("ranks_started", attempt=a + 1)
        if None in (ex, ls, se, nxt, lr) or len(started(E, a + 1)) != n:
            print(f"  attempt {a}: incomplete failure -> restart sequence in the journal")
            continue
        cols["heard"].append(ex - kill_ms)
        cols["stopped"].append(ls - kill_ms)
        cols["stop_end"].append(se - kill_ms)
        cols["relaunch"].append(nxt - kill_ms)
        cols["running"].append(lr - kill_ms)
    if cols["running"]:
        m = {k: statistics.median(v) for k, v in cols.items()}
        k = len(cols["running"])
        print(f"  failure ({k} kills, medians from the kill): rank_exit journaled {m['heard']:.0f} ms, "
              f"every rank stopped (last node_stopped) {m['stopped']:.0f} ms, stop_end {m['stop_end']:.0f} ms,")
        print(f"    next attempt_start {m['relaunch']:.0f} ms, all running again (last ranks_started) "
              f"{m['running']:.0f} ms   [stopped: {' '.join('%.0f' % x for x in cols['stopped'])}; "
              f"running: {' '.join('%.0f' % x for x in cols['running'])}]")
PY
h() { /usr/bin/python3 "$DIR/h.py" "$@"; }
now_ms() { date +%s%3N; }
# cputicks PID: utime+stime of PID in clock ticks
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
systicks() { awk '{print $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null; }
# wait_for CMD...: until CMD succeeds or WAIT_S passes (the controller alive)
wait_for() {
    local end=$(($(date +%s) + WAIT_S))
    until "$@"; do
        kill -0 "$CTL" 2>/dev/null || { echo "  endure exited early: $(tail -n 3 "$RUN/err")" >&2; return 1; }
        [ "$(date +%s)" -lt "$end" ] || { echo "  gave up waiting after ${WAIT_S}s" >&2; return 1; }
        sleep 0.5
    done
}
all_started() { [ "$(h started "$EV" "$1")" = "$N" ]; }

one() { # N RULESET
    N=$1
    local rules=() tag=n$1-$2
    [ "$2" = tiny ] && rules=(--no-default-rules --rules "$DIR/tiny.yaml")
    RUN=$DIR/$tag
    mkdir -p "$RUN"
    EV=$RUN/r/events.jsonl
    echo "== $N agents x 1 rank, rules: $2 =="
    "$ENDURE" run --log-dir "$RUN" --rdzv-id r --nnodes "$N" --nproc-per-node 1 --no-python "${rules[@]}" \
        --heartbeat-timeout "$HB" --restart-backoff 0 --max-restarts $((FAILS + 1)) --agent-timeout 30m --startup-timeout 2h \
        --stop-timeout 5s --progress-regex 'bench step \d+' \
        -- sh -c 'echo bench step 1; exec sleep 1000000' </dev/null >/dev/null 2>"$RUN/err" &
    CTL=$!
    wait_for test -s "$EV" && wait_for all_started 0 || return 1
    sleep 2 # let the last hellos and starts settle
    local hz t0 a0 t1 a1 s0 s1 ag agents=()
    hz=$(getconf CLK_TCK)
    for ag in /proc/[0-9]*/stat; do
        ag=${ag#/proc/}; ag=${ag%/stat}
        [ "$(awk '{print $4}' "/proc/$ag/stat" 2>/dev/null)" = "$CTL" ] && agents+=("$ag")
    done
    t0=$(cputicks "$CTL"); s0=$(systicks "$CTL"); a0=0
    for ag in "${agents[@]}"; do a0=$((a0 + $(cputicks "$ag"))); done
    sleep "$CPU_S"
    t1=$(cputicks "$CTL"); s1=$(systicks "$CTL"); a1=0
    for ag in "${agents[@]}"; do a1=$((a1 + $(cputicks "$ag"))); done
    local rss
    rss=$(for ag in "${agents[@]}"; do kb "$ag" VmRSS; done | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
    awk -v c=$((t1 - t0)) -v k=$((s1 - s0)) -v a=$((a1 - a0)) -v hz="$hz" -v s="$CPU_S" -v na="${#agents[@]}" 'BEGIN {
        printf "  CPU at steady heartbeats over %ss: controller %.1f%% of one core (%.1f%% in the kernel); %d agents together %.1f%%\n",
               s, 100 * c / hz / s, 100 * k / hz / s, na, 100 * a / hz / s }'
    echo "  RSS: controller VmRSS $(kb "$CTL" VmRSS) kB (VmHWM $(kb "$CTL" VmHWM) kB); an agent (median) $rss kB"
    local kills=() i a pid k c0
    for i in $(seq 1 "$FAILS"); do
        a=$(h attempt "$EV")
        pid=$(h pid "$EV" "$a" "node$((N / 2))") || return 1
        c0=$(cputicks "$CTL")
        k=$(now_ms)
        kill -KILL "$pid"
        kills+=("$a:$k")
        wait_for all_started $((a + 1)) || return 1
        echo "  failure $i: controller CPU from the kill to all running again: $((($(cputicks "$CTL") - c0) * 1000 / hz)) ms"
        sleep 1
    done
    k=$(now_ms)
    kill -TERM "$CTL"
    wait "$CTL"
    echo "  shutdown: SIGTERM -> controller exited (every agent reaped): $(($(now_ms) - k)) ms"
    CTL=
    h report "$EV" "$N" "${kills[@]}"
    kill_marked
    [ -n "${KEEP:-}" ] || rm -rf "$RUN"
}

echo "scale: $(date -u +%F) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); endure $("$ENDURE" --version 2>/dev/null | head -n1)"
for n in $SIZES; do
    for r in $RULES; do
        one "$n" "$r" || echo "  (this case did not complete)"
    done
done
