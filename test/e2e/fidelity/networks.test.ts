/**
 * A service's per-network settings and links reach the real engine: `docker inspect` shows the
 * link-local address, the MAC address and the driver options of each endpoint; a link's alias
 * resolves from inside the linking container to the linked one; and what this engine's API is too old
 * for (`gw_priority`) is named on `up` with its file:line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, docker, purgeProject } from '../../helpers/cli.js';

const project = `e2e-networks-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'berth-networks-'));
const run = (...args: string[]) => berth(['-p', project, ...args], { cwd: dir });

const STACK = `services:
  db:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
    networks: [front]
  app:
    image: berth-local/busybox
    init: true
    command: ["sleep", "300"]
    links: ["db:database"]
    networks:
      front:
        mac_address: "02:42:ac:1e:00:99"
        link_local_ips: ["169.254.8.8"]
        driver_opts: {com.example.note: "kept"}
        gw_priority: 5
networks:
  front: {}
`;

interface Endpoint {
  MacAddress: string;
  IPAddress: string;
  Links: string[] | null;
  DriverOpts: Record<string, string> | null;
  IPAMConfig: { LinkLocalIPs?: string[] } | null;
}

async function endpoint(service: string): Promise<Endpoint> {
  const r = await docker(['inspect', '-f', '{{json .NetworkSettings.Networks}}', `${project}-${service}-1`]);
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Record<string, Endpoint>)[`${project}_front`]!;
}

let up: Awaited<ReturnType<typeof run>>;
beforeAll(async () => {
  writeFileSync(join(dir, 'compose.yaml'), STACK);
  await purgeProject(project);
  up = await run('up', '-d');
});
afterAll(() => purgeProject(project));

describe('networks: per-network settings and links', () => {
  it('docker inspect shows the MAC address, link-local address and driver options of the endpoint', async () => {
    expect(up.exitCode, up.stderr).toBe(0);
    const app = await endpoint('app');
    expect(app.MacAddress).toBe('02:42:ac:1e:00:99');
    expect(app.IPAMConfig?.LinkLocalIPs).toEqual(['169.254.8.8']);
    expect(app.DriverOpts).toEqual({ 'com.example.note': 'kept' });
  });

  it('a link alias resolves from the linking container to the linked one', async () => {
    const db = await endpoint('db');
    const r = await run('exec', '-T', 'app', 'nslookup', 'database');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(db.IPAddress);
    expect((await endpoint('app')).Links).toContain(`${project}-db-1:database`);
  });

  it('gw_priority, which API 1.41 does not know, is named on up with its file:line', () => {
    expect(up.stderr).toMatch(
      /compose\.yaml:17:9: services\.app\.networks\.front\.gw_priority: not sent to the engine: it needs Engine API 1\.48/,
    );
  });
});
