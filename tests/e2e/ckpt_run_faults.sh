# Checkpoint faults through `endure run`: a durable directory that fills up
# (persist fails with a journal event, training goes on, nothing incomplete
# is ever marked complete); and --save-signal: on SIGTERM endure first asks
# the ranks for a last checkpoint, persists it, then stops (exit 143).
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
SAVER="$ENDURE_SRC/tests/e2e/ckpt_saver.py"
mkdir -p "$T/small"
if mount -t tmpfs -o size=2m tmpfs "$T/small" 2>/dev/null; then
    # --health off: the storage probe would refuse this 2 MiB disk before any
    # rank starts (tests/e2e/health_*.sh); here the persister meets ENOSPC
    run_endure --nproc-per-node 2 --ckpt-dir "$T/small/ck" --health off -- /usr/bin/python3 "$SAVER" --size 700000 \
        --steps 6
    completes=$(ls "$T/small/ck"/*/COMPLETE 2>/dev/null | wc -l)
    partial=$(find "$T/small/ck" -name '*.partial' | wc -l)
    umount "$T/small"
    expect_rc 0
    [ "$(count ckpt_persist_failed)" -ge 1 ] || fail "no ckpt_persist_failed event"
    grep -q "No space left on device" "$RUN/events.jsonl" || fail "the error is not journaled"
    [ "$(count ckpt_complete)" = "$completes" ] || fail "COMPLETE markers ($completes) differ from ckpt_complete events"
    [ "$partial" = 0 ] || fail "a .partial was left"
    for t in $(/usr/bin/python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e["event"]=="ckpt_persist_failed" and e.get("tag"): print(e["tag"])' "$RUN/events.jsonl"); do
        [ "$(count ckpt_complete tag=$t)" = 0 ] || fail "$t failed to persist but was marked complete"
    done
else
    echo "note: cannot mount a small tmpfs here; the full-disk case was not run"
fi
check_no_leftovers
start_endure --nproc-per-node 2 --ckpt-dir "$T/ck2" --save-signal USR1 --save-grace 20s -- \
    /usr/bin/python3 "$SAVER" --until-signal --every 1000
wait_for grep -q "step 5" "$RUN/attempt-0/node0/rank-1.log"
kill -TERM "$PID"
wait_endure
expect_rc 143
expect_count 1 save_requested
rank_log "$RUN/attempt-0/node0/rank-0.log" | grep -q "saved step .* (last)" || fail "rank 0 did not save on the signal"
[ "$(count ckpt_complete)" = 1 ] || { grep ckpt "$RUN/events.jsonl" >&2; fail "the last checkpoint was not completed"; }
"$ENDURE" ckpt verify "$T/ck2" >/dev/null || fail "the last checkpoint does not verify"
check_no_leftovers
