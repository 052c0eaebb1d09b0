# not under sanitizers: PyTorch's side (real ranks, several runs); a persist cut by a killed agent runs under the sanitizers in ckpt_kill
# An agent killed (SIGKILL) in the middle of a persist, through `endure run`:
# its node is lost and excluded, the job goes on with the spare, the killed
# node's <node>.partial is never part of a complete checkpoint nor restored,
# and the next start-up cleans it.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
SAVER="$ENDURE_SRC/tests/e2e/ckpt_saver.py"
CK="$T/ck"
start_endure --nodes n1,n2,n3 --nnodes 2 --heartbeat-timeout 2s --restart-backoff 0 --ckpt-dir "$CK" \
    --persist-threads 1 -- /usr/bin/python3 "$SAVER" --size 268435456 --steps 4 --every 2
wait_for has_event ckpt_staged node=n2
kill -9 "$(agent_pid n2)"
wait_endure
expect_rc 0
FIRST_ID=$(basename "$RUN")
expect_count 1 node_lost node=n2
[ "$(count ckpt_persisted node=n2)" = 0 ] || fail "n2 finished its persist before the kill; the test did not test"
ls -d "$CK"/*/n2.partial >/dev/null 2>&1 || fail "no n2.partial left by the killed agent"
for d in "$CK"/*/; do
    [ -f "$d/COMPLETE" ] || continue
    grep -q '"n2"' "$d/COMPLETE" && fail "$d lists the killed node"
done
for t in $(/usr/bin/python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e["event"]=="ckpt_restore": print(e["tag"])' "$RUN/events.jsonl"); do
    [ -f "$CK/$t/COMPLETE" ] || fail "restored from $t, which is not complete"
done
"$ENDURE" ckpt verify "$CK" >/dev/null || fail "the store does not verify"
check_no_leftovers
# the next start-up removes the partial part
# (the same run resuming: a checkpoint dir belongs to one run id)
LOGS="$T/logs-again" RUN_ID=$FIRST_ID run_endure --ckpt-dir "$CK" -- /bin/true
expect_rc 0
[ "$(count ckpt_cleaned)" = 1 ] || fail "the partial was not cleaned at start-up"
ls -d "$CK"/*/n2.partial >/dev/null 2>&1 && fail "n2.partial still there"
check_no_leftovers
