// A minimal Engine API client for the bench: Node's own `http` over the unix socket, one keep-alive agent
// with no socket limit, so that every request of a phase can be in flight at once. Used by the engine
// floor (measured) and by the harness's state helpers (not measured).
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';

const API = '/v1.41';

function socketPath() {
  const host = process.env.DOCKER_HOST;
  if (!host) return '/var/run/docker.sock';
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  throw new Error(`bench: only unix:// engines are supported (DOCKER_HOST=${host})`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
/** For a retry: a new connection rather than another socket from the kept-alive pool. */
const freshAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const path = socketPath();

/**
 * One request; resolves with the parsed JSON body (or null), rejects on a status >= 400. A burst of
 * hundreds of requests, or a kept-alive socket left idle for the minutes of a hyperfine round, can meet
 * a socket the engine closed (EPIPE, ECONNRESET): requests that are safe to repeat (GET, DELETE, stop)
 * are tried again, up to twice, on a new connection.
 */
export async function request(method, url, body, options = {}) {
  const repeatable = method === 'GET' || method === 'DELETE' || /\/stop(\?|$)/.test(url);
  for (let attempt = 0; ; attempt++) {
    try {
      return await requestOnce(method, url, body, options, attempt === 0 ? agent : freshAgent);
    } catch (err) {
      if (!repeatable || attempt >= 2 || !['EPIPE', 'ECONNRESET'].includes(err.code)) throw err;
    }
  }
}

function requestOnce(method, url, body, { okStatuses = [] } = {}, via = agent) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        socketPath: path,
        agent: via,
        method,
        path: API + url,
        headers:
          payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 400 && !okStatuses.includes(status)) {
            reject(new Error(`${method} ${url}: ${status} ${text.trim()}`));
            return;
          }
          if (text === '') return resolve(null);
          try {
            resolve(JSON.parse(text));
          } catch {
            resolve(text);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    // No call of the bench takes minutes; one that does is waiting on an engine that stopped answering
    // (dockerd 20.10.24 can deadlock: moby/moby#46661). Say so rather than hang.
    req.setTimeout(180_000, () =>
      req.destroy(
        new Error(
          `${method} ${url}: no answer from the engine in 3 minutes; it may be deadlocked (restart it: pkill dockerd; bash scripts/engine.sh)`,
        ),
      ),
    );
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Run `fn` over `items`, at most `limit` at a time. */
async function inBatches(items, limit, fn) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      while (queue.length > 0) await fn(queue.shift());
    }),
  );
}

export function close() {
  agent.destroy();
  freshAgent.destroy();
}

export function labelFilter(labels) {
  return encodeURIComponent(JSON.stringify({ label: labels }));
}

export const PROJECT_LABEL = 'com.docker.compose.project';
/** Every object the bench stacks create carries this label: cleanup touches nothing else. */
export const BENCH_LABEL = 'dev.berth.bench';

export async function listContainers(project) {
  return request('GET', `/containers/json?all=1&filters=${labelFilter([`${PROJECT_LABEL}=${project}`])}`);
}

/**
 * Remove every container, network and volume of the bench's own projects (those carrying BENCH_LABEL
 * and a project label starting with `prefix`, or equal to it with `exact`). Objects without BENCH_LABEL
 * are never touched.
 */
export async function removeProjects(prefix, { exact = false } = {}) {
  const matches = (project) => (exact ? project === prefix : project.startsWith(prefix));
  const mine = (labels) => labels && labels[BENCH_LABEL] !== undefined && matches(labels[PROJECT_LABEL] ?? '');
  const containers = (await request('GET', `/containers/json?all=1&filters=${labelFilter([BENCH_LABEL])}`)).filter(
    (c) => mine(c.Labels),
  );
  // Stop before removing: force-removing running containers in parallel on a busy engine is what
  // left stale endpoints behind in dockerd 20.10 (moby/moby#42119) during our runs. Four at a time:
  // this clean-up is not measured, and dockerd 20.10.24 can deadlock when many containers leave one
  // network at once (moby/moby#46661), so the harness itself keeps that churn low.
  await inBatches(containers, 4, async (c) => {
    if (c.State === 'running')
      await request('POST', `/containers/${c.Id}/stop?t=2`, undefined, { okStatuses: [304, 404] });
    await request('DELETE', `/containers/${c.Id}?force=1&v=1`, undefined, { okStatuses: [404, 409] });
  });
  const networks = (await request('GET', `/networks?filters=${labelFilter([BENCH_LABEL])}`)).filter((n) =>
    mine(n.Labels),
  );
  const stuck = [];
  await Promise.all(
    networks.map(async (n) => {
      if (!(await removeNetwork(n.Id))) stuck.push(n.Name);
    }),
  );
  if (stuck.length > 0) {
    process.stderr.write(
      `bench: the engine still counts endpoints on ${stuck.join(', ')} although no container is attached (a stale ` +
        'endpoint in dockerd; it goes away when dockerd restarts); left in place\n',
    );
  }
  const volumes = ((await request('GET', `/volumes?filters=${labelFilter([BENCH_LABEL])}`)).Volumes ?? []).filter((v) =>
    mine(v.Labels),
  );
  await Promise.all(
    volumes.map((v) =>
      request('DELETE', `/volumes/${encodeURIComponent(v.Name)}`, undefined, { okStatuses: [404, 409] }),
    ),
  );
  return { containers: containers.length, networks: networks.length - stuck.length, volumes: volumes.length, stuck };
}

/**
 * Remove a network; false when the engine keeps saying "has active endpoints". Right after its
 * containers were force-removed, a busy engine can report that for a moment: disconnect what is left
 * and retry for up to ~3 s. (dockerd 20.10 can also keep such a stale endpoint until it restarts.)
 */
export async function removeNetwork(id) {
  for (let attempt = 0; ; attempt++) {
    try {
      await request('DELETE', `/networks/${encodeURIComponent(id)}`, undefined, { okStatuses: [404] });
      return true;
    } catch (err) {
      if (!/active endpoints/.test(err.message)) throw err;
      if (attempt >= 15) return false;
      const net = await request('GET', `/networks/${encodeURIComponent(id)}`, undefined, { okStatuses: [404] });
      await Promise.all(
        Object.keys(net?.Containers ?? {}).map((c) =>
          request(
            'POST',
            `/networks/${encodeURIComponent(id)}/disconnect`,
            { Container: c, Force: true },
            { okStatuses: [404, 500] },
          ),
        ),
      );
      await sleep(200);
    }
  }
}
