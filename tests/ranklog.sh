# ranklog.sh: reading rank logs that may be rotated or gzipped, for the e2e
# tests (lib.sh) and the engine suites (tests/testbed/suite-lib.sh).

# rank_log FILE: the text of the rank log FILE (.../rank-R.log) with its
# closed segments first (rank-R.log.K or rank-R.log.K.gz, in order), as
# endure diagnose reads them: the logs of an attempt that is not a node's
# last are gzipped when the node starts its next one. Fails when there is
# none of them.
rank_log() {
    local f=$1 k=1 any=0
    while :; do
        if [ -f "$f.$k.gz" ]; then zcat "$f.$k.gz"; any=1
        elif [ -f "$f.$k" ]; then cat "$f.$k"; any=1
        else break; fi
        k=$((k + 1))
    done
    if [ -f "$f" ]; then cat "$f"; any=1; fi
    [ "$any" = 1 ] || { echo "rank_log: no log $f" >&2; return 1; }
}
# has_rank_log FILE: the rank log FILE or one of its closed segments exists
has_rank_log() { [ -f "$1" ] || [ -f "$1.1.gz" ] || [ -f "$1.1" ]; }
