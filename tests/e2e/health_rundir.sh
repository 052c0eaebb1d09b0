# e2e: `endure health RUN_DIR`: the newest attempt with a health.json is
# shown per node (table and --json), exit 1 when a node failed or has an
# error; hostile files (huge, wrong types, deep nesting, a symlink, a FIFO,
# control characters in names) give a message or a table, never a crash or
# a hang.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
H() { set +e; timeout 20 "$ENDURE" health "$@" >"$T/o" 2>"$T/e"; RC=$?; set -e; }
want_rc() { [ "$RC" = "$1" ] || fail "$2: exit $RC, wanted $1: $(head -c 800 "$T/e") $(head -c 1500 "$T/o")"; }
R="$T/run"
mkdir -p "$R/attempt-1" "$R/attempt-2" "$R/attempt-3"
"$ENDURE" health --json --probe memory >"$T/mem.json" || fail "endure health --probe memory"
/usr/bin/python3 - "$T/mem.json" "$R" <<'PY'
import json, sys
good = json.load(open(sys.argv[1]))
bad = dict(good, result="fail", probes=[dict(good["probes"][0], result="fail", reason="2 GB available")])
json.dump({"attempt": 1, "nodes": {"old": good}}, open(sys.argv[2] + "/attempt-1/health.json", "w"))
json.dump({"attempt": 3, "nodes": {"n1": good, "n2": bad, "n3": {"error": "agent lost"}}},
          open(sys.argv[2] + "/attempt-3/health.json", "w"))
PY
H "$R"
want_rc 1 "a node failed"
grep -q "^attempt 3: health of 3 nodes" "$T/o" || fail "attempt 3 not picked: $(cat "$T/o")"
grep -q "^node n3:" "$T/o" && grep -q "^error: agent lost" "$T/o" || fail "the error of n3: $(cat "$T/o")"
grep -q "^memory   fail .*2 GB available" "$T/o" || fail "n2's probe: $(cat "$T/o")"
H "$R" --json
want_rc 1 "--json"
/usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); assert v["attempt"] == 3 and len(v["nodes"]) == 3' "$T/o" ||
    fail "RUN_DIR --json: $(cat "$T/o")"
# all healthy: exit 0
rm "$R/attempt-3/health.json"
H "$R"
want_rc 0 "attempt 1, healthy"
grep -q "^attempt 1: health of 1 node$" "$T/o" || fail "fallback to attempt 1: $(cat "$T/o")"
H "$T"
want_rc 1 "no health.json"
grep -q "no health.json under" "$T/e" || fail "no results: $(cat "$T/e")"

# hostile files
h() { printf '%s' "$1" >"$R/attempt-3/health.json"; H "$R"; [ "$RC" = 1 ] || fail "$2: exit $RC: $(head -c 500 "$T/e")"; }
h '{"nodes": {"a": 5, "b": {"probes": "x", "result": 7, "host": []}, "c": {"probes": [1, {"name": 5, "reason": [1], "ms": "x", "runs": {}}], "result": "pass"}}}' "wrong types"
grep -q "^node c:" "$T/o" || fail "node c with odd probes not shown: $(cat "$T/o")"
h '{"nodes": []}' "nodes not an object"
grep -q 'not an object with "nodes"' "$T/e" || fail "nodes []: $(cat "$T/e")"
h '[1, 2]' "not an object"
h '{"nodes": {"a": {"result": "pass"}}, "nodes": {}}' "duplicate keys"
h '{"nodes": {"a": ' "truncated"
/usr/bin/python3 -c 'print("[" * 100000 + "]" * 100000)' >"$R/attempt-3/health.json"
H "$R"; [ "$RC" = 1 ] || fail "deep nesting: exit $RC"
/usr/bin/python3 -c '
import json, sys
n = {"node%d" % i: {"host": "h", "result": "pass", "ms": 1, "probes": [{"name": "x" * 100, "result": "pass", "reason": "r" * 5000}] * 50} for i in range(200)}
json.dump({"nodes": n, "pad": "y" * (17 << 20)}, open(sys.argv[1], "w"))' "$R/attempt-3/health.json"
H "$R"
want_rc 1 "a file over 16 MiB"
grep -q "larger than 16 MiB" "$T/e" || fail "huge file: $(cat "$T/e")"
printf '{"nodes": {"evil\033]0;title\007": {"error": "\033[2J"}}}' >"$R/attempt-3/health.json"
H "$R"
want_rc 1 "control characters"
grep -q $'\033' "$T/o" && fail "control characters reached the terminal output: $(od -c "$T/o" | head)"
rm "$R/attempt-3/health.json"
ln -s "$R/attempt-1/health.json" "$R/attempt-3/health.json" # valid, healthy: 0 if followed
H "$R"
want_rc 1 "a symlink"
grep -q "symbolic link" "$T/e" || fail "symlink: $(cat "$T/e")"
rm "$R/attempt-3/health.json"
mkfifo "$R/attempt-3/health.json"
H "$R"
want_rc 1 "a FIFO (never waited on)"
grep -q "not a regular file" "$T/e" || fail "FIFO: $(cat "$T/e")"
check_no_leftovers
echo ok
