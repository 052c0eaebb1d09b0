#!/bin/sh
# demo.sh (`make demo`): endure's first run. Two simulated nodes of two ranks
# train examples/ddp_replicated.py (CPU, gloo) with checkpoints every 5 steps;
# rank 2 crashes at step 18 of the first attempt. The console shows the
# failure, endure's diagnosis, the restart, every rank resuming from the
# checkpoint of step 15, the run's summary and where to look.
#
# Everything it writes goes under $DEMO_DIR (default build/demo: `make clean`
# removes it; each demo replaces the last one); the node stages in /dev/shm
# are removed when the run ends. ENDURE: the binary (default build/endure);
# PYTHON_EXEC: the Python with torch (default: python3 if it imports torch,
# else /usr/bin/python3). Exits with endure's exit code.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
ENDURE=${ENDURE:-$SRC/build/endure}
DEMO_DIR=${DEMO_DIR:-$SRC/build/demo}
if [ -z "${PYTHON_EXEC:-}" ]; then
    PYTHON_EXEC=python3
    python3 -c 'import torch' 2>/dev/null || PYTHON_EXEC=/usr/bin/python3
fi
export PYTHON_EXEC
"$PYTHON_EXEC" -c 'import torch' 2>/dev/null ||
    { echo "demo: $PYTHON_EXEC cannot import torch (./setup.sh installs python3-torch)" >&2; exit 2; }
[ -x "$ENDURE" ] || { echo "demo: no $ENDURE: run make first" >&2; exit 2; }

rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"
cd "$DEMO_DIR"   # the example writes nothing else, but keep it all here
ID="demo-$(date +%Y%m%d-%H%M%S)"
set -- "$ENDURE" run --rdzv-id "$ID" --nodes n1,n2 --nnodes 2 --nproc-per-node 2 \
    --log-dir "$DEMO_DIR/logs" --ckpt-dir "$DEMO_DIR/ckpt" --local-ranks-filter 0 \
    "$SRC/examples/ddp_replicated.py" --steps 30 --sleep 0.05 --fault crash --fault-step 18 --fault-rank 2

cat <<EOF
== endure demo: 2 nodes x 2 ranks train examples/ddp_replicated.py (CPU, gloo),
== checkpointing every 5 steps; rank 2 crashes at step 18 of attempt 0.
== The console shows local rank 0 of each node (--local-ranks-filter 0); every
== rank's full output is in the run's logs.

\$ endure run --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --ckpt-dir $DEMO_DIR/ckpt \\
      examples/ddp_replicated.py --steps 30 --fault crash --fault-step 18 --fault-rank 2

EOF
rc=0
"$@" || rc=$?
RUN="$DEMO_DIR/logs/$ID"
cat <<EOF

== where to look
  endure diagnose $RUN
                              the verdict of every attempt, offline
  $RUN/events.jsonl
                              the journal: every decision, one JSON object a line
  zless $RUN/attempt-0/n2/rank-2.log.1.gz
                              everything the crashed rank printed (gzipped
                              once the next attempt started)
  endure ckpt ls $DEMO_DIR/ckpt
                              the checkpoints, newest first
EOF
cat <<EOF
  endure status $RUN
                              the run's state, goodput and last failure
  endure report $RUN -o $DEMO_DIR/report.html
                              one HTML page: timeline, loss curve, failures
EOF
echo "  (the demo's files are under $DEMO_DIR: make clean removes them)"
exit "$rc"
