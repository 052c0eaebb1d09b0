#!/bin/sh
# Installs endure's build and test dependencies from Debian's packages and builds.
# Idempotent and non-interactive; run as root (or with sudo available).
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  gcc make pkg-config libc6-dev libpcre2-dev libcurl4-openssl-dev zlib1g-dev \
  libjansson-dev libyaml-dev libssl-dev libmicrohttpd-dev \
  python3 python3-torch valgrind clang libclang-rt-14-dev procps iproute2 util-linux groff-base \
  lintian \
  slurmctld slurmd slurm-client munge openssh-server openssh-client \
  chromium prometheus faketime
cd "$(dirname "$0")"
make -j"$(nproc)"
