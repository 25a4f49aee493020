#!/usr/bin/env bash
# Make sure a Docker Engine answers on this machine. Idempotent:
#   1. if the engine at DOCKER_HOST (or /var/run/docker.sock) answers /_ping, do nothing;
#   2. otherwise, for the default socket, as root on Debian, install docker.io if dockerd is missing and start dockerd
#      detached, with the engine kept off the outside network (no iptables, no forwarding, no masquerade);
#   3. otherwise say what is missing and exit 1.
set -euo pipefail

sock=/var/run/docker.sock
case "${DOCKER_HOST:-}" in
  unix://*) sock=${DOCKER_HOST#unix://} ;;
  "") ;;
  *)
    echo "engine: DOCKER_HOST=$DOCKER_HOST is not a local socket; berth will use it as it is." >&2
    exit 0 ;;
esac

ping() { curl -fsS --max-time 2 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1; }

if ping; then
  echo "engine: answering on $sock"
  exit 0
fi

if [ "$sock" != /var/run/docker.sock ]; then
  # A daemon started here would listen on the default socket, not on this one.
  echo "engine: no Docker Engine answers on $sock (DOCKER_HOST); start the engine that socket belongs to." >&2
  exit 1
fi

if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  echo "engine: no Docker Engine answers on $sock." >&2
  echo "engine: start one (e.g. 'sudo systemctl start docker'), or run this script as root on Debian to install and start docker.io." >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "engine: installing docker.io (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

echo "engine: starting dockerd (log: /var/log/dockerd.log)"
setsid dockerd --iptables=false --ip-forward=false --ip-masq=false \
  >>/var/log/dockerd.log 2>&1 < /dev/null &

for _ in $(seq 1 120); do
  if ping; then
    # A FORWARD DROP policy left by an earlier engine start blocks container-to-container traffic.
    if command -v iptables >/dev/null 2>&1 && iptables -S FORWARD 2>/dev/null | grep -q -- '-P FORWARD DROP'; then
      iptables -P FORWARD ACCEPT || true
    fi
    echo "engine: answering on $sock"
    exit 0
  fi
  sleep 0.5
done
echo "engine: dockerd did not answer within 60s; see /var/log/dockerd.log" >&2
tail -n 20 /var/log/dockerd.log >&2 || true
exit 1
