#!/usr/bin/env bash
# The README's first command: install what berth and its tests need (Debian packages, npm packages from
# the lock file), build, make sure an engine answers (starting one where none runs and this machine
# allows it), make the local images, and bring the sample stacks up. The README's second command,
# `npm test`, then needs nothing more.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Debian packages"
bash scripts/packages.sh
echo "==> npm packages (npm ci, from package-lock.json)"
npm ci --no-audit --no-fund --loglevel=error
echo "==> building berth"
npm run --silent build
echo "==> checking the Docker Engine"
bash scripts/engine.sh
echo "==> local images (offline, from Debian packages)"
bash scripts/base-image.sh
for script in scripts/images/*.sh; do bash "$script"; done
echo "==> berth up -d (samples/hello)"
node bin/berth.cjs -f samples/hello/compose.yaml up -d
echo "==> berth up -d --build --wait (samples/devstack)"
node bin/berth.cjs -f samples/devstack/compose.yaml up -d --build --wait
port=${HELLO_PORT:-18080}
devport=${DEVSTACK_PORT:-18480}
cat <<MSG

Two sample stacks are up. Try:
  curl http://127.0.0.1:$port/                 # hello: served by "web"
  curl http://127.0.0.1:$port/client.txt       # hello: fetched by "client" from http://web:8080/
  curl http://127.0.0.1:$devport/cgi-bin/hello # devstack: the web app, counting visits in Redis
  node bin/berth.cjs -f samples/hello/compose.yaml ps
  node bin/berth.cjs -f samples/hello/compose.yaml down
  node bin/berth.cjs -f samples/devstack/compose.yaml down
MSG
