# Bad input gets a clear error and the documented exit code: a missing
# script, a command that cannot be executed, an unwritable log directory, a
# full disk under the log directory, junk on the agent port.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
run_endure "$T/missing.py"
expect_rc 3
grep -q "can't open file" "$RUN/attempt-0/node0/rank-0.log" || fail "python's error not in the log"
grep -q "diagnosis: script/file_not_found" "$ERR" || fail "a missing script is not diagnosed as file_not_found"
run_endure -- /etc/passwd
expect_rc 3
grep -q "cannot exec '/etc/passwd': Permission denied" "$ERR" || fail "exec error not named: $(cat "$ERR")"
run_endure -- /no/such/program
expect_rc 3
grep -q "No such file or directory" "$ERR" || fail "missing program not named"
touch "$T/file"
set +e
"$ENDURE" run --log-dir "$T/file/sub" -- true 2>"$T/e"
rc=$?
set -e
[ "$rc" = 2 ] || fail "unwritable log dir: rc $rc"
grep -q "cannot create the run directory" "$T/e" || fail "unwritable log dir message"
# a full disk: logs stop, supervision goes on, said once
mkdir -p "$T/small"
if mount -t tmpfs -o size=1m tmpfs "$T/small" 2>/dev/null; then
    set +e
    "$ENDURE" run --log-dir "$T/small" --rdzv-id full -- "$FAKE" --steps 3 --quiet --flood 3000000 >/dev/null 2>"$T/e"
    rc=$?
    set -e
    n=$(/usr/bin/python3 "$EVENTS_PY" "$T/small/full/events.jsonl" count log_error 2>/dev/null || echo 0)
    umount "$T/small"
    [ "$rc" = 0 ] || fail "full disk: rc $rc: $(tail -3 "$T/e")"
    [ "$(grep -c "cannot write" "$T/e")" = 1 ] || fail "full disk not said exactly once"
else
    echo "note: cannot mount a small tmpfs here; full-disk case not run"
fi
# junk on the agent port: dropped and journaled, the job goes on (long
# enough that a loaded machine still handles the junk before the job ends)
start_endure --nproc-per-node 1 -- "$FAKE" --steps 60 --step-ms 50
wait_for has_event ranks_started
port=$(tr '\0' ' ' < /proc/$(agent_pid node0)/cmdline | sed -n 's/.*--connect 127.0.0.1:\([0-9]*\).*/\1/p')
[ -n "$port" ] || fail "no agent port"
exec 5<>/dev/tcp/127.0.0.1/$port; printf 'GET / HTTP/1.0\r\n\r\n' >&5; exec 5>&-
exec 5<>/dev/tcp/127.0.0.1/$port; printf '\x7f\xff\xff\xff' >&5; exec 5>&-
exec 5<>/dev/tcp/127.0.0.1/$port
V=$(sed -n 's/^#define MSG_PROTO_VERSION \([0-9]*\).*/\1/p' "$ENDURE_SRC/common/msg.h") # the current protocol
V=$V /usr/bin/python3 -c 'import os; import sys,json; m=json.dumps({"type":"hello","node":"node0","pid":1,"nonce":"ab","mac":"00"*32,"version":int(os.environ["V"])}).encode(); sys.stdout.buffer.write(len(m).to_bytes(4,"big")+m)' >&5
sleep 0.3; exec 5>&-
# an agent of another protocol version is refused naming both versions
exec 5<>/dev/tcp/127.0.0.1/$port
/usr/bin/python3 -c 'import sys,json; m=json.dumps({"type":"hello","node":"node0","pid":1,"nonce":"ab","mac":"00"*32,"version":99}).encode(); sys.stdout.buffer.write(len(m).to_bytes(4,"big")+m)' >&5
sleep 0.3; exec 5>&-
# a hello with a field the protocol does not have is refused naming it
exec 5<>/dev/tcp/127.0.0.1/$port
V=$V /usr/bin/python3 -c 'import os; import sys,json; m=json.dumps({"type":"hello","node":"node0","pid":1,"nonce":"ab","mac":"00"*32,"version":int(os.environ["V"]),"extra":1}).encode(); sys.stdout.buffer.write(len(m).to_bytes(4,"big")+m)' >&5
sleep 0.3; exec 5>&-
wait_endure
expect_rc 0
[ "$(count agent_rejected)" -ge 3 ] || fail "junk connections not journaled: $(count agent_rejected)"
expect_count 1 agent_rejected "reason=failed the HMAC challenge"
grep -q "\"agent_rejected\".*protocol version 99, this controller $V" "$RUN/events.jsonl" || fail "version mismatch not named"
grep -q '"agent_rejected".*bad .hello. message.*extra' "$RUN/events.jsonl" || fail "unknown hello field not named"
check_no_leftovers
