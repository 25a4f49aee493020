#!/bin/sh
# A background job: every TICK_SECONDS, count one tick in the cache. Stops cleanly on SIGTERM.
trap 'echo "worker: stopping"; exit 0' TERM INT
echo "worker: ticking every ${TICK_SECONDS}s against ${CACHE_HOST:-cache}"
while true; do
  printf 'INCR worker:ticks\r\nQUIT\r\n' | nc "${CACHE_HOST:-cache}" 6379 >/dev/null 2>&1 || echo "worker: cache not reachable"
  sleep "${TICK_SECONDS}" &
  wait $!
done
