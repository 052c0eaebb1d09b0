#!/bin/bash
# not under sanitizers: PyTorch's side (four real ranks, twice); the failure, verdict and restart paths run under the sanitizers in run_restart
# torch_restart: in a real DDP job (gloo, 2 nodes x 2 ranks), rank 3 raises
# an exception in attempt 0; endure stops every rank (the others are blocked
# in a collective), restarts once and attempt 1 trains to completion with
# the same final weights as an undisturbed run.
source "$ENDURE_SRC/tests/e2e/lib.sh"
source "$ENDURE_SRC/tests/torch/common.sh"
set -e

STEPS=12
run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 \
    --max-restarts 2 --stop-timeout 5s \
    "$DDP" --steps $STEPS --fail-rank 3 --fail-attempt 0 --fail-step 4 --out "$T/checksum"
expect_rc 0
expect_count 1 restart
expect_count 1 restart next_attempt=1
expect_count 2 attempt_start
expect_count 1 failure
# the first exit heard of may be a peer's (its gloo socket reset by rank 3's
# end): the failure event names that one, the verdict the root cause
expect_count 1 failure attempt=0
who="$(field verdict verdict.culprit.host attempt=0) $(field verdict verdict.culprit.rank attempt=0)"
[ "$who" = "n2 3" ] || fail "the verdict's culprit is '$who', not rank 3 on n2"
expect_count 1 rank_exit attempt=0 rank=3
expect_count 4 rank_exit attempt=1 code=0
expect_count 1 attempt_end attempt=0 ok=false
expect_count 1 attempt_end attempt=1 ok=true
expect_count 1 run_end exit_code=0

# the failing rank's attempt-0 log keeps the Python traceback
f0="$RUN/attempt-0/n2/rank-3.log"
expect_rank_log 0 n2 3 '^Traceback \(most recent call last\):$'
expect_rank_log 0 n2 3 '^RuntimeError: injected failure on rank 3 at step 4 in attempt 0$'
expect_rank_log 0 n2 3 '^step 3 loss '
rank_log "$f0" | grep -q '^step 4 loss' && fail "rank 3 went past its failure"
# attempt 1 ran with the restart count and finished on every rank
for r in 0 1 2 3; do
    node=n$((r / 2 + 1))
    expect_rank_log 1 $node $r "^rank $r/4 attempt 1 node $node .* restart_count 1$"
    expect_rank_log 1 $node $r "^step $STEPS loss "
done
expect_checksum "$T/checksum" 4 $STEPS
check_no_leftovers
echo ok
