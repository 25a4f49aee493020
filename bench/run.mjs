#!/usr/bin/env node
// The bench harness: generates stacks, puts each project in the state a scenario starts from, and runs
// hyperfine once per scenario with berth, docker-compose (v1) and the engine floor side by side. Prints a
// markdown table of medians and ratios, and writes the raw hyperfine JSON plus the table to
// bench/results/. See bench/README.md.
//
//   node bench/run.mjs [--sizes 1,10,50] [--scenarios cold,noop,change,down,startup,config]
//                      [--runs N] [--warmup N] [--rounds N] [--update-readme] [--keep]
//   node bench/run.mjs --from <run id>[,<run id>...] [--update-readme]
//                      (no run: the table of scenarios already measured, from bench/results/)
import process from 'node:process';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { close, listContainers, removeProjects, request } from './lib/engine.mjs';
import { IMAGE, IMAGE_VARIANTS, writeConfigStack, writeUpStack } from './lib/stack.mjs';
import { settle } from './lib/quiet.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const BERTH = join(root, 'bin', 'berth.cjs');
const FLOOR = join(here, 'floor.mjs');
const STATE = join(here, 'state.mjs');
const PREFIX = 'bench-';
const BASE_IMAGE = 'berth-local/busybox:latest';

const ENGINE_SCENARIOS = ['cold', 'noop', 'change', 'down'];
const CONFIG_SCENARIOS = ['startup', 'config'];

/** The bar from issue 7, as the most berth may take relative to the reference. */
const BARS = { cold: 1.05, change: 1.05, down: 1.05, noop: 1.5, startup: 1.5 };

const DESCRIPTIONS = {
  cold: 'cold `up -d`',
  noop: 'no-op `up -d`',
  change: '`up -d` after image change',
  down: '`down`',
  startup: 'start-up + `config`, 10 services',
  config: '`config`, 200 services + 5 overrides',
};

function parseArgs(argv) {
  const opts = {
    sizes: [1, 10, 50],
    scenarios: [...ENGINE_SCENARIOS, ...CONFIG_SCENARIOS],
    runs: undefined,
    warmup: 1,
    rounds: undefined,
    updateReadme: false,
    keep: false,
    from: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === '--sizes')
      opts.sizes = next()
        .split(',')
        .map((s) => Number(s));
    else if (a === '--scenarios') opts.scenarios = next().split(',');
    else if (a === '--runs') opts.runs = Number(next());
    else if (a === '--warmup') opts.warmup = Number(next());
    else if (a === '--rounds') opts.rounds = Number(next());
    else if (a === '--update-readme') opts.updateReadme = true;
    else if (a === '--keep') opts.keep = true;
    else if (a === '--from') opts.from = next().split(',');
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .slice(0, 10)
          .join('\n') + '\n',
      );
      process.exit(0);
    } else fail(`unknown option ${a}`);
  }
  for (const n of opts.sizes) if (!Number.isInteger(n) || n < 1) fail(`--sizes: "${n}" is not a positive integer`);
  for (const s of opts.scenarios)
    if (![...ENGINE_SCENARIOS, ...CONFIG_SCENARIOS].includes(s)) fail(`--scenarios: unknown scenario "${s}"`);
  if (opts.runs !== undefined && !(Number.isInteger(opts.runs) && opts.runs >= 2))
    fail('--runs must be an integer >= 2');
  if (!(Number.isInteger(opts.warmup) && opts.warmup >= 0)) fail('--warmup must be an integer >= 0');
  if (opts.rounds !== undefined && !(Number.isInteger(opts.rounds) && opts.rounds >= 1))
    fail('--rounds must be an integer >= 1');
  for (const id of opts.from ?? []) if (!/^[a-z0-9]{4}$/.test(id)) fail(`--from: "${id}" is not a run id`);
  return opts;
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

const t0 = Date.now();
function log(message) {
  process.stderr.write(`bench [${Math.round((Date.now() - t0) / 1000)} s]: ${message}\n`);
}

/**
 * Runs per command, by scenario and stack size: enough pairs for a median, within about an hour on 2
 * cores. At 10 services a single paired ratio of an engine-bound scenario moves by ±10 %, as much as
 * the bar allows, so those rows take 15 pairs (a median of 9 still moved by 3-4 % between runs).
 */
function runsFor(scenario, n, opts) {
  if (opts.runs !== undefined) return opts.runs;
  if (scenario === 'noop') return n <= 10 ? 15 : n <= 50 ? 10 : 5;
  if (scenario === 'startup' || scenario === 'config') return 15;
  return n <= 1 ? 10 : n <= 10 ? 15 : n <= 50 ? 7 : 3;
}

/**
 * Rounds per scenario: by default one run of each command per round (berth, docker-compose, floor, then
 * again), so that each run of berth has a run of the reference right next to it in time. Scenarios with
 * a cheap, quick command run several per round, to spend less on starting hyperfine.
 */
function roundsFor(scenario, runs, opts) {
  if (opts.rounds !== undefined) return opts.rounds;
  return scenario === 'noop' || scenario === 'startup' || scenario === 'config' ? Math.min(3, runs) : runs;
}

function which(tool) {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status === 0;
}

async function preflight() {
  const missing = [];
  if (!which('hyperfine')) missing.push('hyperfine (Debian: apt-get install -y hyperfine)');
  if (!which('docker-compose')) missing.push('docker-compose (Debian: apt-get install -y docker-compose)');
  if (!which('docker')) missing.push('docker (the CLI, used only to build the two bench images)');
  if (missing.length > 0) fail(`missing tools:\n  ${missing.join('\n  ')}`);
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) fail('berth is not built: run `npm run build` first');
  try {
    await request('GET', '/_ping');
  } catch (err) {
    fail(`no Docker Engine answers (${err.message}): run \`bash scripts/engine.sh\``);
  }
  try {
    await request('GET', `/images/${encodeURIComponent(BASE_IMAGE)}/json`);
  } catch {
    fail(`base image ${BASE_IMAGE} is missing: run \`bash scripts/base-image.sh\``);
  }
}

/** Two images that differ only by a label, built from the local base image; IMAGE starts at variant a. */
function buildImages(work) {
  for (const v of IMAGE_VARIANTS) {
    const ctx = join(work, `image-${v.split(':')[1]}`);
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${BASE_IMAGE}\nLABEL dev.berth.bench.variant=${v.split(':')[1]}\n`);
    execFileSync('docker', ['build', '-q', '-t', v, ctx], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }
  execFileSync('docker', ['tag', IMAGE_VARIANTS[0], IMAGE]);
}

/**
 * Runs hyperfine `rounds` times (each round: every command, runs/rounds times), so that a machine
 * whose load drifts over minutes weighs on the three tools alike; the warm-up is in the first round.
 * Returns per command the merged run times with their median and mean user/system times, and the run
 * times per round (`byRound`), from which `paired` takes ratios of runs made side by side. `inRound(k)`
 * gives round k's commands when they differ from round to round (same names, other projects).
 */
function hyperfine(name, commands, { runs, warmup, rounds, prepare, exportPath, inRound = () => commands }) {
  const r = Math.max(1, Math.min(rounds, runs));
  const perRound = Array.from({ length: r }, (_, i) => Math.floor(runs / r) + (i < runs % r ? 1 : 0));
  log(`${name}: ${commands.map((c) => c.name).join(' / ')}, ${runs} runs in ${r} round(s) + ${warmup} warm-up`);
  const roundResults = [];
  perRound.forEach((n, round) => {
    const w = round === 0 ? warmup : 0;
    const file = exportPath.replace(/\.json$/, `.r${round + 1}.json`);
    // -i: a run that fails (the engine has bad moments under load) is counted and shown in the table
    // rather than ending the whole benchmark.
    const args = ['--style', 'basic', '-N', '-i', '--runs', String(n), '--warmup', String(w), '--export-json', file];
    const these = inRound(round);
    if (prepare) for (const c of these) args.push('--prepare', prepare(c));
    for (const c of these) args.push('--command-name', c.name, c.cmd);
    // A round takes a few minutes at most; one that takes 20 is waiting on an engine that stopped
    // answering (dockerd 20.10.24 can deadlock when many containers leave a network at once: moby/moby#46661).
    const res = spawnSync('hyperfine', args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 20 * 60 * 1000,
      killSignal: 'SIGKILL',
    });
    if (res.error?.code === 'ETIMEDOUT')
      throw new Error(
        `${name}: a round ran for 20 minutes; the engine may have stopped answering (restart dockerd: \`pkill dockerd; bash scripts/engine.sh\`)`,
      );
    if (res.status !== 0)
      throw new Error(`hyperfine failed for ${name} (exit ${res.status}); rerun the command by hand to see its error`);
    roundResults.push(JSON.parse(readFileSync(file, 'utf8')).results);
  });
  const merged = mergeRounds(roundResults);
  for (const m of Object.values(merged))
    if (m.failed > 0)
      log(
        `${name}: ${m.command} failed in ${m.failed} of ${m.times.length} runs (see its output with hyperfine --show-output)`,
      );
  writeFileSync(exportPath, JSON.stringify({ results: Object.values(merged) }, null, 2));
  return merged;
}

/**
 * One result per command from hyperfine's per-round results: all run times, the times and failures per
 * round (for paired ratios), the failed runs counted, the median, and the mean user and system times.
 */
function mergeRounds(rounds) {
  const merged = {};
  for (const results of rounds) {
    for (const x of results) {
      const m = (merged[x.command] ??= {
        command: x.command,
        times: [],
        byRound: [],
        failedByRound: [],
        user: 0,
        system: 0,
        exit_codes: [],
      });
      const codes = x.exit_codes ?? x.times.map(() => 0);
      m.times.push(...x.times);
      m.byRound.push(x.times);
      m.failedByRound.push(codes.map((c) => c !== 0));
      m.exit_codes.push(...codes);
      m.user += x.user * x.times.length;
      m.system += x.system * x.times.length;
    }
  }
  for (const m of Object.values(merged)) {
    m.failed = m.exit_codes.filter((c) => c !== 0).length;
    m.user /= m.times.length;
    m.system /= m.times.length;
    m.median = median(m.times);
    m.mean = m.times.reduce((a, b) => a + b, 0) / m.times.length;
  }
  return merged;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function expectRunning(project, n, what) {
  const cs = await listContainers(project);
  const running = cs.filter((c) => c.State === 'running');
  if (running.length !== n || cs.length !== n)
    throw new Error(`${what}: ${project} has ${running.length}/${cs.length} running containers, expected ${n}`);
  return cs;
}

async function expectGone(project, what) {
  const cs = await listContainers(project);
  const nets = await request(
    'GET',
    `/networks?filters=${encodeURIComponent(JSON.stringify({ name: [`${project}_default`] }))}`,
  );
  if (cs.length > 0) throw new Error(`${what}: ${project} still has ${cs.length} containers`);
  // A tool that could not remove the network exits non-zero, which the table shows; a network left
  // with a stale endpoint by the engine (moby/moby#42119) is only worth a note.
  if (nets.some((x) => x.Name === `${project}_default`)) log(`${what}: the network ${project}_default is still there`);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}

async function engineBench(n, opts, work, resultsDir, runId) {
  const dir = join(work, `n${n}`);
  const { compose, floor } = writeUpStack(dir, n);
  // Project names per scenario too: should the engine keep a stale endpoint on one project's network
  // (see removeNetwork in lib/engine.mjs), the scenarios after it do not inherit the damage.
  const tools = [
    { name: 'berth', letter: 'b' },
    { name: 'docker-compose', letter: 'c' },
    { name: 'floor', letter: 'f' },
  ];
  const useProjects = (scenario) => {
    for (const t of tools) t.project = `${PREFIX}${runId}-${scenario}-${t.letter}${n}x`;
  };
  const cmdFor = (tool, op) => {
    if (tool.name === 'floor')
      return `node ${FLOOR} ${op === 'cold' || op === 'prepare-up' ? 'up' : op === 'noop' ? 'noop' : op} ${tool.project} ${floor}`;
    const verb = op === 'down' ? 'down' : 'up -d';
    return tool.name === 'berth'
      ? `node ${BERTH} -p ${tool.project} -f ${compose} ${verb}`
      : `docker-compose -p ${tool.project} -f ${compose} ${verb}`;
  };
  const out = { failures: [] };
  const upWithOwnTool = (tool) => {
    const [cmd, ...args] = cmdFor(tool, 'cold').split(' ');
    run(cmd, args);
  };

  for (const scenario of ENGINE_SCENARIOS.filter((s) => opts.scenarios.includes(s))) {
    useProjects(scenario);
    try {
      await engineScenario(scenario);
    } catch (err) {
      out.failures.push(`${n} services, ${scenario}: ${err.message}`);
      log(`${n} services, ${scenario} failed: ${err.message}`);
    }
    // A clean-up that fails is noted; the timings already taken stay in the table.
    for (const t of tools) {
      // By prefix: a scenario's rounds may have projects of their own (`down`); "b10x" is no prefix of "b100x".
      await removeProjects(t.project).catch((err) => {
        out.failures.push(`${n} services, ${scenario}: clean-up of ${t.project}: ${err.message}`);
        log(`${n} services, ${scenario}: clean-up of ${t.project} failed: ${err.message}`);
      });
    }
  }
  return out;

  async function engineScenario(scenario) {
    const commands = tools.map((t) => ({ name: t.name, cmd: cmdFor(t, scenario), tool: t }));
    const exportPath = join(resultsDir, `${runId}-n${n}-${scenario}.json`);
    const runs = runsFor(scenario, n, opts);
    const common = { runs, warmup: opts.warmup, rounds: roundsFor(scenario, runs, opts), exportPath };
    if (scenario === 'cold') {
      out.cold = hyperfine(`${n} services, cold up -d`, commands, {
        ...common,
        prepare: (c) => `node ${STATE} reset ${c.tool.project}`,
      });
      for (const t of tools) await expectRunning(t.project, n, 'after cold up');
    } else if (scenario === 'noop') {
      // Each project is brought up by its own tool (labels and config hashes are that tool's).
      for (const t of tools) upWithOwnTool(t);
      const before = Object.fromEntries(
        await Promise.all(
          tools.map(async (t) => [
            t.name,
            (await expectRunning(t.project, n, 'before no-op'))
              .map((c) => c.Id)
              .sort()
              .join(),
          ]),
        ),
      );
      out.noop = hyperfine(`${n} services, no-op up -d`, commands, common);
      for (const t of tools) {
        const after = (await expectRunning(t.project, n, 'after no-op'))
          .map((c) => c.Id)
          .sort()
          .join();
        if (after !== before[t.name])
          throw new Error(`no-op up -d of ${t.name} replaced containers: it was not a no-op`);
      }
    } else if (scenario === 'change') {
      for (const t of tools) upWithOwnTool(t);
      out.change = hyperfine(`${n} services, up -d after image change`, commands, {
        ...common,
        prepare: (c) => `node ${STATE} flip ${c.tool.project}`,
      });
      const image = await request('GET', `/images/${encodeURIComponent(IMAGE)}/json`);
      for (const t of tools) {
        const cs = await expectRunning(t.project, n, 'after image change');
        if (cs.some((c) => c.ImageID !== image.Id))
          throw new Error(`up -d of ${t.name} after an image change left containers on the old image`);
      }
    } else if (scenario === 'down') {
      // The state before each down: the stack up, made by the floor (same names and labels as Compose's)
      // so that the preparation costs as little as possible.
      // Projects per round as well: a network that dockerd keeps counting stale endpoints on cannot be
      // removed until dockerd restarts, and the next round's floor `up` would take it over (it uses a
      // network already there), so that every later `down` of that tool would meet it again.
      const inRound = (round) =>
        tools.map((t) => {
          const tool = { ...t, project: `${t.project}${round + 1}` };
          return { name: t.name, cmd: cmdFor(tool, 'down'), tool };
        });
      out.down = hyperfine(`${n} services, down`, commands, {
        ...common,
        inRound,
        prepare: (c) => `node ${STATE} reset-up ${c.tool.project} ${floor}`,
      });
      for (let round = 0; round < out.down.berth.byRound.length; round++)
        for (const c of inRound(round)) await expectGone(c.tool.project, 'after down');
    }
  }
}

async function configBench(opts, work, resultsDir, runId) {
  const out = {};
  await settle();
  const node = { name: 'node -e ""', cmd: `node -e ""` };
  if (opts.scenarios.includes('startup')) {
    const { compose } = writeUpStack(join(work, 'startup'), 10);
    out.startup = hyperfine(
      'start-up + config, 10 services',
      [
        { name: 'berth', cmd: `node ${BERTH} -f ${compose} config` },
        { name: 'docker-compose', cmd: `docker-compose -f ${compose} config` },
        { name: 'node', cmd: node.cmd },
      ],
      {
        runs: runsFor('startup', 10, opts),
        warmup: Math.max(opts.warmup, 2),
        rounds: roundsFor('startup', runsFor('startup', 10, opts), opts),
        exportPath: join(resultsDir, `${runId}-startup.json`),
      },
    );
  }
  if (opts.scenarios.includes('config')) {
    const files = writeConfigStack(join(work, 'config200'), 200);
    const f = files.map((x) => `-f ${x}`).join(' ');
    out.config = hyperfine(
      'config, 200 services + 5 overrides',
      [
        { name: 'berth', cmd: `node ${BERTH} ${f} config` },
        { name: 'docker-compose', cmd: `docker-compose ${f} config` },
        { name: 'node', cmd: node.cmd },
      ],
      {
        runs: runsFor('config', 200, opts),
        warmup: Math.max(opts.warmup, 2),
        rounds: roundsFor('config', runsFor('config', 200, opts), opts),
        exportPath: join(resultsDir, `${runId}-config.json`),
      },
    );
  }
  return out;
}

/** A bar is met only by runs that all succeeded: a failing run is fast for the wrong reason. */
const meets = (r, x, bar) => x !== undefined && x.value <= bar && !(r?.failed > 0);
const ms = (r) =>
  r === undefined
    ? '–'
    : `${Math.round(r.median * 1000)} ms${r.failed > 0 ? ` (${r.failed}/${r.times.length} failed)` : ''}`;
/**
 * The ratio a/b as the median of paired ratios: run i of a's round k over run i of b's round k, which ran
 * within seconds of each other, so that load drifting over minutes cancels out; a pair with a failed run
 * is left out (a failure's time measures no work). With the spread of those
 * ratios (lowest to highest), so that a row's noise is on record next to its value.
 */
function ratio(a, b) {
  if (a === undefined || b === undefined) return undefined;
  const failed = (r, k, i) => r.failedByRound?.[k]?.[i] === true;
  const pairs = a.byRound.flatMap((times, k) =>
    times
      .slice(0, b.byRound[k]?.length ?? 0)
      .flatMap((t, i) => (failed(a, k, i) || failed(b, k, i) ? [] : [t / b.byRound[k][i]])),
  );
  if (pairs.length === 0) return undefined;
  return { value: median(pairs), low: Math.min(...pairs), high: Math.max(...pairs) };
}
const fmtRatio = (x) => (x === undefined ? '–' : `${x.value.toFixed(2)}x`);
const fmtSpread = (x) => (x === undefined ? '–' : `${x.low.toFixed(2)}–${x.high.toFixed(2)}`);

function table(engine, config) {
  const lines = [
    '| stack | scenario | berth | docker-compose | floor | berth/floor | (spread) | berth/docker-compose | docker-compose/floor | bar (berth/floor) |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const [n, byScenario] of Object.entries(engine)) {
    for (const scenario of ENGINE_SCENARIOS) {
      const r = byScenario[scenario];
      if (!r) continue;
      const bf = ratio(r.berth, r.floor);
      const bar = BARS[scenario];
      lines.push(
        `| ${n} | ${DESCRIPTIONS[scenario]} | ${ms(r.berth)} | ${ms(r['docker-compose'])} | ${ms(r.floor)} | ${fmtRatio(bf)} | ${fmtSpread(bf)} | ${fmtRatio(ratio(r.berth, r['docker-compose']))} | ${fmtRatio(ratio(r['docker-compose'], r.floor))} | ≤ ${bar}x: ${meets(r.berth, bf, bar) ? 'met' : '**not met**'} |`,
      );
    }
  }
  for (const scenario of CONFIG_SCENARIOS) {
    const r = config[scenario];
    if (!r) continue;
    const bn = ratio(r.berth, r.node);
    const bar = BARS[scenario];
    const barText =
      bar === undefined
        ? '(no bar; vs docker-compose)'
        : `≤ ${bar}x of \`node -e ""\`: ${meets(r.berth, bn, bar) ? 'met' : '**not met**'}`;
    lines.push(
      `| ${scenario === 'startup' ? 10 : 200} | ${DESCRIPTIONS[scenario]} | ${ms(r.berth)} | ${ms(r['docker-compose'])} | ${ms(r.node)} (\`node -e ""\`) | ${fmtRatio(bn)} | ${fmtSpread(bn)} | ${fmtRatio(ratio(r.berth, r['docker-compose']))} | ${fmtRatio(ratio(r['docker-compose'], r.node))} | ${barText} |`,
    );
  }
  lines.push(
    '',
    "CPU time of the measured process itself (user + system, mean of the runs; the engine's work is not in it). It moves less than wall time on a busy machine:",
    '',
    '| stack | scenario | berth | docker-compose | floor or `node -e ""` |',
    '|---:|---|---:|---:|---:|',
  );
  const cpu = (r) => (r === undefined ? '–' : `${Math.round((r.user + r.system) * 1000)} ms`);
  for (const [n, byScenario] of Object.entries(engine)) {
    for (const scenario of ENGINE_SCENARIOS) {
      const r = byScenario[scenario];
      if (r)
        lines.push(
          `| ${n} | ${DESCRIPTIONS[scenario]} | ${cpu(r.berth)} | ${cpu(r['docker-compose'])} | ${cpu(r.floor)} |`,
        );
    }
  }
  for (const scenario of CONFIG_SCENARIOS) {
    const r = config[scenario];
    if (r)
      lines.push(
        `| ${scenario === 'startup' ? 10 : 200} | ${DESCRIPTIONS[scenario]} | ${cpu(r.berth)} | ${cpu(r['docker-compose'])} | ${cpu(r.node)} |`,
      );
  }
  return lines.join('\n');
}

function updateReadme(markdown) {
  const readme = join(here, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- results:start -->';
  const end = '<!-- results:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error('bench/README.md has no results markers');
  writeFileSync(readme, `${text.slice(0, a + start.length)}\n${markdown}\n${text.slice(b)}`);
}

/**
 * The scenarios earlier runs measured, read back from their merged results (`<run id>-n<N>-<scenario>.json`,
 * `<run id>-startup.json`, `<run id>-config.json`): a run stopped part-way (an engine that stopped answering)
 * keeps what it measured, and another run can measure the rest. A later id wins for the same row.
 */
function readRuns(resultsDir, ids) {
  const engine = {};
  const config = {};
  const rowsOf = new Map(ids.map((id) => [id, []]));
  const files = readdirSync(resultsDir).sort();
  // One stem per scenario a run began: "pffc-n10-cold" from its merged file or its round files.
  const stems = new Set(files.map((f) => /^(.+?)(?:\.r\d+)?\.json$/.exec(f)?.[1]).filter((x) => x !== undefined));
  for (const stem of stems) {
    const m = /^([a-z0-9]{4})-(?:n(\d+)-(\w+)|(startup|config))$/.exec(stem);
    if (!m || !rowsOf.has(m[1])) continue;
    const byTool = scenarioResults(resultsDir, files, stem);
    if (byTool === undefined) continue;
    const later = (row) => row === undefined || ids.indexOf(row.id) < ids.indexOf(m[1]);
    if (m[4] !== undefined) {
      if (later(config[m[4]])) config[m[4]] = { ...byTool, id: m[1] };
      rowsOf.get(m[1]).push(m[4]);
      continue;
    }
    const [n, scenario] = [Number(m[2]), m[3]];
    engine[n] ??= {};
    if (later(engine[n][scenario])) engine[n][scenario] = { ...byTool, id: m[1] };
    rowsOf.get(m[1]).push(`${n} ${scenario}`);
  }
  const missing = ids.filter((id) => rowsOf.get(id).length === 0);
  if (missing.length > 0) fail(`--from: no results of run ${missing.join(', ')} in ${resultsDir}`);
  const runs = ids.map((id) => {
    // Its oldest file (the first round's) says when the run began.
    const first = Math.min(
      ...files.filter((f) => f.startsWith(`${id}-`)).map((f) => statSync(join(resultsDir, f)).mtimeMs),
    );
    const when = new Date(first).toISOString().slice(0, 16).replace('T', ' ');
    return `run id ${id} (begun ${when} UTC: ${rowsOf.get(id).sort(byRow).join(', ')})`;
  });
  return { engine, config, runs };
}

/**
 * One scenario's results by tool: its merged file, or, for a scenario a run began and did not finish,
 * its complete rounds merged (the round cut off mid-way is empty), so that the rounds measured before
 * the engine stopped answering count. Undefined when not one round is whole.
 */
function scenarioResults(resultsDir, files, stem) {
  const read = (f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')).results;
  if (files.includes(`${stem}.json`)) return Object.fromEntries(read(`${stem}.json`).map((r) => [r.command, r]));
  const roundOf = (f) => Number(new RegExp(`^${stem}\\.r(\\d+)\\.json$`).exec(f)?.[1] ?? NaN);
  const rounds = files
    .filter((f) => !Number.isNaN(roundOf(f)))
    .sort((x, y) => roundOf(x) - roundOf(y))
    .flatMap((f) => {
      try {
        return [read(f)];
      } catch {
        return [];
      }
    });
  return rounds.length === 0 ? undefined : mergeRounds(rounds);
}

/** "10 cold" before "10 down" before "50 cold", then start-up and config, as the table lists them. */
const ROW_ORDER = [...ENGINE_SCENARIOS, ...CONFIG_SCENARIOS];
const byRow = (a, b) => {
  const key = (row) => {
    const [n, scenario] = row.includes(' ') ? row.split(' ') : [Infinity, row];
    return [Number(n), ROW_ORDER.indexOf(scenario)];
  };
  const [ka, kb] = [key(a), key(b)];
  return ka[0] - kb[0] || ka[1] - kb[1];
};

/** The table of earlier runs (`--from`), printed and, with --update-readme, written into the README. */
function tableFrom(opts, resultsDir) {
  const { engine, config, runs } = readRuns(resultsDir, opts.from);
  const markdown = [
    table(engine, config),
    '',
    FOOTNOTE,
    '',
    `Hyperfine runs, rows of a later run taking the place of an earlier one's: ${runs.join('; ')}. ` +
      `Raw data: ${opts.from.map((id) => `\`bench/results/${id}-*.json\``).join(', ')}.`,
  ].join('\n');
  process.stdout.write(`${markdown}\n`);
  if (opts.updateReadme) updateReadme(markdown);
}

const FOOTNOTE =
  'Times are medians of the runs; ratios are medians of paired ratios (each run over the run of the other tool made beside it ' +
  'in the same round; a pair with a failed run left out), and the spread is the lowest to the highest of those paired ratios.';

/** One run at a time: a run removes every bench project at its start, so a second one would break the first. */
const LOCK = join(tmpdir(), 'berth-bench.lock');
function takeLock() {
  if (existsSync(LOCK)) {
    const pid = Number(readFileSync(LOCK, 'utf8'));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      alive = false;
    }
    if (alive) fail(`another bench run (pid ${pid}) is in progress; wait for it or stop it first`);
  }
  writeFileSync(LOCK, String(process.pid));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const resultsDir = join(here, 'results');
  if (opts.from) return tableFrom(opts, resultsDir);
  await preflight();
  const runId = Math.random().toString(36).slice(2, 6);
  const work = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  mkdirSync(resultsDir, { recursive: true });
  const started = Date.now();
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('interrupted: cleaning up');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  takeLock();
  const leftovers = await removeProjects(PREFIX);
  if (leftovers.containers + leftovers.networks + leftovers.volumes > 0) {
    log(
      `removed leftovers of an earlier run: ${leftovers.containers} containers, ${leftovers.networks} networks, ${leftovers.volumes} volumes`,
    );
  }
  const engine = {};
  let config = {};
  let failure;
  try {
    if (opts.scenarios.some((s) => ENGINE_SCENARIOS.includes(s))) {
      buildImages(work);
      for (const n of opts.sizes) {
        if (interrupted) break;
        engine[n] = await engineBench(n, opts, work, resultsDir, runId);
      }
    }
    // The engine scenarios leave the engine busy for a while (removing their projects): the start-up
    // scenarios, which measure only the client, start on a quiet machine.
    if (!interrupted) config = await configBench(opts, work, resultsDir, runId);
  } catch (err) {
    failure = err;
  } finally {
    try {
      await removeProjects(PREFIX);
    } catch (err) {
      log(`cleanup failed, run \`node bench/state.mjs cleanup ${PREFIX}\` by hand: ${err.message}`);
      process.exitCode = 1;
    }
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
    rmSync(LOCK, { force: true });
    close();
  }
  const failures = Object.values(engine).flatMap((x) => x.failures);
  const markdown = [
    table(engine, config),
    ...(failures.length > 0 ? ['', 'Scenarios that failed their checks:', '', ...failures.map((f) => `- ${f}`)] : []),
    '',
    FOOTNOTE,
    '',
    `Hyperfine runs: run id ${runId}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ` +
      `${Math.round((Date.now() - started) / 1000)} s in all. Raw data: \`bench/results/${runId}-*.json\`.`,
  ].join('\n');
  writeFileSync(join(resultsDir, `${runId}.md`), `${markdown}\n`);
  process.stdout.write(`\n${markdown}\n`);
  if (opts.updateReadme && !failure) updateReadme(markdown);
  if (failure) {
    log(failure instanceof Error ? failure.message : String(failure));
    process.exitCode = 1;
  }
}

await main();
