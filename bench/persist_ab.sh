#!/bin/bash
# bench/persist_ab.sh: the agent's persist throughput of one build against
# another's, in one run: a staged checkpoint of PERSIST_AB_MB MiB (default
# 1024, a state.est written by save_state) is persisted by the baseline
# build's ckpt_driver and by this tree's, alternating, PERSIST_AB_ROUNDS
# times each (default 5), each into a fresh durable dir after dropping the
# page cache; prints each run's MB/s and the ratio of the medians. The
# disk's speed moves a lot between minutes here: only the alternating
# medians mean anything.
# usage: OLD_DRIVER=/path/to/old/build/tests/ckpt_driver bench/persist_ab.sh
#   (build a baseline with: git worktree add /tmp/base REV && make -C /tmp/base build/tests/ckpt_driver)
set -eu
cd "$(dirname "$0")/.."
NEW=${BUILD:-build}/tests/ckpt_driver
OLD=${OLD_DRIVER:?set OLD_DRIVER to the ckpt_driver of the baseline build}
MB=${PERSIST_AB_MB:-1024}
ROUNDS=${PERSIST_AB_ROUNDS:-5}
[ -x "$NEW" ] && [ -x "$OLD" ] || { echo "build first: make (and the baseline's ckpt_driver)"; exit 1; }
S=$(mktemp -d /dev/shm/persist-ab.XXXXXX)
D=$(mktemp -d "${CKPT_BENCH_DIR:-/var/tmp}/persist-ab.XXXXXX")
drv=
trap '[ -n "$drv" ] && kill "$drv" 2>/dev/null; rm -rf "$S" "$D"' EXIT
export ENDURE_CKPT_STAGE=$S/stage RANK=0 WORLD_SIZE=1 PYTHONPATH=$PWD/python
mkdir -m 700 "$S/stage"
/usr/bin/python3 -c 'import sys, torch, endure_ckpt
n = int(sys.argv[1]) << 18  # float32 elements per tensor, 4 tensors
endure_ckpt.save_state(1, {"w%d" % i: torch.randn(n) for i in range(4)})' "$MB"
old=() new=()
for r in $(seq "$ROUNDS"); do
  for which in OLD NEW; do
    sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
    "${!which}" agent --stage "$S/stage" --ckpt "$D/$which-$r" --node n1 --world 1 --ranks 0 --threads 2 >"$S/ev" 2>&1 &
    drv=$!
    until grep -q '"event":"persist' "$S/ev" || ! kill -0 "$drv" 2>/dev/null; do sleep 0.1; done
    kill -TERM "$drv" 2>/dev/null; wait "$drv" || true; drv=
    mbs=$(/usr/bin/python3 -c 'import json,sys; print("%.0f" % [json.loads(l) for l in open(sys.argv[1]) if "\"persisted\"" in l][0]["mb_per_s"])' "$S/ev")
    echo "round $r $which: $mbs MB/s"
    if [ "$which" = OLD ]; then old+=("$mbs"); else new+=("$mbs"); fi
    rm -rf "${D:?}/$which-$r"
  done
done
/usr/bin/python3 -c 'import statistics, sys
o = [float(x) for x in sys.argv[1].split()]; n = [float(x) for x in sys.argv[2].split()]
print("median baseline %.0f MB/s, this tree %.0f MB/s" % (statistics.median(o), statistics.median(n)))
print("RATIO persist this tree/baseline : %5.2fx" % (statistics.median(n) / statistics.median(o)))' "${old[*]}" "${new[*]}"
