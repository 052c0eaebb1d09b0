#!/bin/bash
# not under sanitizers: the examples' Python side; the endure paths they take run under the sanitizers in the other tests
# firstrun_sharded: examples/sharded.py (every rank saves its own shard with
# endure_ckpt.save_state) under endure, 2 nodes x 2 ranks: a clean run; a node
# lost at step 12 (examples/faults.py kills n2's agent) is excluded, the spare
# n3 takes its place and every rank resumes its shard from the newest
# checkpoint complete before the loss; a crash of rank 0 resumes from step 10
# on the same nodes. Both end with the clean run's weights.
source "$ENDURE_SRC/tests/e2e/lib.sh"
source "$ENDURE_SRC/tests/e2e/firstrun_common.bash"
set -e

run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --ckpt-dir "$T/ck-ref" "$EX/sharded.py" --steps 20 --out "$T/ref"
expect_rc 0
expect_saves 5 10 15 20
for f in "$T"/ck-ref/step-000000020/n*/rank-*/state.est; do [ -s "$f" ] || fail "no shard $f"; done
[ "$(ls -d "$T"/ck-ref/step-000000020/n*/rank-* | wc -l)" -eq 4 ] || fail "not one shard per rank"

run_endure --nodes n1,n2,n3 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 --heartbeat-timeout 3s \
    --ckpt-dir "$T/ck-node" "$EX/sharded.py" --steps 20 --fault node-loss --fault-step 12 --fault-rank 3 --out "$T/out-node"
expect_rc 0
expect_count 1 node_lost node=n2
verdict_is 0 node_failure
[ -d "$RUN/attempt-1/n3" ] || fail "the spare n3 did not take n2's place"
# n2's agent dies with the part of step 10 it may not have persisted yet:
# the job resumes from the newest checkpoint complete before the loss (or a
# newer one that n2 persisted just before it died)
last=$(/usr/bin/python3 -c '
import json, sys
step = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "node_lost":
        break
    if e["event"] == "ckpt_complete":
        step = e["step"]
print(step)' "$RUN/events.jsonl")
restored=$(field ckpt_restore step attempt=1)
if [ "$last" -gt 0 ]; then
    [ -n "$restored" ] && [ "$restored" -ge "$last" ] || fail "attempt 1 resumed from '$restored', not step $last or newer"
    resumed_all 1 "$restored" 4
else
    [ -z "$restored" ] || resumed_all 1 "$restored" 4
fi
same_weights "$T/out-node" "$T/ref"

run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 --stop-timeout 5s \
    --ckpt-dir "$T/ck-crash" "$EX/sharded.py" --steps 20 --fault crash --fault-step 12 --fault-rank 0 --out "$T/out-crash"
expect_rc 0
expect_count 1 failure attempt=0 node=n1
verdict_is 0 runtime_error
culprit_is 0 0 n1 # (the first exit endure saw may be rank 1's, its peer)
resumed_all 1 10 4
same_weights "$T/out-crash" "$T/ref"
check_no_leftovers
echo ok
