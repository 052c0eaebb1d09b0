# Bounded disk without flags: a run that fails in attempts 0 and 1 and
# finishes in attempt 2 leaves attempt 0's rank logs gzipped (rank-R.log.1.gz,
# read back whole, the first failure's line in one of them; `endure diagnose`
# of attempt-0 and `endure bundle`'s tail still find it) and the last two
# attempts' plain; --plain-logs leaves all plain. `endure status` shows the
# bytes of the rank logs, the journal, the rest of the run directory and the
# checkpoint store, equal to what find(1) counts.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
TR="$ENDURE_SRC/tests/e2e/weeks_trainer.py"
J() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
sum() { find "$@" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 1 --ckpt-dir "$T/ck" --restart-backoff 0 -- \
    /usr/bin/python3 "$TR" --steps 12 --step-ms 20 --every 4 --fail-at 6 --fail-attempts 0,1
expect_rc 0
expect_count 3 attempt_start
# (a node still loading its rules when a failed attempt was stopped spawned
# nothing in it: the failed attempts' checks cover the logs that exist)
[ -f "$RUN/attempt-2/n1/rank-0.log" ] && [ -f "$RUN/attempt-2/n2/rank-1.log" ] ||
    fail "the last attempt's logs are not plain: $(ls "$RUN"/attempt-2/n*)"
[ -z "$(ls "$RUN"/attempt-1/n*/*.gz 2>/dev/null)" ] || fail "attempt 1's logs are not plain: $(ls "$RUN"/attempt-1/n*)"
[ -n "$(ls "$RUN"/attempt-0/n*/rank-*.log.1.gz 2>/dev/null)" ] && [ -z "$(ls "$RUN"/attempt-0/n*/rank-*.log 2>/dev/null)" ] ||
    fail "attempt 0's logs were not gzipped: $(ls "$RUN"/attempt-0/n*)"
zcat "$RUN"/attempt-0/n*/rank-*.log.1.gz > "$T/a0"
grep -q "^step 1 loss" "$T/a0" && grep -q "RuntimeError: weeks_trainer fails at step 6 in attempt 0" "$T/a0" ||
    fail "the gzipped log lost lines: $(cat "$T/a0")"
"$ENDURE" diagnose --json "$RUN/attempt-0" > "$T/d0.json"
grep -q "weeks_trainer fails at step 6" "$T/d0.json" || fail "diagnose of attempt 0: $(head -c 600 "$T/d0.json")"
"$ENDURE" bundle "$RUN" -o "$T/b.tar.gz" 2>/dev/null || fail "bundle"
tar -xzOf "$T/b.tar.gz" --wildcards 'endure-bundle/attempt-0/*/rank-*.log.tail' | grep -q "weeks_trainer fails at step 6 in attempt 0" ||
    fail "the bundle has no tail of attempt 0's gzipped log: $(tar -tzf "$T/b.tar.gz")"

"$ENDURE" status --json "$RUN" > "$T/st.json"
logs=$(find "$RUN" -type f -name 'rank-*.log*' -printf '%s\n' | awk '{s += $1} END {print s + 0}')
[ "$(J "$T/st.json" 'd["disk"]["logs_bytes"]')" = "$logs" ] || fail "log bytes: $(J "$T/st.json" 'd["disk"]') vs $logs"
[ "$(J "$T/st.json" 'd["disk"]["journal_bytes"]')" = "$(stat -c %s "$RUN/events.jsonl")" ] || fail "journal bytes"
[ "$(J "$T/st.json" 'd["disk"]["logs_bytes"] + d["disk"]["journal_bytes"] + d["disk"]["other_bytes"]')" = "$(sum "$RUN")" ] ||
    fail "run dir bytes: $(J "$T/st.json" 'd["disk"]') vs $(sum "$RUN")"
[ "$(J "$T/st.json" 'd["disk"]["ckpt_bytes"]')" = "$(sum "$T/ck")" ] || fail "store bytes: $(J "$T/st.json" 'd["disk"]')"
[ "$(J "$T/st.json" 'd["disk"]["ckpt_bytes"] > 4096')" = True ] || fail "no checkpoint bytes counted"
"$ENDURE" status "$RUN" | grep -qE "^disk: +logs [0-9.]+ (B|KiB), journal [0-9.]+ KiB, other .*; checkpoints [0-9.]+ KiB$" ||
    fail "text status lacks the disk line: $("$ENDURE" status "$RUN")"
check_no_leftovers

run_endure --nodes n1 --nnodes 1 --nproc-per-node 1 --plain-logs --restart-backoff 0 -- \
    /usr/bin/python3 "$TR" --steps 8 --step-ms 20 --fail-at 3 --fail-attempts 0,1
expect_rc 0
expect_count 3 attempt_start
[ -f "$RUN/attempt-0/n1/rank-0.log" ] && [ ! -e "$RUN/attempt-0/n1/rank-0.log.1.gz" ] ||
    fail "--plain-logs: attempt 0's log was compressed: $(ls "$RUN/attempt-0/n1")"
check_no_leftovers
