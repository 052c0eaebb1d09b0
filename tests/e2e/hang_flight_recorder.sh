# PyTorch's NCCL flight recorder is on for the ranks: a trace buffer, a
# dump on a watchdog timeout, and the dump's file prefix in the attempt's
# node directory (attempt-N/<node>/nccl-trace-rank-<R>), under both the 2.x
# and the newer variable names; a user's own setting is kept, and
# --hang-dump-timeout 0 turns it off with the stack dumps.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 1 -- "$FAKE" --steps 2 --print-env
expect_rc 0
log="$RUN/attempt-0/n2/rank-1.log"
grep -qx "env TORCH_NCCL_TRACE_BUFFER_SIZE=2000" "$log" || fail "no trace buffer: $(grep TORCH_ "$log")"
grep -qx "env TORCH_NCCL_DUMP_ON_TIMEOUT=1" "$log" || fail "no dump on timeout"
grep -qx "env TORCH_NCCL_DEBUG_INFO_TEMP_FILE=$RUN/attempt-0/n2/nccl-trace-rank-" "$log" ||
    fail "the dump does not go to the node directory: $(grep TEMP_FILE "$log")"
grep -qx "env TORCH_FR_DUMP_TEMP_FILE=$RUN/attempt-0/n2/nccl-trace-rank-" "$log" || fail "newer name"

TORCH_NCCL_TRACE_BUFFER_SIZE=7 TORCH_NCCL_DEBUG_INFO_TEMP_FILE=/tmp/mine- \
    run_endure --nodes n1 --nnodes 1 --nproc-per-node 1 -- "$FAKE" --steps 2 --print-env
expect_rc 0
log="$RUN/attempt-0/n1/rank-0.log"
grep -qx "env TORCH_NCCL_TRACE_BUFFER_SIZE=7" "$log" && grep -qx "env TORCH_NCCL_DEBUG_INFO_TEMP_FILE=/tmp/mine-" "$log" ||
    fail "the user's flight recorder settings were not kept: $(grep TORCH_ "$log")"

run_endure --nodes n1 --nnodes 1 --nproc-per-node 1 --hang-dump-timeout 0 -- "$FAKE" --steps 2 --print-env
expect_rc 0
grep -qx "env TORCH_NCCL_TRACE_BUFFER_SIZE=<unset>" "$RUN/attempt-0/n1/rank-0.log" || fail "--hang-dump-timeout 0"
check_no_leftovers
