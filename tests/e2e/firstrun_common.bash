# firstrun_common.bash: shared pieces of the tests of examples/ (sourced after
# lib.sh by tests/e2e/firstrun_*.sh, not a test itself).
EX="$ENDURE_SRC/examples"

# same_weights FILE REF: both --out files of an example name the same steps,
# world size and (to 1e-6) sum of the final weights
same_weights() {
    [ -s "$1" ] || fail "no weights file $1"
    [ -s "$2" ] || fail "no reference weights file $2"
    /usr/bin/python3 - "$1" "$2" <<'PY' || fail "final weights differ: $(cat "$1") vs $(cat "$2")"
import sys
a, b = (open(p).read().split() for p in sys.argv[1:3])
assert a[:2] == b[:2], (a, b)
x, y = float(a[2]), float(b[2])
assert abs(x - y) <= 1e-6 * max(1.0, abs(y)), (x, y)
PY
}

# verdict_is ATTEMPT TYPE: the diagnosis of that attempt has that type
verdict_is() {
    local v; v=$(field verdict verdict attempt="$1")
    case "$v" in *"\"type\": \"$2\""*) ;; *) fail "attempt $1 verdict is not $2: $v" ;; esac
}

# culprit_is ATTEMPT RANK HOST: the diagnosis of that attempt names that
# rank on that host (not which rank's exit the controller saw first: when
# one rank raises, its peers fail on the broken collective at nearly the
# same moment, and on a loaded machine either exit can come first)
culprit_is() {
    local v; v=$(field verdict verdict attempt="$1")
    /usr/bin/python3 -c 'import json, sys; c = json.loads(sys.argv[1])["culprit"]; sys.exit(not (c["rank"] == int(sys.argv[2]) and c["host"] == sys.argv[3]))' \
        "$v" "$2" "$3" || fail "attempt $1 verdict does not name rank $2 on $3: $v"
}

# resumed_all ATTEMPT STEP NRANKS: every rank's log of that attempt says it
# resumed from the checkpoint of STEP
resumed_all() {
    local n
    n=$(grep -l "resumed.* from the checkpoint of step $2 " "$RUN"/attempt-"$1"/*/rank-*.log 2>/dev/null | wc -l)
    [ "$n" -eq "$3" ] || { grep -h resumed "$RUN"/attempt-"$1"/*/rank-*.log >&2; fail "$n of $3 ranks resumed from step $2"; }
}
