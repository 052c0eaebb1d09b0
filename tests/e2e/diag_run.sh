# Diagnosis through `endure run`: a script error stops at once (exit 3) with
# failure.json and the verdict in the journal; an ECC error on one node, under
# a cascade of NCCL timeouts from every rank, excludes that node and the job
# finishes on the spare; the same unexplained crash twice with no progress is
# a crash loop (exit 3); a policy overrides an action; --rules extends the
# shipped rules, and a bad rule file is a usage error naming file:line:col.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
printf 'import sys\nprint("step 1")\ncfg = {}\nprint(cfg["learning_rate"])\n' >"$T/typo.py"
run_endure --nproc-per-node 2 "$T/typo.py"
expect_rc 3
expect_count 1 attempt_start
grep -q "ended: not worth retrying: script/key_error" "$ERR" || fail "reason: $(tail -3 "$ERR")"
f="$RUN/attempt-0/failure.json"
[ -f "$f" ] || fail "no failure.json"
/usr/bin/python3 - "$f" <<'PY' || fail "failure.json: $(cat "$f")"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["category"] == "script" and v["type"] == "key_error", v
assert v["action"] == "stop" and v["rule"]
assert v["key_line"]["file"].startswith("attempt-0/node0/rank-"), v["key_line"]
assert "KeyError" in v["key_line"]["text"] and v["key_line"]["line"] >= 2
assert any("Traceback" in e for e in v["evidence"]), v["evidence"]
assert v["culprit"]["host"] is None  # a script error does not blame the node
PY
expect_count 1 verdict attempt=0
check_no_leftovers
# one ECC error on n2 (rank 2), then NCCL watchdog timeouts on every rank
ECC='[rank2]: RuntimeError: CUDA error: uncorrectable ECC error encountered'
NCCL='[E ProcessGroupNCCL.cpp:475] [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=417, OpType=ALLREDUCE, Timeout(ms)=600000) ran for 600104 milliseconds before timing out.'
run_endure --nodes n1,n2,n3 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 -- \
    "$FAKE" --steps 6 --step-ms 30 --at-step 3 --say-rank 2@0 --say "$ECC" --fail 2@0 --code 1
expect_rc 0
# the cascade: make the other ranks print timeouts too, in a second run
run_endure --nodes n1,n2,n3 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 -- /bin/sh -c "
    if [ \"\$ENDURE_ATTEMPT\" = 0 ]; then
        if [ \"\$RANK\" = 2 ]; then sleep 0.3; echo '$ECC' >&2; exit 1; fi
        for i in 1 2 3 4 5; do echo '$NCCL' >&2; done; sleep 5; exit 6
    fi
    echo step 1; echo done"
expect_rc 0
expect_count 1 node_excluded node=n2
/usr/bin/python3 - "$RUN/attempt-0/failure.json" <<'PY' || fail "ECC verdict: $(cat "$RUN/attempt-0/failure.json")"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["category"] == "infrastructure" and v["type"] == "ecc_error", v
assert v["action"] == "exclude_node", v
assert v["culprit"]["rank"] == 2, v["culprit"]
PY
[ -d "$RUN/attempt-1/n3" ] || fail "the spare did not replace n2"
[ -e "$RUN/attempt-1/n2" ] && fail "n2 used again"
check_no_leftovers
# crash loop: no output, no progress, the same crash twice
run_endure --max-restarts 5 --restart-backoff 0 -- "$FAKE" --steps 5 --signal 0 --signo 11 --at-step 1 --quiet
expect_rc 3
expect_count 2 attempt_start
grep -q "crash loop" "$ERR" || fail "crash loop not named"
# a policy turns the script error into a restart
printf 'overrides:\n  key_error: restart\n' >"$T/policy.yaml"
run_endure --max-restarts 1 --restart-backoff 0 --policy "$T/policy.yaml" "$T/typo.py"
expect_rc 1   # restarted (it showed progress, so no crash loop) until the budget was spent
expect_count 2 attempt_start
expect_count 2 verdict
# --rules extends the shipped set
mkdir -p "$T/rules"
cat >"$T/rules/site.yaml" <<'YAML'
- id: site.reactor_meltdown
  category: infrastructure
  type: node_failure
  role: root
  action: stop
  match: 'reactor (?<host>\w+) melted'
  explain: 'The site reactor melted. Call facilities.'
  examples: ['reactor n1 melted']
YAML
run_endure --rules "$T/rules" -- "$FAKE" --steps 5 --at-step 2 --say "reactor node0 melted" --fail 0
expect_rc 3
grep -q "infrastructure/node_failure (rule site.reactor_meltdown)" "$ERR" || fail "site rule not used"
printf -- '- id: bad\n  category: script\n  type: key_error\n  role: root\n  action: stop\n  match: "(unclosed"\n  explain: x\n  examples: [x]\n' >"$T/bad.yaml"
set +e; "$ENDURE" run --log-dir "$LOGS" --rules "$T/bad.yaml" -- true 2>"$T/e"; rc=$?; set -e
[ "$rc" = 2 ] || fail "bad rule file: rc $rc"
grep -q "bad.yaml:[0-9]*:[0-9]*:" "$T/e" || fail "bad rule not located: $(cat "$T/e")"
check_no_leftovers
