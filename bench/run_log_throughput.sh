#!/bin/bash
# run_log_throughput.sh: how much endure slows a rank that floods its output.
# A writer (tests/helpers/bench_writer.c) prints SIZE bytes (default 1 GiB)
# of 100-byte lines as fast as it can, (a) straight into a file, the
# baseline, and (b) as the only rank of `endure run -- writer` with endure's
# console sent to /dev/null (the agent still writes every byte to the rank's
# log file). Writer modes: "block" (64 KiB writes, the fastest a program
# can produce lines), "stdio" (fwrite per line with stdio's default 4 KiB
# buffer, a plain C program), "lines" (one write per line, like Python's
# unbuffered print), and "block-r3": block under `endure run -r 3`, i.e.
# with the console off, to show what the console path costs. Prints the
# median wall time of each over REPS runs and the ratio endure/baseline
# (target <= 1.1). Also checks that the rank log got every line. Prints
# numbers, asserts nothing.
# EXTRA="--metrics-file F ..." adds flags to endure run (bench/oncall_reaction.sh).
#   SIZE=bytes REPS=n MODES="block stdio block-r3 lines" BUILD=build bench/run_log_throughput.sh
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ENDURE=${ENDURE:-$PWD/$BUILD/endure}
WRITER=$PWD/$BUILD/tests/bench_writer
SIZE=${SIZE:-1073741824}
REPS=${REPS:-5}
MODES=${MODES:-block stdio block-r3 lines}
[ -x "$ENDURE" ] && [ -x "$WRITER" ] || { echo "build first: make BUILD=$BUILD" >&2; exit 2; }
DIR=$(mktemp -d "${BENCH_DIR:-/tmp}/endure-bench-log.XXXXXX")
trap 'rm -rf "$DIR"' EXIT

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
elapsed() { # elapsed START: seconds since START ($EPOCHREALTIME)
    awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.3f\n", b - a}'
}

echo "log throughput: $SIZE bytes of 100-byte lines, $REPS run(s) each, $(nproc) CPU(s)"
printf '%-8s %12s %12s %8s %10s\n' mode baseline_s endure_s ratio MB/s_endure
for mode in $MODES; do
    flag= eflags=
    case "$mode" in
        block) ;;
        stdio) flag=--stdio ;;
        lines) flag=--lines ;;
        block-r3) eflags="--redirects 3" ;;
        *) echo "unknown mode $mode" >&2; exit 2 ;;
    esac
    base=() endu=()
    for ((i = 0; i < REPS; i++)); do
        sync
        t0=$EPOCHREALTIME
        "$WRITER" --bytes "$SIZE" $flag >"$DIR/direct.out" 2>/dev/null
        base+=("$(elapsed "$t0")")
        rm -f "$DIR/direct.out"

        sync
        t0=$EPOCHREALTIME
        "$ENDURE" run --log-dir "$DIR" --rdzv-id "tp-$mode-$i" --nproc-per-node 1 --max-restarts 0 $eflags ${EXTRA:-} \
            -- "$WRITER" --bytes "$SIZE" $flag >/dev/null 2>"$DIR/endure.err"
        rc=$?
        endu+=("$(elapsed "$t0")")
        log="$DIR/tp-$mode-$i/attempt-0/node0/rank-0.log"
        got=$(grep -c '^log line ' "$log" 2>/dev/null)
        want=$(( (SIZE + 99) / 100 ))
        if [ "$rc" != 0 ] || [ "$got" != "$want" ]; then
            echo "warning: $mode run $i: endure exit $rc, rank log has $got of $want lines" >&2
            tail -n 5 "$DIR/endure.err" >&2
        fi
        rm -rf "$DIR/tp-$mode-$i"
    done
    b=$(printf '%s\n' "${base[@]}" | median)
    e=$(printf '%s\n' "${endu[@]}" | median)
    awk -v m="$mode" -v b="$b" -v e="$e" -v s="$SIZE" \
        'BEGIN {printf "%-8s %12.3f %12.3f %7.2fx %10.0f\n", m, b, e, e / b, s / e / 1e6}'
done
echo "target: endure/baseline <= 1.10 (block mode is the issue's 'as fast as it can')"
