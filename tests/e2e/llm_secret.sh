#!/bin/bash
# e2e: the LLM API key (issue 11) comes only from ENDURE_LLM_API_KEY or a
# private --llm-key-file; it reaches the server in the Authorization header
# and nowhere else: everything endure wrote (stdout, stderr, the saved
# request and reply, the learned rules) is grepped for it, after a good
# exchange, a rejected reply and failed ones. A key file readable by group
# or others is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/llm_common.bash"
L="$T/u.log"
make_unknown_log "$L"
OUTD="$T/written"
mkdir -p "$OUTD" "$T/replies"
KEY="sk-endure-test-$RANDOM$RANDOM-secret"
reply "$T/replies/good" framework runtime_error restart 0.9 "$KEY_LINE" \
    '{"match":"ZorgLib fatal: flux capacitor desynchronised on shard \\d+"}'
echo 'garbage' >"$T/replies/bad"
n=0
ask() { # SCRIPT [args...]: one diagnose with the stub, outputs under $OUTD
    local script=$1
    shift
    n=$((n + 1))
    stub_start "$T/stub-$n" "$script"
    "$ENDURE" diagnose --llm "$STUB_URL" --llm-save "$OUTD/save-$n" --learned-rules "$OUTD/learned.yaml" \
        "$@" "$L" >"$OUTD/out-$n" 2>"$OUTD/err-$n"
    "$ENDURE" diagnose --json --llm "$STUB_URL" "$@" "$L" >"$OUTD/json-$n" 2>&1
    stub_stop
}
ENDURE_LLM_API_KEY="$KEY" ask "content:$T/replies/good"
[ "$(cat "$T/stub-1/auth-0")" = "Bearer $KEY" ] || fail "the key from the environment did not reach the server"
ENDURE_LLM_API_KEY="$KEY" ask "content:$T/replies/bad"
ENDURE_LLM_API_KEY="$KEY" ask "status:401"
ENDURE_LLM_API_KEY="$KEY" ask "status:500" --llm-timeout 3s
printf '%s\n' "$KEY" >"$T/keyfile"
chmod 600 "$T/keyfile"
ask "content:$T/replies/good" --llm-key-file "$T/keyfile"
[ "$(cat "$T/stub-5/auth-0")" = "Bearer $KEY" ] || fail "the key from --llm-key-file did not reach the server"
grep -q 'llm:         framework' "$OUTD/out-5" || { cat "$OUTD/out-5"; fail "no verdict with the key file"; }
chmod 644 "$T/keyfile"
ask "content:$T/replies/good" --llm-key-file "$T/keyfile"
grep -q 'readable by group or others' "$OUTD/out-6" || { cat "$OUTD/out-6"; fail "a readable key file was used"; }
[ "$(stub_count "$T/stub-6")" = 0 ] || fail "a request was sent with a readable key file"
ls "$OUTD"/save-1/llm-request.json >/dev/null || fail "nothing saved"
if grep -rqF -- "$KEY" "$OUTD"; then
    grep -rlF -- "$KEY" "$OUTD" >&2
    fail "the key was written by endure"
fi
echo "ok: the key is in no file endure wrote ($(find "$OUTD" -type f | wc -l) files)"
check_no_leftovers
echo PASS
