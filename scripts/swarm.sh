#!/usr/bin/env bash
# A real two-node Docker Swarm on this one machine, for `berth stack` tests: two more dockerds, each in
# its own network namespace joined by a veth pair (10.77.0.1 manager, 10.77.0.2 worker), as
# ../shared/ENGINE.md describes. The main engine is never put in swarm mode.
#   bash scripts/swarm.sh up     start both nodes, form the swarm, load the local test images (idempotent)
#   bash scripts/swarm.sh down   leave the swarm, stop both dockerds, delete the namespaces and their data
#   bash scripts/swarm.sh env    print DOCKER_HOST for the manager
# SWARM_IMAGES (space-separated) names the main engine's images each node gets (docker save | docker load).
# Both nodes trust plain-HTTP registries on 10.77.0.0/24 (--insecure-registry): a registry a test runs in
# the manager's namespace (10.77.0.1:PORT) is one every node can pull from, as a real swarm needs.
set -euo pipefail

root=/tmp/berth-swarm
images=${SWARM_IMAGES:-berth-local/busybox:latest}
manager_addr=10.77.0.1

sock() { echo "$root/$1/run/docker.sock"; }
on() {
  local node=$1
  shift
  docker -H "unix://$(sock "$node")" "$@"
}
answers() { [ -S "$(sock "$1")" ] && on "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

namespaces() {
  ip netns list | grep -q '^berth-swa' || ip netns add berth-swa
  ip netns list | grep -q '^berth-swb' || ip netns add berth-swb
  if ! ip -n berth-swa link show bswa >/dev/null 2>&1; then
    ip link add bswa type veth peer name bswb
    ip link set bswa netns berth-swa
    ip link set bswb netns berth-swb
    ip -n berth-swa addr add 10.77.0.1/24 dev bswa
    ip -n berth-swb addr add 10.77.0.2/24 dev bswb
  fi
  for n in a b; do
    ip -n "berth-sw$n" link set "bsw$n" up
    ip -n "berth-sw$n" link set lo up
  done
}

start_node() {
  local node=$1
  answers "$node" && return 0
  mkdir -p "$root/$node/run"
  rm -f "$(sock "$node")" "$root/$node/run/docker.pid"
  # nsenter, not `ip netns exec`: the latter remounts /sys and dockerd then finds no devices cgroup.
  nsenter --net="/run/netns/berth-sw$node" setsid dockerd --data-root "$root/$node/data" \
    --exec-root "$root/$node/exec" --pidfile "$root/$node/run/docker.pid" -H "unix://$(sock "$node")" \
    --bridge=none --iptables=false --ip-forward=false --ip-masq=false --insecure-registry 10.77.0.0/24 \
    >"$root/$node/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 100); do
    answers "$node" && return 0
    sleep 0.2
  done
  echo "swarm: node $node did not start; see $root/$node/dockerd.log" >&2
  tail -n 20 "$root/$node/dockerd.log" >&2
  exit 1
}

swarm_state() { on "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unknown; }

form_swarm() {
  if [ "$(swarm_state a)" != active ]; then
    on a swarm init --advertise-addr "$manager_addr" >/dev/null
  fi
  if [ "$(swarm_state b)" != active ]; then
    on b swarm join --token "$(on a swarm join-token -q worker)" "$manager_addr:2377" >/dev/null
  fi
  for _ in $(seq 1 100); do
    [ "$(on a node ls --filter role=worker --format '{{.Status}}' | grep -c Ready)" -ge 1 ] && return 0
    sleep 0.2
  done
  echo "swarm: the worker did not become ready" >&2
  exit 1
}

load_images() {
  for node in a b; do
    for image in $images; do
      on "$node" image inspect "$image" >/dev/null 2>&1 && continue
      docker save "$image" | on "$node" load -q >/dev/null
    done
  done
}

up() {
  [ "$(id -u)" = 0 ] || {
    echo "swarm: needs root (network namespaces)" >&2
    exit 1
  }
  namespaces
  start_node a
  start_node b
  form_swarm
  load_images
  echo "swarm: up (manager unix://$(sock a), worker unix://$(sock b))"
}

stop_node() {
  local node=$1 pidfile="$root/$1/run/docker.pid"
  answers "$node" && on "$node" swarm leave --force >/dev/null 2>&1 || true
  if [ -f "$pidfile" ]; then
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
  fi
  # Mounts the daemon left under its roots (netns files, overlay layers) must go before the folder.
  { grep -o " $root/$node/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "${root:?}/$node"
}

down() {
  stop_node b
  stop_node a
  for n in a b; do
    if ip netns list | grep -q "^berth-sw$n"; then ip netns del "berth-sw$n"; fi
  done
  rmdir "$root" 2>/dev/null || true
  echo "swarm: down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) echo "DOCKER_HOST=unix://$(sock a)" ;;
  *)
    echo "usage: $0 up|down|env" >&2
    exit 2
    ;;
esac
