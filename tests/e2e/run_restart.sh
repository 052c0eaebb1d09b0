# A rank that exits with code 7 at step 2 in attempt 0 makes endure stop all
# ranks and restart; attempt 1 succeeds with the restart count incremented.
# (--sync: rank 1 fails once every rank has printed step 1, as after a
# rendezvous: agents load their rules at their own pace.)
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 -- \
    "$FAKE" --steps 40 --step-ms 50 --fail 1@0 --code 7 --at-step 2 --print-env --sync
expect_rc 0
expect_count 1 failure kind=rank_exit rank=1 node=n1
expect_count 1 rank_exit attempt=0 rank=1 code=7
expect_count 1 restart next_attempt=1
expect_count 2 attempt_start
grep -qx "env TORCHELASTIC_RESTART_COUNT=1" "$RUN/attempt-1/n2/rank-2.log" || fail "restart count"
grep -qx "env ENDURE_ATTEMPT=1" "$RUN/attempt-1/n1/rank-0.log" || fail "attempt"
# the other ranks of attempt 0 were stopped (TERM), not left running
rank_log "$RUN/attempt-0/n2/rank-3.log" > "$T/r3" || fail "no log of rank 3 in attempt 0"
grep -q "^step 1 " "$T/r3" || fail "rank 3's log of attempt 0 lacks its steps: $(cat "$T/r3")"
grep -q "step 40" "$T/r3" && fail "rank 3 of attempt 0 was not stopped"
# the logs of a node's last two attempts stay plain
[ -f "$RUN/attempt-0/n2/rank-3.log" ] && [ -f "$RUN/attempt-1/n2/rank-3.log" ] ||
    fail "the last two attempts' logs should stay plain: $(ls "$RUN"/attempt-*/n2)"
[ -e "$FAKE_MARKERS/term-3-15" ] || fail "rank 3 did not get SIGTERM"
grep -q "attempt 0: rank 1 on n1 exited with code 7" "$ERR" || fail "summary names the failure"
check_no_leftovers
