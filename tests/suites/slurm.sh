#!/bin/bash
# test bed: a 4-node Slurm cluster (tests/testbed/slurm-up.sh)
# slurm: endure on a real Slurm 22.05 cluster (tests/testbed/slurm-up.sh in
# netns mode: 4 hosts n1..n4 with their own IP, hostname and PID namespace,
# one slurmd each, slurmctld on the head). Inside `salloc -N3 --no-kill`,
# `endure run --transport slurm --nnodes 2 --nproc-per-node 2` of a real
# PyTorch gloo DDP job (tests/torch/ddp_train.py):
#   restart      a rank raises once -> restart -> the reference checksum
#   node_killed  a node's slurmd, stepds and tasks are SIGKILLed -> node lost
#                within --heartbeat-timeout -> the spare takes over -> checksum
#   drain        --slurm-drain: a rank prints an uncorrectable ECC error ->
#                sinfo shows the node drained with reason "endure: ..."
#   save_signal  sbatch --no-requeue; `scancel --batch --signal=USR1` reaches
#                endure (exec'd by the batch script) -> --save-signal: a last
#                checkpoint is committed before the end
#   gpus         salloc --gpus-per-node=2 (fake GPU GRES): --nproc-per-node gpu
#                counts the GPUs each agent's step sees; ranks see them
#   outside      --transport slurm outside an allocation, and an unparsable
#                SLURM_JOB_NODELIST: one line, exit 2, nothing started
# After every case: no step left (squeue -s), no endure/python process on
# any host or on the head. The bed comes up once and is always torn down.
# Env: ENDURE, ENDURE_SRC (tests/run.sh); needs root and the slurm packages.
SUITE=slurm
CASES=(restart node_killed drain save_signal gpus outside)
source "$(dirname "$0")/../testbed/suite-lib.sh"
HOSTS=(n1 n2 n3 n4)
export TB_NS_DIR=/tmp/endure-testbed/netns TB_DIR=/tmp/endure-testbed/slurm
export SLURM_CONF=/tmp/endure-testbed/etc/slurm.conf
FAILED=0
STEPS=12
HB=2s

# the beds run without this suite's tag: their daemons are not the run's
bed() { env -u ENDURE_TEST_TAG "$@" >>"$SUITE_LOG" 2>&1; }
teardown() {
    scancel --quiet --full $(squeue -h -o %i 2>/dev/null) 2>/dev/null
    kill_job_procs "${HOSTS[@]}" 2>/dev/null
    bed "$TB/slurm-down.sh"
    bed "$TB/netns-down.sh"
    [ "$FAILED" = 0 ] && [ -z "${KEEP:-}" ] && rm -rf "$T"
    [ -d "$T" ] && echo "slurm suite log: $SUITE_LOG" >&2
}
trap teardown EXIT

# steps_left JOB: the job's steps other than the extern/batch ones
steps_left() { squeue -s -h -o '%i' ${1:+-j "$1"} 2>/dev/null | grep -vE '\.(extern|batch)$' || true; }
# after_case: nothing of the case is left anywhere
after_case() {
    local i
    for ((i = 0; i < 50; i++)); do [ -z "$(steps_left)$(squeue -h -o %i)" ] && break; sleep 0.2; done
    [ -z "$(steps_left)" ] || fail "steps left: $(steps_left | tr '\n' ' ')"
    [ -z "$(squeue -h -o %i)" ] || fail "jobs left: $(squeue -h -o '%i %T' | tr '\n' ' ')"
    no_job_procs 15 "${HOSTS[@]}"
}
# node_ok NODE: idle again (a killed or drained node is brought back)
node_ok() { [ "$(sinfo -h -N -n "$1" -o %T 2>/dev/null | head -n 1)" = idle ]; }

# in_alloc SECS CMD...: `salloc -N3 --no-kill` running CMD on the head, in the
# background (PID); call new_run first (the run's ids)
in_alloc() {
    local secs=$1; shift
    timeout -k 5 "$secs" salloc -N3 --no-kill --immediate=20 -J endure-suite -- "$@" >"$OUT" 2>"$ERR" &
    PID=$!
}
endure_run() { # the endure command line every case shares
    echo "$ENDURE" run --log-dir "$LOGS" --rdzv-id "$RUN_ID" --heartbeat-timeout $HB --restart-backoff 0 \
        --stop-timeout 5s --nnodes 2 --nproc-per-node 2
}

case_restart() {
    # --transport auto: SLURM_JOB_ID is set and no --nodes, so slurm
    new_run
    in_alloc 150 $(endure_run) --max-restarts 2 -- \
        "$TORCH_PY" "$DDP" --steps $STEPS --fail-rank 3 --fail-attempt 0 --fail-step 4 --out "$T/sum.restart"
    wait_pid 150 "$PID"
    expect_rc 0
    expect_count 1 restart
    # the first exit endure hears of may be a peer's (its gloo socket reset
    # by rank 3's end, and n1's agent nearer): the failure event names that
    # one; the verdict names the root cause, rank 3's exception
    expect_count 1 failure attempt=0
    local who
    who="$(field verdict verdict.culprit.host attempt=0) $(field verdict verdict.culprit.rank attempt=0)"
    [ "$who" = "n2 3" ] || fail "the verdict's culprit is '$who', not rank 3 on n2"
    expect_count 4 rank_exit attempt=1 code=0
    # the ranks ran on the allocation's hosts, not on the head: MASTER_ADDR is
    # the address of the node of group rank 0 (n1 = 198.18.9.11 on this bed)
    [ "$(node_of_rank 1 0)" = n1 ] || fail "rank 0 of attempt 1 is not on n1 (on '$(node_of_rank 1 0)')"
    [ "$(master_of 1)" = "$(getent hosts n1 | awk '{print $1}')" ] ||
        fail "MASTER_ADDR is '$(master_of 1)', not n1's address"
    expect_checksum "$T/sum.restart" 4 $STEPS
    after_case
}

case_node_killed() {
    new_run
    in_alloc 180 $(endure_run) --transport slurm -- \
        "$TORCH_PY" "$DDP" --steps $STEPS --step-sleep 0.5 --out "$T/sum.killed"
    wait_running 60 grep -qs '^step 2 loss' "$RUN/attempt-0/n2/rank-2.log"
    bed "$TB/slurm-node.sh" kill n2
    wait_for 30 has_event node_lost node=n2
    wait_pid 150 "$PID"
    bed "$TB/slurm-node.sh" start n2
    wait_for 20 node_ok n2
    expect_rc 0
    expect_count 1 node_lost node=n2
    expect_count 1 node_excluded node=n2
    # endure's own watch (connection, heartbeat), not srun ending after
    # Slurm's 13-21 s node-death detection
    expect_own_detection n2
    [ -f "$RUN/attempt-1/n3/rank-2.log" ] || fail "the spare n3 did not take group rank 1"
    [ -e "$RUN/attempt-1/n2" ] && fail "the killed node was used again"
    expect_checksum "$T/sum.killed" 4 $STEPS
    after_case
}

case_drain() {
    # rank 3 (on n2) of attempt 0 dies with a GPU hardware error that the
    # shipped rules classify as infrastructure/ecc_error, action exclude_node
    local cmd='if [ "$RANK" = 3 ] && [ "${ENDURE_ATTEMPT:-0}" = 0 ]; then
        echo "[rank3]: RuntimeError: CUDA error: uncorrectable ECC error encountered" >&2; exit 1; fi
        exec "$0" "$@"'
    new_run
    in_alloc 150 $(endure_run) --transport slurm --slurm-drain -- \
        bash -c "$cmd" "$TORCH_PY" "$DDP" --steps $STEPS --out "$T/sum.drain"
    wait_pid 150 "$PID"
    local state reason
    state=$(sinfo -h -N -n n2 -o '%T' | head -n 1)
    reason=$(sinfo -h -N -n n2 -o '%E' | head -n 1)
    scontrol update nodename=n2 state=resume 2>/dev/null
    wait_for 20 node_ok n2
    expect_rc 0
    expect_count 1 node_excluded node=n2
    case "$state" in drained|draining) ;; *) fail "n2 is '$state', not drained (reason '$reason')" ;; esac
    case "$reason" in "endure: "*"$RUN_ID"*) ;; *) fail "drain reason is '$reason', expected 'endure: <type> $RUN_ID'" ;; esac
    grep -q 'ecc' <<<"$reason" || fail "drain reason '$reason' does not name the verdict type"
    [ -e "$RUN/attempt-1/n2" ] && fail "the drained node was used again"
    expect_checksum "$T/sum.drain" 4 $STEPS
    after_case
}

case_save_signal() {
    # the sbatch recipe of the docs: endure replaces the batch shell, so a
    # signal to the batch step (Slurm's --signal=B:USR1@T, or scancel --batch)
    # reaches endure, which asks the ranks for a last checkpoint
    new_run
    cat >"$T/job.sh" <<EOF
#!/bin/bash
exec $(endure_run) --transport slurm --ckpt-dir "$T/ck" --save-signal USR1 --save-grace 20s -- \\
    "$TORCH_PY" "$ENDURE_SRC/tests/e2e/ckpt_saver.py" --until-signal --every 1000
EOF
    local job
    job=$(sbatch --parsable --no-requeue --no-kill -N3 -J endure-suite -o "$OUT" -e "$ERR" "$T/job.sh") ||
        fail "sbatch failed"
    step5_or_gone() { grep -qs '^step 5$' "$RUN/attempt-0/n1/rank-0.log" || [ -z "$(squeue -h -j "$job" 2>/dev/null)" ]; }
    wait_for 60 step5_or_gone
    grep -qs '^step 5$' "$RUN/attempt-0/n1/rank-0.log" ||
        fail "the job ended before its ranks ran (job stderr: $(tail -n 1 "$ERR" 2>/dev/null | cut -c1-160))"
    scancel --batch --signal=USR1 "$job" || fail "scancel --batch --signal=USR1 failed"
    local i
    for ((i = 0; i < 300; i++)); do [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break; sleep 0.2; done
    [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] || fail "job $job still in the queue 60s after the signal"
    expect_count 1 save_requested
    rank_log "$RUN/attempt-0/n1/rank-0.log" | grep -q "saved step .* (last)" || fail "rank 0 did not save on the signal"
    [ "$(count ckpt_complete)" = 1 ] || fail "the last checkpoint was not completed ($(count ckpt_complete))"
    "$ENDURE" ckpt verify "$T/ck" >/dev/null || fail "the last checkpoint does not verify"
    expect_count 1 run_end exit_code=138
    after_case
}

case_gpus() {
    new_run
    set +e
    timeout -k 5 60 salloc -N2 --gpus-per-node=2 --no-kill --immediate=20 -J endure-suite -- \
        $(endure_run) --nnodes 2 --nproc-per-node gpu --no-python -- \
        sh -c 'echo "gpu-view rank=$RANK local=$LOCAL_RANK world=$WORLD_SIZE cvd=$CUDA_VISIBLE_DEVICES"' \
        >"$OUT" 2>"$ERR"
    RC=$?
    set -e
    expect_rc 0
    # two ranks per node, because each node's step sees two GPUs (the head sees none)
    [ "$(grep -c 'gpu-view rank=' "$OUT")" = 4 ] || fail "expected 4 ranks: $(grep gpu-view "$OUT" | tr '\n' ';')"
    [ "$(grep -c 'world=4 cvd=0,1$' "$OUT")" = 4 ] || fail "ranks do not see the step's GPUs: $(grep gpu-view "$OUT" | tr '\n' ';')"
    [ "$(field agent_connected gpus node=n1)" = 2 ] || fail "n1's agent reported $(field agent_connected gpus node=n1) GPUs"
    after_case
}

case_outside() {
    # no allocation: SLURM_* unset
    new_usage_run
    set +e
    env -u SLURM_JOB_ID -u SLURM_JOBID -u SLURM_JOB_NODELIST -u SLURM_NODELIST \
        "$ENDURE" run --log-dir "$ULOGS" --transport slurm --nnodes 1 -- /bin/true >"$OUT" 2>"$ERR"
    RC=$?
    set -e
    one_line_usage_error
    grep -qi 'slurm' "$ERR" || fail "the message does not say why: $(cat "$ERR")"
    # an allocation whose node list cannot be parsed
    new_usage_run
    set +e
    SLURM_JOB_ID=999999 SLURM_JOB_NODELIST='n[1-' "$ENDURE" run --log-dir "$ULOGS" --transport slurm --nnodes 1 -- \
        /bin/true >"$OUT" 2>"$ERR"
    RC=$?
    set -e
    one_line_usage_error
    grep -qF 'n[1-' "$ERR" || fail "the message does not quote the node list: $(cat "$ERR")"
    [ -z "$(steps_left)$(squeue -h -o %i)" ] || fail "something was started in Slurm"
    after_case
}

if [ "$(id -u)" != 0 ]; then fail_all "needs root"; exit 0; fi
if [ ! -x "$ENDURE" ]; then fail_all "no endure binary at $ENDURE"; exit 0; fi
if ! bed "$TB/netns-up.sh" || ! TB_MODE=netns TB_GPUS=2 bed "$TB/slurm-up.sh"; then
    fail_all "the Slurm test bed did not come up: $(grep -h 'ERROR' "$SUITE_LOG" | tail -n 1)"
    FAILED=1
    exit 0
fi
for c in "${CASES[@]}"; do
    run_case "$c" "case_$c"
    # a failed case may leave a job, a process or a node down: clean up so
    # the next case is judged on its own
    scancel --quiet --full $(squeue -h -o %i 2>/dev/null) 2>/dev/null
    kill_job_procs "${HOSTS[@]}"
    for n in "${HOSTS[@]}"; do
        node_ok "$n" && continue
        [ -n "$("$TB/slurm-node.sh" pids "$n" 2>/dev/null | head -n 1)" ] || bed "$TB/slurm-node.sh" start "$n"
        scontrol update nodename="$n" state=resume 2>/dev/null
    done
done
exit 0
