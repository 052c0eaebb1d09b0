# Signals to endure run are forwarded to every rank, the job stops, and
# endure exits 128+N; a second SIGINT kills at once.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
start_endure --nproc-per-node 2 -- "$FAKE" --steps 400 --step-ms 50
wait_for logs_say 2 "attempt 0 starting"
kill -TERM "$PID"
wait_endure
expect_rc 143
[ -e "$FAKE_MARKERS/term-0-15" ] && [ -e "$FAKE_MARKERS/term-1-15" ] || fail "TERM not forwarded to both ranks"
expect_count 1 signal signal=15
check_no_leftovers
start_endure --nproc-per-node 2 -- "$FAKE" --steps 400 --step-ms 50
wait_for logs_say 2 "attempt 0 starting"
kill -USR1 "$PID"
wait_endure
expect_rc 138
[ -e "$FAKE_MARKERS/term-1-10" ] || fail "USR1 not forwarded"
check_no_leftovers
# ranks that ignore INT: the first INT waits for the grace period, the second kills at once
start_endure --nproc-per-node 2 --stop-timeout 60s -- "$FAKE" --steps 4000 --step-ms 50 --ignore-int
wait_for logs_say 2 "attempt 0 starting"
kill -INT "$PID"
wait_for has_event stop_begin
sleep 0.5
kill -0 "$PID" || fail "endure ended before the grace period on the first INT"
kill -INT "$PID"
wait_endure
expect_rc 130
[ "$(field node_stopped ms)" -lt 30000 ] || fail "second INT did not kill at once"
check_no_leftovers
# a custom --forward-signals set is accepted
run_endure --forward-signals TERM,usr2 -- "$FAKE" --steps 1
expect_rc 0
check_no_leftovers
