#!/bin/bash
# Two nodes, restore by rank: agents n1 (ranks 0,1) and n2 (ranks 2,3) each
# persist their part; the TAG is complete only with both parts. Then n2 is
# excluded and its ranks move to a spare node n3: n3's ranks resume from the
# durable copies n2 persisted, n1's ranks from their staged copies.
set -eu
B=${ENDURE_TEST_BUILD:-$PWD/build}
DRV=$B/tests/ckpt_driver
export ENDURE_SRC=${ENDURE_SRC:-$PWD}
T=$(mktemp -d /tmp/ckpt-nodes.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat >"$T/save.py" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["ENDURE_SRC"], "python"))
import endure_ckpt
rank = int(os.environ["RANK"])
for step in (5, 10):
    with endure_ckpt.save(step) as d:
        with endure_ckpt.open(os.path.join(d, "w.bin")) as f:
            f.write(("rank %d step %d\n" % (rank, step)).encode() * 1000)
PY
node() { # name ranks...
  local n=$1; shift
  local cmd="" r
  for r in "$@"; do cmd+="RANK=$r /usr/bin/python3 $T/save.py & "; done
  "$DRV" agent --stage "$T/stage-$n" --ckpt "$T/ckpt" --node "$n" --world 4 --ranks "$(IFS=,; echo "$*")" \
    -- bash -c "${cmd} wait" >"$T/ev-$n" 2>&1 || fail "agent $n"
}
node n1 0 1
if "$DRV" complete --ckpt "$T/ckpt" --tag step-000000010 --step 10 --world 4 n1=0,1 n2=2,3 2>/dev/null; then
  fail "complete before n2 persisted"
fi
node n2 2 3
for n in n1 n2; do
  grep -q '"event":"persisted".*"tag":"step-000000010"' "$T/ev-$n" || fail "$n did not persist step 10"
done
"$DRV" complete --ckpt "$T/ckpt" --tag step-000000010 --step 10 --world 4 n1=0,1 n2=2,3 || fail complete
"$DRV" choose --ckpt "$T/ckpt" --verify full | grep -q '"step":10' || fail choose
# n2 is excluded: the spare n3 takes ranks 2,3; n1 keeps 0,1
for r in 0 1 2 3; do
  n=n1; [ $r -ge 2 ] && n=n3
  ranks=0,1; [ $n = n3 ] && ranks=2,3
  read -r kind dir < <("$DRV" resume-dir --stage "$T/stage-$n" --ckpt "$T/ckpt" --node $n --world 4 \
                          --ranks $ranks --tag step-000000010 --rank $r)
  want=staged; [ $n = n3 ] && want=durable
  [ "$kind" = $want ] || fail "rank $r on $n: $kind $dir (want $want)"
  [ $n = n3 ] && [ "$dir" != "$T/ckpt/step-000000010/n2/rank-$r" ] && fail "rank $r dir $dir"
  head -1 "$dir/w.bin" | grep -qx "rank $r step 10" || fail "rank $r reads the wrong data from $dir"
done
echo PASS
