#!/bin/bash
# oncall_reaction.sh: failure -> restart time (bench/run_failure_reaction.sh)
# side by side without and with the on-call outputs on: --metrics-file,
# --metrics-addr (a free loopback port) and --notify to an endpoint that is
# down (a closed loopback port: every notification fails and is retried),
# alternating the two ROUNDS times; then the log path (run_log_throughput.sh,
# block writes) the same way. Prints the tables; asserts nothing.
#   ROUNDS=2 NODES=4 NPROC=4 RESTARTS=20 bench/oncall_reaction.sh (FAIL_RANK < NODES*NPROC)
set -u
cd "$(dirname "$0")/.."
DIR=$(mktemp -d /tmp/endure-bench-oncall.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
DOWN=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ON="--metrics-file $DIR/endure.prom --metrics-addr 0 --notify http://127.0.0.1:$DOWN/hooks/bench"
for r in $(seq 1 "${ROUNDS:-2}"); do
    echo "== round $r: on-call outputs off"
    EXTRA="" bench/run_failure_reaction.sh
    echo "== round $r: --metrics-file, --metrics-addr, --notify (down endpoint) on"
    EXTRA="$ON" bench/run_failure_reaction.sh
done
# the log path: a rank flooding its output, the same two ways
# (LOG_SIZE bytes, default 256 MiB; block writes)
for r in $(seq 1 "${ROUNDS:-2}"); do
    echo "== log path, round $r: off"
    SIZE=${LOG_SIZE:-268435456} MODES=block REPS=3 EXTRA="" bench/run_log_throughput.sh
    echo "== log path, round $r: on"
    SIZE=${LOG_SIZE:-268435456} MODES=block REPS=3 EXTRA="$ON" bench/run_log_throughput.sh
done
