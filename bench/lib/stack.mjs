// Generates the bench stacks: a compose file (read by berth and docker-compose) and the same stack as a
// small JSON spec (read by the engine floor, which must not pay for YAML or a model).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { BENCH_LABEL } from './engine.mjs';

export const IMAGE = 'bench-local/app:latest';
/** Two images that differ only by a label: retagging IMAGE between them is an "image changed". */
export const IMAGE_VARIANTS = ['bench-local/app:a', 'bench-local/app:b'];

const pad = (i) => String(i).padStart(3, '0');

/** Service i: a loopback-published port on every 5th, a named volume on every 5th (offset by 2). */
function serviceShape(i) {
  return {
    name: `s${pad(i)}`,
    port: i % 5 === 0 ? 8080 : undefined,
    volume: i % 5 === 2 ? `data${pad(i)}` : undefined,
  };
}

/** Writes `<dir>/compose.yaml` and `<dir>/floor.json` for a stack of n services; returns the paths. */
export function writeUpStack(dir, n) {
  mkdirSync(dir, { recursive: true });
  const shapes = Array.from({ length: n }, (_, i) => serviceShape(i));
  const services = {};
  for (const s of shapes) {
    const svc = {
      image: IMAGE,
      command: ['sleep', '86400'],
      init: true,
      environment: { SERVICE_NAME: s.name },
      labels: { [BENCH_LABEL]: '1' },
    };
    if (s.port) svc.ports = [`127.0.0.1::${s.port}`];
    if (s.volume) svc.volumes = [`${s.volume}:/data`];
    services[s.name] = svc;
  }
  const volumes = {};
  for (const s of shapes) if (s.volume) volumes[s.volume] = { labels: { [BENCH_LABEL]: '1' } };
  const doc = { services, networks: { default: { labels: { [BENCH_LABEL]: '1' } } } };
  if (Object.keys(volumes).length > 0) doc.volumes = volumes;
  const compose = join(dir, 'compose.yaml');
  writeFileSync(compose, stringify(doc));
  const floor = join(dir, 'floor.json');
  writeFileSync(floor, JSON.stringify({ image: IMAGE, services: shapes }));
  return { compose, floor };
}

/**
 * A config-only stack: a base file of n services plus 5 override files, each touching a different part
 * of every service (environment, labels, ports, healthcheck, depends_on/restart), with interpolation.
 * Returns the file paths in `-f` order.
 */
export function writeConfigStack(dir, n) {
  mkdirSync(dir, { recursive: true });
  const names = Array.from({ length: n }, (_, i) => `s${pad(i)}`);
  const base = { services: {}, volumes: {} };
  names.forEach((name, i) => {
    const svc = {
      image: 'bench-local/app:${BENCH_TAG:-latest}',
      command: ['sleep', '86400'],
      init: true,
      environment: { SERVICE_NAME: name, INDEX: String(i) },
      ports: i % 5 === 0 ? [`127.0.0.1::${8000 + (i % 100)}`] : undefined,
      volumes: i % 5 === 2 ? [`data${pad(i)}:/data`, './conf:/etc/app:ro'] : undefined,
    };
    if (svc.ports === undefined) delete svc.ports;
    if (svc.volumes === undefined) delete svc.volumes;
    else base.volumes[`data${pad(i)}`] = {};
    base.services[name] = svc;
  });
  const each = (fn) => ({
    services: Object.fromEntries(names.map((name, i) => [name, fn(name, i)]).filter(([, v]) => v !== undefined)),
  });
  const overrides = {
    'override-env.yaml': each((name) => ({
      environment: { LOG_LEVEL: '${LOG_LEVEL:-info}', UPSTREAM: `http://${name}:8080` },
    })),
    'override-labels.yaml': each((name) => ({ labels: { 'com.example.team': 'bench', 'com.example.service': name } })),
    'override-ports.yaml': each((_, i) => (i % 3 === 0 ? { ports: [`127.0.0.1::${9000 + (i % 100)}`] } : undefined)),
    'override-health.yaml': each((_, i) =>
      i % 4 === 0 ? { healthcheck: { test: ['CMD', 'true'], interval: '30s', timeout: '5s', retries: 3 } } : undefined,
    ),
    'override-deps.yaml': each((_, i) =>
      i % 10 === 0 ? { restart: 'unless-stopped' } : { depends_on: [names[i - (i % 10)]], restart: 'unless-stopped' },
    ),
  };
  const files = [join(dir, 'compose.yaml')];
  writeFileSync(files[0], stringify(base));
  for (const [file, doc] of Object.entries(overrides)) {
    files.push(join(dir, file));
    writeFileSync(join(dir, file), stringify(doc));
  }
  mkdirSync(join(dir, 'conf'), { recursive: true });
  return files;
}
