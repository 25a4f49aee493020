#!/usr/bin/env node
// State helpers for the harness (never measured): put a project in the state a scenario starts from.
//
//   node bench/state.mjs reset <project>      remove the project's containers, networks and volumes
//   node bench/state.mjs reset-up <project> <floor.json>   reset, then bring the stack up with the floor
//   node bench/state.mjs flip <project>       retag the bench image to the variant the project does not run
//   node bench/state.mjs cleanup <prefix>     remove every bench project whose name starts with prefix
import process from 'node:process';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMAGE, IMAGE_VARIANTS } from './lib/stack.mjs';
import { close, listContainers, removeProjects, request } from './lib/engine.mjs';
import { settle } from './lib/quiet.mjs';

export async function flipImage(project) {
  const containers = await listContainers(project);
  if (containers.length === 0) throw new Error(`flip: project ${project} has no containers`);
  const running = new Set(containers.map((c) => c.ImageID));
  const variants = await Promise.all(
    IMAGE_VARIANTS.map((v) => request('GET', `/images/${encodeURIComponent(v)}/json`)),
  );
  const next = IMAGE_VARIANTS.find((_, i) => !running.has(variants[i].Id));
  if (!next) throw new Error(`flip: project ${project} runs both image variants`);
  const [repo, tag] = IMAGE.split(':');
  await request('POST', `/images/${encodeURIComponent(next)}/tag?repo=${encodeURIComponent(repo)}&tag=${tag}`);
}

const [op, arg, spec] = process.argv.slice(2);
const floor = join(dirname(fileURLToPath(import.meta.url)), 'floor.mjs');
const ops = {
  reset: async () => {
    await removeProjects(arg, { exact: true });
    await settle();
  },
  'reset-up': async () => {
    await removeProjects(arg, { exact: true });
    execFileSync(process.execPath, [floor, 'up', arg, spec], { stdio: ['ignore', 'ignore', 'inherit'] });
    // Let the engine finish setting the containers up before the timed command stops them: a stop
    // racing a start's network setup can leave a stale endpoint in dockerd 20.10 (moby/moby#42119).
    await sleep(500);
    await settle();
  },
  flip: async () => {
    await flipImage(arg);
    await settle();
  },
  cleanup: () => removeProjects(arg),
};
if (!ops[op] || !arg || (op === 'reset-up' && !spec)) {
  process.stderr.write(
    'usage: node bench/state.mjs reset|flip|cleanup <project|prefix> | reset-up <project> <floor.json>\n',
  );
  process.exit(2);
}
try {
  await ops[op]();
} catch (err) {
  process.stderr.write(`state ${op}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  close();
}
