# not under sanitizers: libfaketime and the sanitizer runtime both wrap clock_gettime and deadlock at start-up
# Every timeout runs on the monotonic clock: a wall-clock jump neither
# triggers a hang verdict nor delays one. libfaketime (Debian's faketime)
# moves CLOCK_REALTIME of endure, its agents and the ranks while they run
# (FAKETIME_TIMESTAMP_FILE re-read on every call), CLOCK_MONOTONIC untouched:
#   (1) a healthy job while the wall clock jumps 2 h ahead, then 3 h back:
#       no hang, the job completes; the journal shows the jumps
#   (2) a job that hangs while the wall clock jumps 3 h back: the hang is
#       found after --hang-timeout as usual (were it measured on the wall
#       clock it would wait 3 h, past this test's time limit)
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
[ -r "$LIB" ] || fail "libfaketime is not installed (setup.sh installs faketime)"
echo "+0" >"$T/offset"
export FAKETIME_TIMESTAMP_FILE="$T/offset" FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1
jump() { # jump AFTER_EVENT SECS OFFSET...: once EVENT is journaled, set the offsets in turn, SECS apart
    local ev=$1 secs=$2 o; shift 2
    wait_for has_event "$ev"
    for o in "$@"; do echo "$o" >"$T/offset"; sleep "$secs"; done
}
# (1)
# (each offset lasts 6 s: the journal's progress events, one every 5 s at
# most, show each of them)
LD_PRELOAD=$LIB start_endure --nproc-per-node 2 --hang-timeout 2s --max-restarts 0 -- "$FAKE" --steps 200 --step-ms 100
jump ranks_started 6 "+2h" "-3h"
wait_endure
expect_rc 0
expect_count 0 hang
/usr/bin/python3 - "$RUN/events.jsonl" <<'PY' || fail "the wall clock did not jump in the journal"
import json, sys, datetime
ts = [datetime.datetime.fromisoformat(json.loads(l)["ts"].rstrip("Z")) for l in open(sys.argv[1])]
assert max(b - a for a, b in zip(ts, ts[1:])) > datetime.timedelta(hours=1), "no jump ahead"
assert min(b - a for a, b in zip(ts, ts[1:])) < -datetime.timedelta(hours=2), "no jump back"
PY
check_no_leftovers
# (2)
echo "+0" >"$T/offset"
LD_PRELOAD=$LIB start_endure --nproc-per-node 1 --hang-timeout 3s --hang-dump-timeout 1s --max-restarts 0 -- \
    "$FAKE" --steps 60 --step-ms 100 --hang 0 --at-step 5
jump ranks_started 1 "-3h"
wait_endure
expect_rc 1
expect_count 1 hang attempt=0
check_no_leftovers
