#!/usr/bin/env bash
# ssh-down.sh — stop the per-node sshd daemons of ssh-up.sh (and their sessions),
# remove the Include block from ~/.ssh/config and $TB_SSH_DIR. Idempotent.
# Daemons are found by their exact command line "-f $TB_SSH_DIR/sshd-nX.conf"
# (in netns mode the pid files hold namespace-local pids, useless from outside).
set -uo pipefail
TB_SSH_DIR=${TB_SSH_DIR:-/tmp/endure-testbed/ssh}
die() { echo "ssh-down: ERROR: $*" >&2; exit 1; }
alive() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; [ "${s%% *}" != Z ]; }
[ "$(id -u)" = 0 ] || die "must run as root"

ours() {  # listener sshd processes started with one of our configs
  local p
  for p in /proc/[0-9]*; do
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qE "^(sshd: )?/usr/sbin/sshd -f $TB_SSH_DIR/sshd-n[0-9]+\.conf" && echo "${p#/proc/}"
  done
}
descendants() {
  local table; table=$(ps -e -o pid=,ppid=); local frontier=("$@") p c
  while [ ${#frontier[@]} -gt 0 ]; do
    p=${frontier[0]}; frontier=("${frontier[@]:1}")
    for c in $(awk -v pp="$p" '$2 == pp {print $1}' <<<"$table"); do echo "$c"; frontier+=("$c"); done
  done
}
l=($(ours))
if [ ${#l[@]} -gt 0 ]; then
  all=("${l[@]}" $(descendants "${l[@]}"))
  kill -TERM "${all[@]}" 2>/dev/null
  for _ in $(seq 30); do s=0; for p in "${all[@]}"; do alive "$p" && s=1; done; [ $s = 0 ] && break; sleep 0.1; done
  for p in "${all[@]}"; do alive "$p" && kill -KILL "$p" 2>/dev/null; done
  sleep 0.1
  for p in "${all[@]}"; do alive "$p" && die "sshd process $p survived"; done
  echo "ssh-down: stopped sshd ${l[*]}" >&2
fi
if [ -f /root/.ssh/config ] && grep -q '^# >>> endure testbed ssh$' /root/.ssh/config; then
  rest=$(sed '/^# >>> endure testbed ssh$/,/^# <<< endure testbed ssh$/d' /root/.ssh/config)
  if [ -n "${rest//[$'\n' ]}" ]; then printf '%s\n' "$rest" >/root/.ssh/config; else rm -f /root/.ssh/config; fi
fi
rm -rf "$TB_SSH_DIR"
rmdir /root/.ssh 2>/dev/null || true   # only if ssh-up.sh left it empty
echo "ssh-down: down" >&2
rmdir "$(dirname "$TB_SSH_DIR")" 2>/dev/null || true
