# An agent whose rule set takes longer to load than --heartbeat-timeout (a
# test hook delays the load on the agent's worker thread, as a loaded node
# or a large learned file would) keeps heartbeating meanwhile: no node is
# lost, the ranks start once the rules are ready, and --startup-timeout
# counts from their start, not from the start message. A stop that arrives
# while the rules load ends the attempt with nothing spawned; an agent that
# has not started its ranks within --startup-timeout and --agent-timeout
# (the longer of the two) of the start is lost.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
# (the first progress comes 2 s after the ranks start: 3.5 s after the start
# message, past --startup-timeout had it counted from there)
export ENDURE_TEST_RULES_DELAY_MS=1500
# (the ranks also print where their agent's stdin points: /dev/null, as the
# agent set it, untouched while the rules loaded; its loop once polled the
# not yet set pipes, fd 0, of the ranks to be, so that it read and closed
# its stdin and then, fd 0 reused, the rules directory the worker listed)
run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 1 --heartbeat-timeout 1s --startup-timeout 3s \
    --max-restarts 0 -- /bin/sh -c 'echo "agent stdin $(readlink /proc/$PPID/fd/0)"; sleep 2; echo "step 1 loss 1.0"; echo "step 2 loss 0.5"'
expect_rc 0
for n in n1/rank-0 n2/rank-1; do
    grep -qx "agent stdin /dev/null" "$RUN/attempt-0/$n.log" || fail "$n: its agent's stdin: $(grep stdin "$RUN/attempt-0/$n.log")"
done
expect_count 0 node_lost
expect_count 0 hang
expect_count 1 attempt_start
expect_count 2 ranks_started
grep -q "step 2" "$RUN/attempt-0/n2/rank-1.log" || fail "the ranks did not run to the end"
check_no_leftovers
# SIGTERM while the rules load: the stop ends the attempt, no rank was spawned
export ENDURE_TEST_RULES_DELAY_MS=3000
start_endure --nodes n1 --nnodes 1 --nproc-per-node 2 --heartbeat-timeout 1s -- "$FAKE" --steps 40 --step-ms 100
wait_for has_event attempt_start
kill -TERM "$PID"
wait_endure
expect_rc 143
expect_count 0 ranks_started
expect_count 0 node_lost
[ -e "$RUN/attempt-0/n1/rank-0.log" ] && fail "a rank was spawned after the stop"
check_no_leftovers
# ranks not started within --startup-timeout and --agent-timeout: the node is lost (as is the spare)
run_endure --nodes n1,n2 --nnodes 1 --nproc-per-node 1 --startup-timeout 1s --agent-timeout 1s --restart-backoff 0 -- \
    "$FAKE" --steps 5 --step-ms 100
expect_rc 4
expect_count 1 node_lost node=n1 "reason=its agent did not start the ranks within --startup-timeout and --agent-timeout"
expect_count 0 ranks_started
check_no_leftovers
echo ok
