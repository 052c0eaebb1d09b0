#!/usr/bin/env bash
# netns-node.sh — act on one "host" nX made by netns-up.sh.
#
# A host = network namespace tb-nX (own eth0 + IP on bridge etbbr0) plus a UTS
# namespace (hostname nX), a PID namespace and a mount namespace (own /proc), held
# by a tiny bash "init" (PID 1 inside). Killing that init kills EVERY process of
# the host at once, like a power cut.
#
#   netns-node.sh boot      nX         start the host's init (used by netns-up.sh)
#   netns-node.sh exec      nX cmd...  run cmd inside the host (net+uts+pid+mnt);
#                                      daemons started this way stay in the host
#   netns-node.sh kill      nX         SIGKILL the init => all host processes die
#   netns-node.sh restart   nX         kill (if alive) + boot: an empty, fresh host
#   netns-node.sh partition nX         cut its link (ip link set down on the bridge side)
#   netns-node.sh isolate   nX         cut it off from the other hosts, not from the head
#                                      (a blackhole route for the subnet, the head's
#                                      address routed; this kernel has no iptables)
#   netns-node.sh heal      nX         link up again, remove shaping and isolation
#   netns-node.sh slow      nX RATE    shape both directions to RATE (e.g. 1mbit) with
#                                      tbf; this kernel has NO netem, so no fixed delay:
#                                      a 1500 B packet at 1mbit costs ~12 ms queueing
#   netns-node.sh freeze    nX         SIGSTOP every process in the host (hung node)
#   netns-node.sh thaw      nX         SIGCONT them
#   netns-node.sh pids      nX         pids (as seen from the root namespace)
#   netns-node.sh alive     nX         exit 0 if the host's init is running
set -uo pipefail
TB_NS_DIR=${TB_NS_DIR:-/tmp/endure-testbed/netns}
die() { echo "netns-node: ERROR: $*" >&2; exit 1; }
alive_pid() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; [ "${s%% *}" != Z ]; }

[ $# -ge 2 ] || die "usage: $0 boot|exec|kill|restart|partition|isolate|heal|slow|freeze|thaw|pids|alive nX [args]"
cmd=$1 node=$2; shift 2
[[ "$node" =~ ^n([0-9]+)$ ]] || die "host must look like n2, got '$node'"
i=${BASH_REMATCH[1]}
NS=etb-$node VETH=etbv$i
ip netns list 2>/dev/null | grep -qw "^$NS" || die "no network namespace $NS (run netns-up.sh)"

init_pid() { local p; p=$(cat "$TB_NS_DIR/$node.init" 2>/dev/null) && alive_pid "$p" && echo "$p"; }
host_pids() {  # every process whose pid namespace is the host's
  local ip p; ip=$(init_pid) || return 0
  for p in /proc/[0-9]*; do
    [ "$p/ns/pid" -ef "/proc/$ip/ns/pid" ] 2>/dev/null && echo "${p#/proc/}"
  done
}

case $cmd in
  boot)
    init_pid >/dev/null && die "$node already booted (init pid $(init_pid))"
    mkdir -p "$TB_NS_DIR"
    # unshare stays as the init's parent (in the root pid ns); the init is bash in a
    # loop: as PID 1 it reaps orphaned daemons' zombies; SIGTERM ends it cleanly.
    # nsenter --net, not `ip netns exec`: the latter remounts /sys, which hides
    # /sys/fs/cgroup, and slurmd refuses to start without it.
    setsid nsenter --net="/run/netns/$NS" unshare --uts --pid --mount --fork --mount-proc --propagation private \
      bash -c "hostname $node; exec -a etb-init-$node bash -c 'trap \"exit 0\" TERM; while :; do sleep 3600 & wait \$!; done'" \
      </dev/null >/dev/null 2>&1 &
    # find it: the process that is PID 1 of its own pid ns and lives in netns $NS
    ip=
    for _ in $(seq 100); do
      for p in /proc/[0-9]*; do
        [ "$p/ns/net" -ef "/run/netns/$NS" ] 2>/dev/null || continue   # same nsfs inode
        awk '/^NSpid:/ {exit !(NF > 2 && $NF == 1)}' "$p/status" 2>/dev/null && { ip=${p#/proc/}; break; }
      done
      [ -n "$ip" ] && break; sleep 0.05
    done
    [ -n "$ip" ] || die "init of $node did not start"
    for _ in $(seq 50); do [ "$(nsenter -t "$ip" -u hostname 2>/dev/null)" = "$node" ] && break; sleep 0.05; done
    [ "$(nsenter -t "$ip" -u hostname 2>/dev/null)" = "$node" ] || die "init of $node has no hostname $node"
    echo "$ip" >"$TB_NS_DIR/$node.init" ;;
  exec)
    ip=$(init_pid) || die "$node is down (no init)"
    [ $# -gt 0 ] || die "exec needs a command"
    exec nsenter -t "$ip" -n -u -p -m --wd="$PWD" -- "$@" ;;
  kill)
    ip=$(init_pid) || die "$node is already down"
    kill -KILL "$ip"
    for _ in $(seq 50); do alive_pid "$ip" || break; sleep 0.05; done
    alive_pid "$ip" && die "init $ip of $node survived SIGKILL"
    rm -f "$TB_NS_DIR/$node.init"; echo "netns-node: $node killed (all its processes)" >&2 ;;
  restart)
    init_pid >/dev/null && "$0" kill "$node"
    "$0" boot "$node" ;;
  partition) ip link set "$VETH" down || die "ip link set $VETH down failed"; echo "netns-node: $node partitioned" >&2 ;;
  isolate)
    net=$(sed -n 's/^TB_NET=//p' "$TB_NS_DIR/config") || die "no $TB_NS_DIR/config"
    ip netns exec "$NS" ip route add "$net.254/32" dev eth0 || die "route to the head in $NS failed"
    ip netns exec "$NS" ip route replace blackhole "$net.0/24" || die "blackhole in $NS failed"
    echo "netns-node: $node isolated from the other hosts" >&2 ;;
  heal)
    ip link set "$VETH" up || die "ip link set $VETH up failed"
    net=$(sed -n 's/^TB_NET=//p' "$TB_NS_DIR/config" 2>/dev/null)
    if [ -n "$net" ] && ip netns exec "$NS" ip route show type blackhole | grep -q .; then
      ip netns exec "$NS" ip route replace "$net.0/24" dev eth0 || die "route restore in $NS failed"
      ip netns exec "$NS" ip route del "$net.254/32" dev eth0 2>/dev/null
    fi
    tc qdisc del dev "$VETH" root 2>/dev/null; ip netns exec "$NS" tc qdisc del dev eth0 root 2>/dev/null
    echo "netns-node: $node healed" >&2 ;;
  slow)
    rate=${1:?rate, e.g. 1mbit}
    tc qdisc replace dev "$VETH" root tbf rate "$rate" burst 4kb latency 2s || die "tc on $VETH failed"
    ip netns exec "$NS" tc qdisc replace dev eth0 root tbf rate "$rate" burst 4kb latency 2s || die "tc in $NS failed"
    echo "netns-node: $node link shaped to $rate" >&2 ;;
  freeze|thaw)
    sig=STOP; [ "$cmd" = thaw ] && sig=CONT
    pids=($(host_pids)); [ ${#pids[@]} -gt 0 ] || die "$node has no processes"
    kill -s "$sig" "${pids[@]}"; echo "netns-node: $cmd $node (${#pids[@]} processes)" >&2 ;;
  pids) host_pids ;;
  alive) init_pid >/dev/null ;;
  *) die "unknown command '$cmd'" ;;
esac
