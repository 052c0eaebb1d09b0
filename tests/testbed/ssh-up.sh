#!/usr/bin/env bash
# ssh-up.sh — make `ssh nX cmd` (BatchMode, key auth, as root) work for n1..nN,
# plus pdsh (`pdsh -R ssh -w n[1-4] cmd`), as a launcher-style multi-host test bed.
#
# Modes (TB_SSH_MODE):
#   netns    one sshd per host INSIDE the namespaces of netns-up.sh, on $TB_NET.(10+X):22.
#            `ssh n2 hostname` prints n2; fault injection with netns-node.sh.
#   loopback one sshd per node on 127.0.0.1:(TB_SSH_PORT0+X-1); all "nodes" are this
#            machine (hostname is the same everywhere), each session gets TB_NODE=nX.
#   auto     (default) netns if netns-up.sh hosts exist, else loopback.
#
# Everything lives in $TB_SSH_DIR (keys, sshd configs, logs); the only files outside
# it: a marked "Include" block at the top of ~/.ssh/config, /run/sshd (privsep dir).
# System sshd/host keys/authorized_keys are not touched. Idempotent (runs ssh-down.sh
# first). Knobs: TB_NODES (default: from netns config, else 4), TB_SSH_DIR=/tmp/endure-testbed/ssh,
# TB_SSH_PORT0=12201, TB_NS_DIR=/tmp/endure-testbed/netns, TB_SSH_MUX=1 (ControlMaster sharing),
# TB_SSH_BASHRC=1 (let remote bash source ~/.bashrc; slow here because of pyenv).
set -euo pipefail
TB_SSH_DIR=${TB_SSH_DIR:-/tmp/endure-testbed/ssh}
TB_NS_DIR=${TB_NS_DIR:-/tmp/endure-testbed/netns}
TB_SSH_PORT0=${TB_SSH_PORT0:-12201}
TB_SSH_MODE=${TB_SSH_MODE:-auto}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T0=$(date +%s%N)
log() { echo "ssh-up: [$(( ($(date +%s%N) - T0) / 1000000 )) ms] $*" >&2; }
die() { echo "ssh-up: ERROR: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"

if [ "$TB_SSH_MODE" = auto ]; then
  if [ -f "$TB_NS_DIR/config" ]; then TB_SSH_MODE=netns; else TB_SSH_MODE=loopback; fi
fi
case $TB_SSH_MODE in
  netns) [ -f "$TB_NS_DIR/config" ] || die "TB_SSH_MODE=netns but no hosts: run netns-up.sh first"
         . "$TB_NS_DIR/config" ;;                      # sets TB_NODES, TB_NET
  loopback) TB_NODES=${TB_NODES:-4} ;;
  *) die "TB_SSH_MODE must be auto, netns or loopback" ;;
esac

# 1. packages (pdsh pulls rsh-client too; that is harmless)
need=()
for p in openssh-server openssh-client; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get -o DPkg::Lock::Timeout=300 update && apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${need[@]}"; } \
    >"${TMPDIR:-/tmp}/testbed-ssh-apt.log" 2>&1 || { tail -5 "${TMPDIR:-/tmp}/testbed-ssh-apt.log" >&2; die "apt-get install ${need[*]} failed"; }
fi
[ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd missing"

# 2. clean slate, keys
"$HERE/ssh-down.sh" 2>/dev/null || die "ssh-down.sh failed"
mkdir -p "$TB_SSH_DIR" && chmod 700 "$TB_SSH_DIR"
ssh-keygen -q -t ed25519 -N '' -C testbed-client -f "$TB_SSH_DIR/id_ed25519" || die "ssh-keygen (client) failed"
ssh-keygen -q -t ed25519 -N '' -C testbed-host -f "$TB_SSH_DIR/host_ed25519" || die "ssh-keygen (host) failed"
cp "$TB_SSH_DIR/id_ed25519.pub" "$TB_SSH_DIR/authorized_keys" && chmod 600 "$TB_SSH_DIR/authorized_keys"
# every node presents the same host key, known under one alias: no TOFU prompts
echo "endure-testbed-node $(cut -d' ' -f1,2 "$TB_SSH_DIR/host_ed25519.pub")" >"$TB_SSH_DIR/known_hosts"
install -d -m 0755 /run/sshd          # privilege-separation dir normally made by the init script

# 3. one sshd per node
# sshd runs every command as `bash -c CMD`, and Debian's bash then sources ~/.bashrc
# (SSH_SOURCE_BASHRC) unless SHLVL says it is nested; root's .bashrc here runs
# `pyenv init`, which costs ~0.6 s per ssh. SHLVL=1 skips it (TB_SSH_BASHRC=1 keeps it).
SHLVL_ENV=" SHLVL=1"; [ "${TB_SSH_BASHRC:-0}" = 1 ] && SHLVL_ENV=""
for i in $(seq 1 "$TB_NODES"); do
  if [ "$TB_SSH_MODE" = netns ]; then addr=$TB_NET.$((10 + i)) port=22; else addr=127.0.0.1 port=$((TB_SSH_PORT0 + i - 1)); fi
  cat >"$TB_SSH_DIR/sshd-n$i.conf" <<EOF
# testbed sshd for node n$i ($TB_SSH_MODE mode)
ListenAddress $addr
Port $port
HostKey $TB_SSH_DIR/host_ed25519
PidFile $TB_SSH_DIR/sshd-n$i.pid
AuthorizedKeysFile $TB_SSH_DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# keys live under /tmp (world-writable parent): skip the ownership/mode check
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
# launchers fan out many sessions at once
MaxStartups 200:30:400
MaxSessions 200
AcceptEnv LANG LC_* TB_* MASTER_* RANK WORLD_SIZE
SetEnv TB_NODE=n$i$SHLVL_ENV
Subsystem sftp internal-sftp
EOF
  /usr/sbin/sshd -t -f "$TB_SSH_DIR/sshd-n$i.conf" || die "sshd config for n$i invalid"
  if [ "$TB_SSH_MODE" = netns ]; then
    "$HERE/netns-node.sh" exec "n$i" /usr/sbin/sshd -f "$TB_SSH_DIR/sshd-n$i.conf" -E "$TB_SSH_DIR/sshd-n$i.log" \
      || die "sshd in host n$i failed to start (see $TB_SSH_DIR/sshd-n$i.log)"
  else
    /usr/sbin/sshd -f "$TB_SSH_DIR/sshd-n$i.conf" -E "$TB_SSH_DIR/sshd-n$i.log" \
      || die "sshd for n$i failed to start (port $port busy? see $TB_SSH_DIR/sshd-n$i.log)"
  fi
done
log "$TB_NODES sshd started ($TB_SSH_MODE mode)"

# 4. client config, included from ~/.ssh/config by one marked line
{
  echo "# testbed ssh client config (ssh-up.sh, $TB_SSH_MODE mode)"
  for i in $(seq 1 "$TB_NODES"); do
    echo "Host n$i"
    if [ "$TB_SSH_MODE" = netns ]; then echo "  HostName $TB_NET.$((10 + i))"; else echo "  HostName 127.0.0.1"; echo "  Port $((TB_SSH_PORT0 + i - 1))"; fi
  done
  cat <<EOF
Host $(for i in $(seq 1 "$TB_NODES"); do printf 'n%s ' "$i"; done)
  User root
  IdentityFile $TB_SSH_DIR/id_ed25519
  IdentitiesOnly yes
  HostKeyAlias endure-testbed-node
  UserKnownHostsFile $TB_SSH_DIR/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
  ServerAliveInterval 5
  ServerAliveCountMax 2
  LogLevel ERROR
  # curve25519 alone saves ~80 ms per connection vs the sntrup761 hybrid default
  KexAlgorithms curve25519-sha256
EOF
  if [ "${TB_SSH_MUX:-0}" = 1 ]; then   # connection sharing: ~35 ms per ssh instead of ~200 ms,
    # but a dead/partitioned node is then noticed only via ServerAlive* (~10 s)
    printf '  ControlMaster auto\n  ControlPath %s/cm-%%h\n  ControlPersist 60\n' "$TB_SSH_DIR"
  fi
} >"$TB_SSH_DIR/ssh_config"
mkdir -p /root/.ssh && chmod 700 /root/.ssh && touch /root/.ssh/config
rest=$(sed '/^# >>> endure testbed ssh$/,/^# <<< endure testbed ssh$/d' /root/.ssh/config)
printf '# >>> endure testbed ssh\nInclude %s/ssh_config\n# <<< endure testbed ssh\n%s\n' "$TB_SSH_DIR" "$rest" >/root/.ssh/config
chmod 600 /root/.ssh/config

# 5. check every node, sequentially and with pdsh
for i in $(seq 1 "$TB_NODES"); do
  for _ in $(seq 50); do out=$(ssh -o BatchMode=yes "n$i" 'echo $TB_NODE' 2>&1) && break; sleep 0.1; done
  [ "$out" = "n$i" ] || die "ssh n$i failed: $out"
done
if command -v pdsh >/dev/null; then   # optional (DeepSpeed-style launchers use it)
  out=$(PDSH_RCMD_TYPE=ssh pdsh -w "n[1-$TB_NODES]" 'echo $TB_NODE' 2>&1 | sort -V | tr '\n' ' ')
  want=$(for i in $(seq 1 "$TB_NODES"); do printf 'n%s: n%s ' "$i" "$i"; done)
  [ "$out" = "$want" ] || die "pdsh check failed: '$out'"
fi
log "ssh n1..n$TB_NODES ok ($TB_SSH_MODE mode)"
