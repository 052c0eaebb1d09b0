# not under sanitizers: it measures the controller's RSS, which under ASan is the sanitizer's allocator; the failure and restart paths it takes run under the sanitizers in the run_*, hang_*, ckpt_* and weeks_* tests
# The short soak (bench/soak.sh with SOAK_ASSERT=1): 60 attempts of
# 4 ranks on 4 of 6 local nodes, each failing a different way (crash,
# signal, hang with its stack dump, agent loss and readmission, checkpoint
# corruption), with checkpoints verified in full, log rotation and a log
# cap; the controller's fds and threads must not grow between the first
# and the last sample, its RSS stay bounded, no /dev/shm stage be left but
# those the journal names (a killed agent's), and the run complete.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
out=$(BUILD="$(basename "$ENDURE_TEST_BUILD")" ENDURE="$ENDURE" ATTEMPTS=60 EVERY=20 SOAK_ASSERT=1 \
    BENCH_DIR="$T" bash "$ENDURE_SRC/bench/soak.sh" 2>&1) || fail "soak: $(printf '%s' "$out" | tail -n 8)"
printf '%s\n' "$out" | grep -q "^soak: flat" || fail "soak: no verdict: $(printf '%s' "$out" | tail -n 5)"
check_no_leftovers
