#!/bin/bash
# The test runner of `make test`: unit tests (each forked), then every
# end-to-end script under tests/e2e/ (one test each, with a time limit,
# E2E_JOBS at a time, default one per CPU), then
# every suite under tests/suites/ (scripts that print "PASS name" / "FAIL name"
# lines of their own). Ends with "N passed, N failed"; non-zero on failure.
# TEST_ONLY=substring runs only the matching tests (unit: the unit tests);
# TEST_NO_SUITES=1 leaves out tests/suites/; TEST_NO_BEDS=1 only the suites
# with a test bed (Slurm, ssh over network namespaces).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export ENDURE_TEST_BUILD="$PWD/$BUILD"
export ENDURE="$PWD/$BUILD/endure"
export ENDURE_SRC="$PWD"
# sanitizer reports of any process (agents, helpers) land here and fail the run
SAN_DIR="$PWD/$BUILD/sanitizer"
rm -rf "$SAN_DIR"; mkdir -p "$SAN_DIR"
export ASAN_OPTIONS="log_path=$SAN_DIR/asan:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="log_path=$SAN_DIR/ubsan:print_stacktrace=1:${UBSAN_OPTIONS:-}"
passed=0
failed=0
failures=()
only=${TEST_ONLY:-}
# the health NIC probe keeps its counters in /dev/shm/endure-health-<uid>
# between checks (by design, for users); the runs under test create it:
# removed at the end unless it was there before
HEALTH_STATE=/dev/shm/endure-health-$(id -u)
[ -e "$HEALTH_STATE" ] || trap 'rm -rf "$HEALTH_STATE"' EXIT

# leftovers TAG: pids of processes started with ENDURE_TEST_TAG=TAG
leftovers() {
    grep -lsxz "ENDURE_TEST_TAG=$1" /proc/[0-9]*/environ | cut -d/ -f3
}

count_lines() { # reads PASS/FAIL lines from stdin, echoing them
    while IFS= read -r line; do
        echo "$line"
        case "$line" in
            "PASS "*) passed=$((passed + 1)) ;;
            "FAIL "*) failed=$((failed + 1)); failures+=("${line#FAIL }") ;;
        esac
    done
}

if [ -z "$only" ] || [ "$only" = unit ]; then
    count_lines < <("$BUILD/unit-tests" 2>&1 | grep -v ' passed, .* failed$')
fi

# run_e2e NAME FILE: one end-to-end test with its time limit and the
# leftover check; writes its PASS/FAIL line (and a failure's log tail) to
# $RES/NAME
run_e2e() {
    local name=$1 t=$2 log="$BUILD/test-logs/$1.log" start ok=1 left i
    start=$(date +%s)
    # every process the test starts carries this tag (lib.sh tests use their
    # own and check themselves); none may outlive the test
    local tag="run-$name-$$-$RANDOM"
    ENDURE_TEST_TAG=$tag timeout -k 10 "${E2E_TIMEOUT:-300}" bash "$t" >"$log" 2>&1 || ok=0
    for i in $(seq 1 30); do left=$(leftovers "$tag"); [ -z "$left" ] && break; sleep 0.1; done
    if [ -n "$left" ]; then
        echo "processes left behind by $name: $(ps -o pid=,cmd= -p "$(echo $left | tr ' ' ,)" | head -5)" >>"$log"
        kill -9 $left 2>/dev/null
        ok=0
    fi
    if [ $ok = 1 ]; then
        echo "PASS $name ($(( $(date +%s) - start ))s)" >"$RES/$name"
    else
        { echo "FAIL $name (see $log)"; tail -n 20 "$log" | sed 's/^/    /'; } >"$RES/$name"
    fi
}

# The end-to-end tests run E2E_JOBS at a time (default: one per CPU; each
# has its own directories, ports and tag); results print in name order.
# A test marked "# alone: why" runs after the others, one at a time.
RES="$BUILD/test-results"
rm -rf "$RES"; mkdir -p "$RES" "$BUILD/test-logs"
jobs_max=${E2E_JOBS:-$(nproc)}
names=()
alone=()
for t in tests/e2e/*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    [ "$name" = lib ] && continue
    if [ -n "$only" ] && [ "$only" != unit ] && [[ "$name" != *"$only"* ]]; then continue; fi
    [ "$only" = unit ] && continue
    # TEST_SANITIZER=1 (make asan): a test marked "# not under sanitizers: why"
    # is left out, said on a SKIP line (not counted): the Python-side tests
    # whose endure paths other tests cover, and one that cannot run there
    why=$(sed -n 's/^# not under sanitizers: //p' "$t" | head -n 1)
    if [ -n "${TEST_SANITIZER:-}" ] && [ -n "$why" ]; then echo "SKIP $name ($why)" >"$RES/$name"; names+=("$name"); continue; fi
    names+=("$name")
    if grep -q '^# alone: ' "$t"; then
        alone+=("$name"); continue
    fi
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
    run_e2e "$name" "$t" &
done
wait
for name in "${alone[@]}"; do run_e2e "$name" "tests/e2e/$name.sh"; done
for name in "${names[@]}"; do
    if [ -s "$RES/$name" ]; then count_lines < "$RES/$name"
    else count_lines <<<"FAIL $name (no result)"; fi
done

for s in tests/suites/*.sh; do
    [ -e "$s" ] || continue
    name=$(basename "$s" .sh)
    if [ -n "$only" ] && [[ "$name" != *"$only"* ]]; then continue; fi
    # TEST_NO_SUITES=1: no suite; TEST_NO_BEDS=1: not the suites that bring up
    # a test bed (the Slurm cluster, the network-namespace hosts: machine-wide
    # state, minutes each), marked by a "# test bed:" line
    [ -n "${TEST_NO_SUITES:-}" ] && continue
    [ -n "${TEST_NO_BEDS:-}" ] && grep -q '^# test bed:' "$s" && continue
    count_lines < <(timeout -k 10 "${SUITE_TIMEOUT:-600}" bash "$s" 2>&1 || echo "FAIL $name (suite exited non-zero)")
done

if [ -n "$(ls -A "$SAN_DIR" 2>/dev/null)" ]; then
    echo "FAIL sanitizer reports in $SAN_DIR:"
    head -n 40 "$SAN_DIR"/* | sed 's/^/    /'
    failed=$((failed + 1))
    failures+=("sanitizer")
fi
if [ "$failed" -gt 0 ]; then
    echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
