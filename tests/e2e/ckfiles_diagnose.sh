#!/bin/bash
# FIFOs planted in a run directory (issue 7, group ckfiles): `endure
# diagnose RUN_DIR` used to block forever on a FIFO attempt-<N>/failure.json;
# now it warns and answers from the logs. A FIFO among the rank logs is
# skipped; a pipe named on the command line (<(...)) is still read. Every
# command runs under `timeout`, so a regression fails.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
RULES="--no-default-rules --rules $ENDURE_SRC/tests/data/rules-unit/basic.yaml"
mkdir -p "$T/run/attempt-0/n1"
printf 'step 1 loss 2.0\nstep 2 loss 1.9\n' >"$T/run/attempt-0/n1/rank-0.log"
mkfifo "$T/run/attempt-0/failure.json" "$T/run/attempt-0/n1/rank-1.log"
set +e
timeout -k 5 20 "$ENDURE" diagnose $RULES --json "$T/run" >"$T/o" 2>"$T/e"
rc=$?
set -e
[ $rc = 0 ] || fail "diagnose of a run dir with a FIFO failure.json: exit $rc (124: it hung): $(cat "$T/e")"
grep -q 'failure.json: not a regular file (refused) (ignored)' "$T/e" || fail "no warning: $(cat "$T/e")"
grep -q '"type":"no_failure"' "$T/o" || fail "verdict: $(cat "$T/o")"
set +e
timeout -k 5 20 "$ENDURE" diagnose $RULES --json <(printf 'step 1 loss 2.0\n') >"$T/o" 2>"$T/e"
rc=$?
set -e
[ $rc = 0 ] && grep -q '"type":"no_failure"' "$T/o" || fail "a pipe on the command line: exit $rc $(cat "$T/e")"
check_no_leftovers
echo ok
