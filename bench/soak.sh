#!/bin/bash
# soak.sh: weeks compressed into minutes. One `endure run` of 4 local ranks
# on 4 of 6 nodes (bench/soak_rank.py) that fails ATTEMPTS times, each
# attempt a different kind (crash, signal, hang, agent loss, checkpoint
# corruption), with checkpoints (--verify full, --keep 3), log rotation
# (--log-max-size 64K, --log-keep 2M) and nodes coming back
# (--exclude-for 2s), then completes. Every EVERY attempts it prints the
# controller's and the agents' RSS, open fds and threads, the journal's
# bytes, the rank logs' bytes and the other files' bytes of the run directory
# (endure status --json's disk figures), the checkpoint store's bytes and the
# endure entries in /dev/shm. After warm-up these must stay flat: no leak
# of any kind. With SOAK_ASSERT=1 (the short version in make test) it exits
# 1 when fds (by more than one), threads or /dev/shm entries grew between
# the first and the last sample, when RSS more than doubled (+ 8 MiB), or
# when the run failed.
#   ATTEMPTS=300 EVERY=100 BUILD=build bench/soak.sh
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ENDURE=${ENDURE:-$PWD/$BUILD/endure}
ATTEMPTS=${ATTEMPTS:-300}
EVERY=${EVERY:-100}
[ -x "$ENDURE" ] || { echo "build first: make BUILD=$BUILD" >&2; exit 2; }
DIR=$(mktemp -d "${BENCH_DIR:-/tmp}/endure-soak.XXXXXX")
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$DIR" /dev/shm/endure-soak-$$-*' EXIT
export ENDURE_SRC=$PWD PYTHON_EXEC=/usr/bin/python3
# this run's entries only (its stages are named endure-<run id>-...): the
# tests of `make test` run side by side, and theirs come and go meanwhile
shm() { ls /dev/shm 2>/dev/null | grep -c "^endure-soak-$$-" ; }
shm0=$(shm)
"$ENDURE" run --log-dir "$DIR/logs" --rdzv-id "soak-$$" --nodes n1,n2,n3,n4,n5,n6 --nnodes 4 --ckpt-dir "$DIR/ck" \
    --verify full --keep 3 --restart-backoff 0 --max-restarts $((ATTEMPTS + 10)) --hang-timeout 2s \
    --hang-dump-timeout 1s --heartbeat-timeout 2s --exclude-for 2s --exclude-max 100000 --health off \
    --log-max-size 64K --log-keep 2M --monitor-interval 50ms --stop-timeout 2s \
    "$PWD/bench/soak_rank.py" "$ATTEMPTS" >/dev/null 2>"$DIR/err" &
PID=$!
RUN="$DIR/logs/soak-$$"
attempts() { local n; n=$(grep -c '"event":"attempt_start"' "$RUN/events.jsonl" 2>/dev/null); echo "${n:-0}"; }
status_of() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null; }
fds_of() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
# the fewest of 5 reads 50 ms apart: a connection or pipe open for a moment
# (an agent joining, a child starting) is not a leak; a leak is in all five
min5() {
    local i v m=
    for i in 1 2 3 4 5; do
        v=$("$@") && [ -n "$v" ] || return 0
        if [ -z "$m" ] || [ "$v" -lt "$m" ]; then m=$v; fi
        sleep 0.05
    done
    echo "$m"
}
agents() { pgrep -P "$PID" -f 'endure agent' 2>/dev/null; }
sample() { # one line: attempt, controller, agents (sums), files; nothing when the controller is ending
    local a=$1 arss=0 afd=0 ath=0 p rss fds thr
    rss=$(status_of $PID VmRSS) fds=$(min5 fds_of $PID) thr=$(min5 status_of $PID Threads)
    [ -n "$rss" ] && [ -n "$fds" ] && [ -n "$thr" ] && [ "$fds" -gt 0 ] || return 0
    ls -l "/proc/$PID/fd" 2>/dev/null | awk 'NR > 1 {print $9, $10, $11}' >"$DIR/fds.$a" # for a failure's report
    for p in $(agents); do
        arss=$((arss + $(status_of "$p" VmRSS || echo 0)))
        afd=$((afd + $(fds_of "$p")))
        ath=$((ath + $(status_of "$p" Threads || echo 0)))
    done
    # endure status: apparent bytes of the rank logs, of the other files of
    # the run directory (failure.json, stacks) and of the store
    local disk
    disk=$("$ENDURE" status --json "$RUN" 2>/dev/null | /usr/bin/python3 -c \
        'import json,sys; d=json.load(sys.stdin)["disk"]; print(d["logs_bytes"], d["other_bytes"], d["ckpt_bytes"])')
    set -- $disk
    printf '%6d %9s %5s %4s %9s %5s %4s %9s %11s %9s %11s %4s\n' "$a" "$rss" "$fds" "$thr" "$arss" "$afd" "$ath" \
        "$(stat -c %s "$RUN/events.jsonl" 2>/dev/null)" "${1:-?}" "${2:-?}" "${3:-?}" "$(($(shm) - shm0))"
}
printf '%6s %9s %5s %4s %9s %5s %4s %9s %11s %9s %11s %4s\n' attempt ctl_kB fds thr agents_kB fds thr journal_B \
    logs_B other_B store_B shm | tee "$DIR/samples"
next=$EVERY
while kill -0 "$PID" 2>/dev/null; do
    a=$(attempts)
    if [ "$a" -ge "$next" ]; then
        sample "$a" | tee -a "$DIR/samples"
        next=$((next + EVERY))
    fi
    sleep 0.2
done
wait "$PID"
rc=$?
echo "run ended with exit $rc after $(attempts) attempts; /dev/shm endure entries left: $(($(shm) - shm0))"
[ -z "${SOAK_ASSERT:-}" ] && exit 0
[ "$rc" = 0 ] || { echo "FAIL: the soak run failed (exit $rc): $(tail -n 3 "$DIR/err")"; exit 1; }
# a killed agent's stage stays by design (it may hold the only copy of a
# checkpoint; the summary and the journal's stage_left name it): any other is a leak
left=$(($(shm) - shm0)) named=$(grep -c '"event":"stage_left"' "$RUN/events.jsonl")
[ "$left" -le "$named" ] || { echo "FAIL: $left /dev/shm entries left, $named named by stage_left"; exit 1; }
/usr/bin/python3 - "$DIR/samples" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()[1:] if l.strip()]
if len(rows) < 2:
    sys.exit("FAIL: fewer than two samples")
first, last = [list(map(int, r)) for r in (rows[0], rows[-1])]
bad = []
# one fd of slack: a connection can outlive five reads 50 ms apart (an agent
# rejoining); a leak grows with the attempts and shows over a longer soak
if last[2] > first[2] + 1: bad.append("controller fds %d -> %d" % (first[2], last[2]))
if last[3] > first[3]: bad.append("controller threads %d -> %d" % (first[3], last[3]))
if last[1] > 2 * first[1] + 8192: bad.append("controller RSS %d -> %d kB" % (first[1], last[1]))
if bad:
    import os
    d = os.path.dirname(sys.argv[1])
    first_fds = set(open(os.path.join(d, "fds.%d" % first[0])).read().splitlines())
    last_fds = set(open(os.path.join(d, "fds.%d" % last[0])).read().splitlines())
    sys.exit("FAIL: " + "; ".join(bad) + "; fds only at the end: %s" % sorted(last_fds - first_fds))
print("soak: flat (controller fds %d, threads %d, RSS %d -> %d kB)" % (last[2], last[3], first[1], last[1]))
PY
