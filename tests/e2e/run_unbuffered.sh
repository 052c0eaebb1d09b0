# A Python rank's prints reach its log even when the rank dies by SIGKILL
# right after them (as under the OOM killer): the ranks run with
# PYTHONUNBUFFERED=1 unless the user set it. With PYTHONUNBUFFERED= (empty,
# Python's own default) in endure's environment the same line is lost in
# Python's buffer, which shows what the default is for.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
cat >"$T/last_words.py" <<'PY'
import os, signal
print("step 1 loss 1.0")
print("last words before the kill")
os.kill(os.getpid(), signal.SIGKILL)
PY
run_endure --nproc-per-node 1 --max-restarts 0 -- /usr/bin/python3 "$T/last_words.py"
expect_rc 1
grep -q "last words before the kill" "$RUN/attempt-0/node0/rank-0.log" ||
    fail "the line printed before SIGKILL is not in the rank log"
check_no_leftovers
PYTHONUNBUFFERED= run_endure --nproc-per-node 1 --max-restarts 0 -- /usr/bin/python3 "$T/last_words.py"
expect_rc 1
grep -q "last words before the kill" "$RUN/attempt-0/node0/rank-0.log" &&
    fail "PYTHONUNBUFFERED= (set empty by the user) was overridden"
check_no_leftovers
echo ok
