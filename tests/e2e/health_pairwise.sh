# endure run --health pairwise on local nodes: after the local probes, the
# nodes are tested in pairs (round 1), the nodes of a failed or slow pair
# again with a node that passed (round 2). A node that fails both rounds
# is faulty and excluded before any rank starts (a spare takes its place);
# a slow node is a straggler (journaled; excluded with
# --exclude-stragglers); a hung all-reduce is aborted at --health-timeout;
# a library without the symbols gives skip; the command backend parses
# nccl-tests' busbw line and fails on garbage; a spare that joins after a
# failure is tested against a node that passed. NCCL and CUDA are the
# test-only stand-ins (tests/fakes/), scripted per node by FAKE_NCCL_NODES.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
FAKES="$ENDURE_TEST_BUILD/tests/fakes"
export LD_LIBRARY_PATH="$FAKES${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# the stand-in links run at 2 GB/s, slow enough that the emulated transfer,
# not the machine's load, sets the figures
export FAKE_NCCL_BASE_GBPS=2
H=(--health pairwise --health-probes memory --pair-bytes 16M --restart-backoff 0)
N5=(--nodes n1,n2,n3,n4,n5 --nnodes 4)
pairs_json() { /usr/bin/python3 - "$RUN" "$@" <<'PY'
import json, sys, glob
h = json.load(open(sorted(glob.glob(sys.argv[1] + "/attempt-*/health.json"))[-1]))  # the newest
for cond in sys.argv[2:]:
    assert eval(cond, {"h": h, "p": h["pairs"], "n": h["nodes"]}), (cond, json.dumps(h["pairs"]))
PY
}
# (1) n2's ncclCommInitRank fails: it fails with n1 (round 1) and with a
# node that passed (round 2): faulty, excluded; n1 passes round 2; spare n5 runs
FAKE_NCCL_INIT_FAIL=1 FAKE_NCCL_NODES=n2 run_endure "${N5[@]}" "${H[@]}" --pair-probe nccl -- "$FAKE" --steps 3 --step-ms 10
expect_rc 0
expect_count 1 node_unhealthy node=n2
expect_count 0 node_unhealthy node=n1
[ "$(count pair round=1)" = 2 ] || fail "round 1 is not two pairs: $(grep '"pair"' "$RUN/events.jsonl")"
[ "$(count pair result=fail)" = 2 ] || fail "n2 did not fail in both rounds"
[ -e "$RUN/attempt-0/n2" ] && fail "ranks ran on the faulty node"
has_rank_log "$RUN/attempt-0/n5/rank-3.log" || fail "the spare n5 did not take n2's place"
grep -q "node n2 failed its health check: pairwise test: n2: ncclCommInitRank" "$ERR" || fail "the cause is not named"
pairs_json 'n["n2"]["pairwise"]["result"] == "faulty"' 'n["n1"]["pairwise"]["result"] == "pass"' \
    'all(x["backend"] == "nccl" for x in p)' 'n["n5"]["pairwise"]["gbps"] > 0'
set +e; "$ENDURE" health "$RUN" >"$T/table"; hrc=$?; set -e
[ "$hrc" = 1 ] || fail "endure health RUN_DIR exits $hrc with a faulty node"
grep -q "pairwise: faulty" "$T/table" && grep -q "n1-n2 .* fail" "$T/table" || fail "table: $(cat "$T/table")"
check_no_leftovers
# (2) n3's link is 100x slower: a straggler, excluded with --exclude-stragglers
FAKE_NCCL_GBPS=0.2 FAKE_NCCL_NODES=n3 run_endure "${N5[@]}" "${H[@]}" --pair-probe nccl --exclude-stragglers \
    -- "$FAKE" --steps 3 --step-ms 10
expect_rc 0
expect_count 1 node_straggler node=n3 excluded=true
expect_count 0 node_straggler node=n4
expect_count 0 node_unhealthy
[ -e "$RUN/attempt-0/n3" ] && fail "ranks ran on the excluded straggler"
grep -q "node n3 is a straggler" "$ERR" || fail "the straggler is not warned"
pairs_json 'n["n3"]["pairwise"]["straggler"]' 'not n["n4"]["pairwise"]["straggler"]'
check_no_leftovers
# (2b) without --exclude-stragglers the straggler is journaled and kept
FAKE_NCCL_GBPS=0.2 FAKE_NCCL_NODES=n3 run_endure "${N5[@]}" "${H[@]}" --pair-probe nccl -- "$FAKE" --steps 3 --step-ms 10
expect_rc 0
expect_count 1 node_straggler node=n3 excluded=false
has_rank_log "$RUN/attempt-0/n3/rank-2.log" || fail "the straggler was not kept"
# (3) n4's all-reduce hangs: aborted at --health-timeout, n4 faulty
FAKE_NCCL_HANG=allreduce FAKE_NCCL_NODES=n4 run_endure "${N5[@]}" "${H[@]}" --pair-probe nccl --health-timeout 2s \
    -- "$FAKE" --steps 3 --step-ms 10
expect_rc 0
expect_count 1 node_unhealthy node=n4
grep -q "did not finish within 2s (ncclCommAbort)" "$RUN/events.jsonl" || fail "the abort is not said"
check_no_leftovers
# (4) a libnccl.so.2 without ncclCommAbort: every pair skips, the run goes on
LD_LIBRARY_PATH="$FAKES/nosym:$LD_LIBRARY_PATH" run_endure --nodes n1,n2 --nnodes 2 "${H[@]}" --pair-probe nccl \
    -- "$FAKE" --steps 2 --step-ms 10
expect_rc 0
expect_count 1 pair result=skip
grep -q "lacks the symbol ncclCommAbort" "$RUN/events.jsonl" || fail "the missing symbol is not named"
expect_count 0 node_unhealthy
# (5) the command backend: nccl-tests' busbw line per node; garbage on n2
cat >"$T/busbw.sh" <<'SH'
case "$ENDURE_NODE" in
n2) echo "all_reduce_perf: garbage"; exit 0 ;;
*) [ -n "$ENDURE_PAIR_ADDR" ] && [ -n "$ENDURE_PAIR_PORT" ] && [ "$WORLD_SIZE" = 2 ] || exit 3
   echo "# Avg bus bandwidth    : 42.5 " ;;
esac
SH
run_endure "${N5[@]}" "${H[@]}" --pair-probe command --pair-command "sh $T/busbw.sh" -- "$FAKE" --steps 2 --step-ms 10
expect_rc 0
expect_count 1 node_unhealthy node=n2
grep -q "no '# Avg bus bandwidth' line in the command's output (last line: all_reduce_perf: garbage)" \
    "$RUN/events.jsonl" || fail "the garbage is not said"
pairs_json 'any(x.get("gbps") == 42.5 for x in p)'
check_no_leftovers
# (6) tcp over the nodes' addresses, and a spare that joins after a
# failure is tested against a node that passed (round 2, one pair)
start_endure --nodes n1,n2,n3 --nnodes 2 "${H[@]}" --pair-bytes 4M --heartbeat-timeout 2s -- \
    "$FAKE" --steps 40 --step-ms 100
wait_for has_event ranks_started node=n2
kill -9 "$(agent_pid n2)"
wait_endure
expect_rc 0
[ "$(count pair round=1 backend=tcp result=pass)" = 1 ] || fail "round 1 over tcp: $(grep '"pair"' "$RUN/events.jsonl")"
expect_count 2 pair round=2 result=pass # n3, the odd one out, then again as the spare that joins
[ -f "$RUN/attempt-1/health.json" ] || fail "no health.json before attempt 1"
pairs_json 'len(p) == 1 and p[0]["nodes"] == ["n1", "n3"] and p[0]["round"] == 2' 'n["n3"]["pairwise"]["gbps"] > 0' 
check_no_leftovers
