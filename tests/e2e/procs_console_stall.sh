# A console that nobody reads (stdout and stderr on a FIFO whose reader has
# stopped reading) must not wedge the controller or its agents: endure's own
# messages are written non-blocking like the ranks' output, and what the
# console does not take is dropped and counted, never waited for. The run
# restarts as it would with a reader, answers SIGTERM, and exits.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
FIFO="$T/console"
mkfifo "$FIFO"
# holds the FIFO open for reading and never reads
(exec 3<"$FIFO"; sleep 120) &
READER=$!
trap 'kill $READER 2>/dev/null; cleanup' EXIT

# wait_gone PID: up to 60 s for the process to exit
wait_gone() {
    local i
    for i in $(seq 1 600); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    ps -o pid,stat,wchan:20,cmd --ppid "$1" -p "$1" >&2 || true
    fail "endure is stuck (a stalled console must not block it)"
}

# 1. a flooding rank fails: the attempt is restarted, the run succeeds
new_run
"$ENDURE" run --log-dir "$LOGS" --rdzv-id "$RUN_ID" --nproc-per-node 2 --max-restarts 1 -- \
    "$FAKE" --steps 10 --step-ms 20 --flood 4000000 --fail 1@0 --at-step 3 >"$FIFO" 2>&1 &
PID=$!
unset RUN_ID
wait_gone "$PID"
wait_endure
[ "$RC" -eq 0 ] || { tail -n 20 "$RUN/events.jsonl" >&2; fail "exit code $RC, expected 0 (a restart)"; }
expect_count 1 ranks_started attempt=1
expect_count 0 node_lost
[ "$(count console_dropped)" -ge 1 ] || fail "the ranks' lost console lines are not counted"
check_no_leftovers 5

# 2. a hanging run on the stalled console still obeys SIGTERM
new_run
"$ENDURE" run --log-dir "$LOGS" --rdzv-id "$RUN_ID" --nproc-per-node 2 -- \
    "$FAKE" --steps 10 --step-ms 20 --flood 4000000 --hang -1 --at-step 2 >"$FIFO" 2>&1 &
PID=$!
unset RUN_ID
wait_for has_event ranks_started
wait_for logs_say 2 "starting"
kill -TERM "$PID"
wait_gone "$PID"
wait_endure
[ "$RC" -ne 0 ] || fail "a run stopped by SIGTERM exited 0"
expect_count 1 run_end
check_no_leftovers 5
