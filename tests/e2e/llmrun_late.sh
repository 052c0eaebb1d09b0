#!/bin/bash
# e2e: endure run --llm with a server slower than --llm-wait but within
# --llm-timeout (issue 11): the decision waits only --llm-wait, the rule
# verdict decides (source: rules, the wait in the verdict event and the
# summary), the restart and the next attempt come before the answer, and
# the late answer is journaled as llm_late while the run goes on. Order of
# events only, no timing assertions.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/llm_common.bash"
. "$(dirname "$0")/llmrun_common.bash"
stub_start "$T/s1" "slow:4:$R/good"
# attempt 1 fails only after the late answer has had time to come
ZORG_DELAY_1=12 run_zorg --llm "$STUB_URL" --llm-wait 1s --llm-timeout 30s --max-restarts 1
stub_stop || true
expect_rc 1
expect_count 1 llm_request attempt=0
expect_count 0 llm_verdict attempt=0
expect_count 1 llm_late attempt=0 outcome=verdict
before "verdict 0" "restart 1"
before "restart 1" "llm_late 0"
before "attempt_start 1" "llm_late 0"
/usr/bin/python3 - "$RUN/events.jsonl" <<'PY' || fail "verdict event of attempt 0"
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "verdict" and e["attempt"] == 0:
        v = e["verdict"]
        assert v["source"] == "rules" and v["category"] == "unknown", v
        assert v["llm"]["outcome"] == "pending", v
        assert e["llm_wait_ms"] >= 0, e
        break
else:
    sys.exit(1)
PY
[ "$(jv "$RUN/attempt-0/failure.json" 'v["source"]')" = rules ] || fail "failure.json source"
grep -q "attempt 0: .*diagnosed unknown/.*waited [0-9.]*s for the LLM" "$ERR" || { tail "$ERR"; fail "summary"; }
grep -q "no answer from the LLM within --llm-wait" "$ERR" || fail "the console does not say why"
echo "ok: slower than --llm-wait: the restart did not wait for it, the late answer is journaled"
check_no_leftovers
