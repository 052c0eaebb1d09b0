#!/bin/bash
# e2e: bench/corpus_real.py --llm URL, the measurement of rules plus the LLM
# fallback, on a three-log corpus of the real corpus's layout and the
# loopback stub (llm_stub.py's lastline step: a valid verdict for any log).
# A log the rules classify with confidence is not sent; an unknown one is,
# and the LLM's verdict is the one scored (its misses say "rule llm"); the
# counts of logs sent and decided match the requests the server got; the
# same corpus without --llm scores the rules alone; a server that does not
# answer is counted as such; a corpus directory without its files is
# refused with a clear error.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/llm_common.bash"
C="$T/corpus"
mkdir -p "$C"
make_unknown_log "$C/zorg.log"
printf '[rank0]: Traceback (most recent call last):\n[rank0]:   File "t.py", line 1\n[rank0]: KeyError: '"'"'lr'"'"'\n' >"$C/keyerr.log"
printf 'epoch 1 step 10 loss 2.1\nepoch 1 step 20 loss 2.0\n' >"$C/stops.log"
{
    printf 'id\turl\tcategory\ttype\taction\thost\trank\tgpu\tkey\treason\n'
    printf 'zorg\t-\tinfrastructure\tnetwork_error\trestart\t\t\t\t%s\tstub corpus\n' "$KEY_LINE"
    printf 'keyerr\t-\tscript\tkey_error\tstop\t\t\t\tKeyError\tstub corpus\n'
    printf 'stops\t-\tnone\tno_failure\tnone\t\t\t\t-\tstub corpus\n'
} >"$C/labels.tsv"
printf 'id\tsplit\nzorg\tdev\nkeyerr\tdev\nstops\tdev\n' >"$C/split.tsv"
CR="$ENDURE_SRC/bench/corpus_real.py"
export ENDURE_RULES_DIR="$ENDURE_SRC/rules"

/usr/bin/python3 "$CR" --endure "$ENDURE" --corpus "$C" --misses dev >"$T/rules.out" 2>&1 || fail "rules only: exit $?"
grep -q 'category 66.7%' "$T/rules.out" || { cat "$T/rules.out" >&2; fail "rules alone: 2 of 3 expected"; }
grep -q 'rules + LLM' "$T/rules.out" && fail "an LLM line without --llm"
echo "ok: rules alone"

# the stub says infrastructure/network_error for whatever it is sent
printf '{"category":"infrastructure","type":"network_error","action":"restart","culprit":{"host":null,"rank":null,"gpu":null},"confidence":0.9,"key_line":@KEY@,"explanation":"stub"}\n' >"$T/reply"
stub_start "$T/stub" "lastline:$T/reply"
/usr/bin/python3 "$CR" --endure "$ENDURE" --corpus "$C" --misses dev --llm "$STUB_URL" --llm-model stub-1 \
    >"$T/llm.out" 2>&1 || fail "with --llm: exit $?"
/usr/bin/python3 "$CR" --endure "$ENDURE" --corpus "$C" --json --llm "$STUB_URL" >"$T/llm.json" 2>&1 ||
    fail "with --llm --json: exit $?"
n=$(stub_count "$T/stub")
stub_stop
cat "$T/llm.out"
# zorg and stops are sent (unknown, no failure), keyerr (confident) is not
grep -q "2 logs sent to the LLM, 2 decided by it, 0 got no answer" "$T/llm.out" || fail "sent/decided counts"
grep -q "model stub-1 at $STUB_URL" "$T/llm.out" || fail "model and server not named"
[ "$n" = 4 ] || fail "the server got $n requests, not 2 per run"
# zorg is now right (category, type and action from the LLM), stops wrong
grep -q 'MISS zorg' "$T/llm.out" && fail "the LLM's verdict of zorg was not scored"
grep -q 'MISS stops .*got infrastructure/network_error/restart.*(rule llm)' "$T/llm.out" || fail "stops not scored on the LLM's verdict"
grep -q 'MISS keyerr' "$T/llm.out" && fail "the confident rule verdict changed"
[ "$(jget "$T/llm.json" 'v["dev"]["llm_asked"], v["dev"]["llm_decided"], v["dev"]["category"]')" = "(2, 2, 2)" ] ||
    fail "json: $(cat "$T/llm.json")"
echo "ok: rules + LLM"

# a server that is not there: the rules' verdicts are scored, and the
# figures say that the logs sent got no answer
/usr/bin/python3 "$CR" --endure "$ENDURE" --corpus "$C" --misses dev --llm "http://127.0.0.1:$(closed_port)" \
    --llm-timeout 2s >"$T/down.out" 2>&1 || fail "server down: exit $?"
grep -q "2 logs sent to the LLM, 0 decided by it, 2 got no answer" "$T/down.out" || { cat "$T/down.out" >&2; fail "no answer not counted"; }
grep -q 'category 66.7%' "$T/down.out" || fail "server down: not the rules' figures"
echo "ok: a server that does not answer"

/usr/bin/python3 "$CR" --corpus "$T/nowhere" >"$T/nocorpus.out" 2>&1 && fail "a missing corpus accepted"
grep -q "no labels.tsv" "$T/nocorpus.out" || fail "no clear error for a missing corpus"

/usr/bin/python3 "$CR" --corpus "$C" --llm-model x >"$T/bad.out" 2>&1 && fail "--llm-model without --llm accepted"
grep -q 'need --llm URL' "$T/bad.out" || fail "no reason for the refusal"
echo "ok: --llm-model needs --llm"
check_no_leftovers
echo PASS
