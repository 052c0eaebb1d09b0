#!/bin/bash
# bench/ckpt.sh: asynchronous checkpoints against their baselines, all
# measured in the same run and printed as ratios:
#  1. trainer blocking time for a CKPT_BENCH_MB (default 2048) MiB state:
#     torch.save+fsync to the durable dir vs the helper's save into the
#     stage (fresh and reused slots) vs the memcpy floor (glibc memcpy of
#     the same bytes into touched anonymous memory, one thread); the floor
#     and save_state interleaved in CKPT_BENCH_ROUNDS rounds (default 7),
#     medians, with CPU times and the load average; torch.save+fsync the
#     median of three runs after them;
#  2. persist throughput of the agent (CRC32 while copying, fsync, manifest)
#     vs `cp` + `sync` of the same file;
#  3. restore with torch.load from the stage vs a cold durable copy, and
#     endure_ckpt.load_state (the tensor-native format of save_state, also
#     timed in 1.) from the stage and from the cold durable copy.
# Durable dir: CKPT_BENCH_DIR (default a temp dir under /var/tmp, on disk).
# The size is halved while memory cannot hold 5x the state (at most 4x is
# resident at once: the state, and the stage's three files or the floor's
# buffer) or /dev/shm 3x (the newest slot's state.pt and state.est, the
# other slot's state.est).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DRV=$BUILD/tests/ckpt_driver
PY=/usr/bin/python3
MB=${CKPT_BENCH_MB:-2048}
[ -x "$DRV" ] || { echo "build first: make"; exit 1; }
avail_mb=$(awk '/MemAvailable/ {print int($2/1024)}' /proc/meminfo)
shm_mb=$(df -m --output=avail /dev/shm | tail -1)
while [ $((MB * 5)) -gt "$avail_mb" ] || [ $((MB * 3)) -gt "$shm_mb" ]; do
  MB=$((MB / 2))
  echo "note: reducing the state to $MB MiB (MemAvailable ${avail_mb} MiB, /dev/shm free ${shm_mb} MiB)"
done
df -h /dev/shm | tail -1
S=$(mktemp -d /dev/shm/endure-bench.XXXXXX)
D=$(mktemp -d "${CKPT_BENCH_DIR:-/var/tmp}/endure-bench.XXXXXX")
drv=
trap '[ -n "$drv" ] && kill "$drv" 2>/dev/null; rm -rf "$S" "$D"' EXIT
export ENDURE_CKPT_STAGE=$S/stage RANK=0 WORLD_SIZE=1
mkdir -m 700 "$S/stage"

echo "== 1. trainer blocking time"
$PY bench/ckpt_bench.py save "$MB" "$D"
rm -f "$D/sync.pt"
# keep only the newest commit (state.pt and state.est) so one part is persisted
new=$($PY -c 'import json,sys; print(max((0, 1), key=lambda k: json.load(open("%s/slot-%d.commit" % (sys.argv[1], k)))["step"]))' "$S/stage/rank-0")
rm -f "$S/stage/rank-0/slot-$((1 - new)).commit"

echo "== 2. persist throughput"
"$DRV" agent --stage "$S/stage" --ckpt "$D/ckpt" --node n1 --world 1 --ranks 0 --threads 2 >"$S/ev" 2>&1 &
drv=$!
until grep -q '"event":"persist' "$S/ev"; do sleep 0.1; done
kill -TERM "$drv"; wait "$drv" || true; drv=
grep '"event":"persist' "$S/ev"
mbs=$($PY -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1]) if "\"persisted\"" in l][0]; print("%.1f" % e["mb_per_s"])' "$S/ev")
src=$S/stage/rank-0/slot-$new/state.pt
bytes=$(stat -c %s "$src")
t0=$(date +%s.%N); cp "$src" "$D/cp.pt"; sync; t1=$(date +%s.%N)
cpmbs=$(awk -v b="$bytes" -v a="$t0" -v z="$t1" 'BEGIN {printf "%.1f", b / 1e6 / (z - a)}')
echo "agent persist (CRC32+fsync+manifest): $mbs MB/s"
echo "cp + sync                           : $cpmbs MB/s"
awk -v p="$mbs" -v c="$cpmbs" 'BEGIN {printf "RATIO persist/cp+sync             : %6.2fx  (target >= 0.9x)\n", p / c}'
rm -f "$D/cp.pt"

echo "== 3. restore"
$PY bench/ckpt_bench.py restore "$MB" "$D/ckpt"
