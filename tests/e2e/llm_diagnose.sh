#!/bin/bash
# e2e: `endure diagnose --llm` against a loopback stub server (llm_stub.py)
# for each scripted reply of issue 11: a good verdict, fenced JSON, prose +
# JSON, garbage, an unknown type, a type of another category, a key line
# not in the logs, a rank not in the run, a confidence out of range, HTTP
# 500, 429 then success, a server that refuses response_format, a reply
# slower than --llm-timeout, connection refused, a 10 MB reply, a reply
# dripped one byte a second. For each the rule verdict is still printed,
# the output says why the LLM verdict was not used, and a validated LLM
# verdict decides only when the rules had none; a confident rule verdict
# is never sent to the LLM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/llm_common.bash"
L="$T/u.log"
make_unknown_log "$L"
R="$T/replies"
mkdir -p "$R"
reply "$R/good" framework runtime_error restart 0.9 "$KEY_LINE"
{ echo 'Here is my analysis.'; echo '```json'; cat "$R/good"; echo '```'; } >"$R/fenced"
{ echo 'The root cause is clear. Verdict:'; cat "$R/good"; } >"$R/prose"
echo 'I think it is the network, probably.' >"$R/garbage"
reply "$R/badtype" framework flux_error restart 0.9 "$KEY_LINE"
reply "$R/othercat" script runtime_error restart 0.9 "$KEY_LINE"
reply "$R/nokey" framework runtime_error restart 0.9 "ZorgLib fatal: something that was never printed"
reply "$R/conf" framework runtime_error restart 1.5 "$KEY_LINE"
sed 's/"rank":1/"rank":7/' "$R/good" >"$R/rank"
reply "$R/stoplow" script os_error stop 0.5 "$KEY_LINE"

# case NAME SCRIPT [endure args...]: diagnose with the stub; $OUTF, $JS
case_run() {
    local name=$1 script=$2
    shift 2
    stub_start "$T/stub-$name" "$script"
    OUTF="$T/$name.out"
    "$ENDURE" diagnose --llm "$STUB_URL" --llm-model stub-1 --llm-save "$T/save-$name" "$@" "$L" >"$OUTF" 2>&1
    "$ENDURE" diagnose --json --llm "$STUB_URL" --llm-model stub-1 "$@" "$L" >"$OUTF.json" 2>"$OUTF.err" ||
        fail "$name: --json exit $?"
    stub_stop
}
want() { grep -q -- "$2" "$1" || { cat "$1" >&2; fail "no '$2' in $1"; }; }

case_run good "content:$R/good"
want "$T/good.out" 'llm:         framework/runtime_error, action restart'
want "$T/good.out" 'decision:    framework/runtime_error, action restart (source: llm)'
want "$T/good.out" 'category:    none'   # the rule verdict is still printed
[ "$(jget "$T/good.out.json" 'v["llm"]["verdict"]["source"]')" = llm ] || fail "good: source not llm"
[ "$(jget "$T/good.out.json" 'v["decision"]["source"]')" = llm ] || fail "good: llm does not decide"
[ "$(jget "$T/good.out.json" 'v["llm"]["verdict"]["key_line"]["line"]')" = 12 ] || fail "good: key line number"
[ -s "$T/save-good/llm-request.json" ] && [ -s "$T/save-good/llm-reply.json" ] || fail "request/reply not saved"
[ "$(jget "$T/save-good/llm-request.json" 'v["body"]["temperature"]')" = 0.0 ] || fail "temperature not 0"
[ "$(jget "$T/save-good/llm-request.json" 'v["body"]["response_format"]["type"]')" = json_object ] || fail "no response_format"
[ "$(jget "$T/save-good/llm-request.json" 'v["prompt_version"]')" = 1 ] || fail "prompt version"
grep -q 'flux capacitor' "$T/stub-good/req-0.json" || fail "the prompt lacks the key line"
[ "$(stat -c %a "$T/save-good/llm-request.json")" = 600 ] || fail "request file not 0600"
echo "ok: good verdict"

for c in fenced prose; do
    case_run $c "content:$R/$c"
    want "$T/$c.out" '(source: llm)'
    echo "ok: $c"
done

# rejected replies: the rule verdict decides, the reason is printed
check_rejected() { # name reason
    want "$T/$1.out" "llm:         rejected: .*$2"
    want "$T/$1.out" 'decision:    none/no_failure, action none (source: rules)'
    [ "$(jget "$T/$1.out.json" 'v["decision"]["source"]')" = rules ] || fail "$1: llm decides"
    echo "ok: $1 rejected"
}
case_run garbage "content:$R/garbage"; check_rejected garbage 'no JSON object'
case_run badtype "content:$R/badtype"; check_rejected badtype "unknown type 'flux_error'"
case_run othercat "content:$R/othercat"; check_rejected othercat "type 'runtime_error' is not of category 'script'"
case_run nokey "content:$R/nokey"; check_rejected nokey 'key_line does not occur verbatim'
case_run conf "content:$R/conf"; check_rejected conf 'confidence'
case_run rank "content:$R/rank"; check_rejected rank 'culprit rank 7 is not a rank of this run'

# stop below 0.8 confidence becomes restart
case_run stoplow "content:$R/stoplow"
want "$T/stoplow.out" 'llm:         script/os_error, action restart'
[ "$(jget "$T/stoplow.out.json" 'v["llm"]["verdict"]["action_asked"]')" = stop ] || fail "stoplow: action_asked"
echo "ok: a weak stop becomes restart"

# failures of the server: the rule verdict stands, the reason is printed
check_failed() { # name reason
    want "$T/$1.out" "llm:         failed: .*$2"
    want "$T/$1.out" '(source: rules)'
    echo "ok: $1"
}
case_run s500 "status:500"; check_failed s500 'HTTP status 500'
[ "$(jget "$T/save-s500/llm-reply.json" 'v["tries"]')" = 3 ] || fail "500: not 1 try + 2 retries"
case_run s429 "status:429,content:$R/good"
want "$T/s429.out" '(source: llm)'
echo "ok: 429 then success"
case_run noformat "noformat:$R/good"
want "$T/noformat.out" '(source: llm)'
grep -q response_format "$T/stub-noformat/req-1.json" && fail "the retry still sends response_format"
echo "ok: response_format refused, retried without"
case_run slow "slow:5:$R/good" --llm-timeout 1s; check_failed slow 'Timeout'
case_run big big; check_failed big 'larger than 1048576 bytes'
case_run drip "drip:$R/good" --llm-timeout 2s; check_failed drip 'Timeout'
case_run reset reset; check_failed reset 'Server returned nothing\|Failure when receiving\|Recv failure'

port=$(closed_port)
"$ENDURE" diagnose --llm "http://127.0.0.1:$port" "$L" >"$T/refused.out" 2>&1
want "$T/refused.out" 'llm:         failed: .*onnect'
want "$T/refused.out" '(source: rules)'
echo "ok: connection refused"

# a confident rule verdict is not sent
printf '[rank0]: Traceback (most recent call last):\n[rank0]:   File "t.py", line 1\n[rank0]: KeyError: '"'"'lr'"'"'\n' >"$T/key.log"
stub_start "$T/stub-conf" "content:$R/good"
"$ENDURE" diagnose --llm "$STUB_URL" "$T/key.log" >"$T/confident.out" 2>&1
stub_stop
want "$T/confident.out" 'llm:         not asked'
[ "$(stub_count "$T/stub-conf")" = 0 ] || fail "a confident verdict was sent to the LLM"
echo "ok: a confident rule verdict is not sent"
check_no_leftovers
echo PASS
