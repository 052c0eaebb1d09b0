#!/bin/bash
# Files planted in a checkpoint store (issue 7, group ckfiles): `endure ckpt
# verify` and `restore` answer at once, with a message and exit 1, when a
# TAG's COMPLETE or a data file is a FIFO (they used to block forever); a
# manifest path rank-00/... is not rank 0's file (verify used to accept it
# and restore --to exported an empty rank dir); restore --to refuses a
# symlink planted at OUT/<TAG> (it used to write through it); verify of a
# store without TAG directories fails with a message (it used to pass
# silently). Every command runs under `timeout` so a regression fails.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
DRV=$ENDURE_TEST_BUILD/tests/ckpt_driver
cat >"$T/save.py" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import endure_ckpt
step = int(sys.argv[1])
with endure_ckpt.save(step) as d:
    with endure_ckpt.open(os.path.join(d, "w.bin")) as f:
        f.write(bytes([step % 256]) * 5000)
PY
# store STORE: steps 1 and 2, both complete
store() {
    for s in 1 2; do
        RANK=0 "$DRV" agent --stage "$T/stage-$(basename "$1")" --ckpt "$1" --node n1 --world 1 --ranks 0 \
            -- /usr/bin/python3 "$T/save.py" $s >>"$T/ev" 2>&1 || fail "save $s"
        "$DRV" complete --ckpt "$1" --tag step-00000000$s --step $s --world 1 n1=0 || fail "complete $s"
    done
    rm -rf "$T/stage-$(basename "$1")"
}
# e WANT_RC OUTFILE ARGS...: endure ckpt ARGS under a 20 s timeout; the exit
# code must be WANT_RC (124 = it hung)
e() {
    local want=$1 out=$2 rc
    shift 2
    set +e
    timeout -k 5 20 "$ENDURE" ckpt "$@" >"$out" 2>&1
    rc=$?
    set -e
    [ "$rc" = "$want" ] || fail "endure ckpt $*: exit $rc, wanted $want: $(head -c 1500 "$out")"
}

# 1. a FIFO as the newest TAG's COMPLETE
store "$T/s1"
rm "$T/s1/step-000000002/COMPLETE"
mkfifo "$T/s1/step-000000002/COMPLETE"
e 1 "$T/o" verify "$T/s1"
grep -q 'step-000000002: corrupt' "$T/o" && grep -q 'COMPLETE: not a regular file' "$T/o" || fail "verify: $(cat "$T/o")"
e 1 "$T/o" verify "$T/s1" step-000000002
grep -q 'not a regular file' "$T/o" || fail "verify TAG: $(cat "$T/o")"
e 0 "$T/o" restore "$T/s1"
grep -q '^restore step-000000001' "$T/o" && grep -q 'skipped step-000000002: COMPLETE: not a regular file' "$T/o" ||
    fail "restore should fall back to step 1 and say why: $(cat "$T/o")"
e 0 "$T/o" ls "$T/s1"

# 2. a FIFO as a data file of a complete TAG
store "$T/s2"
rm "$T/s2/step-000000002/n1/rank-0/w.bin"
mkfifo "$T/s2/step-000000002/n1/rank-0/w.bin"
e 1 "$T/o" verify "$T/s2" step-000000002
grep -q 'n1/rank-0/w.bin: cannot open: not a regular file' "$T/o" || fail "verify data FIFO: $(cat "$T/o")"
e 1 "$T/o" restore "$T/s2" step-000000002 --size --to "$T/out2"
[ ! -e "$T/out2/step-000000002/rank-0" ] || fail "a FIFO was exported"

# 3. a manifest naming rank-00/... (and COMPLETE still rank 0 on n1)
store "$T/s3"
M="$T/s3/step-000000002/n1/manifest.json"
mv "$T/s3/step-000000002/n1/rank-0" "$T/s3/step-000000002/n1/rank-00"
/usr/bin/python3 - "$M" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for f in m["files"]:
    f["path"] = f["path"].replace("rank-0/", "rank-00/", 1)
json.dump(m, open(sys.argv[1], "w"))
PY
grep -q '"rank-00/' "$M" || fail "test setup: manifest not rewritten"
e 1 "$T/o" verify "$T/s3" step-000000002
grep -q 'rank-00/w.bin: path escapes its directory or names no local rank' "$T/o" || fail "rank-00: $(cat "$T/o")"
e 1 "$T/o" restore "$T/s3" step-000000002 --to "$T/out3"
[ ! -e "$T/out3/step-000000002/rank-0" ] || fail "restore exported a rank dir from a rank-00 manifest"

# 4. a symlink planted at OUT/<TAG>
store "$T/s4"
mkdir -p "$T/out4" "$T/elsewhere"
ln -s "$T/elsewhere" "$T/out4/step-000000002"
e 1 "$T/o" restore "$T/s4" --to "$T/out4"
grep -q 'step-000000002: a symbolic link or not a directory (refused)' "$T/o" || fail "symlink OUT/TAG: $(cat "$T/o")"
[ -z "$(ls -A "$T/elsewhere")" ] || fail "restore wrote through the symlink: $(ls -A "$T/elsewhere")"
# a real OUT/<TAG> still works, and an existing rank dir is never replaced
rm "$T/out4/step-000000002"
e 0 "$T/o" restore "$T/s4" --to "$T/out4"
cmp "$T/out4/step-000000002/rank-0/w.bin" "$T/s4/step-000000002/n1/rank-0/w.bin" || fail "export differs"
e 1 "$T/o" restore "$T/s4" --to "$T/out4"
grep -q 'exists (not overwritten)' "$T/o" || fail "second export: $(cat "$T/o")"

# 5. verify of a store with nothing to verify
mkdir -p "$T/empty" "$T/unlisted/.hidden"
touch "$T/unlisted/notes"
e 1 "$T/o" verify "$T/empty"
grep -q 'no TAG directories' "$T/o" || fail "empty store: $(cat "$T/o")"
e 1 "$T/o" verify "$T/unlisted"
grep -q 'no TAG directories' "$T/o" || fail "store without TAGs: $(cat "$T/o")"
check_no_leftovers
echo ok
