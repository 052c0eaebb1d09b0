# A job that always fails spends --max-restarts, backs off exponentially, and
# exits 1; a rank killed by a signal is reported with the signal.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
# (progress before every crash, so that it is not a crash loop)
run_endure --max-restarts 2 --restart-backoff 50ms -- "$FAKE" --steps 5 --signal 0 --signo 11 --at-step 3
expect_rc 1
expect_count 3 attempt_start
expect_count 3 rank_exit signal=11
[ "$(field restart backoff_ms next_attempt=1)" = 50 ] || fail "first back-off"
[ "$(field restart backoff_ms next_attempt=2)" = 100 ] || fail "doubling back-off"
expect_count 1 run_end exit_code=1
grep -q "restart budget spent (2 of 2)" "$ERR" || fail "reason"
grep -q "killed by signal 11" "$ERR" || fail "signal in the summary"
check_no_leftovers
