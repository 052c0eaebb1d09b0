#!/bin/bash
# e2e: rules learned from the LLM (issue 11). An unknown failure goes to the
# stub, whose verdict carries a rule; the rule passes the safety checks and
# is appended to the learned file as a candidate with provenance. With
# --learned auto the same failure is then classified by the learned rule and
# the stub counts no second request; without it the candidate does not
# classify until `endure rules learned accept`; an accepted rule passes
# `endure rules test`; reject removes it. Hostile rules are refused with the
# reason: nested quantifiers (match limit on a 64 KiB line), `(a+)+$`, `.*`,
# a rule that matches a clean corpus line, one that matches a line from
# before the failure.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/llm_common.bash"
L="$T/u.log"
make_unknown_log "$L"
R="$T/replies"
LR="$T/lr/learned.yaml"
mkdir -p "$R"
want() { grep -q -- "$2" "$1" || { cat "$1" >&2; fail "no '$2' in $1"; }; }
rule_reply() { # FILE RULE_JSON
    reply "$1" framework runtime_error restart 0.9 "$KEY_LINE" "$2"
}
rule_reply "$R/good" '{"match":"ZorgLib fatal: flux capacitor desynchronised on shard \\d+","examples":["x"]}'

stub_start "$T/s1" "content:$R/good"
"$ENDURE" diagnose --llm "$STUB_URL" --llm-model stub-1 --learned-rules "$LR" "$L" >"$T/1.out" 2>&1
stub_stop
want "$T/1.out" 'llm rule:    learned.runtime_error_[0-9a-f]* (candidate, in '
want "$LR" 'status: candidate'
want "$LR" 'provenance: {source: llm, run: '"'offline'"', attempt: -1, model: '"'stub-1'"
want "$LR" "    - '$KEY_LINE'"
ID=$(sed -n 's/^- id: //p' "$LR")
"$ENDURE" rules learned list --learned-rules "$LR" >"$T/list" 2>&1 || fail "list failed"
want "$T/list" "$ID *candidate"
"$ENDURE" rules learned show "$ID" --learned-rules "$LR" >"$T/show" 2>&1 || fail "show failed"
want "$T/show" 'provenance:'
echo "ok: a safe rule is kept as a candidate with provenance"

# the same rule again is not appended twice
stub_start "$T/s1b" "content:$R/good"
"$ENDURE" diagnose --llm "$STUB_URL" --learned-rules "$LR" "$L" >"$T/1b.out" 2>&1
stub_stop
want "$T/1b.out" "llm rule:    $ID (known"
[ "$(grep -c '^- id:' "$LR")" = 1 ] || fail "the rule was appended twice"
echo "ok: no duplicate"

# --learned auto: the candidate classifies, no LLM call
stub_start "$T/s2" "content:$R/good"
"$ENDURE" diagnose --llm "$STUB_URL" --learned-rules "$LR" --learned auto "$L" >"$T/2.out" 2>&1
stub_stop
want "$T/2.out" "rule:        $ID"
want "$T/2.out" 'llm:         not asked'
[ "$(stub_count "$T/s2")" = 0 ] || fail "the learned rule did not spare the LLM call"
echo "ok: --learned auto: classified by the learned rule, no request"

# accepted (the default): a candidate does not classify
stub_start "$T/s3" "content:$R/good"
"$ENDURE" diagnose --llm "$STUB_URL" --learned-rules "$LR" "$L" >"$T/3.out" 2>&1
stub_stop
[ "$(stub_count "$T/s3")" = 1 ] || fail "a candidate classified without --learned auto"
"$ENDURE" rules learned accept "$ID" --learned-rules "$LR" >"$T/acc" 2>&1 || { cat "$T/acc"; fail "accept failed"; }
want "$LR" 'status: accepted'
"$ENDURE" rules test "$LR" >"$T/test" 2>&1 || { cat "$T/test"; fail "an accepted rule fails rules test"; }
stub_start "$T/s4" "content:$R/good"
"$ENDURE" diagnose --llm "$STUB_URL" --learned-rules "$LR" "$L" >"$T/4.out" 2>&1
stub_stop
want "$T/4.out" "rule:        $ID"
[ "$(stub_count "$T/s4")" = 0 ] || fail "an accepted rule did not classify"
"$ENDURE" rules learned reject "$ID" --learned-rules "$LR" >"$T/rej" 2>&1 || fail "reject failed"
grep -q "$ID" "$LR" && fail "reject left the rule"
"$ENDURE" rules learned show "$ID" --learned-rules "$LR" >/dev/null 2>&1 && fail "show of a removed rule"
echo "ok: accept, rules test, reject"

# hostile rules: refused with the reason, nothing appended
hostile() { # name rule_json reason
    rule_reply "$R/$1" "$2"
    stub_start "$T/h-$1" "content:$R/$1"
    "$ENDURE" diagnose --llm "$STUB_URL" --learned-rules "$T/h/$1.yaml" "$L" >"$T/h-$1.out" 2>&1
    stub_stop
    want "$T/h-$1.out" "llm rule:    refused: .*$3"
    want "$T/h-$1.out" '(source: llm)' # the verdict itself stands
    [ -s "$T/h/$1.yaml" ] && fail "$1: a refused rule was written"
    echo "ok: hostile $1 refused"
}
hostile nested '{"match":"ZorgLib fatal: (.+)+\\)$"}' 'backtracks too much'
hostile aplus '{"match":"(a+)+$"}' 'no prefilter literal'
hostile dotstar '{"match":".*","literals":["ZorgLib"]}' 'catch-all'
hostile benign '{"match":"ZorgLib fatal|incompatible with gradient checkpointing","literals":["ZorgLib fatal","gradient checkpointing"]}' 'benign corpus'
hostile before '{"match":"ZorgLib \\w+:","literals":["ZorgLib"]}' 'from before the failure'
hostile nomatch '{"match":"ZorgLib exploded"}' 'does not match the key line'
hostile badre '{"match":"ZorgLib (fatal"}' 'does not load'
check_no_leftovers
echo PASS
