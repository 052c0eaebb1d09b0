# Colored output (a colored logger, Ray's colored worker prefixes): a rank
# that prints its traceback and error with terminal escape sequences
# around the words is classified as if they were not there, live (the
# verdict is script/key_error and stops the run at once; its key line has
# no escape byte) and offline (`endure diagnose` on the run directory and
# on the log as an issue would paste it, with the ESC bytes lost); the
# rank log keeps the bytes the rank wrote.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
cat >"$T/colored.py" <<'PY'
import sys
R, B, Z = "\x1b[31m", "\x1b[1;36m", "\x1b[0m"
print(B + "step 1 loss 2.5" + Z, flush=True)
sys.stderr.write(R + "Traceback (most recent call last):" + Z + "\n")
sys.stderr.write('  File "train.py", line 9, in <module>\n')
sys.stderr.write("\x1b]0;train\x07" + R + "KeyError: 'learning_rate'" + Z + "\x1b[K\n")
sys.exit(1)
PY
run_endure --nproc-per-node 1 --max-restarts 2 --restart-backoff 0 -- /usr/bin/python3 "$T/colored.py"
expect_rc 3
expect_count 1 attempt_start
f="$RUN/attempt-0/failure.json"
/usr/bin/python3 - "$f" <<'PY' || fail "failure.json: $(cat "$f")"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["category"] == "script" and v["type"] == "key_error" and v["action"] == "stop", v
assert v["key_line"]["text"] == "KeyError: 'learning_rate'", v["key_line"]
PY
log=$(ls "$RUN"/attempt-0/*/rank-0.log)
grep -q $'\x1b\\[31mKeyError' "$log" || fail "the rank log lost the escape bytes: $(cat -v "$log")"
"$ENDURE" diagnose --json "$RUN" >"$T/off.json" || fail "diagnose exit $?"
grep -q '"type": *"key_error"' "$T/off.json" || fail "offline: $(cat "$T/off.json")"
# as pasted into an issue: the ESC bytes gone, "[31m" and "[0m" left
tr -d '\033' <"$log" >"$T/pasted.log"
grep -q '\[31mKeyError' "$T/pasted.log" || fail "no bare remnant in $(cat "$T/pasted.log")"
"$ENDURE" diagnose --json "$T/pasted.log" >"$T/pasted.json" || fail "diagnose exit $?"
grep -q '"type": *"key_error"' "$T/pasted.json" || fail "pasted: $(cat "$T/pasted.json")"
check_no_leftovers
