#!/usr/bin/env bash
# Build `berth-local/redis:7` offline from Debian's redis-server package: the redis-server and redis-cli
# binaries with the shared libraries they link, on top of the local busybox base image (for sh).
# Idempotent: skips the build when the image exists (unless --force). Needs the Docker CLI and engine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
image=berth-local/redis:7
if [ "${1:-}" != "--force" ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "redis image: $image present"
  exit 0
fi

bash "$here/../base-image.sh"

if [ ! -x /usr/bin/redis-server ] || [ ! -x /usr/bin/redis-cli ]; then
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    echo "redis image: installing redis-server (Debian)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq redis-server >/dev/null
    # The package starts no daemon without an init system; make sure none is left running anyway.
  else
    echo "redis image: /usr/bin/redis-server is missing; install Debian's redis-server" >&2
    exit 1
  fi
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/rootfs/usr/bin"
for bin in redis-server redis-cli; do
  cp -L "/usr/bin/$bin" "$ctx/rootfs/usr/bin/$bin"
  # Every library the binary links (and the dynamic loader), at the same path inside the image.
  for lib in $(ldd "/usr/bin/$bin" | grep -o '/[^ ]*' | sort -u); do
    [ -e "$ctx/rootfs$lib" ] || cp -L --parents "$lib" "$ctx/rootfs"
  done
done
cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM berth-local/busybox:latest
COPY rootfs/ /
RUN mkdir -p /data && redis-server --version
WORKDIR /data
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no", "--dir", "/data", "--appendonly", "yes"]
DOCKERFILE
echo "redis image: building $image from $(redis-server --version | cut -d' ' -f1-3)"
DOCKER_BUILDKIT=0 docker build -q -t "$image" "$ctx" >/dev/null
echo "redis image: $image built"
