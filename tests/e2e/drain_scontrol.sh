# --slurm-drain around scontrol (a stand-in first on PATH that records its
# argv and succeeds or fails, as a real scontrol does when slurmctld refuses):
# a node excluded for an infrastructure verdict is drained with endure's
# reason as one argv word; a failing scontrol is reported and journaled and
# the run goes on on the spare; a script error drains nothing. The real
# scontrol against a real cluster is tests/suites/slurm.sh (drain).
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
BIN="$T/bin"
mkdir -p "$BIN"
cat >"$BIN/scontrol" <<'SH'
#!/bin/sh
printf '%s\n' "$@" >>"$SCONTROL_LOG"
echo "--" >>"$SCONTROL_LOG"
[ -z "$SCONTROL_FAIL" ] || { echo "slurm_update error: Invalid node name specified" >&2; exit 1; }
SH
chmod +x "$BIN/scontrol"
export SCONTROL_LOG="$T/scontrol.log"
# rank 2 (on n2) of attempt 0 prints an uncorrectable ECC error and exits 1
ECC='if [ "$RANK" = 2 ] && [ "$ENDURE_ATTEMPT" = 0 ]; then
    echo "RuntimeError: CUDA error: uncorrectable ECC error encountered" >&2; exit 1; fi; echo "step 1"; exit 0'
PATH="$BIN:$PATH" run_endure --nodes n1,n2,n3 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 --slurm-drain \
    --no-python -- sh -c "$ECC"
expect_rc 0
expect_count 1 node_excluded node=n2
expect_count 1 drain_requested node=n2
expect_count 1 node_drained node=n2
grep -qx 'nodename=n2' "$SCONTROL_LOG" || fail "scontrol not asked for n2: $(cat "$SCONTROL_LOG")"
grep -qx 'state=drain' "$SCONTROL_LOG" || fail "no state=drain: $(cat "$SCONTROL_LOG")"
grep -qx "reason=endure: ecc_error $(field run_start run_id)" "$SCONTROL_LOG" ||
    fail "the reason is not one argv word 'endure: <type> <run-id>': $(cat "$SCONTROL_LOG")"
grep -q "node n2 drained in Slurm" "$ERR" || fail "the drain is not said"
check_no_leftovers
# scontrol fails: said, journaled, and the run goes on
rm -f "$SCONTROL_LOG"
SCONTROL_FAIL=1 PATH="$BIN:$PATH" run_endure --nodes n1,n2,n3 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 \
    --slurm-drain --no-python -- sh -c "$ECC"
expect_rc 0
expect_count 1 drain_failed node=n2
expect_count 0 node_drained
grep -q "scontrol could not drain node n2" "$ERR" || fail "the failed drain is not reported"
grep -q "Invalid node name" "$ERR" || fail "scontrol's own message is not shown"
check_no_leftovers
# a script error is no infrastructure fault: nothing is drained
rm -f "$SCONTROL_LOG"
PATH="$BIN:$PATH" run_endure --nodes n1,n2 --nnodes 2 --restart-backoff 0 --max-restarts 0 --slurm-drain \
    --no-python -- sh -c 'echo "ModuleNotFoundError: No module named foo" >&2; exit 1'
[ "$RC" != 0 ] || fail "the failing job succeeded"
[ ! -e "$SCONTROL_LOG" ] || fail "a script error drained a node: $(cat "$SCONTROL_LOG")"
expect_count 0 drain_requested
check_no_leftovers
