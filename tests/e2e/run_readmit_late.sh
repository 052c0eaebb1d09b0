# A node readmitted after --exclude-for gets its own --agent-timeout to
# connect, counted from its new launch, however late in the run: its agent
# here takes 0.4 s to start (--agent-cmd, a wrapper), the node is readmitted
# well after the first agents' timeout has passed, and it must connect and
# be usable, not be lost at once "did not connect within --agent-timeout"
# (found by the short soak: from a minute into a run, a readmitted node was
# lost unless its agent connected before the next node tick).
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
cat >"$T/slow-agent" <<SH
#!/bin/sh
sleep 0.4
exec "$ENDURE" "\$@"
SH
chmod +x "$T/slow-agent"
start_endure --nodes n1,n2,n3 --nnodes 2 --heartbeat-timeout 2s --agent-timeout 1s --exclude-for 1s \
    --restart-backoff 0 --agent-cmd "$T/slow-agent" -- "$FAKE" --steps 60 --step-ms 100
wait_for has_event ranks_started node=n2
kill -9 "$(agent_pid n2)"
wait_for has_event node_readmitted node=n2
connected_twice() { [ "$(count agent_connected node=n2)" -ge 2 ]; }
wait_for connected_twice
wait_endure
expect_rc 0
expect_count 1 node_readmitted node=n2
expect_count 0 node_lost "reason=its agent did not connect within --agent-timeout"
expect_count 2 agent_connected node=n2
check_no_leftovers
echo ok
