#!/bin/bash
# not under sanitizers: PyTorch's side (six real rank starts); the agent-loss, exclusion and spare paths run under the sanitizers in run_node_lost and ctlplane_node_lost
# torch_agent_killed: a real DDP job (gloo) on 2 of 3 listed nodes; the agent
# of the node with group rank 0 (which hosts rank 0 and with it the
# TCPStore) is killed with SIGKILL mid-run. endure must declare that node lost
# and excluded, stop what is left of the attempt, and run attempt 1 on the
# surviving node and the spare to completion; the killed agent's ranks must
# not outlive it. Which listed nodes are active first is read from the
# journal (the controller takes the first agents that connect).
source "$ENDURE_SRC/tests/e2e/lib.sh"
source "$ENDURE_SRC/tests/torch/common.sh"
set -e

STEPS=30
RUN_ID=kill
RUN="$LOGS/kill"
"$ENDURE" run --log-dir "$LOGS" --rdzv-id kill --nodes n1,n2,n3 --nnodes 2 --nproc-per-node 2 \
    --restart-backoff 0 --max-restarts 2 --heartbeat-timeout 2s --stop-timeout 5s \
    "$DDP" --steps $STEPS --step-sleep 0.1 --out "$T/checksum" >"$T/out" 2>"$T/err" &
ENDURE_PID=$!
ERR="$T/err"

# wait (at most 40 s) until rank 0 is training, then find its node's agent
for ((i = 0; i < 400; i++)); do
    log0=$(ls "$RUN"/attempt-0/n?/rank-0.log 2>/dev/null | head -n 1)
    [ -n "$log0" ] && grep -q '^step 3 loss' "$log0" && break
    kill -0 $ENDURE_PID 2>/dev/null || break
    sleep 0.1
done
[ -n "$log0" ] && grep -q '^step 3 loss' "$log0" || { cat "$T/err" >&2; fail "attempt 0 never made progress"; }
victim=$(basename "$(dirname "$log0")")
nodes0=$(field attempt_start nodes attempt=0)
case "$nodes0" in *"{\"node\": \"$victim\", \"group_rank\": 0}"*) ;; *) fail "$victim is not group rank 0: $nodes0" ;; esac
survivor= spare=
for n in n1 n2 n3; do
    [ $n = $victim ] && continue
    case "$nodes0" in *"\"$n\""*) survivor=$n ;; *) spare=$n ;; esac
done
[ -n "$survivor" ] && [ -n "$spare" ] || fail "attempt 0 should run 2 of 3 nodes: $nodes0"
agent=$(field agent_connected pid node=$victim)
[ -n "$agent" ] || fail "no agent_connected event for $victim"
tr '\0' ' ' < /proc/$agent/cmdline | grep -q 'agent' || fail "pid $agent is not an endure agent"
ranks=$(field ranks_started pids node=$victim attempt=0 | tr -d '[],')
[ -n "$ranks" ] || fail "no ranks_started for $victim"
for p in $ranks; do
    [ "$(awk '{print $4}' /proc/$p/stat)" = "$agent" ] || fail "rank pid $p is not a child of agent $agent"
done
kill -KILL "$agent"

set +e
wait $ENDURE_PID
RC=$?
set -e
expect_rc 0

# the victim's ranks died with their agent (PDEATHSIG), not left running
for p in $ranks; do
    if [ -d /proc/$p ] && ! grep -q '^State:.*Z' /proc/$p/status; then
        fail "rank $p of the killed agent is still running"
    fi
done

expect_count 1 node_lost
expect_count 1 node_lost node=$victim
expect_count 1 node_excluded
expect_count 1 node_excluded node=$victim
expect_count 1 restart
expect_count 2 attempt_start
expect_count 0 ranks_started attempt=1 node=$victim
expect_count 1 ranks_started attempt=1 node=$survivor
expect_count 1 ranks_started attempt=1 node=$spare
expect_count 1 run_end exit_code=0
nodes1=$(field attempt_start nodes attempt=1)
case "$nodes1" in *"\"$spare\""*) ;; *) fail "attempt 1 does not list the spare $spare: $nodes1" ;; esac
case "$nodes1" in *"\"$victim\""*) fail "attempt 1 still lists $victim: $nodes1" ;; esac
[ ! -e "$RUN/attempt-1/$victim" ] || fail "attempt 1 wrote logs for $victim"

# attempt 1 trained to the end on the survivor and the spare, world of 4
for node in $survivor $spare; do
    for f in "$RUN/attempt-1/$node"/rank-*.log; do
        [ -f "$f" ] || fail "no rank logs for $node in attempt 1"
        grep -q "^step $STEPS loss" "$f" || { tail "$f" >&2; fail "$f did not finish"; }
        grep -q "^rank [0-3]/4 attempt 1 node $node " "$f" || fail "$f: wrong world or node"
    done
done
[ "$(ls "$RUN/attempt-1/$survivor" "$RUN/attempt-1/$spare" | grep -c '^rank-')" = 4 ] || fail "attempt 1 did not run 4 ranks"
expect_checksum "$T/checksum" 4 $STEPS
check_no_leftovers
echo ok
