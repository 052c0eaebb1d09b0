# Diagnosis without a shared filesystem: `endure run --no-shared-fs` keeps in
# attempt-0/failure.json every event and the last 200 lines of each failed
# rank; with the node directories gone (logs that stayed on the nodes),
# `endure diagnose RUN_DIR` gives the controller's category/type from that
# kept evidence (events, or the tail re-classified when the events are gone)
# and says where it came from. Without --no-shared-fs failure.json has no
# "events" or "tails".
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
OOM='torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.15 GiB of which 1.20 GiB is free.'
# rank 0 prints 300 lines and a CUDA OOM traceback, then exits 1; the other
# rank waits to be stopped
cat >"$T/job.sh" <<EOF
if [ "\$RANK" != 0 ]; then exec sleep 30; fi
i=1; while [ \$i -le 300 ]; do echo "step \$i loss 2.5"; i=\$((i + 1)); done
echo 'Traceback (most recent call last):' >&2
echo '  File "train.py", line 10, in <module>' >&2
echo '    y = model(x)' >&2
echo '$OOM' >&2
exit 1
EOF
run_endure --no-shared-fs --max-restarts 0 --nproc-per-node 2 -- /bin/sh "$T/job.sh"
expect_rc 3
f="$RUN/attempt-0/failure.json"
[ -f "$f" ] || fail "no failure.json"
/usr/bin/python3 - "$f" <<'PY' || fail "failure.json: $(head -c 3000 "$f")"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["category"] == "framework" and v["type"] == "cuda_oom", (v["category"], v["type"])
ev = [e for e in v["events"] if e.get("failure_type") == "cuda_oom"]
assert ev and ev[0]["node"] == "node0" and ev[0]["rank"] == 0 and ev[0]["line"] == 304, v["events"]
t = [t for t in v["tails"] if t["rank"] == 0]
assert len(t) == 1 and t[0]["node"] == "node0" and t[0]["file"] == "attempt-0/node0/rank-0.log", v["tails"]
tail = t[0]["tail"]
assert len(tail) == 200, len(tail)  # the long tail, not the 20 lines of a shared filesystem
assert tail[0] == "step 105 loss 2.5" and "CUDA out of memory" in tail[-1], (tail[0], tail[-1])
PY
check_no_leftovers
# the logs stayed on the nodes: nothing of attempt-0 but failure.json here
for d in "$RUN"/attempt-0/*/; do rm -rf "$d"; done
[ -z "$(find "$RUN/attempt-0" -name '*.log')" ] || fail "logs left"
cp "$f" "$T/failure.json.orig"
want=$(/usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(v["category"] + "/" + v["type"])' "$f")
# diagnose_json CHECK: endure diagnose --json RUN_DIR must exit 0 and give
# the controller's verdict from the kept evidence
diagnose_json() {
    set +e
    "$ENDURE" diagnose --json "$RUN" >"$T/d.json" 2>"$T/d.err"
    local rc=$?
    set -e
    [ $rc = 0 ] || fail "diagnose exit $rc: $(cat "$T/d.err")"
    /usr/bin/python3 - "$T/d.json" "$want" "$1" <<'PY' || fail "diagnose --json: $(head -c 3000 "$T/d.json")"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["category"] + "/" + v["type"] == sys.argv[2], (v["category"], v["type"], sys.argv[2])
src = v["evidence_source"]
assert src["file"].endswith("/attempt-0/failure.json") and src["ranks"] >= 1, src
assert "not on this host" in v["explanation"] and "failure.json" in v["explanation"], v["explanation"]
assert v["attempts"][-1]["source"].startswith("attempt-0/failure.json"), v["attempts"]
key = v["key_line"]
assert "CUDA out of memory" in key["text"] and key["node"] == "node0", key
if sys.argv[3] == "tail":  # re-classified from the kept tail: line 200 of the tail
    assert "kept in failure.json" in key["file"] and key["line"] == 200, key
    assert any("Traceback" in e for e in v["evidence"]), v["evidence"]
else:  # the agent's event: the log's own line number
    assert key["file"] == "attempt-0/node0/rank-0.log" and key["line"] == 304, key
PY
}
diagnose_json events
# the human form says where the evidence came from
"$ENDURE" diagnose "$RUN" >"$T/d.txt" 2>&1 || fail "diagnose: $(cat "$T/d.txt")"
grep -q "^type: *cuda_oom" "$T/d.txt" || fail "human verdict: $(cat "$T/d.txt")"
grep -q "not on this host.*kept in .*attempt-0/failure.json" "$T/d.txt" || fail "no source: $(cat "$T/d.txt")"
# without the events (an older or trimmed file), the tail is classified with the rules
/usr/bin/python3 - "$f" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
del v["events"]
v["category"], v["type"], v["rule"] = "unknown", "unknown", None  # the verdict must come from the tail
json.dump(v, open(sys.argv[1], "w"))
PY
diagnose_json tail
# with a shared filesystem (the default) failure.json keeps neither
run_endure --max-restarts 0 --nproc-per-node 2 -- /bin/sh "$T/job.sh"
expect_rc 3
/usr/bin/python3 - "$RUN/attempt-0/failure.json" <<'PY' || fail "shared fs failure.json: $(head -c 2000 "$RUN/attempt-0/failure.json")"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["type"] == "cuda_oom", v["type"]
assert "events" not in v and "tails" not in v, sorted(v)
PY
check_no_leftovers
