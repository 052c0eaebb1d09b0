# llm_common.bash: shared helpers of the tests/e2e/llm_*.sh tests (sourced
# after lib.sh; not a test itself): the loopback stub server
# (llm_stub.py), a failing log that no shipped rule knows, and replies.
STUB_PY="$ENDURE_SRC/tests/e2e/llm_stub.py"
KEY_LINE='ZorgLib fatal: flux capacitor desynchronised on shard 7 (code 0x3f)'

# A two-rank log whose failure no shipped rule classifies (unknown).
make_unknown_log() { # FILE
    {
        echo "[rank0]: ZorgLib init: 8 shards ready"
        for i in 1 2 3 4 5; do echo "[rank0]: step $i loss 2.$i"; echo "[rank1]: step $i loss 2.$i"; done
        echo "[rank1]: $KEY_LINE"
        echo "[rank1]: aborting"
    } >"$1"
}

# reply FILE CATEGORY TYPE ACTION CONF KEY [RULE_JSON]: an assistant content.
reply() {
    local rule=${7:-null}
    printf '{"category":"%s","type":"%s","action":"%s","culprit":{"host":null,"rank":1,"gpu":null},"confidence":%s,"key_line":%s,"explanation":"The ZorgLib runtime lost sync with its shard server; restart.","rule":%s}\n' \
        "$2" "$3" "$4" "$5" "$(/usr/bin/python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$6")" "$rule" >"$1"
}

# stub_start DIR SCRIPT: starts the stub; sets STUB_PID and STUB_URL.
stub_start() {
    mkdir -p "$1"
    rm -f "$1/port" "$1/count"
    /usr/bin/python3 "$STUB_PY" "$1" "$2" &
    STUB_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do [ -s "$1/port" ] && break; sleep 0.1; done
    [ -s "$1/port" ] || fail "stub did not start"
    STUB_URL="http://127.0.0.1:$(cat "$1/port")"
}

stub_stop() {
    [ -n "${STUB_PID:-}" ] && kill "$STUB_PID" 2>/dev/null && wait "$STUB_PID" 2>/dev/null
    STUB_PID=
}

stub_count() { cat "$1/count" 2>/dev/null || echo 0; }

# A port on which nothing listens.
closed_port() {
    # Not bind(0): a port from the ephemeral range (32768-60999 here) can
    # be handed to another test's bind(0) or connect between this check and
    # its use, and then something answers (CI once saw "Empty reply from
    # server" instead of a refused connect). 10000-19999 is below that
    # range and below the tests' MASTER_PORTs (20000-31999): a free port
    # there stays unanswered.
    /usr/bin/python3 -c '
import random, socket
for _ in range(500):
    p = random.randint(10000, 19999)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
'
}

jget() { # FILE PYTHON_EXPR(v): prints the expression over the JSON in FILE
    /usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
