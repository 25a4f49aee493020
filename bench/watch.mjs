#!/usr/bin/env node
// `berth up --watch`, measured as a developer feels it: from a file written on the host to the new
// content served by the container, over N edits, for a `sync` rule (httpd serves the synced file) and a
// `sync+restart` rule (the service copies the file at start, so only a restart shows it); then the CPU
// the watching berth uses while nothing changes, with a tree of 20,000 files under the watched path.
//
//   npm run build && node bench/watch.mjs                  # 50 edits each, 20,000 files, 30 s idle
//   node bench/watch.mjs --edits 10 --files 2000 --idle 5  # a short run
//
// Latency is taken by polling the published port every 10 ms from the moment the write returns: it
// includes the quiet period (500 ms, as Compose's) that coalesces an editor's save into one batch.
// Idle CPU is the berth process's user+system time (/proc/<pid>/stat) over the idle window, as a share
// of one CPU. Needs a running engine and berth-local/busybox (bash scripts/base-image.sh). The project
// (bench-watch-<pid>) is removed at the end, also after a failure.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'berth.cjs');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const edits = option('edits', 50);
const files = option('files', 20_000);
const idleSec = option('idle', 30);
const project = `bench-watch-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-bench-watch-'));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function stackFile(syncPort, restartPort) {
  return `
services:
  s:
    image: berth-local/busybox:latest
    init: true
    command: ["sh", "-c", "mkdir -p /www; exec httpd -f -p 8080 -h /www"]
    ports: ["127.0.0.1:${syncPort}:8080"]
    develop:
      watch:
        - {path: ./www, action: sync, target: /www}
  r:
    image: berth-local/busybox:latest
    init: true
    command: ["sh", "-c", "mkdir -p /w; cat /etc/msg > /w/index.html || true; exec httpd -f -p 8080 -h /w"]
    ports: ["127.0.0.1:${restartPort}:8080"]
    develop:
      watch:
        - {path: ./msg, action: sync+restart, target: /etc/msg}
`;
}

/** The tree: `files` small files in folders of 100, under the watched path. */
function writeTree() {
  mkdirSync(join(dir, 'www'), { recursive: true });
  writeFileSync(join(dir, 'www', 'index.html'), 'start\n');
  writeFileSync(join(dir, 'msg'), 'start\n');
  for (let d = 0; d * 100 < files; d++) {
    const folder = join(dir, 'www', 'tree', `d${d}`);
    mkdirSync(folder, { recursive: true });
    for (let f = 0; f < 100 && d * 100 + f < files; f++) writeFileSync(join(folder, `f${f}.txt`), `${d}/${f}\n`);
  }
}

async function body(port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/index.html`);
    return await res.text();
  } catch {
    return '';
  }
}

/** Milliseconds from the write to the port serving the new text. */
async function oneEdit(file, port, text) {
  writeFileSync(file, text);
  const start = performance.now();
  for (;;) {
    if ((await body(port)) === text) return performance.now() - start;
    if (performance.now() - start > 30_000) throw new Error(`${file}: not served after 30 s`);
    await sleep(10);
  }
}

async function series(label, file, port) {
  const times = [];
  for (let i = 0; i < edits; i++) {
    times.push(await oneEdit(file, port, `${label} edit ${i} ${Date.now()}\n`));
    await sleep(100);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
  return { label, p50: at(0.5), p95: at(0.95), min: times[0], max: times[times.length - 1] };
}

function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function waitFor(child, out, text, ms) {
  const end = Date.now() + ms;
  while (!out.text.includes(text)) {
    if (child.exitCode !== null) throw new Error(`berth exited early:\n${out.text}`);
    if (Date.now() > end) throw new Error(`no "${text}" after ${ms / 1000} s:\n${out.text}`);
    await sleep(50);
  }
}

async function main() {
  const [syncPort, restartPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'compose.yaml'), stackFile(syncPort, restartPort));
  writeTree();
  const out = { text: '' };
  const child = spawn(process.execPath, [bin, '-p', project, 'up', '--watch', '--no-log-prefix'], {
    cwd: dir,
    env: { ...process.env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (out.text += d));
  child.stderr.on('data', (d) => (out.text += d));
  try {
    const t0 = performance.now();
    await waitFor(child, out, 'watch: watching', 300_000);
    const startSec = (performance.now() - t0) / 1000;
    const results = [await series('sync', join(dir, 'www', 'index.html'), syncPort)];
    results.push(await series('sync+restart', join(dir, 'msg'), restartPort));
    await sleep(1000);
    const before = cpuTicks(child.pid);
    await sleep(idleSec * 1000);
    const idleCpu = (cpuTicks(child.pid) - before) / 100 / idleSec;
    console.log(`up --watch with ${files} files under the watched path: watching after ${startSec.toFixed(1)} s`);
    console.log('| rule | edits | p50 | p95 | min | max |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    const ms = (v) => `${Math.round(v)} ms`;
    for (const r of results)
      console.log(`| \`${r.label}\` | ${edits} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.min)} | ${ms(r.max)} |`);
    console.log(`idle CPU over ${idleSec} s: ${(idleCpu * 100).toFixed(2)} % of one CPU`);
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    execFileSync(process.execPath, [bin, '-p', project, 'down'], { cwd: dir, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
