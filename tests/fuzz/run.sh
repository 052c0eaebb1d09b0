#!/bin/bash
# Builds the libFuzzer targets of tests/fuzz (clang, -fsanitize=fuzzer,
# address,undefined; the diagnose and common sources are compiled in
# directly: the rule loader, the classifier, the prefix parser, the agent
# port's framing, the hostlist scanner) and runs each for FUZZ_SECONDS
# (default 20) from its seed corpus, one target per CPU at a time.
# Used by `make fuzz`; not part of `make test`. Exit non-zero on a crash.
# FUZZ_TARGETS="hostlist parse" runs only those.
set -eu
cd "$(dirname "$0")/../.."
SECS=${FUZZ_SECONDS:-20}
OUT=${FUZZ_BUILD:-build/fuzz}
mkdir -p "$OUT"
PKGS="libpcre2-8 libcurl zlib jansson yaml-0.1 libcrypto"
CFLAGS="-std=c11 -D_GNU_SOURCE -DENDURE_VERSION=\"fuzz\" -g -O1 -I. -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lpthread -ldl"
SRCS="$(ls diagnose/*.c | grep -v '/cmd_') common/ansi.c common/buf.c common/lines.c common/util.c common/log.c common/text.c common/proto.c common/msg.c common/layout.c common/hostlist.c common/hostfile.c common/http.c"
# the shared sources are compiled once, one per CPU at a time, then linked
# into each target
mkdir -p "$OUT/obj"
export CFLAGS OUT
echo "== build: $(echo $SRCS | wc -w) shared sources"
printf '%s\n' $SRCS | xargs -P "$(nproc)" -I{} sh -c 'o="$OUT/obj/$(echo "{}" | tr / _).o"; clang $CFLAGS -c -o "$o" "{}"'
OBJS=$(printf '%s\n' $SRCS | sed "s|/|_|g; s|^|$OUT/obj/|; s|\$|.o|")
status=0
targets=${FUZZ_TARGETS:-rules classify prefix proto parse hostlist}
for t in $targets; do
    echo "== fuzz_$t: build"
    clang $CFLAGS -o "$OUT/fuzz_$t" "tests/fuzz/fuzz_$t.c" $OBJS $LIBS
done
# the targets run one per CPU at a time (each single-threaded), each into
# its own log and result file; reported in order once all are done
run_one() {
    local t=$1 work="$OUT/corpus-$1"
    mkdir -p "$work"
    if "$OUT/fuzz_$t" -max_total_time="$SECS" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 "$work" "tests/fuzz/corpus/$t" > "$OUT/fuzz_$t.log" 2>&1; then
        echo 0 > "$OUT/fuzz_$t.rc"
    else
        echo 1 > "$OUT/fuzz_$t.rc"
    fi
}
for t in $targets; do
    rm -f "$OUT/fuzz_$t.rc"
    while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n; done
    echo "== fuzz_$t: run ${SECS}s"
    run_one "$t" &
done
wait
for t in $targets; do
    if [ "$(cat "$OUT/fuzz_$t.rc" 2>/dev/null)" != 0 ]; then
        echo "FAIL fuzz_$t (see $OUT/fuzz_$t.log)"
        tail -n 30 "$OUT/fuzz_$t.log"
        status=1
    else
        grep -E "stat::number_of_executed_units|Done" "$OUT/fuzz_$t.log" | tail -n 2
        echo "PASS fuzz_$t"
    fi
done
exit $status
