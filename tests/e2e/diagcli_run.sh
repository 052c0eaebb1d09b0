# e2e: `endure diagnose` on real run directories. A run that fails once and
# then succeeds is reported as such (every attempt with its verdict, human
# and --json, the old keys kept); an attempt directory of a SIGKILLed rank or
# a lost agent answers with the controller's verdict (its failure.json); the
# controller's own diagnosis printout escapes control characters from a log
# on a terminal.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
ECC='[rank1]: RuntimeError: CUDA error: uncorrectable ECC error encountered'
diag() { set +e; "$ENDURE" diagnose "$@" >"$T/o" 2>"$T/e"; DRC=$?; set -e; }
json_has() { # python expression over v (the JSON on stdout)
    /usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); assert eval(sys.argv[2]), v' \
        "$T/o" "$1" || fail "$2"
}

# 1. an ECC error on attempt 0 (node excluded, the spare takes over), then success
run_endure --nodes n1,n2 --nnodes 1 --nproc-per-node 2 --restart-backoff 0 -- \
    "$FAKE" --steps 4 --step-ms 20 --at-step 2 --say-rank 1@0 --say "$ECC" --fail 1@0 --code 1
expect_rc 0
expect_count 2 attempt_start
diag "$RUN"
[ "$DRC" = 0 ] || fail "diagnose RUN: exit $DRC: $(cat "$T/e")"
grep -q "the run ended successfully after 1 failed attempt" "$T/o" || fail "no run summary: $(cat "$T/o")"
grep -q "^attempt 0: *failed: rank 1 on n1 exited with code 1" "$T/o" || fail "attempt 0 not listed: $(cat "$T/o")"
grep -q "verdict infrastructure/ecc_error, culprit.*rank 1.*attempt-0/failure.json" "$T/o" ||
    fail "attempt 0's verdict: $(cat "$T/o")"
grep -q "^attempt 1: *succeeded" "$T/o" || fail "attempt 1 not listed: $(cat "$T/o")"
diag --json "$RUN"
[ "$DRC" = 0 ] || fail "diagnose RUN --json: exit $DRC"
json_has 'v["type"] == "success" and v["category"] == "none" and "explanation" in v' "old keys: the last attempt's verdict"
json_has '[a["outcome"] for a in v["attempts"]] == ["failed", "succeeded"]' "attempt outcomes"
json_has 'v["attempts"][0]["verdict"]["type"] == "ecc_error" and v["attempts"][0]["source"] == "attempt-0/failure.json"' "attempt 0 verdict"
json_has 'v["attempts"][1]["verdict"]["type"] == "success" and v["attempts"][1]["source"] == "logs"' "attempt 1 verdict"
json_has 'v["run"] == {"outcome": "succeeded", "exit_code": 0, "reason": v["run"]["reason"], "attempts": 2, "failed": 1}' "run summary"
check_no_leftovers

# 2. a rank SIGKILLed on attempt 0: no failure line in any log
run_endure --nproc-per-node 2 --restart-backoff 0 -- "$FAKE" --steps 4 --step-ms 20 --at-step 2 --signal 1@0 --signo 9
expect_rc 0
diag --json "$RUN/attempt-0"
[ "$DRC" = 0 ] || fail "diagnose attempt-0: exit $DRC"
json_has 'v["type"] != "success" and v["category"] != "none"' "attempt-0 of a SIGKILLed rank reads as a success"
json_has '"controller" in v["explanation"] and "attempt-0/failure.json" in v["explanation"]' "not the controller's verdict"
diag "$RUN"
grep -q "^attempt 0: *failed: rank 1 on node0 was killed by signal 9" "$T/o" || fail "SIGKILL not listed: $(cat "$T/o")"
grep -q "the run ended successfully after 1 failed attempt" "$T/o" || fail "no run summary: $(cat "$T/o")"
check_no_leftovers

# 3. a lost agent on attempt 0: the controller's node_failure verdict
start_endure --nodes n1,n2 --nnodes 1 --nproc-per-node 1 --heartbeat-timeout 2s --restart-backoff 0 -- \
    "$FAKE" --steps 30 --step-ms 100
wait_for has_event ranks_started node=n1
kill -9 "$(agent_pid n1)"
wait_endure
expect_rc 0
diag --json "$RUN/attempt-0"
json_has 'v["type"] == "node_failure" and v["culprit"]["host"] == "n1"' "attempt-0 of a lost agent"
diag --json "$RUN"
json_has 'v["attempts"][0]["outcome"] == "failed" and v["attempts"][0]["verdict"]["type"] == "node_failure"' "lost agent in the list"
json_has 'v["run"]["outcome"] == "succeeded" and v["run"]["failed"] == 1' "lost agent: run summary"
check_no_leftovers

# 4. a run that failed for good: the run's end is named
run_endure --nproc-per-node 1 -- "$FAKE" --steps 3 --at-step 1 --say "KeyError: 'lr'" --fail 0
expect_rc 3
diag "$RUN"
grep -q "the run failed (exit 3: not worth retrying: script/key_error" "$T/o" || fail "failed run: $(cat "$T/o")"

# 5. the controller's diagnosis printout on a terminal: control characters
# of the key line escaped (the run is under script(1), stderr is the pty);
# terminal escape sequences are taken out before classification
# (common/ansi.c), a lone control character is escaped
new_run
cat >"$T/tty.sh" <<EOF
exec "$ENDURE" run --log-dir "$LOGS" --rdzv-id "$RUN_ID" --nproc-per-node 1 -- \
    "$FAKE" --steps 3 --at-step 1 --say "KeyError: '\$(printf '\033]0;pwned\007\033[2J\010')'" --fail 0
EOF
set +e; script -qec "bash $T/tty.sh" /dev/null >"$T/tty.out" </dev/null; RC=$?; set -e
expect_rc 3
grep -a "key line:" "$T/tty.out" >"$T/key" || fail "no key line: $(cat -v "$T/tty.out")"
grep -q $'\033' "$T/key" && fail "raw ESC in the diagnosis printout: $(cat -v "$T/key")"
grep -qF "KeyError: '\\x08'" "$T/key" || fail "key line not escaped: $(cat -v "$T/key")"
check_no_leftovers
echo ok
