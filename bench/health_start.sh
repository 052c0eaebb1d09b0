#!/bin/bash
# health_start.sh: what the health checks add to a cold start. A local job
# of NODES nodes (default 4) running `true`, REPS times (default 5) for
# each setting, interleaved, medians printed with the difference and ratio
# against --health off measured in the same run:
#   off                 no checks (the baseline)
#   local               the probes (all; gpu and cuda skip without a GPU)
#   pairwise tcp        the probes, then the two-round pairwise test over
#                       TCP (--pair-bytes, default 64M both ways per pair)
#   pairwise nccl fake  the same through the test-only libnccl.so.2 at its
#                       default 50 GB/s stand-in speed (256 MiB x 6): the
#                       protocol's own cost, not a link's (local probes: memory only,
#                       as the stand-in NVML and CUDA would add their own)
# The time is the run's wall time (process start to exit). Asserts nothing.
#   NODES=4 REPS=5 PAIR_BYTES=64M BUILD=build bench/health_start.sh
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ENDURE=${ENDURE:-$PWD/$BUILD/endure}
NODES=${NODES:-4}
REPS=${REPS:-5}
PAIR_BYTES=${PAIR_BYTES:-64M}
[ -x "$ENDURE" ] || { echo "build first: make BUILD=$BUILD" >&2; exit 2; }
DIR=$(mktemp -d "${BENCH_DIR:-/tmp}/endure-bench-health.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
FAKES=$PWD/$BUILD/tests/fakes
NAMES=(off local pairwise_tcp pairwise_nccl_fake)
args_of() {
    case $1 in
    off) echo --health off ;;
    local) echo --health local ;;
    pairwise_tcp) echo --health pairwise --pair-probe tcp --pair-bytes "$PAIR_BYTES" ;;
    pairwise_nccl_fake) echo --health pairwise --health-probes memory --pair-probe nccl ;;
    esac
}
once() { # once NAME: wall ms of one run
    local t0 t1 extra=()
    [ "$1" = pairwise_nccl_fake ] && extra=(env "LD_LIBRARY_PATH=$FAKES")
    t0=$(date +%s%N)
    "${extra[@]}" "$ENDURE" run --log-dir "$DIR/logs" --nnodes "$NODES" --no-python $(args_of "$1") -- true \
        >/dev/null 2>"$DIR/err" || { echo "run failed ($1): $(tail -n 2 "$DIR/err")" >&2; exit 1; }
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}
declare -A ms
for ((r = 0; r < REPS; r++)); do
    for n in "${NAMES[@]}"; do ms[$n]+="$(once "$n") "; done
    rm -rf "$DIR/logs"
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
base=$(echo "${ms[off]}" | median)
printf 'cold start of %d local nodes running `true`, median of %d (ms):\n' "$NODES" "$REPS"
for n in "${NAMES[@]}"; do
    m=$(echo "${ms[$n]}" | median)
    printf '  %-20s %6d ms  %+6d ms vs off  x%.2f\n' "$n" "$m" $((m - base)) "$(echo "$m $base" | awk '{print $1/$2}')"
done
