# The explanation of a lost node says what happens next: a spare, a smaller
# restart, or the end of the run (never "a spare takes its place" when none
# is left).
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
# no spare and no room to shrink: exit 4
start_endure --nodes n1,n2 --nnodes 2 --heartbeat-timeout 2s --restart-backoff 0 -- "$FAKE" --steps 40 --step-ms 100
wait_for has_event ranks_started node=n1
kill -9 "$(agent_pid n1)"
wait_endure
expect_rc 4
grep -q "spare" "$ERR" && fail "a spare is mentioned although none was left: $(grep spare "$ERR")"
grep -q "why: .*Not enough healthy nodes are left (1, at least 2 needed): the run ends with exit code 4" "$ERR" ||
    fail "the explanation does not say that the run ends: $(grep 'why:' "$ERR")"
grep -q "Not enough healthy nodes are left" "$RUN/attempt-0/failure.json" || fail "failure.json explanation"
check_no_leftovers
# elastic, no spare: the job restarts on what is left
start_endure --nodes n1,n2 --nnodes 1:2 --heartbeat-timeout 2s --restart-backoff 0 -- "$FAKE" --steps 30 --step-ms 100
wait_for has_event ranks_started node=n2
kill -9 "$(agent_pid n2)"
wait_endure
expect_rc 0
grep -q "why: .*No spare node is left: the job restarts on the 1 healthy node(s) left" "$ERR" ||
    fail "the explanation does not say the job shrinks: $(grep 'why:' "$ERR")"
check_no_leftovers
# a spare: it takes the place of the lost node
start_endure --nodes n1,n2,n3 --nnodes 2 --heartbeat-timeout 2s --restart-backoff 0 -- "$FAKE" --steps 30 --step-ms 100
wait_for has_event ranks_started node=n2
kill -9 "$(agent_pid n2)"
wait_endure
expect_rc 0
grep -q "why: .*A spare node takes its place and the job restarts" "$ERR" || fail "spare: $(grep 'why:' "$ERR")"
check_no_leftovers
