# On-call tools on a real run: 2 of 3 nodes, rank 1 fails at step 60 in
# attempt 0, attempt 1 finishes. `endure status --watch` follows it live and
# exits when the run ends; `status --json` has the attempt, restarts, nodes,
# progress, the failure's key line, goodput; a journal cut mid-line reads to
# its last complete line; --metrics-file passes `promtool check metrics`;
# `endure report` renders in headless Chromium with every attempt and the
# failure's key line in the DOM and no request but the page itself.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
J() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
start_endure --nodes n1,n2,n3 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 --metrics-file "$T/endure.prom" -- \
    "$FAKE" --steps 150 --step-ms 40 --fail 1@0 --code 7 --at-step 60
wait_for has_event attempt_start
"$ENDURE" status --watch --interval 200ms "$RUN" >"$T/watch.out" 2>"$T/watch.err" &
WATCH=$!
# live: the metrics file appears while the run goes on, endure_up 1
wait_for grep -qx 'endure_up 1' "$T/endure.prom"
wait_endure
expect_rc 0
set +e
wait "$WATCH"
WRC=$?
set -e
[ "$WRC" = 0 ] || fail "status --watch exited $WRC: $(cat "$T/watch.err")"
grep -q "run $(basename "$RUN"): running" "$T/watch.out" || fail "--watch never showed the run running"
tail -n 14 "$T/watch.out" | grep -q "finished (exit 0" || fail "--watch did not end on the finished state"

"$ENDURE" status --json "$RUN" >"$T/st.json"
[ "$(J "$T/st.json" 'd["state"]')" = finished ] || fail "state: $(cat "$T/st.json")"
[ "$(J "$T/st.json" 'd["attempt"], d["restarts"], d["exit_code"]')" = "(1, 1, 0)" ] || fail "attempt/restarts"
[ "$(J "$T/st.json" 'd["progress"]["step"]')" = 150 ] || fail "progress step: $(cat "$T/st.json")"
[ "$(J "$T/st.json" 'd["nodes"]["counts"]["spare"]')" = 3 ] || fail "node counts"
J "$T/st.json" 'd["last_failure"]["key_line"]["text"]' | grep -q "failing with code 7 at step 60" ||
    fail "key line of the last failure"
[ "$(J "$T/st.json" '0 < d["goodput"]["ratio"] <= 1')" = True ] || fail "goodput ratio"
[ "$(J "$T/st.json" 'd["time_lost"]["work_s"] > 0')" = True ] || fail "time lost"
"$ENDURE" status "$RUN" | grep -q "key line: attempt-0/n1/rank-1.log:[0-9]*: rank 1 failing with code 7" ||
    fail "text status lacks the key line"

# a journal cut in the middle of its last line (run_end): read up to there
mkdir -p "$T/cut"
size=$(stat -c %s "$RUN/events.jsonl")
head -c $((size - 20)) "$RUN/events.jsonl" >"$T/cut/events.jsonl"
"$ENDURE" status --json "$T/cut" >"$T/cut.json" || fail "status of a cut journal"
[ "$(J "$T/cut.json" 'd["state"] != "finished" and d["attempt"] == 1')" = True ] || fail "cut journal: $(cat "$T/cut.json")"

# metrics: the last file says the controller is down and passes promtool
grep -qx 'endure_up 0' "$T/endure.prom" || fail "final metrics"
grep -qE '^endure_log_bytes_total [1-9][0-9]*$' "$T/endure.prom" || fail "no rank log bytes in the metrics"
grep -qx 'endure_progress_step 150' "$T/endure.prom" || fail "progress step metric"
grep -q '^endure_restarts_total{reason="[a-z_]*"} 1$' "$T/endure.prom" || fail "restarts metric"
if command -v promtool >/dev/null; then
    promtool check metrics <"$T/endure.prom" >"$T/promtool.out" 2>&1 || fail "promtool: $(cat "$T/promtool.out")"
else
    echo "SKIP promtool: not installed (setup.sh installs prometheus)"
fi
ls "$T"/endure.prom.tmp.* >/dev/null 2>&1 && fail "a temporary metrics file was left"

# the report: self-contained, every attempt and the key line, no network
"$ENDURE" report "$RUN" -o "$T/report.html" 2>/dev/null
grep -Eiq '<script|src=|href=|url\(|@import' "$T/report.html" && fail "the report refers to something outside itself"
if command -v chromium >/dev/null; then
    # served over HTTP by a logging server: every request reaches its log
    mkdir -p "$T/www" && cp "$T/report.html" "$T/www/"
    /usr/bin/python3 - "$T/www" "$T/port" "$T/http.log" <<'EOF' &
import functools, http.server, os, sys
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        with open(sys.argv[3], "a") as f: f.write(self.requestline + "\n")
s = http.server.HTTPServer(("127.0.0.1", 0), functools.partial(H, directory=sys.argv[1]))
open(sys.argv[2] + ".tmp", "w").write(str(s.server_port))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()
EOF
    HTTPD=$!
    wait_for test -s "$T/port"
    URL="http://127.0.0.1:$(cat "$T/port")"
    timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chromium" \
        --log-net-log="$T/net.json" --dump-dom "$URL/report.html" >"$T/dom.html" 2>/dev/null ||
        fail "chromium could not load the report"
    kill "$HTTPD"; wait "$HTTPD" 2>/dev/null || true
    for a in 0 1; do grep -q "id=\"attempt-$a\"" "$T/dom.html" || fail "attempt $a missing from the DOM"; done
    grep -q "rank 1 failing with code 7 at step 60" "$T/dom.html" || fail "key line missing from the DOM"
    grep -q '<svg class="chart"' "$T/dom.html" || fail "no chart in the DOM"
    [ "$(cat "$T/http.log")" = "GET /report.html HTTP/1.1" ] || fail "requests to the server: $(cat "$T/http.log")"
    # nothing the page itself asked for, anywhere (the browser's own update checks are not the page's)
    /usr/bin/python3 - "$T/net.json" "$URL" <<'EOF' || fail "the page asked for more than itself"
import json, sys
events = json.load(open(sys.argv[1]))["events"]
mine = [e["params"]["url"] for e in events
        if e.get("params", {}).get("initiator") == sys.argv[2] and "url" in e["params"]]
if mine:
    print(mine)
    sys.exit(1)
EOF
else
    echo "SKIP chromium: not installed (setup.sh installs it)"
fi
check_no_leftovers
