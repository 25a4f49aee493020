#!/usr/bin/env bash
# The README's first command: install, build, make sure an engine answers (starting one where none runs
# and this machine allows it), make the local base image, and bring the sample stack up.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> installing dependencies"
npm install --no-audit --no-fund --loglevel=error
echo "==> building berth"
npm run --silent build
echo "==> checking the Docker Engine"
bash scripts/engine.sh
echo "==> local base image"
bash scripts/base-image.sh
echo "==> berth up -d (samples/hello)"
node bin/berth.js -f samples/hello/compose.yaml up -d
port=${HELLO_PORT:-18080}
cat <<MSG

The sample stack is up. Try:
  curl http://127.0.0.1:$port/            # served by "web"
  curl http://127.0.0.1:$port/client.txt  # fetched by "client" from http://web:8080/
  node bin/berth.js -f samples/hello/compose.yaml ps
  node bin/berth.js -f samples/hello/compose.yaml down
MSG
