# A rank that survives SIGKILL (frozen by the cgroup v1 freezer, as a process
# stuck in the kernel would be) must not hang endure: the stop waits
# --kill-timeout, reports the process as unreaped, and the run goes on to its
# decision and exit.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
FZ=/sys/fs/cgroup/freezer
if [ ! -w "$FZ" ] || ! mkdir "$FZ/endure-test-$$" 2>/dev/null; then
    echo "note: no writable cgroup v1 freezer here; the unkillable case was not run"
    exit 0
fi
CG="$FZ/endure-test-$$"
thaw() { [ -d "$CG" ] || return 0; echo THAWED >"$CG/freezer.state"; sleep 0.3; rmdir "$CG" 2>/dev/null || true; }
trap 'thaw; cleanup' EXIT
start_endure --nproc-per-node 2 --stop-timeout 300ms --kill-timeout 1s --max-restarts 0 -- \
    "$FAKE" --steps 400 --step-ms 50 --fail 0 --at-step 30
wait_for has_event ranks_started
victim=$(field ranks_started pids | tr -d '[] ' | cut -d, -f2)
[ -n "$victim" ] || fail "no pid for rank 1"
echo "$victim" >"$CG/cgroup.procs"
echo FROZEN >"$CG/freezer.state"
started=$(date +%s)
wait_endure
expect_rc 1
[ $(( $(date +%s) - started )) -lt 30 ] || fail "endure took too long with an unkillable rank"
field node_stopped unreaped | grep -q "$victim" || fail "the frozen rank is not reported as unreaped: $(field node_stopped unreaped)"
grep -q "survived SIGKILL" "$ERR" || fail "the unkillable process is not reported"
thaw
check_no_leftovers
