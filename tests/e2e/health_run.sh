# endure run --health local: every node checks itself (endure health, run by
# its agent) before the first attempt; a node that fails is excluded before
# any rank starts there and a spare takes its place; a spare that joins
# later is checked again first; a check that hangs past --health-timeout is
# killed (nothing left) and its node excluded; --health off checks nothing.
# GPUs are the test-only NVML stand-in (tests/fakes/fake_nvml.c), faulty
# only on the nodes named in FAKE_NVML_NODES.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
export LD_LIBRARY_PATH="$ENDURE_TEST_BUILD/tests/fakes${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
unset PET_HEALTH
H=(--health local --health-probes gpu,memory --restart-backoff 0)
# (1) n2's GPU 0 has an uncorrectable ECC error: excluded before attempt 0
FAKE_NVML_GPUS=2 FAKE_NVML_ECC=1 FAKE_NVML_NODES=n2 run_endure --nodes n1,n2,n3 --nnodes 2 \
    "${H[@]}" --gpus-per-node 2 -- "$FAKE" --steps 3 --step-ms 10
expect_rc 0
expect_count 3 health
expect_count 1 health node=n2 result=fail
expect_count 1 node_unhealthy node=n2
expect_count 0 node_lost
[ -e "$RUN/attempt-0/n2" ] && fail "ranks ran on the unhealthy node"
has_rank_log "$RUN/attempt-0/n3/rank-1.log" || fail "the spare n3 did not take the unhealthy node's place"
grep -q "node n2 failed its health check: gpu: .*ECC" "$ERR" || fail "the failing probe is not named: $(grep health "$ERR")"
/usr/bin/python3 - "$RUN/attempt-0/health.json" <<'PY' || fail "attempt-0/health.json: $(cat "$RUN/attempt-0/health.json")"
import json, sys
h = json.load(open(sys.argv[1]))
assert h["attempt"] == 0 and sorted(h["nodes"]) == ["n1", "n2", "n3"], h
assert h["nodes"]["n2"]["result"] == "fail" and h["nodes"]["n1"]["result"] == "pass", h
gpu = [p for p in h["nodes"]["n2"]["probes"] if p["name"] == "gpu"][0]
assert gpu["result"] == "fail" and gpu["runs"] == 2, gpu   # the debounce ran it twice
PY
"$ENDURE" health "$RUN" >"$T/table" || true
grep -q "n2" "$T/table" && grep -qi "fail" "$T/table" || fail "endure health RUN_DIR: $(cat "$T/table")"
check_no_leftovers
# (2) a spare that joins after a failure is checked again first
start_endure --nodes n1,n2,n3 --nnodes 2 "${H[@]}" --heartbeat-timeout 2s -- "$FAKE" --steps 40 --step-ms 100
wait_for has_event ranks_started node=n2
kill -9 "$(agent_pid n2)"
wait_endure
expect_rc 0
expect_count 2 health node=n3
expect_count 1 health node=n1
[ -f "$RUN/attempt-1/health.json" ] || fail "no health.json before attempt 1"
check_no_leftovers
# (3) a check that hangs (the NVML call never returns) is killed at
# --health-timeout; no node passes, so the run ends with exit 4
FAKE_NVML_HANG=1 run_endure --nodes n1,n2 --nnodes 1 "${H[@]}" --health-timeout 1s -- "$FAKE" --steps 3
expect_rc 4
expect_count 2 node_unhealthy
grep -q "did not finish within its timeout" "$RUN/events.jsonl" || fail "the killed check is not said"
[ -e "$RUN/attempt-0/n1" ] && fail "ranks started although no node passed"
check_no_leftovers
# (4) --health off: no check at all
FAKE_NVML_GPUS=2 FAKE_NVML_ECC=1 run_endure --nodes n1,n2 --nnodes 2 --health off -- "$FAKE" --steps 3
expect_rc 0
expect_count 0 health
check_no_leftovers
