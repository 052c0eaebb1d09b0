# The command line: help, version, torchrun's flags in both spellings and as
# PET_ variables, Python scripts and modules, and usage errors (exit 2, one
# line naming the flag).
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
"$ENDURE" --help | grep -q "run " || fail "endure --help"
"$ENDURE" --version | grep -qxE "endure [0-9.]+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)" || fail "--version"
help=$("$ENDURE" run --help)
for f in --nnodes --nproc-per-node --max-restarts --monitor-interval --log-dir --redirects --tee \
         --local-ranks-filter --master-addr --master-port --node-rank --role --module --no-python --run-path \
         --rdzv-id --standalone --rdzv-backend --rdzv-endpoint --rdzv-conf --nodes --transport --stop-timeout \
         --hang-timeout --startup-timeout --heartbeat-timeout --restart-backoff --healthy-after; do
    grep -q -- "$f" <<<"$help" || fail "run --help lacks $f"
done
usage() { # usage EXPECTED-SUBSTRING ARGS...
    local want=$1; shift
    set +e; "$ENDURE" run "$@" >/dev/null 2>"$T/e"; local rc=$?; set -e
    [ "$rc" = 2 ] || fail "'$*': rc $rc, expected 2"
    [ "$(wc -l <"$T/e")" = 1 ] || fail "'$*': message is not one line: $(cat "$T/e")"
    grep -q -- "$want" "$T/e" || fail "'$*': message does not name $want: $(cat "$T/e")"
}
usage "--bogus" --bogus 1 -- true
usage "nnodes" --nnodes 0 -- true
usage "nnodes" --nnodes 3:2 -- true
usage "stop-timeout" --stop-timeout abc -- true
usage "nproc-per-node" --nproc_per_node x -- true
usage "max-restarts" --max-restarts -1 -- true
usage "master-port" --master-port 70000 -- true
usage "redirects" -r 9 -- true
usage "no training script" --nnodes 1
PET_NNODES=zero usage "PET_NNODES" -- true
# flags in underscore spelling, --flag=value, and PET_ variables
PET_NPROC_PER_NODE=3 run_endure --max_restarts=0 --role=trainer -- "$FAKE" --steps 1 --print-env
expect_rc 0
[ "$(count rank_exit code=0)" = 3 ] || fail "PET_NPROC_PER_NODE=3 not applied"
grep -qx "env ROLE_NAME=trainer" "$RUN/attempt-0/node0/rank-2.log" || fail "--role=trainer"
grep -qx "env TORCHELASTIC_MAX_RESTARTS=0" "$RUN/attempt-0/node0/rank-0.log" || fail "--max_restarts=0"
# python scripts with arguments, and modules
printf 'import os, sys\nprint("script rank", os.environ["RANK"], sys.argv[1:])\n' >"$T/train.py"
run_endure --nproc-per-node 2 "$T/train.py" --lr 0.1
expect_rc 0
grep -q "script rank 1 \['--lr', '0.1'\]" "$RUN/attempt-0/node0/rank-1.log" || fail "python script args"
run_endure -m platform
expect_rc 0
grep -qi "linux" "$RUN/attempt-0/node0/rank-0.log" || fail "-m module"
# a fixed master port is used as given
run_endure --master-port 29511 -- "$FAKE" --steps 1 --print-env
expect_rc 0
grep -qx "env MASTER_PORT=29511" "$RUN/attempt-0/node0/rank-0.log" ||
    fail "--master-port: $(grep -h MASTER_PORT "$RUN"/attempt-*/node0/rank-0.log; ls "$RUN")"
# torchrun-style --node-rank: this endure runs node 1 of a 2-node job
run_endure --nnodes 2 --node-rank 1 --nproc-per-node 2 --master-port 29513 -- "$FAKE" --steps 1 --print-env
expect_rc 0
# (each --node-rank node owns <run dir>/node-rank-<N>/ of the shared run directory)
log="$RUN/node-rank-1/attempt-0/node1/rank-3.log"
grep -qx "env RANK=3" "$log" && grep -qx "env GROUP_RANK=1" "$log" && grep -qx "env WORLD_SIZE=4" "$log" ||
    fail "--node-rank 1: $(grep '^env' "$log" | head -5)"
check_no_leftovers
