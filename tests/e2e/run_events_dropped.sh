# An agent sends at most 2000 classified events an attempt (AGENT_MAX_EVENTS
# in launcher/agent_diag.c), so that a rank printing a failure line in a
# loop cannot flood the controller; the rest are counted, and the count is
# journaled at the attempt's end as events_dropped. 2100 failure lines: 100
# are dropped, counted once, and the attempt still fails with its verdict.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
cat >"$T/flood.sh" <<'SH'
i=0
while [ $i -lt 2100 ]; do
    echo "NCCL WARN NET/IB : Got completion with error 12, opcode 0, len 0, vendor err 129"
    i=$((i + 1))
done
exit 1
SH
run_endure --nproc-per-node 1 --max-restarts 0 --no-python -- /bin/sh "$T/flood.sh"
expect_rc 1
expect_count 1 events_dropped events=100
check_no_leftovers
echo ok
