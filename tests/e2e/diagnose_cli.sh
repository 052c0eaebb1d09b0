#!/bin/bash
# e2e: `endure diagnose` and `endure rules` from the command line: exit codes
# (0 verdict, 1 unreadable input, 2 usage), bad input (missing file, binary
# file, truncated gzip, empty file, directory without logs, a 100 MB line),
# run directory layout, stdin, --json being exactly one object, rules
# check/test. Inputs are generated into a temp dir.
set -u
source "${ENDURE_SRC:-.}/tests/e2e/diag_common.bash" diag

printf '[rank0]: step 1 loss 2.0\n[rank1]: Traceback (most recent call last):\n[rank1]:   File "t.py", line 1\n[rank1]: KeyError: '"'"'lr'"'"'\n[rank0]: [Rank 0] Watchdog caught collective operation timeout: x\n' > "$T/mixed.log"

"$ENDURE" diagnose $RULES "$T/mixed.log" > "$T/out" 2>&1; check "human verdict" 0 $?
has "human type" "$T/out" "key_error"
has "key line with file:line" "$T/out" "mixed.log:4"
"$ENDURE" diagnose $RULES --json "$T/mixed.log" > "$T/json" 2>&1; check "json verdict" 0 $?
/usr/bin/python3 -c 'import json,sys; v=json.loads(open(sys.argv[1]).read()); assert v["type"]=="key_error" and v["culprit"]["rank"]==1 and v["culprit"]["host"] is None, v' "$T/json"
check "json is exactly one object with the verdict" 0 $?
"$ENDURE" diagnose $RULES --json --all "$T/mixed.log" > "$T/all" 2>&1; check "--all --json" 0 $?
/usr/bin/python3 -c 'import json,sys; v=json.loads(open(sys.argv[1]).read()); assert len(v["events"])==2, v' "$T/all"
check "--all lists every match" 0 $?
"$ENDURE" diagnose $RULES --compress "$T/mixed.log" > "$T/cz" 2> "$T/cz.err"; check "--compress" 0 $?
has "compression ratio reported" "$T/cz.err" "ratio"
cat "$T/mixed.log" | "$ENDURE" diagnose $RULES --json - > "$T/stdin" 2>&1; check "stdin" 0 $?
has "stdin verdict" "$T/stdin" '"key_error"'

printf 'overrides:\n  key_error: restart\n' > "$T/policy.yaml"
"$ENDURE" diagnose $RULES --json --policy "$T/policy.yaml" "$T/mixed.log" > "$T/o" 2>&1; check "--policy" 0 $?
has "policy overrides the action" "$T/o" '"action":"restart"'
printf 'overrides:\n  key_error: reboot\n' > "$T/badpolicy.yaml"
"$ENDURE" diagnose $RULES --policy "$T/badpolicy.yaml" "$T/mixed.log" > "$T/o" 2>&1; check "bad policy: usage" 2 $?
has "bad policy position" "$T/o" "badpolicy.yaml:2:14: unknown action"

# a stream that starts with an empty line (regression: crashed the line splitter)
printf '\nKeyError: 1\n' | "$ENDURE" diagnose $RULES --json - > "$T/o" 2>&1; check "leading empty line" 0 $?

# usage errors
"$ENDURE" diagnose > "$T/u" 2>&1; check "no path: usage" 2 $?
"$ENDURE" diagnose --frobnicate "$T/mixed.log" > "$T/u" 2>&1; check "bad flag: usage" 2 $?
"$ENDURE" diagnose --compress --json "$T/mixed.log" > "$T/u" 2>&1; check "conflicting flags: usage" 2 $?
"$ENDURE" diagnose --help > "$T/u" 2>&1; check "--help" 0 $?

# unreadable input
"$ENDURE" diagnose $RULES "$T/nope.log" > "$T/o" 2>&1; check "missing file" 1 $?
has "missing file named" "$T/o" "endure diagnose: .*nope.log: No such file or directory"
head -c 20000 /dev/urandom > "$T/bin.log"; printf '\0\0' >> "$T/bin.log"
"$ENDURE" diagnose $RULES "$T/bin.log" > "$T/o" 2>&1; check "binary file" 1 $?
has "binary file named" "$T/o" "binary file"
mkdir "$T/empty-dir"; touch "$T/empty-dir/notes.md"
"$ENDURE" diagnose $RULES "$T/empty-dir" > "$T/o" 2>&1; check "directory without logs" 1 $?
has "no log files" "$T/o" "no log files"
/usr/bin/python3 -c 'import gzip,sys; sys.stdout.buffer.write(gzip.compress(("x"*50+"\n").encode()*20000 + b"uncorrectable ECC error\n"))' > "$T/full.log.gz"
"$ENDURE" diagnose $RULES --json "$T/full.log.gz" > "$T/o" 2>&1; check "gzip file" 0 $?
has "gzip verdict" "$T/o" '"ecc_error"'
head -c 3000 "$T/full.log.gz" > "$T/cut.log.gz"
"$ENDURE" diagnose $RULES "$T/cut.log.gz" > "$T/o" 2>&1; check "truncated gzip" 1 $?
has "truncated gzip named" "$T/o" "truncated gzip"

# empty file: a verdict (unknown), exit 0
: > "$T/empty.log"
"$ENDURE" diagnose $RULES --json "$T/empty.log" > "$T/o" 2>&1; check "empty file" 0 $?
has "empty file is unknown" "$T/o" '"category":"unknown"'

# a 100 MB line without newline, then an error line: bounded time and memory
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(b"a" * (100 << 20) + b"\nuncorrectable ECC error\n")' > "$T/long.log"
lim=""
case "${ENDURE_TEST_BUILD:-}" in *asan*) ;; *) lim="ulimit -v 400000;" ;; esac
start=$(date +%s)
bash -c "$lim exec timeout 60 \"$ENDURE\" diagnose $RULES --json \"$T/long.log\"" > "$T/o" 2>&1; check "100 MB line" 0 $?
has "line after the long one classified" "$T/o" '"ecc_error"'
echo "100 MB line took $(( $(date +%s) - start )) s"

# run directory: the highest attempt, node and rank from the path
mkdir -p "$T/run/attempt-0/n1" "$T/run/attempt-1/n2" "$T/run/attempt-1/n1"
echo "KeyError: 'old attempt'" > "$T/run/attempt-0/n1/rank-0.log"
echo "step 5 loss 1.0" > "$T/run/attempt-1/n1/rank-0.log"
printf 'step 5 loss 1.0\nuncorrectable ECC error\n' > "$T/run/attempt-1/n2/rank-3.log"
"$ENDURE" diagnose $RULES --json "$T/run" > "$T/o" 2>&1; check "run directory" 0 $?
/usr/bin/python3 -c 'import json,sys; v=json.loads(open(sys.argv[1]).read()); c=v["culprit"]; assert v["type"]=="ecc_error" and c["host"]=="n2" and c["rank"]==3 and v["key_line"]["file"].endswith("attempt-1/n2/rank-3.log"), v' "$T/o"
check "run directory: culprit node and rank from the path" 0 $?

# a hang leaves no failure line: for a run directory whose last attempt
# failed, the controller's own verdict (failure.json) answers; types checked
mkdir -p "$T/hung/attempt-0/n1"
printf 'step 1 loss 2.0\nstep 2 loss 1.9\n' > "$T/hung/attempt-0/n1/rank-0.log"
"$ENDURE" diagnose $RULES --json "$T/hung" > "$T/o" 2>&1; check "run dir without failure.json" 0 $?
has "logs alone that just stop: no failure found, not success" "$T/o" '"type":"no_failure"'
printf '{"category":"hang","type":"hang","culprit":{"host":"n1","rank":[1],"gpu":{}},"action":"restart","rule":null,"confidence":"high","key_line":7,"evidence":"x","explanation":"hang: no progress for 30 s","extra":1}' > "$T/hung/attempt-0/failure.json"
"$ENDURE" diagnose $RULES --json "$T/hung" > "$T/o" 2>&1; check "run dir with failure.json" 0 $?
/usr/bin/python3 -c '
import json, sys
v = json.loads(open(sys.argv[1]).read())
assert v["type"] == "hang" and v["culprit"] == {"host": "n1", "rank": None, "gpu": None}, v
assert v["confidence"] is None and v["key_line"] is None and v["evidence"] == [] and "extra" not in v, v
assert "controller" in v["explanation"] and "failure.json" in v["explanation"], v' "$T/o"
check "run dir: the controller's hang verdict, sanitized" 0 $?
echo '{"category": 5}' > "$T/hung/attempt-0/failure.json"
"$ENDURE" diagnose $RULES --json "$T/hung" > "$T/o" 2>&1; check "run dir with a junk failure.json" 0 $?
has "junk failure.json ignored" "$T/o" '"type":"no_failure"'

# a log that just stops: no failure found (no completion line: not a proven success)
printf 'step 1 loss 2.0\nstep 2 loss 1.9\n' > "$T/clean.log"
"$ENDURE" diagnose $RULES --json "$T/clean.log" > "$T/o" 2>&1; check "clean log" 0 $?
has "clean log is no failure found" "$T/o" '"type":"no_failure"'
has "clean log: last activity" "$T/o" '"last_activity":"training at step 2"'

# rules check / test
printf -- '- id: a\n  category: script\n  type: key_error\n  role: root\n  action: reboot\n  match: x\n  explain: x\n  examples: [x]\n' > "$T/bad.yaml"
"$ENDURE" rules check "$T/bad.yaml" > "$T/o" 2>&1; check "rules check: bad file" 1 $?
has "rules check: file:line:col" "$T/o" "bad.yaml:5:11: unknown action"
"$ENDURE" rules check "$SRC/tests/data/rules-unit/basic.yaml" > "$T/o" 2>&1; check "rules check: good file" 0 $?
"$ENDURE" rules test "$SRC/tests/data/rules-unit/basic.yaml" > "$T/o" 2>&1; check "rules test: unit rules" 0 $?
has "rules test summary" "$T/o" "^12 passed, 0 failed"
printf -- '- id: a\n  category: script\n  type: key_error\n  role: root\n  action: stop\n  match: abc\n  explain: x\n  examples: [xyz]\n' > "$T/wrong.yaml"
"$ENDURE" rules test "$T/wrong.yaml" > "$T/o" 2>&1; check "rules test: failing example" 1 $?
has "rules test failure summary" "$T/o" "0 passed, 1 failed"
# an example that has the literal but none of the requires fails the test
printf -- "- id: a\n  category: script\n  type: key_error\n  role: root\n  action: stop\n  match: 'loss: (?:nan|x)'\n  explain: x\n  literals: [loss]\n  requires: [nan]\n  examples: ['loss: nan', 'loss: x']\n" > "$T/req.yaml"
"$ENDURE" rules test "$T/req.yaml" > "$T/o" 2>&1; check "rules test: example without a require" 1 $?
has "rules test: requires missing" "$T/o" "example is not selected by the prefilter (literals or requires missing): loss: x"
has "rules test: requires summary" "$T/o" "1 passed, 1 failed"
if [ -d "$SRC/rules" ]; then
    "$ENDURE" rules test > "$T/o" 2>&1; check "rules test: shipped set" 0 $?
    tail -n 1 "$T/o"
fi
"$ENDURE" rules frob > "$T/o" 2>&1; check "rules: bad subcommand" 2 $?
exit $fail
