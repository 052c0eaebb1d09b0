# Start-up of the control plane under hostile traffic: an agent that cannot
# join at once retries with back-off until its join timeout; junk from many
# connections is journaled and logged at a bounded rate, with a count.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
# 1. an agent whose first connections are refused (the controller had no
# pending slot, or was not listening yet) keeps trying and joins
cat >"$T/fake_ctl.py" <<'PY'
import hashlib, hmac, json, os, socket, sys
secret = os.environ["FAKE_SECRET"].encode()
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(16)
print(ls.getsockname()[1], flush=True)
ls.settimeout(20)
def send(s, m):
    b = json.dumps(m).encode(); s.sendall(len(b).to_bytes(4, "big") + b)
def recv(s):
    def exact(n):
        d = b""
        while len(d) < n:
            k = s.recv(n - len(d))
            if not k: raise EOFError
            d += k
        return d
    return json.loads(exact(int.from_bytes(exact(4), "big")))
mac = lambda a, b: hmac.new(secret, (a + "|" + b).encode(), hashlib.sha256).hexdigest()
for i in range(3):          # refuse the first three tries
    c, _ = ls.accept(); c.close()
c, _ = ls.accept(); c.settimeout(20)
send(c, {"type": "challenge", "nonce": "aa" * 16, "version": 4})
h = recv(c)
assert h["type"] == "hello" and hmac.compare_digest(h["mac"], mac("aa" * 16, h["node"])), h
send(c, {"type": "welcome", "mac": mac(h["nonce"], "controller"), "hb_interval_ms": 1000, "hb_timeout_ms": 5000})
send(c, {"type": "stop", "shutdown": True, "signal": 9, "grace_ms": 0})
try:
    while recv(c): pass
except EOFError:
    pass
print("joined after 3 refusals", flush=True)
PY
export FAKE_SECRET=s3cr3t$RANDOM
/usr/bin/python3 "$T/fake_ctl.py" >"$T/fake.out" 2>&1 &
fake=$!
wait_for test -s "$T/fake.out"
port=$(head -n 1 "$T/fake.out")
set +e
echo "$FAKE_SECRET" | timeout 30 "$ENDURE" agent --connect "127.0.0.1:$port" --node n0 --join-timeout 20s \
    2>"$T/agent.err"
rc=$?
set -e
wait "$fake" || true
said=$(sed -n 2p "$T/fake.out")
[ "$rc" = 0 ] || fail "agent rc $rc: $(cat "$T/agent.err")"
[ "$said" = "joined after 3 refusals" ] || fail "the agent did not join: $said / $(cat "$T/agent.err")"
grep -q "retrying until --agent-timeout" "$T/agent.err" || fail "the retry is not said: $(cat "$T/agent.err")"
# 2. junk from 60 connections during a run: the run goes on, the journal and
# the console get a bounded number of lines plus a count of the rest
start_endure --nproc-per-node 1 -- "$FAKE" --steps 200 --step-ms 50
wait_for has_event ranks_started
port=$(tr '\0' ' ' < /proc/$(agent_pid node0)/cmdline | sed -n 's/.*--connect 127.0.0.1:\([0-9]*\).*/\1/p')
[ -n "$port" ] || fail "no agent port"
/usr/bin/python3 - "$port" <<'PY'
import socket, sys
for i in range(60):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"GET / HTTP/1.0\r\n\r\n"); s.close()
PY
wait_endure
expect_rc 0
expect_count 5 agent_rejected
n=$(/usr/bin/python3 -c '
import json, sys
print(sum(json.loads(l).get("count", 0) for l in open(sys.argv[1]) if "\"agent_rejected_summary\"" in l))' "$RUN/events.jsonl")
[ "$n" = 55 ] || fail "summarised $n rejections, expected 55"
[ "$(grep -c "dropped an agent connection:" "$ERR")" = 5 ] || fail "console lines not bounded"
grep -q "more agent connection(s) without logging each" "$ERR" || fail "no summary on the console"
check_no_leftovers
