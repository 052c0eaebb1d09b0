#!/bin/bash
# `endure ckpt ls|verify|prune|restore` on a real store made by the agent:
# text and --json output, exit codes (0 ok, 1 corrupt, 2 usage), restore
# picks what a restart would (falling back past corrupt TAGs) and exports it
# CRC-checked into the helper's plain layout without overwriting, prune
# keeps the newest complete TAG and never an incomplete newer one.
set -eu
B=${ENDURE_TEST_BUILD:-$PWD/build}
DRV=$B/tests/ckpt_driver
export ENDURE_SRC=${ENDURE_SRC:-$PWD}
T=$(mktemp -d /tmp/ckpt-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat >"$T/save.py" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import endure_ckpt
step = int(sys.argv[1])
with endure_ckpt.save(step) as d:
    with endure_ckpt.open(os.path.join(d, "w.bin")) as f:
        f.write(bytes([step % 256]) * 50000)
PY
for s in 1 2 3 4; do
  RANK=0 "$DRV" agent --stage "$T/stage" --ckpt "$T/ckpt" --node n1 --world 1 --ranks 0 \
    -- /usr/bin/python3 "$T/save.py" $s >>"$T/ev" 2>&1 || fail "save $s"
  [ $s -lt 4 ] && { "$DRV" complete --ckpt "$T/ckpt" --tag step-00000000$s --step $s --world 1 n1=0 || fail "complete $s"; }
done
"$ENDURE" ckpt ls "$T/ckpt" | tee "$T/ls"
grep -q 'step-000000004 .* no ' "$T/ls" || fail "ls: step 4 should be incomplete"
grep -q 'step-000000003 .* yes ' "$T/ls" || fail "ls: step 3 should be complete"
mkdir -p "$T/bare/step-7" # a TAG with nothing persisted: no step to show, not -1
"$ENDURE" ckpt ls "$T/bare" | grep -q '^step-7 *- *no ' || fail "ls: a bare TAG should show step -"
"$ENDURE" ckpt ls "$T/ckpt" --json | /usr/bin/python3 -c 'import json,sys; l=json.load(sys.stdin); assert [t["step"] for t in l]==[4,3,2,1] and l[1]["complete"], l'
"$ENDURE" ckpt verify "$T/ckpt" --json | /usr/bin/python3 -c 'import json,sys; l=json.load(sys.stdin); assert {t["tag"]: t["status"] for t in l}["step-000000002"]=="ok", l'
printf 'X' | dd of="$T/ckpt/step-000000002/n1/rank-0/w.bin" bs=1 seek=7 conv=notrunc status=none
set +e
"$ENDURE" ckpt verify "$T/ckpt" >"$T/v" 2>&1; rc=$?
"$ENDURE" ckpt verify "$T/ckpt" step-000000002 --size >/dev/null 2>&1; rc_size=$?
"$ENDURE" ckpt verify "$T/ckpt" step-000000009 >/dev/null 2>&1; rc_missing=$?
"$ENDURE" ckpt prune "$T/ckpt" >/dev/null 2>&1; rc_usage=$?
"$ENDURE" ckpt frob "$T/ckpt" >/dev/null 2>&1; rc_sub=$?
"$ENDURE" ckpt ls "$T/ckpt" --bogus >/dev/null 2>&1; rc_opt=$?
"$ENDURE" ckpt --help >/dev/null; rc_help=$?
set -e
cat "$T/v"
[ $rc -eq 1 ] && grep -q 'step-000000002: corrupt' "$T/v" && grep -q 'n1/rank-0/w.bin: CRC32' "$T/v" || fail "verify rc=$rc"
[ $rc_size -eq 0 ] || fail "--size should not read data"
[ $rc_missing -eq 1 ] || fail "missing TAG rc=$rc_missing"
[ $rc_usage -eq 2 ] && [ $rc_sub -eq 2 ] && [ $rc_opt -eq 2 ] || fail "usage errors must exit 2 ($rc_usage $rc_sub $rc_opt)"
[ $rc_help -eq 0 ] || fail "--help"
# restore: what a restart would use (step 3), a named TAG, --to exports it
"$ENDURE" ckpt restore "$T/ckpt" | tee "$T/r"
grep -q '^restore step-000000003 (step 3, world size 1)' "$T/r" || fail "restore should pick step 3"
grep -q "rank 0: $T/ckpt/step-000000003/n1/rank-0\$" "$T/r" || fail "restore should name rank 0's dir"
set +e
"$ENDURE" ckpt restore "$T/ckpt" step-000000002 >"$T/r2" 2>&1; rc_bad=$?
"$ENDURE" ckpt restore "$T/ckpt" step-000000002 --size >/dev/null 2>&1; rc_bad_size=$?
"$ENDURE" ckpt restore "$T/ckpt" step-000000002 --size --to "$T/out2" >"$T/r3" 2>&1; rc_bad_copy=$?
set -e
[ $rc_bad -eq 1 ] && grep -q 'skipped step-000000002: n1/rank-0/w.bin: CRC32' "$T/r2" || fail "corrupt TAG restore rc=$rc_bad: $(cat "$T/r2")"
[ $rc_bad_size -eq 0 ] || fail "--size restore of step 2 should pass"
[ $rc_bad_copy -eq 1 ] && grep -q 'CRC32' "$T/r3" || fail "the copy must check CRCs: rc=$rc_bad_copy $(cat "$T/r3")"
[ ! -e "$T/out2/step-000000002/rank-0" ] || fail "a corrupt copy was committed"
"$ENDURE" ckpt restore "$T/ckpt" --to "$T/out" >/dev/null
cmp "$T/out/step-000000003/rank-0/w.bin" "$T/ckpt/step-000000003/n1/rank-0/w.bin" || fail "exported file differs"
ENDURE_CKPT_FALLBACK_DIR="$T/out" RANK=0 WORLD_SIZE=1 /usr/bin/python3 -c '
import os, sys
sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import endure_ckpt
r = endure_ckpt.resume()
assert r and r.step == 3 and r.dir.endswith("step-000000003/rank-0"), r' || fail "endure_ckpt.resume() does not read the export"
set +e; "$ENDURE" ckpt restore "$T/ckpt" --to "$T/out" >/dev/null 2>"$T/r4"; rc_again=$?; set -e
[ $rc_again -eq 1 ] && grep -q 'exists (not overwritten)' "$T/r4" || fail "a second export must not overwrite: $rc_again"
# the newest complete TAG corrupt too: restore falls back to step 1 and says why
printf 'X' | dd of="$T/ckpt/step-000000003/n1/rank-0/w.bin" bs=1 seek=9 conv=notrunc status=none
"$ENDURE" ckpt restore "$T/ckpt" --json | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["tag"] == "step-000000001" and j["step"] == 1 and j["world_size"] == 1, j
assert {p["tag"] for p in j["skipped"]} == {"step-000000002", "step-000000003"}, j["skipped"]
assert j["ranks"][0]["rank"] == 0 and j["ranks"][0]["dir"].endswith("step-000000001/n1/rank-0"), j' || fail "restore fallback"
"$ENDURE" ckpt prune "$T/ckpt" --keep 1 --json | tee "$T/p"
/usr/bin/python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); assert sorted(t["step"] for t in l)==[1,2], l' "$T/p"
[ -d "$T/ckpt/step-000000003" ] && [ -d "$T/ckpt/step-000000004" ] || fail "prune removed the newest complete or a newer incomplete TAG"
echo PASS
