# --notify and --notify-cmd on real runs, against a loopback webhook stub
# (oncall2_stub.py). An ECC error on n2 in attempt 0 excludes n2 and the job
# restarts on the spare: a good endpoint gets the failure (verdict, action,
# key line), the exclusion, the restart and the end, as readable Slack text
# with the structured event beside it; a slow endpoint and one that answers
# 500 hold their first request until the restart's attempt_start is in the
# journal (so a notification on the critical path would never see it); a
# down endpoint and the 500 one are journaled once each, however many
# notifications and retries failed; --notify-cmd gets the same JSON on
# stdin; the URLs' token is nowhere in the journal, the run directory, the
# output or stderr. Then a script error stops the run (exit 3): the stop is
# notified with its key line, and a --notify-cmd that hangs is KILLed (no
# process left) and journaled.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
TOKEN="T0KEN$RANDOM$RANDOM-xoxb"
stub() { # stub NAME: starts a stub for the run RUN_ID; sets $NAME_URL base
    /usr/bin/python3 "$ENDURE_SRC/tests/e2e/oncall2_stub.py" "$T/port.$1" "$T/hook.$1" "$LOGS/$RUN_ID/events.jsonl" >/dev/null 2>"$T/stub.$1.err" &
    echo $! >>"$T/stubs"
    wait_for test -s "$T/port.$1"
    echo "http://127.0.0.1:$(cat "$T/port.$1")"
}
stop_stubs() { for p in $(cat "$T/stubs"); do kill "$p"; wait "$p" 2>/dev/null || true; done; rm -f "$T/stubs"; }
# a port nothing listens on: bound, then closed
DOWN=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

ECC='[rank2]: RuntimeError: CUDA error: uncorrectable ECC error encountered'
export RUN_ID=notify$$x$RANDOM
U=$(stub a)
export HOOK_SECRET="$U/ok/$TOKEN?token=$TOKEN" # the URL from the environment (env:NAME)
start_endure --nodes n1,n2,n3 --nnodes 2 --nproc-per-node 2 --restart-backoff 200ms \
    --notify env:HOOK_SECRET --notify "$U/slow/$TOKEN" --notify "$U/fail/$TOKEN" \
    --notify "http://user:$TOKEN@127.0.0.1:$DOWN/down/$TOKEN" \
    --notify-cmd "cat >>'$T/cmd.out'; echo >>'$T/cmd.out'" -- \
    "$FAKE" --steps 40 --step-ms 50 --at-step 3 --say-rank 2@0 --say "$ECC" --fail 2@0 --code 1
wait_endure
expect_rc 0
stop_stubs
expect_count 1 node_excluded node=n2
expect_count 1 attempt_start attempt=1
/usr/bin/python3 - "$T/hook.a" "$T/cmd.out" "$RUN/events.jsonl" "$DOWN" <<'PY' || fail "notifications (above)"
import json, sys
hook = [json.loads(l) for l in open(sys.argv[1])]
ok = [h for h in hook if h["mode"] == "ok"]
bodies = [json.loads(h["body"]) for h in ok]
kinds = [b["endure"]["kind"] for b in bodies]
assert sorted(kinds) == ["end", "failure", "node_excluded", "restart"], kinds
assert all(h["ctype"] == "application/json" for h in ok), ok
by = {b["endure"]["kind"]: b for b in bodies}
f = by["failure"]["text"]
for want in ("attempt 0 failed", "rank 2", "Verdict: infrastructure/ecc_error (rule cuda.ecc_uncorrectable)", "action: exclude_node", "Key line: attempt-0/",
             "uncorrectable ECC error"):
    assert want in f, (want, f)
assert by["failure"]["endure"]["event"]["verdict"]["decided_action"] == "exclude_node", by["failure"]
assert "node n2 excluded" in by["node_excluded"]["text"], by["node_excluded"]
assert "restarting as attempt 1" in by["restart"]["text"], by["restart"]
assert "ended (exit 0)" in by["end"]["text"], by["end"]
assert by["end"]["endure"]["run_id"] in by["end"]["text"]
# the slow and the failing endpoint held their first request until the restart began
held = [h for h in hook if h["mode"] in ("slow", "fail")]
assert held and all(h["released"] != "timeout" for h in held), held
assert any(h["mode"] == "fail" and h["released"] == "journal" for h in held), held
assert any(h["mode"] == "slow" and h["released"] == "journal" for h in held), held
# the command got the same JSON, one line per event
try:
    cmd = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
except ValueError:  # say what the command got (a flake seen once in CI: two bodies on one line)
    print(repr(open(sys.argv[2]).read()))
    print([l for l in open(sys.argv[3]) if "notify" in l])
    raise
assert sorted(c["endure"]["kind"] for c in cmd) == sorted(kinds), cmd
# journaled once per failing target, redacted
evs = [json.loads(l) for l in open(sys.argv[3])]
nf = [e for e in evs if e["event"] == "notify_failed"]
targets = sorted(e["target"] for e in nf)
assert sum(1 for t in targets if t == "http://127.0.0.1:%s/[redacted]" % sys.argv[4]) == 1, nf
assert sum(1 for e in nf if "HTTP status 500" in e.get("error", "")) == 1, nf
assert not [t for t in targets if "[redacted]" not in t], nf
# the restart did not wait for the notifications: restart, then the attempt, in order
names = [e["event"] for e in evs]
assert names.index("restart") < names.index("attempt_start", names.index("restart")), names
PY
for f in "$OUT" "$ERR"; do grep -q "$TOKEN" "$f" && fail "the token is in $f"; done
grep -rq "$TOKEN" "$RUN" && fail "the token is in the run directory: $(grep -rl "$TOKEN" "$RUN")"
grep -q "notification to http://127.0.0.1:$DOWN/\[redacted\] not delivered" "$ERR" || fail "down endpoint not said"
check_no_leftovers

# a stop (exit 3): notified with its key line; a hung --notify-cmd is KILLed at exit
printf 'import sys\nprint("step 1")\ncfg = {}\nprint(cfg["learning_rate"])\n' >"$T/typo.py"
export RUN_ID=stop$$x$RANDOM
U=$(stub b)
run_endure --nproc-per-node 1 --notify "$U/ok/$TOKEN" --notify-cmd "cat >>'$T/cmd2.out'; exec sleep 600" "$T/typo.py"
expect_rc 3
stop_stubs
/usr/bin/python3 - "$T/hook.b" <<'PY' || fail "stop notification"
import json, sys
b = {json.loads(l)["body"] and json.loads(json.loads(l)["body"])["endure"]["kind"]: json.loads(json.loads(l)["body"])
     for l in open(sys.argv[1])}
assert set(b) == {"failure", "stop"}, list(b)
assert "STOPPED" in b["stop"]["text"] and "(exit 3)" in b["stop"]["text"], b["stop"]
assert "KeyError" in b["failure"]["text"] and "action: stop" in b["failure"]["text"], b["failure"]
PY
grep -q '"kind":"failure"' "$T/cmd2.out" || fail "the hung command did not get its JSON"
[ "$(count notify_failed target=--notify-cmd)" = 1 ] || fail "the hung command was not journaled once"
field notify_failed error target=--notify-cmd | grep -q "killed" || fail "not said killed"
check_no_leftovers
