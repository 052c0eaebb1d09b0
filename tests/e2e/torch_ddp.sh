#!/bin/bash
# not under sanitizers: PyTorch's side (four real ranks); the endure paths of a run that completes run under the sanitizers in run_success and run_output
# torch_ddp: a real torch.distributed DDP job (gloo) on 2 nodes x 2 ranks
# through local agents trains to completion under `endure run`. The script
# calls init_process_group("gloo") with no arguments, so this checks that
# endure's torchrun environment is enough; the final weights must equal a
# one-process reference of 4 averaged ranks (every rank took part).
source "$ENDURE_SRC/tests/e2e/lib.sh"
source "$ENDURE_SRC/tests/torch/common.sh"
set -e

STEPS=20
run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 \
    --max-restarts 0 "$DDP" --steps $STEPS --out "$T/checksum"
expect_rc 0
expect_count 1 attempt_start
expect_count 0 failure
expect_count 4 rank_exit attempt=0 code=0
expect_count 1 run_end exit_code=0

# global rank = node index x 2 + local rank, each rank saw the full world
for r in 0 1 2 3; do
    node=n$((r / 2 + 1))
    expect_rank_log 0 $node $r "^rank $r/4 attempt 0 node $node local_rank $((r % 2)) master 127\.0\.0\.1:[0-9]+ restart_count 0$"
    expect_rank_log 0 $node $r "^step $STEPS loss [0-9.]+$"
    expect_rank_log 0 $node $r "^rank $r done checksum "
done
# progress reached the console with the [node:rank] prefix
grep -q "^\[n2:3\] step $STEPS loss" "$OUT" || fail "console lacks [n2:3] progress"
expect_checksum "$T/checksum" 4 $STEPS
check_no_leftovers
echo ok
