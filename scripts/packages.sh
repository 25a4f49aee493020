#!/usr/bin/env bash
# The Debian packages berth and its test suite need, installed when missing: the engine, the tools the
# local images are made from, and the peers the tests run against (docker-compose for the differential
# tests, a registry, an sshd, Podman, zsh and fish for the completion scripts). Needs root and apt-get;
# elsewhere it names what is missing and goes on, so that a machine set up by hand is not refused.
set -euo pipefail

packages=(docker.io busybox-static docker-compose docker-registry apache2-utils redis-server hyperfine curl tmux
  openssh-server podman catatonit iproute2 zsh fish)
need=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "packages: missing ${need[*]} (install them with apt-get as root for the whole test suite)" >&2
  exit 0
fi
echo "packages: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
