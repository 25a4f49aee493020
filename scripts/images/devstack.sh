#!/usr/bin/env bash
# Every image samples/devstack needs that is not built from the sample's own source, made offline:
# the busybox base (scripts/base-image.sh) and Redis from Debian's package (redis.sh). Idempotent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../base-image.sh"
bash "$here/redis.sh"
