#!/bin/bash
# e2e: endure run --llm when the server fails (issue 11): nothing listens,
# HTTP 500 (retried), a reply that is not JSON. Each time the run goes on,
# the rule verdict stands (source: rules) and the journal says why
# (llm_error, llm_rejected). The key comes from --llm-key-file (mode 600)
# and appears in nothing endure wrote; a group-readable key file is a usage
# error before anything starts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/llm_common.bash"
. "$(dirname "$0")/llmrun_common.bash"
KF="$T/key"
echo "$KEY" >"$KF"
chmod 600 "$KF"
rule_stands() { # outcome
    [ "$(jv "$RUN/attempt-0/failure.json" 'v["source"]')" = rules ] || fail "failure.json source"
    [ "$(jv "$RUN/attempt-0/failure.json" 'v["category"]')" = unknown ] || fail "the rule verdict did not stand"
    [ "$(jv "$RUN/attempt-0/failure.json" 'v["llm"]["outcome"]')" = "$1" ] || fail "llm outcome not $1"
    no_key_anywhere
}

run_zorg --llm "http://127.0.0.1:$(closed_port)" --llm-key-file "$KF" --max-restarts 0
expect_rc 1
expect_count 1 llm_error attempt=0
E=$(field llm_error error attempt=0)
[[ "$E" == *onnect* ]] || fail "llm_error does not say why: $E"
rule_stands error
echo "ok: server down: llm_error, the rule verdict stands"

stub_start "$T/s500" "status:500"
run_zorg --llm "$STUB_URL" --llm-key-file "$KF" --max-restarts 0
stub_stop || true
expect_rc 1
[ "$(stub_count "$T/s500")" = 3 ] || fail "500 not retried twice: $(stub_count "$T/s500")"
expect_count 1 llm_error attempt=0
E=$(field llm_error error attempt=0)
[[ "$E" == *500* ]] || fail "llm_error does not name the status: $E"
rule_stands error
grep -qx "Bearer $KEY" "$T/s500/auth-0" || fail "the key file's key did not reach the server"
echo "ok: HTTP 500: retried, llm_error, the rule verdict stands"

stub_start "$T/sg" "content:$R/garbage"
run_zorg --llm "$STUB_URL" --llm-key-file "$KF" --max-restarts 0
stub_stop || true
expect_rc 1
expect_count 1 llm_rejected attempt=0
[ -n "$(field llm_rejected reason attempt=0)" ] || fail "llm_rejected without a reason"
rule_stands rejected
echo "ok: garbage: llm_rejected with the reason, the rule verdict stands"

chmod 640 "$KF"
run_zorg --llm "http://127.0.0.1:1" --llm-key-file "$KF"
expect_rc 2
[ -e "$RUN" ] && fail "a run started with a group-readable key file"
no_key_anywhere
echo "ok: a group-readable key file is a usage error"
check_no_leftovers
