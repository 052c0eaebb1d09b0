# lib.sh: shared helpers of the end-to-end tests (sourced, not a test).
# Every test gets a scratch dir, a unique tag in the environment of every
# process it starts (so that leftovers can be found), and checks at exit that
# none of its processes is left (no orphans, no zombies).
set -u
: "${ENDURE:?run through tests/run.sh}"
BUILD_DIR=${ENDURE_TEST_BUILD:-$(dirname "$ENDURE")}
FAKE="$BUILD_DIR/tests/fake_trainer"
EVENTS_PY="$ENDURE_SRC/tests/e2e/events.py"
T=$(mktemp -d /tmp/endure-e2e.XXXXXX)
export ENDURE_TEST_TAG="e2e-$$-$RANDOM"
export PYTHON_EXEC=/usr/bin/python3
export FAKE_MARKERS="$T/markers"
# a trainer run without --ckpt-dir saves to endure_ckpt's fallback directory
# (./checkpoints): never into the source tree, never shared between tests
export ENDURE_CKPT_FALLBACK_DIR="$T/fallback-ckpt"
mkdir -p "$FAKE_MARKERS"
LOGS="$T/logs"

fail() { echo "FAIL: $*" >&2; exit 1; }

# Processes (other than this shell and its helpers) carrying our tag. One
# grep reads every environment (a tr and a grep per process made the
# leftover checks a sixth of an end-to-end test's CPU).
tagged_pids() {
    local f p comm
    for f in $(grep -lsxz "ENDURE_TEST_TAG=$ENDURE_TEST_TAG" /proc/[0-9]*/environ); do
        p=${f#/proc/}
        p=${p%/environ}
        [ "$p" = "$$" ] && continue
        [ "$p" = "$BASHPID" ] && continue
        # gone since (the command substitution's own subshell is); the
        # subshells of this test script itself
        read -r comm 2>/dev/null < "/proc/$p/comm" || continue
        case "$comm" in bash|tr|grep|cat|sleep|timeout) continue ;; esac
        echo "$p"
    done
}

zombies_of_us() {
    ps -o pid=,ppid=,stat= -e | awk -v me=$$ '$2 == me && $3 ~ /^Z/ {print $1}'
}

# Waits up to $1 seconds (default 5) for every tagged process to be gone.
check_no_leftovers() {
    local limit=${1:-5} i left
    for ((i = 0; i < limit * 10; i++)); do
        left=$(tagged_pids)
        [ -z "$left" ] && break
        sleep 0.1
    done
    if [ -n "$left" ]; then
        ps -o pid,ppid,stat,cmd -p $(echo $left | tr ' ' ',') >&2 || true
        kill -9 $left 2>/dev/null
        fail "processes left behind: $left"
    fi
    [ -z "$(zombies_of_us)" ] || fail "zombies left: $(zombies_of_us)"
}

cleanup() {
    local left id
    left=$(tagged_pids)
    [ -n "$left" ] && kill -9 $left 2>/dev/null
    # node stages of this test's runs (a killed agent leaves its stage in
    # /dev/shm by design: it may hold the only copy of a checkpoint)
    for id in $(cat "$T/run-ids" 2>/dev/null); do rm -rf /dev/shm/endure-"$id"-*; done
    rm -rf "$T"
}
trap cleanup EXIT

# new_run: picks the run id (RUN_ID if set, else a fresh one) and sets
# RUN, OUT and ERR; the id is recorded for cleanup. A fresh id carries a
# counter: two runs of one test that drew the same $RANDOM shared an id, and
# the second one resumed the first (attempt-1, not attempt-0).
RUN_SEQ=0
new_run() {
    RUN_SEQ=$((RUN_SEQ + 1))
    RUN_ID=${RUN_ID:-r$$x${RANDOM}n$RUN_SEQ}
    echo "$RUN_ID" >>"$T/run-ids"
    RUN="$LOGS/$RUN_ID"
    OUT="$T/out.$RUN_ID"
    ERR="$T/err.$RUN_ID"
}

# run_endure ARGS...: runs endure run with a log dir in the scratch space and
# a fixed run id; sets RC, and OUT/ERR files; RUN is the run directory.
run_endure() {
    new_run
    set +e
    "$ENDURE" run --log-dir "$LOGS" --rdzv-id "$RUN_ID" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    set -e
    unset RUN_ID
}

expect_rc() {
    [ "$RC" -eq "$1" ] || { echo "--- stderr:" >&2; tail -n 30 "$ERR" >&2; fail "exit code $RC, expected $1"; }
}

# count EVENT [key=value ...]: how many events match, in this run's journal
count() { /usr/bin/python3 "$EVENTS_PY" "$RUN/events.jsonl" count "$@"; }
expect_count() { # expect_count N EVENT [key=value ...]
    local want=$1; shift
    local got; got=$(count "$@")
    if [ "$got" != "$want" ]; then
        cut -c1-300 "$RUN/events.jsonl" | grep -v '"run_start"' | tail -n 60 >&2
        fail "expected $want event(s) $*, got $got"
    fi
}
field() { /usr/bin/python3 "$EVENTS_PY" "$RUN/events.jsonl" field "$@"; }

# expect_saves STEP...: the run's last save (the last STEP) completed, and
# every other completed or was dropped as superseded (the trainer never waits
# for a persist: when a rank saves again while its two stage slots are still
# being persisted, the older save is skipped; on a loaded machine that can be
# any intermediate one, so a test may not count on every save completing)
expect_saves() {
    local bad; bad=$(/usr/bin/python3 "$EVENTS_PY" "$RUN/events.jsonl" saves "$@")
    if [ -n "$bad" ]; then
        grep -E '"ckpt_(staged|persisted|dropped|persist_failed|complete)"' "$RUN/events.jsonl" | cut -c1-300 >&2
        fail "saves of steps $*: $bad"
    fi
}

# agent_pid NODE: the pid of this test's agent for NODE (empty if none)
agent_pid() {
    local p
    for p in $(pgrep -f "endure agent --connect [^ ]* --node $1( |$)"); do
        if grep -qsxz "ENDURE_TEST_TAG=$ENDURE_TEST_TAG" "/proc/$p/environ"; then
            echo "$p"; return
        fi
    done
}

# start_endure ARGS...: like run_endure, in the background (PID); wait_endure
# then sets RC.
start_endure() {
    new_run
    "$ENDURE" run --log-dir "$LOGS" --rdzv-id "$RUN_ID" "$@" >"$OUT" 2>"$ERR" &
    PID=$!
    unset RUN_ID
}
wait_endure() { set +e; wait "$PID"; RC=$?; set -e; }

# wait_for CMD...: retries CMD for up to 20 s
wait_for() {
    local i
    for i in $(seq 1 200); do "$@" && return 0; sleep 0.1; done
    fail "timed out waiting for: $*"
}
has_event() { [ -f "$RUN/events.jsonl" ] && [ "$(count "$@")" -ge 1 ]; }
source "$ENDURE_SRC/tests/ranklog.sh"

# logs_say N PATTERN: at least N rank logs of the run hold PATTERN (for
# example the fake trainer's "starting" line, printed once its signal
# handlers are in place: a signal sent earlier kills the rank by default)
logs_say() {
    [ "$(grep -lE "$2" "$RUN"/attempt-*/*/rank-*.log 2>/dev/null | wc -l)" -ge "$1" ]
}

# dead_stage: leaves a dead run's node stage on n1 (its agent SIGKILLed
# while the ranks checkpoint; the spare n2 finishes the job) and sets STAGE
# to its path; ERR and RUN are that run's.
dead_stage() {
    start_endure --nodes n1,n2 --nnodes 1 --heartbeat-timeout 2s --restart-backoff 0 --ckpt-dir "$T/ck" -- \
        /usr/bin/python3 "$ENDURE_SRC/tests/e2e/ckpt_saver.py" --size 65536 --steps 60 --every 2
    wait_for has_event ckpt_staged node=n1
    kill -9 "$(agent_pid n1)"
    wait_endure
    expect_rc 0
    STAGE=$(ls -d /dev/shm/endure-"$(basename "$RUN")"-*n1 2>/dev/null | head -n 1)
    [ -n "$STAGE" ] && [ -d "$STAGE" ] || fail "the killed agent's stage is not where expected"
}
