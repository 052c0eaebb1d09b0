# The summary splits the time lost to a failure into the work lost (from the
# step of the checkpoint the run went on from to the failure) and the
# restart overhead (from the failure to the next attempt: stop, back-off).
# Only lower bounds that sleeps guarantee are checked, never upper ones.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
cat >"$T/trainer.py" <<'PY'
import os, sys, time
sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import endure_ckpt
if os.environ["ENDURE_ATTEMPT"] != "0":
    print("step 3", flush=True)
    sys.exit(0)
print("step 1", flush=True)
time.sleep(2.5)                      # work that the checkpoint keeps
with endure_ckpt.save(2) as d:
    open(os.path.join(d, "blob"), "wb").write(b"x" * 4096)
print("step 2 saved", flush=True)
time.sleep(1)                        # work that is lost
sys.exit(1)
PY
run_endure --nproc-per-node 1 --restart-backoff 2s --ckpt-dir "$T/ck" -- /usr/bin/python3 "$T/trainer.py"
expect_rc 0
expect_count 1 ckpt_complete step=2
grep -q "attempt 1: resumed from the checkpoint of step 2" "$ERR" || fail "resume not in the summary: $(tail "$ERR")"
line=$(grep "^  attempt 0: .*after it started.*work lost: " "$ERR") || fail "no per-attempt lost work: $(tail "$ERR")"
at=$(echo "$line" | sed -n 's/.*, \([0-9.]*\)s after it started.*/\1/p')
lost=$(echo "$line" | sed -n 's/.*work lost: \([0-9.]*\)s$/\1/p')
total=$(grep "time lost to failures:" "$ERR") || fail "no total"
tlost=$(echo "$total" | sed -n 's/.*: \([0-9.]*\)s of work lost.*/\1/p')
over=$(echo "$total" | sed -n 's/.*, \([0-9.]*\)s of restart overhead.*/\1/p')
[ -n "$at" ] && [ -n "$lost" ] && [ -n "$tlost" ] && [ -n "$over" ] || fail "cannot read the summary: $(tail "$ERR")"
/usr/bin/python3 - "$at" "$lost" "$tlost" "$over" <<'PY' || fail "summary numbers: $(tail -n 6 "$ERR")"
import sys
at, lost, tlost, over = map(float, sys.argv[1:])
assert at - lost >= 2.5, (at, lost)  # the 2.5 s before the checkpoint were kept
assert lost > 0, lost                # the second after it was not
assert tlost == lost, (tlost, lost)
assert over >= 2.0, over             # the back-off is overhead, not lost work
PY
check_no_leftovers
