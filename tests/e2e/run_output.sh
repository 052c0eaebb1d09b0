# Every byte reaches the log files: partial lines, binary bytes, NULs, \r
# progress bars and a 10 MB line without a newline; stdout and stderr both;
# -r and --local-ranks-filter select what the console shows.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
run_endure -- "$FAKE" --steps 1 --awkward --quiet
expect_rc 0
log="$RUN/attempt-0/node0/rank-0.log"
# the same program straight into a file gives the reference bytes
RANK=0 "$FAKE" --steps 1 --awkward --quiet >"$T/ref" 2>&1
cmp -s "$log" "$T/ref" || fail "log differs from the program's own output ($(stat -c %s "$log") vs $(stat -c %s "$T/ref") bytes)"
grep -q "^\[node0:0\] partial line without newline ... completed$" "$OUT" || fail "partial line joined on the console"
grep -q "^\[node0:0\] after the long line$" "$OUT" || fail "line after the 10 MB line"
[ "$(stat -c %s "$OUT")" -lt 1000000 ] || fail "console got the whole 10 MB line (not capped)"
run_endure --nproc-per-node 3 --local-ranks-filter 1,2 -r 1:2 -- "$FAKE" --steps 1
expect_rc 0
grep -q "^\[node0:0\]" "$OUT" && fail "rank 0 shown despite the filter"
grep -q "^\[node0:2\] step 1" "$OUT" || fail "rank 2 stdout missing"
grep -q "^\[node0:1\] step 1" "$OUT" || fail "rank 1 stdout missing"
grep -q "^\[node0:1\] rank 1 attempt 0 starting" "$OUT" && fail "rank 1 stderr shown despite -r 1:2"
grep -q "rank 1 attempt 0 starting" "$RUN/attempt-0/node0/rank-1.log" || fail "redirected stderr not in the log"
run_endure --nproc-per-node 2 --redirects 3 -- "$FAKE" --steps 1
expect_rc 0
[ ! -s "$OUT" ] || fail "console not empty with --redirects 3"
check_no_leftovers
