/**
 * A service's per-network settings and its links, from the stack file to the endpoints of
 * `POST /containers/create` and `/networks/{id}/connect`, as Compose's `createEndpointSettings` and
 * `getLinks` fill them; what an older engine cannot take is left out of the request and named, with
 * its file:line, by the loader.
 */
import { describe, expect, it } from 'vitest';
import { warningsForEngine } from '../../../src/config/engine-keys.js';
import { containerSpec, networkSpec } from '../../../src/plan/desired.js';
import { containerCreateBody, endpointConfig, networkCreateBody } from '../../../src/runtime/docker/to-engine.js';
import { load } from '../config/helpers.js';

const STACK = `name: p
services:
  app:
    image: x
    links: ["db:database", cache]
    external_links: ["legacy-db:olddb", solo]
    networks:
      front:
        priority: 10
        mac_address: "02:42:ac:11:00:10"
        link_local_ips: ["169.254.10.10"]
        driver_opts: {com.example.opt: "1"}
      back:
        gw_priority: 5
        mac_address: "02:42:ac:11:00:11"
        interface_name: eth7
  db:
    image: x
  cache:
    image: x
    scale: 2
networks:
  front: {}
  back: {}
`;

async function loaded(): Promise<Awaited<ReturnType<typeof load>>> {
  return load({ 'compose.yaml': STACK });
}

describe('per-network settings', () => {
  it('reach each endpoint: link-local addresses, MAC address, driver options, gateway priority, interface name', async () => {
    const { project } = await loaded();
    const spec = containerSpec(project, project.services.app!, 1, 'test');
    expect(spec.endpoints.map(({ links: _links, ...ep }) => ep)).toEqual([
      {
        network: 'p_front',
        aliases: ['app'],
        linkLocalIps: ['169.254.10.10'],
        macAddress: '02:42:ac:11:00:10',
        driverOpts: { 'com.example.opt': '1' },
      },
      {
        network: 'p_back',
        aliases: ['app'],
        macAddress: '02:42:ac:11:00:11',
        gwPriority: 5,
        driverOpts: { 'com.docker.network.endpoint.ifname': 'eth7' },
      },
    ]);
    const [front, back] = spec.endpoints;
    expect(containerCreateBody(spec, '1.48').NetworkingConfig?.EndpointsConfig.p_front).toMatchObject({
      IPAMConfig: { LinkLocalIPs: ['169.254.10.10'] },
      MacAddress: '02:42:ac:11:00:10',
      DriverOpts: { 'com.example.opt': '1' },
    });
    expect(endpointConfig(back!, '1.48')).toMatchObject({
      MacAddress: '02:42:ac:11:00:11',
      GwPriority: 5,
      DriverOpts: { 'com.docker.network.endpoint.ifname': 'eth7' },
    });
    expect(front).toBeDefined();
  });

  it('on API 1.41: the primary network MAC address in the container config, no gateway priority', async () => {
    const { project } = await loaded();
    const spec = containerCreateBody(containerSpec(project, project.services.app!, 1, 'test'), '1.41');
    expect(spec.MacAddress).toBe('02:42:ac:11:00:10');
    expect(spec.NetworkingConfig?.EndpointsConfig.p_front?.MacAddress).toBeUndefined();
    const back = containerSpec(project, project.services.app!, 1, 'test').endpoints[1]!;
    const body = endpointConfig(back, '1.41');
    expect(body.GwPriority).toBeUndefined();
    expect(body.MacAddress).toBeUndefined();
  });

  it('what API 1.41 cannot take is named with its file:line', async () => {
    const { engineGated, dir } = await loaded();
    expect(warningsForEngine(engineGated ?? [], '1.41').map((w) => w.replace(`${dir}/`, ''))).toEqual([
      'compose.yaml:14:9: services.app.networks.back.gw_priority: not sent to the engine: it needs Engine API 1.48 (Docker Engine 28) or later; this engine speaks API 1.41',
      'compose.yaml:15:9: services.app.networks.back.mac_address: not sent to the engine: it needs Engine API 1.44 (Docker Engine 25) or later; this engine speaks API 1.41',
      'compose.yaml:16:9: services.app.networks.back.interface_name: not sent to the engine: it needs Engine API 1.48 (Docker Engine 28) or later; this engine speaks API 1.41',
    ]);
    expect(warningsForEngine(engineGated ?? [], '1.48')).toEqual([]);
  });
});

describe('a network definition', () => {
  it('sends its IPAM auxiliary addresses, as Compose does', async () => {
    const { project } = await load({
      'compose.yaml':
        'name: p\nservices: {}\nnetworks:\n  n:\n    ipam:\n      config:\n        - subnet: 172.30.0.0/16\n          aux_addresses: {router: 172.30.0.2}\n',
    });
    expect(networkCreateBody(networkSpec(project, 'n', project.networks.n!, 'test'), '1.41').IPAM?.Config).toEqual([
      { Subnet: '172.30.0.0/16', AuxiliaryAddresses: { router: '172.30.0.2' } },
    ]);
  });

  it('sends enable_ipv4 where the engine knows it (API 1.48), and names it with its file:line before', async () => {
    const { project, engineGated, warnings, dir } = await load({
      'compose.yaml': 'name: p\nservices: {}\nnetworks:\n  v6only:\n    enable_ipv6: true\n    enable_ipv4: false\n',
    });
    const spec = networkSpec(project, 'v6only', project.networks.v6only!, 'test');
    expect(networkCreateBody(spec, '1.48')).toMatchObject({ EnableIPv6: true, EnableIPv4: false });
    expect(networkCreateBody(spec, '1.41').EnableIPv4).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(warningsForEngine(engineGated ?? [], '1.41').map((w) => w.replace(`${dir}/`, ''))).toEqual([
      'compose.yaml:6:5: networks.v6only.enable_ipv4: not sent to the engine: it needs Engine API 1.48 (Docker Engine 28) or later; this engine speaks API 1.41',
    ]);
    expect(warningsForEngine(engineGated ?? [], '1.48')).toEqual([]);
  });
});

describe('links and external_links', () => {
  it('each container of a linked service under the alias and its numbered names; external ones under theirs', async () => {
    const { project } = await loaded();
    const spec = containerSpec(project, project.services.app!, 1, 'test');
    const links = [
      'p-db-1:database',
      'p-db-1:db-1',
      'p-db-1:p-db-1',
      'p-cache-1:cache',
      'p-cache-1:cache-1',
      'p-cache-1:p-cache-1',
      'p-cache-2:cache',
      'p-cache-2:cache-2',
      'p-cache-2:p-cache-2',
      'legacy-db:olddb',
      'solo:solo',
    ];
    expect(spec.endpoints.map((ep) => ep.links)).toEqual([links, links]);
    expect(containerCreateBody(spec, '1.41').NetworkingConfig?.EndpointsConfig.p_front?.Links).toEqual(links);
  });
});
