#!/bin/bash
# test bed: network-namespace hosts with sshd (tests/testbed/netns-up.sh, ssh-up.sh)
# ssh: endure over ssh to network-namespace hosts (tests/testbed/netns-up.sh:
# hosts n1..n4 with their own IP, hostname and PID namespace; ssh-up.sh: an
# sshd in each, key auth). The controller runs on the head (root namespace);
# `endure run --transport ssh --nnodes 2 --nproc-per-node 2` of a real
# PyTorch gloo DDP job (tests/torch/ddp_train.py) on 2 hosts + 1 spare:
#   hostlist     --nodes 'n[1-3]': completes with the reference checksum; while
#                it runs no argv/environment on any host holds a secret-like
#                64-hex token, and afterwards no file of the run does
#   partition    --nodes n1,n2,n3: n2's link is cut mid-run -> lost within
#                --heartbeat-timeout -> spare -> checksum; after the link heals,
#                n2's agent and ranks are gone
#   power_cut    --hostfile: n2 is killed (every process) mid-run -> lost ->
#                spare -> checksum
#   no_endure    n2 without endure (an empty dir mounted over the build dir in
#                its mount namespace): a clear error naming n2, exit 4
#   key_refused  n4's sshd accepts no key: a clear error naming n4, exit 4
#   unreachable  a host name that does not resolve: an error naming it, exit 4
#   host_key     a known-hosts file without the hosts' keys (--ssh-opts): "Host key
#                verification failed" naming the host, exit 4
#   bad_input    --hostfile missing / malformed / slots too few, a repeated
#                host, an empty or unparsable --nodes: one line, exit 2,
#                nothing started
#   pairwise     --health pairwise --pair-probe tcp over the hosts' own
#                addresses: n2's link shaped to 8mbit is named straggler
#                after two rounds and excluded (--exclude-stragglers), n4 cut
#                off from the other hosts (not from the head) is faulty; the
#                job runs on n1 and the spare n3 and ends with the reference
#                checksum
# After every case no endure/python process is left on any host or the head.
# The beds come up once and are always torn down.
# Env: ENDURE, ENDURE_SRC (tests/run.sh); needs root and openssh-server.
SUITE=ssh
CASES=(${SSH_CASES:-hostlist partition power_cut no_endure key_refused unreachable host_key bad_input pairwise})
source "$(dirname "$0")/../testbed/suite-lib.sh"
HOSTS=(n1 n2 n3 n4)
export TB_NS_DIR=/tmp/endure-testbed/netns TB_SSH_DIR=/tmp/endure-testbed/ssh
FAILED=0
STEPS=12
HB=2s

bed() { env -u ENDURE_TEST_TAG "$@" >>"$SUITE_LOG" 2>&1; }
teardown() {
    kill_job_procs "${HOSTS[@]}" 2>/dev/null
    bed "$TB/ssh-down.sh"
    bed "$TB/netns-down.sh"
    [ "$FAILED" = 0 ] && [ -z "${KEEP:-}" ] && rm -rf "$T"
    [ -d "$T" ] && echo "ssh suite log: $SUITE_LOG" >&2
}
trap teardown EXIT

endure_run() {
    echo "$ENDURE" run --log-dir "$LOGS" --rdzv-id "$RUN_ID" --transport ssh --heartbeat-timeout $HB \
        --restart-backoff 0 --stop-timeout 5s --nnodes 2 --nproc-per-node 2
}
start_run() { # start_run ENDURE-ARGS... -- CMD...: in the background (PID)
    new_run
    $(endure_run) "$@" >"$OUT" 2>"$ERR" &
    PID=$!
}
run_sync() { # run_sync SECS ENDURE-ARGS...: in the foreground, sets RC
    local secs=$1; shift
    new_run
    set +e
    timeout -k 5 "$secs" $(endure_run) "$@" >"$OUT" 2>"$ERR"
    RC=$?
    set -e
}
ssh_ok() { ssh -o BatchMode=yes -o ConnectTimeout=3 "$1" true 2>/dev/null; }
# restart_sshd HOST [SSHD-OPTS...]: the host's sshd (again), with options
restart_sshd() {
    local h=$1 p; shift
    for p in $(pgrep -f "^sshd: /usr/sbin/sshd -f $TB_SSH_DIR/sshd-$h.conf|^/usr/sbin/sshd -f $TB_SSH_DIR/sshd-$h.conf"); do
        kill -TERM "$p"
    done
    sleep 0.3
    bed "$TB/netns-node.sh" exec "$h" /usr/sbin/sshd -f "$TB_SSH_DIR/sshd-$h.conf" -E "$TB_SSH_DIR/sshd-$h.log" "$@"
}

# hex64_in FILE: NUL/newline-separated entries of FILE holding a 64-hex token
hex64_in() { tr '\0' '\n' <"$1" 2>/dev/null | grep -E '(^|[^0-9a-fA-F])[0-9a-fA-F]{64}([^0-9a-fA-F]|$)' || true; }
# no_secret_in_procs: no process on any host or on the head shows a
# secret-like token in its argv or environment (ps on a host sees the argv)
no_secret_in_procs() {
    local h p seen=0
    for h in n1 n2 n3; do # every host's argv first, while the job surely runs
        "$TB/netns-node.sh" exec "$h" ps -eo args= >"$T/ps.$h" || fail "ps on $h failed"
    done
    for h in n1 n2 n3; do
        grep -q 'endure agent' "$T/ps.$h" && seen=$((seen + 1))
        [ -z "$(hex64_in "$T/ps.$h")" ] || fail "a secret-like token in an argv on $h: $(hex64_in "$T/ps.$h" | head -n 1 | cut -c1-120)"
        grep -q 'ENDURE_SECRET' "$T/ps.$h" && fail "ENDURE_SECRET on a command line on $h"
        for p in $("$TB/netns-node.sh" pids "$h"); do
            [ -z "$(hex64_in "/proc/$p/environ")" ] || fail "a secret-like token in the environment of $p on $h"
            [ -z "$(hex64_in "/proc/$p/cmdline")" ] || fail "a secret-like token in the argv of $p on $h"
        done
    done
    [ "$seen" -ge 2 ] || fail "ps showed an endure agent on only $seen host(s)"
    for p in $(head_job_procs | cut -d' ' -f1); do
        [ -z "$(hex64_in "/proc/$p/cmdline")" ] || fail "a secret-like token in the argv of $p on the head"
    done
}

case_hostlist() {
    # slow steps: the job must outlive the look at every host, however loaded the machine
    start_run --nodes 'n[1-3]' -- "$TORCH_PY" "$DDP" --steps $STEPS --step-sleep 1 --out "$T/sum.hostlist"
    wait_running 60 grep -qs '^step 2 loss' "$RUN/attempt-0/n2/rank-3.log"
    no_secret_in_procs
    wait_pid 120 "$PID"
    expect_rc 0
    expect_count 0 node_lost
    [ -d "$RUN/attempt-0/n3" ] && fail "the spare n3 ran ranks"
    [ "$(master_of 0)" = "$(getent hosts n1 | awk '{print $1}')" ] ||
        fail "MASTER_ADDR is '$(master_of 0)', not n1's address"
    expect_checksum "$T/sum.hostlist" 4 $STEPS
    # the journal, the logs and endure's own output hold no secret-like token
    # (the job has no checkpoints, so no checksum or uid of that length)
    local leak
    leak=$(grep -rlE '(^|[^0-9a-fA-F])[0-9a-fA-F]{64}([^0-9a-fA-F]|$)' "$RUN" "$OUT" "$ERR" "$TB_SSH_DIR"/*.log 2>/dev/null || true)
    [ -z "$leak" ] || fail "a secret-like token in: $leak"
    no_job_procs 15 "${HOSTS[@]}"
}

# lost_case HOW ARGS...: start a run, break n2 mid-run with HOW, check the
# spare took over, the loss seen by endure's own watch
lost_case() {
    local how=$1; shift
    start_run "$@" -- "$TORCH_PY" "$DDP" --steps $STEPS --step-sleep 0.5 --out "$T/sum.$how"
    wait_running 60 grep -qs '^step 2 loss' "$RUN/attempt-0/n2/rank-2.log"
    bed "$TB/netns-node.sh" "$how" n2
    wait_for 30 has_event node_lost node=n2
    wait_pid 150 "$PID"
}
check_lost_case() {
    expect_rc 0
    expect_count 1 node_lost node=n2
    expect_count 1 node_excluded node=n2
    expect_own_detection n2 ssh
    [ -f "$RUN/attempt-1/n3/rank-2.log" ] || fail "the spare n3 did not take group rank 1"
    [ -e "$RUN/attempt-1/n2" ] && fail "the lost node was used again"
    expect_checksum "$T/sum.$1" 4 $STEPS
}

case_partition() {
    lost_case partition --nodes n1,n2,n3
    bed "$TB/netns-node.sh" heal n2
    check_lost_case partition
    # a cut link shows as nothing at all: only the heartbeat can tell
    case "$(field node_lost reason node=n2)" in *"no heartbeat"*) ;; *)
        fail "partition: lost for '$(field node_lost reason node=n2)', not by the heartbeat" ;; esac
    # once the link is back, the cut-off agent must notice that its run is
    # over and stop its ranks (the controller ended long ago)
    no_job_procs 30 "${HOSTS[@]}"
}

case_power_cut() {
    printf '# hosts of the power-cut case\nn1 slots=2\nn2 slots=2   # the victim\n\nn3 slots=4\n' >"$T/hostfile"
    lost_case kill --hostfile "$T/hostfile"
    bed "$TB/netns-node.sh" restart n2
    restart_sshd n2
    wait_for 10 ssh_ok n2
    check_lost_case kill
    no_job_procs 15 "${HOSTS[@]}"
}

case_no_endure() {
    local bindir
    bindir=$(dirname "$ENDURE")
    mkdir -p "$T/empty"
    bed "$TB/netns-node.sh" exec n2 mount --bind "$T/empty" "$bindir" || fail "cannot hide $bindir on n2"
    run_sync 60 --nodes n1,n2 -- "$TORCH_PY" "$DDP" --steps 2
    bed "$TB/netns-node.sh" exec n2 umount "$bindir"
    expect_rc 4
    grep -E 'n2' "$ERR" | grep -qiE 'no such file|not found|missing|not installed' ||
        fail "no error naming n2 and the missing endure: $(head -c 400 "$ERR")"
    no_job_procs 15 "${HOSTS[@]}"
}

case_key_refused() {
    restart_sshd n4 -o AuthorizedKeysFile=/dev/null
    run_sync 60 --nodes n1,n4 -- "$TORCH_PY" "$DDP" --steps 2
    restart_sshd n4
    expect_rc 4
    grep -E 'n4' "$ERR" | grep -qiE 'permission denied|publickey|authenticat' ||
        fail "no error naming n4 and the refused key: $(head -c 400 "$ERR")"
    no_job_procs 15 "${HOSTS[@]}"
}

case_unreachable() {
    # a host name that does not resolve: ssh fails at once, the host is named
    run_sync 60 --nodes n1,nowhere9 -- "$TORCH_PY" "$DDP" --steps 2
    expect_rc 4
    grep -E 'nowhere9' "$ERR" | grep -qiE 'could not resolve|unreachable' ||
        fail "no error naming nowhere9 and why: $(head -c 400 "$ERR")"
    no_job_procs 15 "${HOSTS[@]}"
}

case_host_key() {
    # a known-hosts file without the hosts' key (what a changed host key
    # looks like to BatchMode ssh), through --ssh-opts
    : >"$T/known_hosts_empty"
    run_sync 60 --nodes n1,n2 --ssh-opts "-o UserKnownHostsFile=$T/known_hosts_empty -o StrictHostKeyChecking=yes" \
        -- "$TORCH_PY" "$DDP" --steps 2
    expect_rc 4
    grep -E 'node n[12] lost' "$ERR" | grep -qiE 'host key verification failed' ||
        fail "no error naming the host and the host key: $(head -c 400 "$ERR")"
    no_job_procs 15 "${HOSTS[@]}"
}

bad() { # bad ENDURE-ARGS...: must be refused as usage (exit 2), nothing run
    new_usage_run
    set +e
    timeout 20 "$ENDURE" run --log-dir "$ULOGS" --transport ssh --nproc-per-node 2 "$@" -- /bin/true >"$OUT" 2>"$ERR"
    RC=$?
    set -e
    one_line_usage_error
}
accepted() { cat "$TB_SSH_DIR"/sshd-n*.log 2>/dev/null | grep -c 'Accepted publickey' || true; }
case_bad_input() {
    local before
    before=$(accepted)
    bad --hostfile "$T/no-such-hostfile" --nnodes 1
    grep -qF 'no-such-hostfile' "$ERR" || fail "the error does not name the missing hostfile: $(cat "$ERR")"
    printf 'n1 slots=2\nn2 slots=two\n' >"$T/hf.bad"
    bad --hostfile "$T/hf.bad" --nnodes 1
    grep -qF 'hf.bad' "$ERR" || fail "the error does not name the malformed hostfile: $(cat "$ERR")"
    printf 'n1 slots=1\nn2 slots=1\n' >"$T/hf.small"
    bad --hostfile "$T/hf.small" --nnodes 2
    printf 'n1 slots=2\nn1 slots=2\n' >"$T/hf.dup"
    bad --hostfile "$T/hf.dup" --nnodes 2
    bad --nodes n1,n2,n1 --nnodes 2
    grep -qF 'n1' "$ERR" || fail "the error does not name the repeated host: $(cat "$ERR")"
    bad --nodes 'n[1-2],n2' --nnodes 2
    bad --nodes '' --nnodes 1
    bad --nodes 'n[1-' --nnodes 1
    # nothing was started on any host
    no_job_procs 5 "${HOSTS[@]}"
    [ "$(accepted)" = "$before" ] || fail "ssh logged in to a host ($before -> $(accepted) logins)"
}

case_pairwise() {
    bed "$TB/netns-node.sh" slow n2 8mbit
    bed "$TB/netns-node.sh" isolate n4
    run_sync 150 --nodes n1,n2,n3,n4 --health pairwise --health-probes memory --pair-probe tcp --pair-bytes 2M \
        --health-timeout 15s --exclude-stragglers -- "$TORCH_PY" "$DDP" --steps 4 --out "$T/sum.pairwise"
    expect_rc 0
    expect_count 1 node_straggler node=n2 excluded=true
    expect_count 1 node_unhealthy node=n4
    expect_count 0 node_straggler node=n1
    expect_count 0 node_straggler node=n3
    expect_count 0 node_unhealthy node=n3
    [ "$(count pair node=n4 result=pass)" = 0 ] || fail "n4 passed a pair"
    [ "$(count pair round=2)" -ge 2 ] || fail "no second round: $(grep '"pair"' "$RUN/events.jsonl")"
    has_rank_log "$RUN/attempt-0/n1/rank-0.log" && has_rank_log "$RUN/attempt-0/n3/rank-2.log" ||
        fail "the job did not run on n1 and the spare n3"
    [ -e "$RUN/attempt-0/n2" ] && fail "ranks ran on the straggler"
    expect_checksum "$T/sum.pairwise" 4 4
    "$ENDURE" health "$RUN" >"$T/pairwise.table" || true
    grep -q "straggler" "$T/pairwise.table" && grep -q "pairwise: faulty" "$T/pairwise.table" ||
        fail "endure health RUN_DIR: $(cat "$T/pairwise.table")"
    no_job_procs 15 "${HOSTS[@]}"
}

if [ "$(id -u)" != 0 ]; then fail_all "needs root"; exit 0; fi
if [ ! -x "$ENDURE" ]; then fail_all "no endure binary at $ENDURE"; exit 0; fi
if ! bed "$TB/netns-up.sh" || ! TB_SSH_MODE=netns bed "$TB/ssh-up.sh"; then
    fail_all "the ssh test bed did not come up: $(grep -h 'ERROR' "$SUITE_LOG" | tail -n 1)"
    FAILED=1
    exit 0
fi
for c in "${CASES[@]}"; do
    run_case "$c" "case_$c"
    # a failed case may leave a host cut off, dead or without endure
    kill_job_procs "${HOSTS[@]}"
    for h in "${HOSTS[@]}"; do
        bed "$TB/netns-node.sh" heal "$h"
        "$TB/netns-node.sh" alive "$h" || { bed "$TB/netns-node.sh" boot "$h"; restart_sshd "$h"; }
        bed "$TB/netns-node.sh" exec "$h" umount "$(dirname "$ENDURE")"
        ssh_ok "$h" || restart_sshd "$h"
    done
done
exit 0
