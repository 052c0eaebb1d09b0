# Bounded rank logs: two ranks each flood ~9 MB of incompressible lines and
# then print a CUDA OOM line and exit 1, with --log-max-size 1M and
# --log-keep 3M. The logs rotate into gzipped segments (rank-R.log.K.gz),
# the run's log bytes end under the cap (plus at most one segment per rank
# that a check had not yet seen), the live verdict finds the OOM line, and
# `endure diagnose RUN_DIR` finds it too, reading the segments in order.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
cat >"$T/flood.sh" <<'SH'
#!/bin/bash
echo "step 1 loss 2.0"
head -c 6800000 /dev/urandom | base64 -w 120
echo "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB"
exit 1
SH
chmod +x "$T/flood.sh"
run_endure --nodes n1 --nproc-per-node 2 --max-restarts 0 -r 3 --log-max-size 1M --log-keep 3M -- "$T/flood.sh"
expect_rc 3
expect_count 1 verdict
field verdict verdict | grep -q '"type": "cuda_oom"' || fail "live verdict: $(field verdict verdict)"
D="$RUN/attempt-0/n1"
ls "$D" >&2
[ "$(ls "$D" | grep -c '^rank-0\.log\.[0-9]*\.gz$')" -ge 1 ] || fail "no compressed segment of rank 0"
[ -z "$(ls "$D" | grep '\.tmp$')" ] || fail "temporary files left: $(ls "$D")"
bytes=$(du -sb "$RUN"/attempt-* | awk '{s += $1} END {print s}')
[ "$bytes" -le $((5 * 1024 * 1024)) ] || fail "the logs take $bytes bytes, over the 3M cap (+1M per rank)"
# the first segments went for the cap; the one with the OOM line was kept
# (the rank that failed first; the other may be stopped before its own)
zcat -f "$D"/rank-*.log.* 2>/dev/null | grep -q "CUDA out of memory" || fail "the failure's segment is gone"
# (the cap removes segment 1 of every rank before any segment 2; a rank
# stopped before it wrote a second segment keeps its only one: the last
# segment of a rank that ended in a failure is protected)
for r in 0 1; do
    if ls "$D" | grep -q "^rank-$r\.log\.\([2-9]\|[1-9][0-9]\)"; then
        [ ! -e "$D/rank-$r.log.1.gz" ] || fail "rank $r's oldest segment was not removed for the cap: $(ls "$D")"
    fi
done
[ "$(ls "$D" | grep -c '^rank-[01]\.log\.1\.gz$')" -le 1 ] || fail "no oldest segment was removed for the cap"
"$ENDURE" diagnose --json "$RUN" >"$T/diag.json" 2>"$T/diag.err" || true
/usr/bin/python3 - "$T/diag.json" <<'PY' || fail "diagnose: $(cat "$T/diag.err")"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["type"] == "cuda_oom", v.get("type")
assert v["key_line"]["file"].endswith(".log") and "CUDA out of memory" in v["key_line"]["text"], v["key_line"]
PY
# a rotated log named on its own is read whole, segments first
# (the rank whose segments hold the failure: the first to fail)
one=
for r in 0 1; do # (the live file itself may be compressed too once the attempt ended)
    zcat -f "$D/rank-$r.log"* 2>/dev/null | grep -q "CUDA out of memory" && { one="$D/rank-$r.log"; break; }
done
[ -n "$one" ] || fail "no rank log holds the failure"
"$ENDURE" diagnose "$one" >"$T/one.out" 2>&1 || true
grep -q "cuda_oom" "$T/one.out" || fail "diagnose of one rotated log: $(head "$T/one.out")"
check_no_leftovers
