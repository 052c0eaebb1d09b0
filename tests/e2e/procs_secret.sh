# The run's HMAC secret is readable by no process of the job: it is not in
# the environment (/proc/<pid>/environ) or on the command line of the
# agents, the ranks or their children, and not in the logs or the journal.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
# hex64 FILE: NUL-separated entries of FILE that are or end in 64 hex digits
hex64() { tr '\0' '\n' <"$1" 2>/dev/null | grep -E '(^|=)[0-9a-f]{64}$' || true; }
start_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 -- \
    "$FAKE" --steps 4000 --step-ms 50 --grandchild 0
wait_for has_event ranks_started node=n2
wait_for logs_say 4 "starting"
wait_for logs_say 1 "^grandchild"
pids=$(tagged_pids | grep -vx "$PID")
[ "$(echo "$pids" | wc -w)" -ge 7 ] || fail "expected 2 agents, 4 ranks and a grandchild, got: $pids"
for p in $pids; do
    who=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null || true)
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -q '^ENDURE_SECRET=' &&
        fail "ENDURE_SECRET is readable in /proc/$p/environ ($who)"
    [ -z "$(hex64 "/proc/$p/environ")" ] || fail "a secret-like value in the environment of $p ($who)"
    [ -z "$(hex64 "/proc/$p/cmdline")" ] || fail "a secret-like value on the command line of $p ($who)"
done
kill -TERM "$PID"
wait_endure
grep -rEl '[0-9a-f]{64}' "$RUN" "$OUT" "$ERR" && fail "a secret-like value in the logs or the journal"
check_no_leftovers 5
