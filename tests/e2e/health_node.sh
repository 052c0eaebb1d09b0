# e2e: `endure health` on this node: the nic, storage and memory probes'
# verdicts (an interface that is up, one that does not exist, no network at
# all in a fresh network namespace, a refused state dir; a writable and a
# read-only checkpoint dir, too little space for 2x the newest checkpoint
# or --min-free, no stage; --min-mem above the machine), the debounce (a
# fault that goes after one run passes, one that stays fails), the table,
# the exit codes and usage errors.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
F="$BUILD_DIR/tests/fakes"
H() { set +e; "$ENDURE" health "$@" >"$T/o" 2>"$T/e"; RC=$?; set -e; }
want_rc() { [ "$RC" = "$1" ] || fail "$2: exit $RC, wanted $1: $(head -c 800 "$T/e") $(head -c 1500 "$T/o")"; }
probe() {
    /usr/bin/python3 - "$T/o" "$@" <<'PY' || fail "probe $1: wanted $2 /$3/: $(head -c 1500 "$T/o")"
import json, re, sys
v = json.load(open(sys.argv[1]))
name, result, reason = sys.argv[2:5]
cond = sys.argv[5] if len(sys.argv) > 5 else "True"
p = [p for p in v["probes"] if p["name"] == name][0]
sys.exit(0 if re.fullmatch(result, p["result"]) and re.search(reason, p["reason"]) and eval(cond) else 1)
PY
}
S="$T/state"

# ---- nic ----
H --json --probe nic --nic lo --state-dir "$S"
want_rc 0 "--nic lo"
probe nic pass "interface" 'p["figures"]["interfaces"][0]["name"] == "lo" and p["figures"]["baseline"]'
[ -f "$S/nic-counters.json" ] || fail "no counter state in $S"
[ "$(stat -c %a "$S")" = 700 ] || fail "state dir mode $(stat -c %a "$S")"
H --json --probe nic --nic lo --state-dir "$S"
probe nic pass "interface" 'p["figures"]["baseline"] == False'
H --json --probe nic --nic nosuch0 --fail-after 1 --state-dir "$S"
want_rc 1 "a missing interface"
probe nic fail "no interface nosuch0"
ln -s "$T" "$T/state-link"
H --json --probe nic --nic lo --state-dir "$T/state-link"
want_rc 0 "a symlinked state dir"
probe nic warn "counters not compared: state dir .*state-link refused"
if [ ! -e /sys/class/infiniband ] && unshare -rn true 2>/dev/null; then
    set +e
    unshare -rn "$ENDURE" health --json --probe nic --state-dir "$S" >"$T/o" 2>"$T/e"; RC=$?
    set -e
    want_rc 0 "no network at all"
    probe nic skip "no InfiniBand port and no interface with an IPv4 address"
else
    echo "note: no user network namespace here; nic skip left to the unit test"
fi

# ---- storage ----
CK="$T/ckpt"
mkdir -p "$CK"
H --json --probe storage --ckpt-dir "$CK"
want_rc 0 "a writable checkpoint dir"
probe storage pass "writable" 'p["figures"]["write_mbps"] >= 0 and p["figures"]["read_mbps"] >= 0 and p["figures"]["newest_ckpt_bytes"] == 0'
[ -z "$(ls -A "$CK")" ] || fail "the probe left files in $CK: $(ls -A "$CK")"
H --json --probe storage --ckpt-dir "$CK/not/yet"
want_rc 0 "a checkpoint dir still to be created"
probe storage pass "writable" 'p["figures"]["tested_in"] == "'"$CK"'"'
H --json --probe storage --ckpt-dir "$CK" --min-free 1000T --fail-after 1
want_rc 1 "--min-free above the free space"
probe storage fail "needed \\(--min-free\\)"
# the newest checkpoint (sparse: 8 TiB of apparent size) needs 2x
mkdir -p "$CK/step-100/node0/rank-0"
echo '{"step": 100}' >"$CK/step-100/node0/manifest.json"
truncate -s 8T "$CK/step-100/node0/rank-0/big"
H --json --probe storage --ckpt-dir "$CK" --fail-after 1
want_rc 1 "less than 2x the newest checkpoint"
probe storage fail "2x the newest checkpoint" 'p["figures"]["newest_ckpt_bytes"] >= 8 * 2**40 and p["figures"]["ckpt_need_bytes"] == 2 * p["figures"]["newest_ckpt_bytes"]'
probe storage fail "stage /dev/shm: .* needed \\(2x this node's share\\)"
rm -rf "$CK/step-100"
# read-only: a read-only mount for root (who may write anywhere), else a mode
mkdir -p "$T/ro"
if [ "$(id -u)" = 0 ]; then
    set +e
    unshare -m --propagation private sh -c 'mount -t tmpfs -o ro,size=1m tmpfs "$1" && exec "$2" health --json --probe storage --ckpt-dir "$1" --fail-after 1' \
        sh "$T/ro" "$ENDURE" >"$T/o" 2>"$T/e"; RC=$?
    set -e
else
    chmod 555 "$T/ro"
    H --json --probe storage --ckpt-dir "$T/ro" --fail-after 1
fi
want_rc 1 "a read-only checkpoint dir"
probe storage fail "not writable: open: (Read-only file system|Permission denied)"
H --json --probe storage --stage-dir "$T/nothing/here"
want_rc 0 "no --ckpt-dir and no stage dir"
probe storage skip "no --ckpt-dir, and no stage directory"

# ---- memory ----
H --json --probe memory
want_rc 0 "memory"
probe memory "(pass|warn)" "available" 'p["figures"]["available_bytes"] > 0'
H --json --probe memory --min-mem 1000T --fail-after 1
want_rc 1 "--min-mem above the machine"
probe memory fail "needed \\(--min-mem\\)" 'p["figures"]["min_bytes"] == 1000 * 2**40'

# ---- the debounce (with the fake NVML: a fault in the first run only) ----
touch "$T/once"
set +e
LD_LIBRARY_PATH="$F" FAKE_NVML_ECC=1 FAKE_NVML_ONCE="$T/once" "$ENDURE" health --json --probe gpu >"$T/o" 2>"$T/e"; RC=$?
set -e
want_rc 0 "a fault gone in the second run"
probe gpu pass "GPU" 'p["runs"] == 2 and "uncorrectable ECC" in p["transient"]'
set +e
LD_LIBRARY_PATH="$F" FAKE_NVML_ECC=1 "$ENDURE" health --json --probe gpu --fail-after 3 >"$T/o" 2>"$T/e"; RC=$?
set -e
want_rc 1 "a fault that stays"
probe gpu fail "uncorrectable ECC" 'p["runs"] == 3 and "transient" not in p'

# ---- all probes: the table, and the JSON object's shape ----
H --nic lo --state-dir "$S" --ckpt-dir "$CK"
want_rc 0 "all probes"
for p in gpu cuda nic storage memory; do grep -q "^$p " "$T/o" || fail "no $p line in the table: $(cat "$T/o")"; done
head -1 "$T/o" | grep -q "^host .*: \(pass\|warn\) ([0-9]* ms)$" || fail "table head: $(head -2 "$T/o")"
H --json --nic lo --state-dir "$S" --ckpt-dir "$CK"
want_rc 0 "all probes, --json"
/usr/bin/python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert set(v) == {"host", "result", "ms", "probes"}, v
assert v["result"] in ("pass", "warn") and isinstance(v["ms"], int) and v["host"]
assert [p["name"] for p in v["probes"]] == ["gpu", "cuda", "nic", "storage", "memory"]
for p in v["probes"]:
    assert {"name", "result", "reason", "ms", "runs", "figures"} <= set(p), p
' "$T/o" || fail "the JSON object: $(cat "$T/o")"
[ "$(wc -l <"$T/o")" = 1 ] || fail "--json is one line"

# ---- usage errors: exit 2, one line naming the flag ----
for args in "--gpus x" "--gpus -1" "--probe bogus" "--probe gpu,,x" "--min-free 12Q" "--min-free 1.5G" \
    "--min-mem" "--timeout 0" "--timeout 5x" "--gpu-free-timeout -1" "--fail-after 0" "--nic a/b" \
    "--min-copy-gbps x" "--frob" "RUN1 RUN2" "$T --probe gpu"; do
    H $args
    want_rc 2 "usage error: $args"
    [ "$(wc -l <"$T/e")" = 1 ] || fail "usage error $args: not one line: $(cat "$T/e")"
    flag=${args%% *}
    case $flag in --*) grep -q -- "$flag" "$T/e" || fail "usage error $args does not name $flag: $(cat "$T/e")" ;; esac
done
H --help
want_rc 0 "--help"
for f in --json --probe --gpus --ckpt-dir --stage-dir --min-free --min-mem --gpu-free-timeout --timeout --nic \
    --fail-after --state-dir --min-copy-gbps RUN_DIR; do
    grep -q -- "$f" "$T/o" || fail "--help lacks $f"
done
"$ENDURE" --help | grep -q "^  health " || fail "endure --help lacks health"
check_no_leftovers
echo ok
