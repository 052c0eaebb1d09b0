#!/bin/bash
# e2e: endure run --llm (advise) with a real failing rank (issue 11). Rank 1
# fails with a line no shipped rule knows: the rule verdict is unknown, the
# stub's verdict decides (source: llm in the journal, failure.json and the
# summary), llm-request.json / llm-reply.json are saved without the key,
# the proposed rule is learned, and with --learned auto the same failure in
# the next attempt is classified by the learned rule without a second
# request. The key (ENDURE_LLM_API_KEY) reaches the server and nothing else.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/llm_common.bash"
. "$(dirname "$0")/llmrun_common.bash"
stub_start "$T/s1" "content:$R/good"
export ENDURE_LLM_API_KEY="$KEY"
run_zorg --llm "$STUB_URL" --llm-model stub-1 --learned auto --max-restarts 1
unset ENDURE_LLM_API_KEY
stub_stop || true
expect_rc 1
[ "$(stub_count "$T/s1")" = 1 ] || fail "expected one request, got $(stub_count "$T/s1")"
grep -qx "Bearer $KEY" "$T/s1/auth-0" || fail "the key did not reach the server"
expect_count 1 llm_request attempt=0
[ "$(field llm_request prompt_bytes attempt=0)" -gt 100 ] || fail "no prompt size in llm_request"
expect_count 1 llm_verdict attempt=0 mode=advise
expect_count 0 llm_error
expect_count 0 llm_late
A0="$RUN/attempt-0"
[ "$(jv "$A0/failure.json" 'v["source"]')" = llm ] || fail "failure.json of attempt 0 is not source llm"
[ "$(jv "$A0/failure.json" 'v["type"]')" = runtime_error ] || fail "the LLM's type did not decide"
[ "$(jv "$A0/failure.json" 'v["rule_verdict"]["category"]')" = unknown ] || fail "the rule verdict is not kept"
[ "$(jv "$A0/failure.json" 'v["llm"]["outcome"]')" = verdict ] || fail "llm outcome"
/usr/bin/python3 - "$RUN/events.jsonl" <<'PY' || fail "verdict event of attempt 0"
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "verdict" and e["attempt"] == 0:
        assert e["verdict"]["source"] == "llm", e
        assert e["verdict"]["decided_action"] == "restart", e
        assert e["llm_wait_ms"] >= 0, e
        break
else:
    sys.exit(1)
PY
[ -s "$A0/llm-request.json" ] && [ -s "$A0/llm-reply.json" ] || fail "exchange not saved"
grep -q 'ZorgLib fatal' "$A0/llm-request.json" || fail "the prompt lacks the key line"
echo "ok: unknown -> the LLM's verdict decides (source: llm), exchange saved"

LR="$LOGS/learned-rules/learned.yaml"
[ -s "$LR" ] || fail "no learned rule in $LR"
ID=$(sed -n 's/^- id: //p' "$LR")
grep -q "run: '$(basename "$RUN")', attempt: 0, model: 'stub-1'" "$LR" || { cat "$LR"; fail "provenance"; }
[ "$(jv "$RUN/attempt-1/failure.json" 'v["rule"]')" = "$ID" ] || fail "attempt 1 not classified by $ID"
expect_count 0 llm_request attempt=1
echo "ok: --learned auto: attempt 1 classified by the learned rule, no second request"

grep -q "diagnosed framework/runtime_error (source: llm); waited [0-9.]*s for the LLM" "$ERR" ||
    { tail -20 "$ERR"; fail "summary lacks source and wait"; }
no_key_anywhere
echo "ok: the key is in nothing endure wrote, nor in the ranks' environment"
check_no_leftovers
