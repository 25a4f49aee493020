#!/usr/bin/env node
// `berth stack deploy` against `docker stack deploy` on the two-node swarm of scripts/swarm.sh: the first
// deploy of a stack of N services and an unchanged re-deploy, timed by hyperfine one run per tool per
// round (berth, then docker, seconds apart), reported as medians and paired ratios (berth / docker).
// Services have `replicas: 0`, so the numbers are the deploy command's own work (reading the file, the
// API calls) and no task start lands on the next run; the swarm is brought up first and down after.
//
//   node bench/swarm.mjs [--sizes 10,50] [--rounds 5]     (after npm run build)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MANAGER = 'unix:///tmp/berth-swarm/a/run/docker.sock';
const env = { ...process.env, DOCKER_HOST: MANAGER };

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const sizes = arg('sizes', '10,50,200').split(',').map(Number);
const rounds = Number(arg('rounds', '5'));

function stackFile(dir, n) {
  const services = Array.from(
    { length: n },
    (_, i) =>
      `  s${i}:\n    image: berth-local/busybox:latest\n    command: ["sleep", "1d"]\n    environment:\n      INDEX: "${i}"\n    deploy:\n      replicas: 0\n`,
  );
  const file = join(dir, `stack-${n}.yaml`);
  writeFileSync(file, `services:\n${services.join('')}`);
  return file;
}

// Removes the stack and waits until the swarm has no service or network of it left.
const RM = `docker stack rm NAME >/dev/null 2>&1; for i in $(seq 1 100); do [ -z "$(docker service ls -q --filter label=com.docker.stack.namespace=NAME)$(docker network ls -q --filter label=com.docker.stack.namespace=NAME)" ] && break; sleep 0.2; done`;

/** One hyperfine run of each command (with its prepare), in order; their times in seconds. */
function hyperfine(commands, prepare) {
  const out = join(mkdtempSync(join(tmpdir(), 'bench-swarm-')), 'h.json');
  const args = ['--runs', '1', '--export-json', out, '--style', 'none'];
  for (const c of commands) args.push(...(prepare ? ['--prepare', prepare] : []), c);
  const r = spawnSync('hyperfine', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('hyperfine failed');
  const times = JSON.parse(readFileSync(out, 'utf8')).results.map((x) => x.median);
  rmSync(dirname(out), { recursive: true, force: true });
  return times;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function scenario(file, name, first) {
  // The image is loaded into each node and in no registry: neither tool asks one (berth refuses such an image otherwise).
  const berth = `node ${join(root, 'bin', 'berth.cjs')} stack deploy --resolve-image never -c ${file} ${name}`;
  const docker = `docker stack deploy --resolve-image never -c ${file} ${name}`;
  const prepare = first ? RM.replaceAll('NAME', name) : undefined;
  if (!first) execFileSync('bash', ['-c', docker], { env, stdio: 'ignore' });
  const pairs = [];
  for (let i = 0; i < rounds; i++) pairs.push(hyperfine([berth, docker], prepare));
  const b = pairs.map((p) => p[0]);
  const d = pairs.map((p) => p[1]);
  const ratios = pairs.map(([x, y]) => x / y);
  return {
    berth: median(b),
    docker: median(d),
    ratio: median(ratios),
    lo: Math.min(...ratios),
    hi: Math.max(...ratios),
  };
}

execFileSync('bash', [join(root, 'scripts', 'swarm.sh'), 'up'], { stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'bench-swarm-stacks-'));
const rows = [];
try {
  for (const n of sizes) {
    const file = stackFile(dir, n);
    const name = `bench-swarm-${n}`;
    rows.push({ what: `first deploy, ${n} services`, ...scenario(file, name, true) });
    rows.push({ what: `unchanged re-deploy, ${n} services`, ...scenario(file, name, false) });
    execFileSync('bash', ['-c', RM.replaceAll('NAME', name)], { env, stdio: 'ignore' });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  execFileSync('bash', [join(root, 'scripts', 'swarm.sh'), 'down'], { stdio: 'inherit' });
}
const ms = (s) => `${(s * 1000).toFixed(0)} ms`;
console.log(`| scenario | berth | docker stack deploy | berth / docker (paired median, spread) |`);
console.log(`| --- | --- | --- | --- |`);
for (const r of rows)
  console.log(
    `| ${r.what} | ${ms(r.berth)} | ${ms(r.docker)} | ${r.ratio.toFixed(2)} (${r.lo.toFixed(2)}–${r.hi.toFixed(2)}) |`,
  );
