# llmrun_common.bash: shared helpers of the tests/e2e/llmrun_*.sh tests of
# `endure run --llm` (sourced after lib.sh and llm_common.bash; not a test):
# a rank program that fails with a line no shipped rule knows (or with a
# known one), the good reply with a rule, journal order checks.
KEY='sekrit-KEY-0123456789abcdef'
ZORG="$T/zorg.py"
cat >"$ZORG" <<PYEOF
import os, sys, time
rank = int(os.environ.get("RANK", "0"))
attempt = int(os.environ.get("ENDURE_ATTEMPT", "0"))
print("key in env: %s" % ("ENDURE_LLM_API_KEY" in os.environ), flush=True)
print("ZorgLib init: 8 shards ready", flush=True)
if rank != 1:
    time.sleep(60)  # stopped by the failure of rank 1
    sys.exit(0)
for i in range(1, 4):
    print("step %d loss 2.%d" % (i, i), flush=True)
time.sleep(float(os.environ.get("ZORG_DELAY_%d" % attempt, "0")))
# ZORG_WAIT_<attempt>=FILE, ZORG_WAIT_TEXT=TEXT: fail only once FILE holds
# TEXT (at most 30 s), e.g. an earlier attempt's answer in the journal
path = os.environ.get("ZORG_WAIT_%d" % attempt)
if path:
    text = os.environ["ZORG_WAIT_TEXT"]
    end = time.time() + 30
    while time.time() < end:
        try:
            with open(path) as f:
                if text in f.read():
                    break
        except OSError:
            pass
        time.sleep(0.05)
msg = os.environ.get("ZORG_MSG", "$KEY_LINE")
print(msg, file=sys.stderr, flush=True)
sys.exit(3)
PYEOF
R="$T/replies"
mkdir -p "$R"
reply "$R/good" framework runtime_error restart 0.9 "$KEY_LINE" \
    '{"match":"ZorgLib fatal: flux capacitor desynchronised on shard \\d+","examples":["x"]}'
printf 'this is not json at all\n' >"$R/garbage"

# run_zorg ARGS...: endure run of two ranks on one node, rank 1 failing
run_zorg() {
    run_endure --nproc-per-node 2 --restart-backoff 0 --health off "$@" -- /usr/bin/python3 "$ZORG"
}

# The journal's event names in order, one a line, with the attempt.
event_order() {
    /usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    print(e.get("event"), e.get("attempt", e.get("next_attempt", "")))' "$RUN/events.jsonl"
}

# before A B: the first line A comes before the first line B in event_order
before() {
    local a b
    a=$(event_order | grep -n -m1 -x -- "$1" | cut -d: -f1)
    b=$(event_order | grep -n -m1 -x -- "$2" | cut -d: -f1)
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || { event_order >&2; fail "'$1' not before '$2'"; }
}

# The key appears in nothing endure wrote: run dir, learned rules, output.
no_key_anywhere() {
    ! grep -rq -- "$KEY" "$LOGS" "$OUT" "$ERR" || { grep -rl -- "$KEY" "$LOGS" "$OUT" "$ERR" >&2; fail "the key leaked"; }
    ! grep -rq "key in env: True" "$LOGS" || fail "the key reached the ranks' environment"
}

jv() { # FILE PYTHON_EXPR(v)
    /usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
