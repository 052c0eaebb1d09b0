#!/usr/bin/env bash
# slurm-node.sh — fault injection on one logical node of the slurm-up.sh cluster.
#
#   slurm-node.sh kill   nX   SIGKILL slurmd(nX) + its slurmstepds + all their tasks
#                             (= the node crashed / lost power)
#   slurm-node.sh freeze nX   SIGSTOP the same set (= node hung: slurmctld marks it
#                             not-responding, then DOWN after SlurmdTimeout)
#   slurm-node.sh thaw   nX   SIGCONT the same set
#   slurm-node.sh start  nX   start slurmd -N nX again; waits until slurmctld sees it
#                             respond (with ReturnToService=2 a DOWN node comes back idle)
#   slurm-node.sh pids   nX   print the pids of slurmd, stepds and tasks of nX
#   slurm-node.sh wait   nX STATE [secs]   wait until sinfo shows STATE (e.g. down, idle)
#
# A step's processes are found through the slurmstepd that holds nX's log file open
# ($TB_DIR/log/slurmd-nX.log) — never by process name alone.
set -uo pipefail
TB_DIR=${TB_DIR:-/tmp/endure-testbed/slurm}
export SLURM_CONF=${SLURM_CONF:-/tmp/endure-testbed/etc/slurm.conf}
die() { echo "slurm-node: ERROR: $*" >&2; exit 1; }
alive() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; [ "${s%% *}" != Z ]; }

[ $# -ge 2 ] || die "usage: $0 kill|freeze|thaw|start|pids|wait NODE [STATE [secs]]"
cmd=$1 node=$2
[[ "$node" =~ ^n[0-9]+$ ]] || die "node must look like n2, got '$node'"
grep -q '^NodeName=' "$SLURM_CONF" 2>/dev/null || die "no cluster config at $SLURM_CONF (run slurm-up.sh)"

descendants() {
  local table; table=$(ps -e -o pid=,ppid=)
  local frontier=("$@") p c
  while [ ${#frontier[@]} -gt 0 ]; do
    p=${frontier[0]}; frontier=("${frontier[@]:1}")
    for c in $(awk -v pp="$p" '$2 == pp {print $1}' <<<"$table"); do echo "$c"; frontier+=("$c"); done
  done
}
read_cmdline() {  # CMDLINE="argv joined by spaces + trailing space", without forking
  local -a a; CMDLINE=
  { mapfile -d '' a <"/proc/$1/cmdline"; } 2>/dev/null || return 1
  local IFS=' '; CMDLINE="${a[*]} "
}
slurmd_pid() {  # by exact argv (the pid file holds a namespace-local pid in netns mode)
  local p want="slurmd -f $SLURM_CONF -N $node "
  for p in /proc/[0-9]*; do
    read_cmdline "${p#/proc/}" && [ "$CMDLINE" = "$want" ] && alive "${p#/proc/}" && { echo "${p#/proc/}"; return 0; }
  done; return 1
}
node_pids() {
  local p stepds=()
  p=$(slurmd_pid) && echo "$p"
  for p in $(pgrep '^slurmstepd' 2>/dev/null); do
    ls -l "/proc/$p/fd" 2>/dev/null | grep -qF "$TB_DIR/log/slurmd-$node.log" && stepds+=("$p")
  done
  [ ${#stepds[@]} -gt 0 ] && { printf '%s\n' "${stepds[@]}"; descendants "${stepds[@]}"; }
  return 0
}
state() { sinfo -h -N -n "$node" -o '%T' 2>/dev/null | head -1; }

case $cmd in
  pids) node_pids ;;
  kill|freeze|thaw)
    sig=KILL; [ "$cmd" = freeze ] && sig=STOP; [ "$cmd" = thaw ] && sig=CONT
    pids=($(node_pids))
    [ ${#pids[@]} -gt 0 ] || die "$node has no live processes"
    kill -s "$sig" "${pids[@]}" || die "kill -$sig ${pids[*]} failed"
    echo "slurm-node: $cmd $node: SIG$sig -> ${pids[*]}" >&2 ;;
  start)
    p=$(slurmd_pid) && die "slurmd $node already running (pid $p)"
    if grep -q '^SlurmctldHost=localhost(' "$SLURM_CONF"; then   # netns mode: start it inside host nX
      "$(dirname "${BASH_SOURCE[0]}")/netns-node.sh" exec "$node" slurmd -f "$SLURM_CONF" -N "$node" || die "slurmd in host $node failed"
    else
      slurmd -f "$SLURM_CONF" -N "$node" || die "slurmd -N $node failed"
    fi
    for _ in $(seq 100); do s=$(state); [ -n "$s" ] && [[ "$s" != *'*' ]] && [[ "$s" != down* ]] && break; sleep 0.1; done
    s=$(state); { [[ "$s" != *'*' ]] && [[ "$s" != down* ]]; } || die "$node still '$s' 10 s after start"
    echo "slurm-node: $node started, state $s" >&2 ;;
  wait)
    want=${3:?state}; secs=${4:-60}
    for _ in $(seq $((secs * 10))); do [ "$(state)" = "$want" ] && exit 0; sleep 0.1; done
    die "$node is '$(state)', not '$want', after $secs s" ;;
  *) die "unknown command '$cmd'" ;;
esac
