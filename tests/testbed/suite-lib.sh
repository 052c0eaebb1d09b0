# suite-lib.sh: shared pieces of the real-engine suites (tests/suites/slurm.sh,
# tests/suites/ssh.sh); sourced, not a test. A suite brings its bed up once,
# runs cases with run_case (each in a subshell: `fail` ends the case only) and
# prints "PASS <suite>:<case>" or "FAIL <suite>:<case> (reason)".
# Env: ENDURE (the binary), ENDURE_SRC (the repository root), both set by
# tests/run.sh; /usr/bin/python3 has torch.
set -u
ENDURE_SRC=${ENDURE_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
ENDURE=${ENDURE:-$ENDURE_SRC/build/endure}
export ENDURE_SRC ENDURE
TB="$ENDURE_SRC/tests/testbed"
export PYTHON_EXEC=/usr/bin/python3
TORCH_PY=$PYTHON_EXEC
DDP="$ENDURE_SRC/tests/torch/ddp_train.py"
EVENTS_PY="$ENDURE_SRC/tests/e2e/events.py"
# the suite's scratch space: on the shared filesystem every host sees
T=$(mktemp -d /tmp/endure-suite.XXXXXX)
chmod 755 "$T"
LOGS="$T/logs"
SUITE_LOG="$T/suite.log"
export ENDURE_TEST_TAG="suite-$$-$RANDOM"

fail() { echo "$*" >"$T/reason"; echo "case failed: $*" >&2; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/../ranklog.sh"

# run_case NAME FUNC: runs FUNC in a subshell, its output in the suite log
run_case() {
    local name=$1 fn=$2
    rm -f "$T/reason"
    echo "=== $SUITE:$name" >>"$SUITE_LOG"
    if ( set -e; "$fn" ) >>"$SUITE_LOG" 2>&1; then
        echo "PASS $SUITE:$name"
    else
        echo "FAIL $SUITE:$name ($(cat "$T/reason" 2>/dev/null || echo "exited non-zero; see log"))"
        FAILED=1
    fi
}
# fail_all REASON: every case of the suite fails with REASON (a bed that
# cannot come up is a failure, not a skip: CI installs the packages)
fail_all() {
    local c
    for c in "${CASES[@]}"; do echo "FAIL $SUITE:$c ($1)"; done
}

# a fresh run id per case; the counter keeps two cases that drew the same
# $RANDOM from sharing one (the second would resume the first)
RUN_SEQ=0
new_run() {
    RUN_SEQ=$((RUN_SEQ + 1))
    RUN_ID=r$$x${RANDOM}n$RUN_SEQ
    RUN="$LOGS/$RUN_ID"
    OUT="$T/out.$RUN_ID"
    ERR="$T/err.$RUN_ID"
}
ULOGS="$T/usage-logs"
new_usage_run() { new_run; rm -rf "$ULOGS"; }
count() { /usr/bin/python3 "$EVENTS_PY" "$RUN/events.jsonl" count "$@"; }
field() { /usr/bin/python3 "$EVENTS_PY" "$RUN/events.jsonl" field "$@"; }
# expect_own_detection NODE: the node was lost by endure's own watch (its
# connection, its heartbeats, or its srun/ssh ending at once), not after
# Slurm declared the node dead (srun exits only then: 13-21 s)
expect_own_detection() {
    local why
    why=$(field node_lost reason node="$1")
    case "$why" in
        *"connection closed"*|*"connection broke"*|*"no heartbeat"*) ;;
        *"its ssh exited"*) [ "${2:-}" = ssh ] || fail "node $1 lost by its transport ending: '$why'" ;;
        *) fail "node $1 lost for '$why', not by endure's own watch" ;;
    esac
}
has_event() { [ -f "$RUN/events.jsonl" ] && [ "$(count "$@")" -ge 1 ]; }
expect_count() { # expect_count N EVENT [key=value ...]
    local want=$1 got; shift
    got=$(count "$@" 2>/dev/null || echo none)
    [ "$got" = "$want" ] || { tail -n 40 "$RUN/events.jsonl" 2>/dev/null | cut -c1-300 >&2; fail "expected $want event(s) $*, got $got"; }
}
expect_rc() {
    [ "$RC" -eq "$1" ] || { echo "--- stderr:" >&2; tail -n 30 "$ERR" >&2; fail "exit code $RC, expected $1 (stderr: $(tail -n 1 "$ERR" | cut -c1-160))"; }
}
# wait_for SECS CMD...: retries CMD every 0.2 s for up to SECS seconds
wait_for() {
    local secs=$1 i; shift
    for ((i = 0; i < secs * 5; i++)); do "$@" && return 0; sleep 0.2; done
    fail "timed out after ${secs}s waiting for: $*"
}
# wait_running SECS CMD...: like wait_for, while the run ($PID) is alive
wait_running() {
    local secs=$1 i; shift
    for ((i = 0; i < secs * 5; i++)); do
        "$@" && return 0
        kill -0 "$PID" 2>/dev/null || { wait_pid 1 "$PID"; fail "the run ended (exit $RC) before: $* (stderr: $(tail -n 1 "$ERR" | cut -c1-160))"; }
        sleep 0.2
    done
    fail "timed out after ${secs}s waiting for: $*"
}
# wait_pid SECS PID: waits for a child, sets RC; kills it after SECS
wait_pid() {
    local secs=$1 pid=$2 i
    for ((i = 0; i < secs * 5; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && { kill -TERM "$pid"; sleep 2; kill -KILL "$pid" 2>/dev/null; }
    set +e; wait "$pid"; RC=$?; set -e
}
# one_line_usage_error: endure refused the input as bad usage (exit 2, one
# line on stderr, nothing on stdout) and created no run directory under
# $ULOGS (the --log-dir of such runs; emptied by new_usage_run)
one_line_usage_error() {
    [ "$RC" = 2 ] || fail "exit code $RC, expected 2 (stderr: $(head -c 300 "$ERR"))"
    [ "$(wc -l <"$ERR")" = 1 ] || fail "expected one line on stderr, got $(wc -l <"$ERR"): $(head -c 300 "$ERR")"
    [ ! -s "$OUT" ] || fail "unexpected stdout: $(head -c 200 "$OUT")"
    [ -z "$(ls -A "$ULOGS" 2>/dev/null)" ] || fail "a run directory was created: $(ls "$ULOGS")"
}

# expect_checksum FILE WORLD STEPS: FILE (rank 0's) matches the one-process
# reference of the same training
expect_checksum() {
    local got=$1 world=$2 steps=$3 ref="$T/reference.$2.$3"
    [ -s "$got" ] || fail "no checksum file $got"
    [ -s "$ref" ] || "$TORCH_PY" "$DDP" --reference "$world" --steps "$steps" --out "$ref" ||
        fail "reference computation failed"
    "$TORCH_PY" - "$got" "$ref" <<'PY' || fail "checksum mismatch: $(cat "$got") vs reference $(cat "$ref")"
import sys
got, ref = (open(p).read().split() for p in sys.argv[1:3])
assert got[2:] == ref[2:], (got, ref)
a, b = float(got[1]), float(ref[1])
assert abs(a - b) <= 1e-5 * max(1.0, abs(b)), (a, b)
PY
}

# node_of_rank ATTEMPT RANK: the node directory that holds the rank's log
node_of_rank() {
    local f
    f=$(ls "$RUN/attempt-$1"/*/"rank-$2.log" 2>/dev/null | head -n 1)
    [ -n "$f" ] && basename "$(dirname "$f")"
}
# master_of ATTEMPT: MASTER_ADDR that rank 0 of the attempt printed
master_of() {
    sed -n 's/^rank 0\/[0-9]* .* master \([^:]*\):.*/\1/p' "$RUN/attempt-$1"/*/rank-0.log 2>/dev/null | head -n 1
}

# host_job_procs HOST: endure or python processes inside netns host HOST
# (args as `ps` there shows them); empty when none
host_job_procs() {
    "$TB/netns-node.sh" exec "$1" ps -eo pid=,args= 2>/dev/null |
        grep -E '(^|/)endure( |$)|python|ddp_train|ckpt_saver' | grep -v -E ' ps -eo|grep' || true
}
# head_job_procs: processes of this suite's runs on the head (tagged)
head_job_procs() {
    local p
    for p in $(grep -lsxz "ENDURE_TEST_TAG=$ENDURE_TEST_TAG" /proc/[0-9]*/environ | cut -d/ -f3); do
        [ "$p" = $$ ] || [ "$p" = "$BASHPID" ] && continue
        local comm
        comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue # gone meanwhile
        case "$comm" in ""|bash|sleep|timeout|cat|grep|ps|tr|cut) continue ;; esac
        echo "$p $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | cut -c1-120)"
    done
}
# no_job_procs SECS HOST...: waits up to SECS for every listed host and the
# head to hold no process of a run; fails naming what is left
no_job_procs() {
    local secs=$1 i h left; shift
    for ((i = 0; i < secs * 5; i++)); do
        left=$(head_job_procs; for h in "$@"; do host_job_procs "$h" | sed "s/^/$h: /"; done)
        [ -z "$left" ] && return 0
        sleep 0.2
    done
    fail "processes left after ${secs}s: $(echo "$left" | head -n 3 | tr '\n' ';' | cut -c1-300)"
}
# kill_job_procs HOST...: after a failed case, so the next one starts clean
kill_job_procs() {
    local h p
    for p in $(head_job_procs | cut -d' ' -f1); do kill -KILL "$p" 2>/dev/null; done
    for h in "$@"; do
        for p in $(host_job_procs "$h" | awk '{print $1}'); do
            "$TB/netns-node.sh" exec "$h" kill -KILL "$p" 2>/dev/null
        done
    done
    return 0
}
