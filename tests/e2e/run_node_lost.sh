# SIGKILL of one node's agent mid-run: its ranks die with it (PDEATHSIG), the
# node is lost and excluded for the rest of the run, and the job restarts on
# the spare. Without a spare, endure stops with exit code 4.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
start_endure --nodes n1,n2,n3 --nnodes 2 --nproc-per-node 2 --heartbeat-timeout 2s --restart-backoff 0 -- \
    "$FAKE" --steps 40 --step-ms 100
wait_for has_event ranks_started node=n2
victim=$(agent_pid n2)
[ -n "$victim" ] || fail "no agent for n2"
kill -9 "$victim"
wait_endure
expect_rc 0
expect_count 1 node_lost node=n2
expect_count 1 node_excluded node=n2
expect_count 1 failure kind=node_lost node=n2
[ "$(field attempt_start spares attempt=0)" = 1 ] || fail "n3 should be the spare of attempt 0"
[ -d "$RUN/attempt-0/n3" ] && fail "the spare ran in attempt 0 (active nodes must follow --nodes)"
[ -f "$RUN/attempt-1/n3/rank-2.log" ] || fail "the spare n3 did not take group rank 1"
[ -e "$RUN/attempt-1/n2" ] && fail "the excluded node was used again"
grep -q "step 40" "$RUN/attempt-1/n3/rank-3.log" || fail "spare did not finish"
check_no_leftovers
start_endure --nodes n1,n2 --nnodes 2 --heartbeat-timeout 2s --restart-backoff 0 -- "$FAKE" --steps 40 --step-ms 100
wait_for has_event ranks_started node=n1
kill -9 "$(agent_pid n1)"
wait_endure
expect_rc 4
grep -q "not enough healthy nodes" "$ERR" || fail "reason for exit 4"
check_no_leftovers
# an agent that stops answering (SIGSTOP) is lost after --heartbeat-timeout;
# with --nnodes 1:2 the job goes on with the one node left
start_endure --nodes n1,n2 --nnodes 1:2 --nproc-per-node 2 --heartbeat-timeout 3s --restart-backoff 0 -- \
    "$FAKE" --steps 30 --step-ms 100 --print-env
wait_for has_event ranks_started node=n2
kill -STOP "$(agent_pid n2)"
wait_endure
expect_rc 0
expect_count 1 node_lost node=n2 "reason=no heartbeat within --heartbeat-timeout"
grep -qx "env WORLD_SIZE=2" "$RUN/attempt-1/n1/rank-0.log" || fail "elastic attempt should have world size 2"
rank_log "$RUN/attempt-0/n1/rank-0.log" | grep -qx "env WORLD_SIZE=4" || fail "first attempt should have world size 4"
check_no_leftovers
