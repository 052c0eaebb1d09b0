#!/usr/bin/env bash
# netns-up.sh — make N "hosts" n1..nN on this machine out of Linux namespaces.
#
#   root namespace : bridge etbbr0 = $TB_NET.254/24 (the "head node"/login node)
#   host nX        : netns tb-nX with eth0 = $TB_NET.(10+X)/24 (veth tbvX on the
#                    bridge), hostname nX (UTS ns), own PID ns + mount ns (/proc),
#                    held by an init process; see netns-node.sh for exec / fault
#                    injection (kill, partition, slow link, freeze).
#   /etc/hosts     : block "# >>> endure testbed netns" ... maps nX and etb-head to those IPs.
#
# The subnet exists only inside this machine: no default route in the hosts and
# ip_forward untouched, so nothing sent there can leave the machine.
# Idempotent: tears down an earlier testbed network first (netns-down.sh).
# Knobs: TB_NODES=4, TB_NET=198.18.0 (RFC 2544 benchmark range, /24),
#        TB_NS_DIR=/tmp/endure-testbed/netns
set -euo pipefail
TB_NODES=${TB_NODES:-4}
TB_NET=${TB_NET:-198.18.9}
TB_NS_DIR=${TB_NS_DIR:-/tmp/endure-testbed/netns}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T0=$(date +%s%N)
log() { echo "netns-up: [$(( ($(date +%s%N) - T0) / 1000000 )) ms] $*" >&2; }
die() { echo "netns-up: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
[[ "$TB_NODES" =~ ^[1-9][0-9]*$ ]] && [ "$TB_NODES" -le 200 ] || die "TB_NODES must be 1..200"
for c in ip tc unshare nsenter setsid; do
  command -v "$c" >/dev/null || {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends iproute2 util-linux >/dev/null 2>&1 \
      || die "missing $c and apt-get install iproute2 util-linux failed"; break; }
done

# 1. clean slate
TB_NS_DIR=$TB_NS_DIR "$HERE/netns-down.sh" 2>/dev/null || die "netns-down.sh failed"
mkdir -p "$TB_NS_DIR"

# 2. bridge in the root namespace
ip link add etbbr0 type bridge || die "cannot create bridge etbbr0 (CONFIG_BRIDGE?)"
ip addr add "$TB_NET.254/24" dev etbbr0
ip link set etbbr0 up

# 3. one namespace + veth per host
for i in $(seq 1 "$TB_NODES"); do
  ns=etb-n$i
  ip netns add "$ns" || die "ip netns add $ns failed"
  ip link add "etbv$i" type veth peer name eth0 netns "$ns" || die "veth for $ns failed (CONFIG_VETH?)"
  ip link set "etbv$i" master etbbr0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$TB_NET.$((10 + i))/24" dev eth0
  ip -n "$ns" link set eth0 up
  "$HERE/netns-node.sh" boot "n$i" || die "boot of n$i failed"
done
log "$TB_NODES namespaces, veths and inits up"

# 4. names: a marked block in /etc/hosts (rewritten in place: it may be a bind mount)
hosts_block() { echo "# >>> endure testbed netns"; echo "$TB_NET.254 etb-head"; for i in $(seq 1 "$TB_NODES"); do echo "$TB_NET.$((10 + i)) n$i"; done; echo "# <<< endure testbed netns"; }
new=$(sed '/^# >>> endure testbed netns$/,/^# <<< endure testbed netns$/d' /etc/hosts; hosts_block)
printf '%s\n' "$new" >/etc/hosts
printf 'TB_NODES=%s\nTB_NET=%s\n' "$TB_NODES" "$TB_NET" >"$TB_NS_DIR/config"

# 5. check: every host answers TCP from the head and from n1 ("connection refused"
#    on a closed port proves the host is reachable; a timeout would mean it is not)
reach() {  # reach FROM-CMD... IP
  local ip=${*: -1}; set -- "${@:1:$#-1}"
  out=$("$@" timeout 2 bash -c "exec 3<>/dev/tcp/$ip/9" 2>&1); rc=$?
  [ $rc -eq 0 ] || grep -q 'refused' <<<"$out"
}
for i in $(seq 1 "$TB_NODES"); do
  reach env "$TB_NET.$((10 + i))" || die "head cannot reach n$i ($TB_NET.$((10 + i)))"
  reach "$HERE/netns-node.sh" exec n1 "$TB_NET.$((10 + i))" || die "n1 cannot reach n$i"
  [ "$("$HERE/netns-node.sh" exec "n$i" hostname)" = "n$i" ] || die "n$i has the wrong hostname"
done
reach "$HERE/netns-node.sh" exec "n$TB_NODES" "$TB_NET.254" || die "n$TB_NODES cannot reach the head $TB_NET.254"
log "hosts n1..n$TB_NODES up on $TB_NET.0/24; all reachable"
