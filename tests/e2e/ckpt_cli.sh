#!/bin/bash
# `endure ckpt ls|verify|prune` on a real store made by the agent: text and
# --json output, exit codes (0 ok, 1 corrupt, 2 usage), prune keeps the
# newest complete TAG and never an incomplete newer one.
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
"$ENDURE" ckpt prune "$T/ckpt" --keep 1 --json | tee "$T/p"
/usr/bin/python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); assert sorted(t["step"] for t in l)==[1,2], l' "$T/p"
[ -d "$T/ckpt/step-000000003" ] && [ -d "$T/ckpt/step-000000004" ] || fail "prune removed the newest complete or a newer incomplete TAG"
echo PASS
