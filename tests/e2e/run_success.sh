# 2 nodes x 2 ranks of the fake trainer succeed: exit 0, every rank's log,
# torchrun's environment, console prefixes, a clean journal, nothing left.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 -- "$FAKE" --steps 3 --print-env
expect_rc 0
for r in 0 1; do grep -q "step 3" "$RUN/attempt-0/n1/rank-$r.log" || fail "rank $r log"; done
for r in 2 3; do grep -q "step 3" "$RUN/attempt-0/n2/rank-$r.log" || fail "rank $r log"; done
log="$RUN/attempt-0/n2/rank-3.log"
grep -qx "env RANK=3" "$log" || fail "RANK"
grep -qx "env LOCAL_RANK=1" "$log" || fail "LOCAL_RANK"
grep -qx "env GROUP_RANK=1" "$log" || fail "GROUP_RANK"
grep -qx "env WORLD_SIZE=4" "$log" || fail "WORLD_SIZE"
grep -qx "env LOCAL_WORLD_SIZE=2" "$log" || fail "LOCAL_WORLD_SIZE"
grep -qx "env GROUP_WORLD_SIZE=2" "$log" || fail "GROUP_WORLD_SIZE"
grep -qx "env ROLE_NAME=default" "$log" || fail "ROLE_NAME"
grep -qx "env MASTER_ADDR=127.0.0.1" "$log" || fail "MASTER_ADDR"
grep -q "^env MASTER_PORT=[0-9][0-9]*$" "$log" || fail "MASTER_PORT"
grep -qx "env TORCHELASTIC_RESTART_COUNT=0" "$log" || fail "RESTART_COUNT"
grep -qx "env TORCHELASTIC_MAX_RESTARTS=3" "$log" || fail "MAX_RESTARTS"
grep -qx "env TORCHELASTIC_RUN_ID=$(basename "$RUN")" "$log" || fail "RUN_ID"
grep -qx "env TORCH_NCCL_ASYNC_ERROR_HANDLING=1" "$log" || fail "NCCL async"
grep -qx "env OMP_NUM_THREADS=1" "$log" || fail "OMP"
grep -qx "env ENDURE_NODE=n2" "$log" || fail "ENDURE_NODE"
grep -qx "env ENDURE_ATTEMPT=0" "$log" || fail "ENDURE_ATTEMPT"
grep -q "^env ENDURE_HEARTBEAT_FILE=$RUN/attempt-0/n2/heartbeat-3$" "$log" || fail "heartbeat file"
grep -qx "env ENDURE_SECRET=<unset>" "$log" || fail "the secret leaked to a rank"
# the secret is in no log, the journal included
secret_leak=$(grep -rl "ENDURE_SECRET=" "$RUN" | xargs -r grep -l "ENDURE_SECRET=[0-9a-f]" || true)
[ -z "$secret_leak" ] || fail "secret written to $secret_leak"
grep -q "^\[n1:0\] step 1" "$OUT" || fail "console prefix"
grep -q "^\[n2:3\] rank 3 attempt 0 starting" "$OUT" || fail "stderr on the console"
expect_count 1 run_start
expect_count 1 attempt_start
expect_count 4 rank_exit code=0
expect_count 1 run_end exit_code=0
[ "$(field attempt_start spares)" = 0 ] || fail "spares"
grep -q "ended: every rank finished successfully (exit 0)" "$ERR" || fail "summary"
check_no_leftovers
