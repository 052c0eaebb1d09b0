# A restore choice that takes longer than the heartbeat timeout (a test hook
# delays it on the controller's worker thread, as a full verification of a
# large checkpoint would) must not cost the nodes: the controller's loop
# keeps heartbeating while it restores, no node is lost, and the run resumes.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
SAVER="$ENDURE_SRC/tests/e2e/ckpt_saver.py"
CK="$T/ckpt"
run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 1 --ckpt-dir "$CK" -- \
    /usr/bin/python3 "$SAVER" --steps 4 --every 2 --size 4096
expect_rc 0
expect_count 1 ckpt_complete tag=step-000000004
FIRST_ID=$(basename "$RUN")
check_no_leftovers
# the same run resuming, with a restore choice slower than --heartbeat-timeout
export ENDURE_TEST_RESTORE_DELAY_MS=3000
LOGS="$T/logs-again" RUN_ID=$FIRST_ID run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 1 \
    --heartbeat-timeout 1s --ckpt-dir "$CK" -- /usr/bin/python3 "$SAVER" --steps 2 --every 2 --size 4096
unset ENDURE_TEST_RESTORE_DELAY_MS
expect_rc 0
expect_count 0 node_lost
expect_count 1 ckpt_restore tag=step-000000004 attempt=0
check_no_leftovers
echo ok
