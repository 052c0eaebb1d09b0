# Killing endure run itself with SIGKILL leaves no agent and no rank alive
# after the heartbeat timeout, even when the ranks ignore TERM; a controller
# that stops answering (SIGSTOP) is treated the same way by its agents.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
start_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --heartbeat-timeout 2s -- \
    "$FAKE" --steps 4000 --step-ms 50 --ignore-term --grandchild 0
wait_for has_event ranks_started node=n2
kill -9 "$PID"
wait "$PID" 2>/dev/null || true
check_no_leftovers 3
start_endure --nodes n1,n2 --nnodes 2 --heartbeat-timeout 2s -- "$FAKE" --steps 4000 --step-ms 50 --ignore-term
wait_for has_event ranks_started node=n2
kill -STOP "$PID"
for i in $(seq 1 50); do
    left=$(tagged_pids | grep -v "^$PID\$" || true)
    [ -z "$left" ] && break
    sleep 0.1
done
kill -9 "$PID"; kill -CONT "$PID" 2>/dev/null || true
wait "$PID" 2>/dev/null || true
[ -z "$left" ] || fail "agents or ranks still alive with a silent controller: $left"
check_no_leftovers
