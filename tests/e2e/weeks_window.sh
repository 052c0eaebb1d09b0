# Restart budgets per window: --max-restarts 1 with --restart-window. Three
# failures spaced wider than a 1s window (each attempt runs 2s before it
# fails) never exhaust the budget: the run restarts three times and succeeds.
# The same failures as a burst (a 1h window: all of them in it) end the run
# at the second failure with the budget spent. No timing is asserted: under
# load the spaced attempts only run longer.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
cat >"$T/flaky.sh" <<'SH'
#!/bin/bash
echo "step 1 loss 2.0"
if [ "$ENDURE_ATTEMPT" -lt 3 ]; then
    sleep "$PAUSE"
    echo "RuntimeError: flaky failure in attempt $ENDURE_ATTEMPT"
    exit 1
fi
echo "step 2 loss 1.0"
SH
chmod +x "$T/flaky.sh"
PAUSE=2 run_endure --nodes n1 --max-restarts 1 --restart-window 1s --restart-backoff 0 -- "$T/flaky.sh"
expect_rc 0
expect_count 3 restart
expect_count 1 restart next_attempt=3 budget_left=0 window_ms=1000
expect_count 0 restart budget_used=2
grep -q "restart budget: [01] of 1 left (restarts in any 1s window)" "$ERR" || fail "the summary does not show the budget: $(tail -n 6 "$ERR")"
PAUSE=0 run_endure --nodes n1 --max-restarts 1 --restart-window 1h --restart-backoff 0 -- "$T/flaky.sh"
expect_rc 1
expect_count 1 restart
grep -q "restart budget spent (1 of 1 in the --restart-window)" "$ERR" || fail "burst: $(tail -n 6 "$ERR")"
# without a window the same spaced failures spend the budget (the run's count)
PAUSE=0 run_endure --nodes n1 --max-restarts 1 --restart-backoff 0 -- "$T/flaky.sh"
expect_rc 1
check_no_leftovers
