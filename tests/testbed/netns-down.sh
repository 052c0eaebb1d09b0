#!/usr/bin/env bash
# netns-down.sh — remove the hosts made by netns-up.sh: kill each host's init (which
# kills every process inside it), delete namespaces tb-n*, veths tbv*, bridge etbbr0,
# and the /etc/hosts block. Idempotent. Stop ssh/slurm on top of it first
# (ssh-down.sh / slurm-down.sh) so their pid files are cleaned, though killing the
# inits already ends their processes.
set -uo pipefail
TB_NS_DIR=${TB_NS_DIR:-/tmp/endure-testbed/netns}
die() { echo "netns-down: ERROR: $*" >&2; exit 1; }
alive_pid() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; [ "${s%% *}" != Z ]; }
[ "$(id -u)" = 0 ] || die "must run as root"

for f in "$TB_NS_DIR"/n*.init; do
  [ -f "$f" ] || continue
  p=$(cat "$f")
  # only kill it if it really is a testbed init (pid may have been reused)
  if alive_pid "$p" && grep -q '^etb-init-' "/proc/$p/cmdline" 2>/dev/null; then kill -KILL "$p"; fi
  rm -f "$f"
done
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^etb-n[0-9]*$'); do
  # any process still inside the netns (e.g. started with plain ip netns exec)?
  pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
  [ -n "${pids// }" ] && kill -KILL $pids 2>/dev/null
  ip netns del "$ns" || die "ip netns del $ns failed"
done
for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^etbv[0-9]+$'); do ip link del "$l" 2>/dev/null; done
ip link show etbbr0 >/dev/null 2>&1 && { ip link del etbbr0 || die "cannot delete bridge etbbr0"; }
if grep -q '^# >>> endure testbed netns$' /etc/hosts; then
  new=$(sed '/^# >>> endure testbed netns$/,/^# <<< endure testbed netns$/d' /etc/hosts)
  printf '%s\n' "$new" >/etc/hosts
fi
rm -rf "$TB_NS_DIR"
echo "netns-down: down" >&2
rmdir "$(dirname "$TB_NS_DIR")" 2>/dev/null || true
