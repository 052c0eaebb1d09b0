# A grandchild that leaves its rank's session (setsid) and ignores TERM is
# found through /proc and KILLed after the grace: the stop does not wait
# for the kill timeout, nothing is reported unkillable, and nothing survives
# into the next attempt, nor the death of its agent or of the controller.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
# alive PID: the process exists and is not a zombie
alive() { [ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^Z'; }
grandchild_of() { rank_log "$1" 2>/dev/null | sed -n 's/^grandchild \([0-9]*\)$/\1/p' | head -n 1; }

# 1. a stop with a restart (the case of the issue)
run_endure --nproc-per-node 2 --max-restarts 1 --stop-timeout 1s -- \
    "$FAKE" --steps 20 --step-ms 100 --grandchild 0@0 --escape --ignore-term --fail 1@0 --at-step 5
expect_rc 0
[ -n "$(grandchild_of "$RUN/attempt-0/node0/rank-0.log")" ] || fail "no grandchild started"
[ "$(field node_stopped unreaped attempt=0)" = "[]" ] || fail "unreaped: $(field node_stopped unreaped attempt=0)"
grep -q "survived SIGKILL" "$ERR" && fail "the escaped grandchild was reported unkillable"
expect_count 1 ranks_started attempt=1
check_no_leftovers 3

# 2. SIGKILL of the controller: its agents stop everything before they go
start_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --heartbeat-timeout 2s -- \
    "$FAKE" --steps 4000 --step-ms 50 --ignore-term --grandchild 0 --escape
wait_for has_event ranks_started node=n2
wait_for logs_say 1 "^grandchild"
gc=$(grandchild_of "$RUN/attempt-0/n1/rank-0.log")
alive "$gc" || fail "the grandchild $gc is not running"
kill -9 "$PID"
wait "$PID" 2>/dev/null || true
check_no_leftovers 5

# 3. SIGKILL of one agent: what escaped from its ranks (now the
# controller's) is KILLed before the job restarts on the spare
start_endure --nodes n1,n2,n3 --nnodes 2 --nproc-per-node 2 --heartbeat-timeout 2s --restart-backoff 0 --stop-timeout 1s -- \
    "$FAKE" --steps 100 --step-ms 100 --ignore-term --grandchild 2@0 --escape
wait_for has_event ranks_started node=n2
wait_for logs_say 1 "^grandchild"
gc=$(grandchild_of "$RUN/attempt-0/n2/rank-2.log")
alive "$gc" || fail "the grandchild $gc is not running"
kill -9 "$(agent_pid n2)"
wait_for has_event ranks_started attempt=1
alive "$gc" && fail "the grandchild $gc of the lost node survived into attempt 1"
kill -TERM "$PID"
wait_endure
check_no_leftovers 5
