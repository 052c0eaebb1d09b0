# --metrics-addr: during a run, a scrape of http://127.0.0.1:PORT/metrics
# (port 0: endure picks one and journals it as metrics_listen) has the same
# exposition as --metrics-file and passes `promtool check metrics`; another
# path is 404; a bad address is a usage error (exit 2) and so is a port in use.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
start_endure --nproc-per-node 2 --metrics-addr 0 --metrics-file "$T/endure.prom" -- \
    "$FAKE" --steps 400 --step-ms 25
wait_for has_event metrics_listen
ADDR=$(field metrics_listen addr)
case "$ADDR" in 127.0.0.1:[1-9]*) ;; *) fail "not on loopback: $ADDR" ;; esac
grep -q "metrics at http://$ADDR/metrics" "$ERR" || fail "address not said"
scrape() { curl -sf "http://$ADDR/metrics" >"$T/scrape" && grep -q '^endure_progress_step [1-9]' "$T/scrape"; }
wait_for scrape
grep -qx 'endure_up 1' "$T/scrape" || fail "endure_up: $(head "$T/scrape")"
curl -s -D "$T/headers" -o /dev/null "http://$ADDR/metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$T/headers" || fail "content type: $(cat "$T/headers")"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/other")" = 404 ] || fail "another path is not 404"
if command -v promtool >/dev/null; then
    promtool check metrics <"$T/scrape" >"$T/promtool.out" 2>&1 || fail "promtool: $(cat "$T/promtool.out")"
else
    echo "SKIP promtool: not installed (setup.sh installs prometheus)"
fi
# the same metric names as the file
diff <(grep '^# TYPE' "$T/scrape") <(grep '^# TYPE' "$T/endure.prom") || fail "the endpoint and the file differ"
# a port in use: usage error, said
set +e
"$ENDURE" run --log-dir "$LOGS" --metrics-addr "$ADDR" -- true >/dev/null 2>"$T/inuse.err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "a port in use: exit $rc"
grep -q -- "--metrics-addr: cannot listen on $ADDR" "$T/inuse.err" || fail "port in use not said: $(cat "$T/inuse.err")"
wait_endure
expect_rc 0
curl -s "http://$ADDR/metrics" >/dev/null && fail "still served after the exit"
for bad in "127.0.0.1:99999" "nosuchhost.invalid:9400" "localhost:" "[::1" "1.2.3.4:x"; do
    set +e
    "$ENDURE" run --log-dir "$LOGS" --metrics-addr "$bad" -- true >/dev/null 2>"$T/bad.err"
    rc=$?
    set -e
    [ "$rc" = 2 ] || fail "--metrics-addr $bad: exit $rc"
    grep -qF "invalid value '$bad' for --metrics-addr" "$T/bad.err" || fail "$bad: $(cat "$T/bad.err")"
done
check_no_leftovers
