# Ranks that ignore TERM are KILLed after --stop-timeout; grandchildren (in
# the rank's process group, or escaped into their own session) are reaped
# too: the stop completes only when every process is gone.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
run_endure --nproc-per-node 2 --stop-timeout 600ms --max-restarts 0 -- \
    "$FAKE" --steps 50 --step-ms 50 --ignore-term --fail 0 --at-step 3 --grandchild 1
expect_rc 1
ms=$(field node_stopped ms attempt=0)
[ "$ms" -ge 600 ] || fail "stopped after $ms ms, before the grace period"
[ "$(field node_stopped unreaped attempt=0)" = "[]" ] || fail "unreaped processes"
check_no_leftovers 2
run_endure --nproc-per-node 2 --max-restarts 0 -- \
    "$FAKE" --steps 3 --step-ms 50 --grandchild -1 --escape
expect_rc 0
grep -q "^grandchild" "$RUN/attempt-0/node0/rank-0.log" || fail "no grandchild started"
check_no_leftovers 2
