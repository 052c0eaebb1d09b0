#!/bin/bash
# e2e: a signal while the decision waits for the LLM (C_LLM_WAIT): the
# failed attempt's verdict is still recorded (the rule verdict: the journal's
# verdict event and attempt-0/failure.json), the run ends with the signal's
# exit code, and nothing is left running.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/llm_common.bash"
. "$(dirname "$0")/llmrun_common.bash"
stub_start "$T/s1" "slow:60:$R/good"
start_endure --nproc-per-node 2 --restart-backoff 0 --health off --llm "$STUB_URL" --llm-wait 60s \
    --llm-timeout 90s -- /usr/bin/python3 "$ZORG"
wait_for has_event llm_request attempt=0
kill -TERM "$PID"
wait_endure
stub_stop || true
expect_rc 143
expect_count 1 verdict attempt=0
[ -f "$RUN/attempt-0/failure.json" ] || fail "no failure.json for the attempt whose decision was interrupted"
grep -q '"category": "unknown"' "$RUN/attempt-0/failure.json" || fail "failure.json: $(head -c 300 "$RUN/attempt-0/failure.json")"
expect_count 0 attempt_start attempt=1
grep -q "a signal ends the wait for the LLM" "$ERR" || fail "the interrupted wait is not said"
check_no_leftovers
