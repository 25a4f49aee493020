#!/usr/bin/env node
// The engine floor: the least any orchestrator must ask of the engine for each scenario, as raw Engine
// API calls over the unix socket, all at once (keep-alive, no concurrency limit), with no config loading,
// no planning and no output. berth's times are compared against these.
//
//   node bench/floor.mjs up|noop|change|down <project> <floor.json>
//
//   up      create the network and the named volumes (in parallel), then create+start every container
//           (each container's create then start, all containers in parallel)
//   noop    one list call of the project's containers
//   change  one list call and one image inspect (in parallel); then for each container whose image id
//           differs: stop, remove, create, start (all containers in parallel)
//   down    one list call; stop then remove every container (in parallel); remove the network
import process from 'node:process';
import { readFileSync } from 'node:fs';
import { BENCH_LABEL, PROJECT_LABEL, close, listContainers, removeNetwork, request } from './lib/engine.mjs';

const [op, project, specPath] = process.argv.slice(2);
if (!op || !project || !specPath) {
  process.stderr.write('usage: node bench/floor.mjs up|noop|change|down <project> <floor.json>\n');
  process.exit(2);
}
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const network = `${project}_default`;

function createBody(s) {
  const body = {
    Image: spec.image,
    Cmd: ['sleep', '86400'],
    Env: [`SERVICE_NAME=${s.name}`],
    Labels: {
      [PROJECT_LABEL]: project,
      'com.docker.compose.service': s.name,
      'com.docker.compose.container-number': '1',
      'com.docker.compose.oneoff': 'False',
      [BENCH_LABEL]: '1',
    },
    HostConfig: { Init: true, NetworkMode: network },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [s.name] } } },
  };
  if (s.port) {
    body.ExposedPorts = { [`${s.port}/tcp`]: {} };
    body.HostConfig.PortBindings = { [`${s.port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] };
  }
  if (s.volume) body.HostConfig.Mounts = [{ Type: 'volume', Source: `${project}_${s.volume}`, Target: '/data' }];
  return body;
}

async function createAndStart(s) {
  const { Id } = await request(
    'POST',
    `/containers/create?name=${encodeURIComponent(`${project}-${s.name}-1`)}`,
    createBody(s),
  );
  await request('POST', `/containers/${Id}/start`);
}

async function stopAndRemove(id) {
  await request('POST', `/containers/${id}/stop?t=10`, undefined, { okStatuses: [304] });
  await request('DELETE', `/containers/${id}`);
}

async function up() {
  const labels = { [PROJECT_LABEL]: project, [BENCH_LABEL]: '1' };
  await Promise.all([
    // 409: the network is there already (only when the harness could not remove it); use it.
    request(
      'POST',
      '/networks/create',
      {
        Name: network,
        CheckDuplicate: true,
        Driver: 'bridge',
        Labels: { ...labels, 'com.docker.compose.network': 'default' },
      },
      { okStatuses: [409] },
    ),
    ...spec.services
      .filter((s) => s.volume)
      .map((s) =>
        request('POST', '/volumes/create', {
          Name: `${project}_${s.volume}`,
          Labels: { ...labels, 'com.docker.compose.volume': s.volume },
        }),
      ),
  ]);
  await Promise.all(spec.services.map(createAndStart));
}

async function noop() {
  await listContainers(project);
}

async function change() {
  const [containers, image] = await Promise.all([
    listContainers(project),
    request('GET', `/images/${encodeURIComponent(spec.image)}/json`),
  ]);
  const byName = new Map(spec.services.map((s) => [s.name, s]));
  await Promise.all(
    containers
      .filter((c) => c.ImageID !== image.Id)
      .map(async (c) => {
        await stopAndRemove(c.Id);
        await createAndStart(byName.get(c.Labels['com.docker.compose.service']));
      }),
  );
}

async function down() {
  const containers = await listContainers(project);
  await Promise.all(containers.map((c) => stopAndRemove(c.Id)));
  await removeNetwork(network);
}

const ops = { up, noop, change, down };
if (!ops[op]) {
  process.stderr.write(`floor: unknown operation ${op}\n`);
  process.exit(2);
}
try {
  await ops[op]();
} catch (err) {
  process.stderr.write(`floor ${op}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  close();
}
