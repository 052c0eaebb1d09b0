# A rank that stops making progress is a hang after --hang-timeout; a job
# that never shows progress is a hang after --startup-timeout; a rank that
# touches ENDURE_HEARTBEAT_FILE instead of printing is making progress;
# `endure diagnose` of a hung run directory names the hang.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
# (rank 0 finishes before the hang: the stack dump that precedes the stop
# must not wait for it, so a 10-minute --hang-dump-timeout costs nothing)
run_endure --nproc-per-node 2 --hang-timeout 1s --hang-dump-timeout 10m --restart-backoff 0 -- \
    "$FAKE" --steps 30 --step-ms 100 --hang 1@0 --at-step 3
expect_rc 0
expect_count 1 hang attempt=0
expect_count 1 failure kind=hang
expect_count 2 attempt_start
run_endure --startup-timeout 800ms --max-restarts 0 -- /bin/sh -c 'exec sleep 30'
expect_rc 1
expect_count 1 hang attempt=0
grep -q "before any progress" "$ERR" || fail "startup timeout named"
# the on-call view of that run: the logs hold no failure line, the
# controller's verdict of the last attempt names the hang
"$ENDURE" diagnose --json "$RUN" >"$T/diag" || fail "diagnose of the hung run"
grep -q '"type":"hang"' "$T/diag" || fail "diagnose does not name the hang: $(cat "$T/diag")"
run_endure --nproc-per-node 1 --startup-timeout 1s --hang-timeout 1s -- "$FAKE" --steps 25 --step-ms 100 --heartbeat
expect_rc 0
expect_count 0 hang
check_no_leftovers
