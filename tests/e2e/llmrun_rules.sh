#!/bin/bash
# e2e: what endure run --llm leaves alone (issue 11). A failure a shipped
# rule classifies with confidence (a CUDA out-of-memory error) sends no
# request and does not wait; in --llm-mode observe an unknown failure is
# sent, the answer journaled and printed, and the decision is the rules'
# (source: rules, no wait, nothing learned into the rules the agents use).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/llm_common.bash"
. "$(dirname "$0")/llmrun_common.bash"
stub_start "$T/s1" "content:$R/good"
ZORG_MSG='torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB' \
    run_zorg --llm "$STUB_URL" --max-restarts 0
expect_rc 3 # not retryable: the rule says stop
[ "$(stub_count "$T/s1")" = 0 ] || fail "a confident rule verdict was sent to the LLM"
expect_count 0 llm_request
[ "$(jv "$RUN/attempt-0/failure.json" 'v["type"]')" != unknown ] || fail "the OOM was not classified"
[ "$(jv "$RUN/attempt-0/failure.json" '"llm" in v')" = False ] || fail "the LLM shows in a rule decision"
[ "$(field verdict llm_wait_ms attempt=0)" = null ] || fail "a confident verdict waited"
echo "ok: a confident rule verdict: no request, no wait"

# attempt 1 fails once attempt 0's answer is journaled: a newer failure
# cancels the question still out (docs/run.md), and a fast second failure
# raced the stub's answer
RUN_ID=obs$$x$RANDOM
ZORG_WAIT_1="$LOGS/$RUN_ID/events.jsonl" ZORG_WAIT_TEXT='"event":"llm_verdict"' \
    run_zorg --llm "$STUB_URL" --llm-mode observe --learned auto --max-restarts 1
stub_stop || true
expect_rc 1
expect_count 1 llm_request attempt=0 mode=observe
expect_count 1 llm_verdict attempt=0 mode=observe
[ "$(field verdict llm_wait_ms attempt=0)" = null ] || fail "observe waited"
[ "$(jv "$RUN/attempt-0/failure.json" 'v["source"]')" = rules ] || fail "observe changed the decision"
[ "$(jv "$RUN/attempt-0/failure.json" 'v["category"]')" = unknown ] || fail "observe changed the verdict"
grep -q "the LLM says framework/runtime_error.*observe: changes nothing" "$ERR" || fail "observe verdict not printed"
[ -e "$LOGS/learned-rules/learned.yaml" ] && fail "observe learned a rule"
[ "$(jv "$RUN/attempt-1/failure.json" 'v["category"]')" = unknown ] || fail "attempt 1 not unknown"
echo "ok: observe: journaled and printed, the rules decide"
check_no_leftovers
