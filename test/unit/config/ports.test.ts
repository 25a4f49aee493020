import { describe, expect, it } from 'vitest';
import { load, loadBrief } from './helpers.js';

async function ports(...entries: string[]): Promise<unknown[]> {
  const { project } = await load({
    'compose.yaml': `services:\n  web:\n    image: x\n    ports:\n${entries.map((e) => `      - ${e}\n`).join('')}`,
  });
  return project.services.web!.ports;
}

describe('ports', () => {
  it('reads the short syntax', async () => {
    expect(await ports('"80"', '"8080:80"', '"127.0.0.1:8081:81/udp"', '"127.0.0.1::82"', '9090')).toEqual([
      { mode: 'ingress', target: 80, protocol: 'tcp' },
      { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' },
      { mode: 'ingress', host_ip: '127.0.0.1', target: 81, published: '8081', protocol: 'udp' },
      { mode: 'ingress', host_ip: '127.0.0.1', target: 82, protocol: 'tcp' },
      { mode: 'ingress', target: 9090, protocol: 'tcp' },
    ]);
  });

  it('expands ranges into one entry per port', async () => {
    expect(await ports('"8000-8001:80-81"', '"3000-3001"')).toEqual([
      { mode: 'ingress', target: 80, published: '8000', protocol: 'tcp' },
      { mode: 'ingress', target: 81, published: '8001', protocol: 'tcp' },
      { mode: 'ingress', target: 3000, protocol: 'tcp' },
      { mode: 'ingress', target: 3001, protocol: 'tcp' },
    ]);
  });

  it('keeps a host range for a single container port', async () => {
    expect(await ports('"9000-9010:80"')).toEqual([
      { mode: 'ingress', target: 80, published: '9000-9010', protocol: 'tcp' },
    ]);
  });

  it('reads IPv6 host addresses in brackets', async () => {
    expect(await ports('"[::1]:8080:80"')).toEqual([
      { mode: 'ingress', host_ip: '::1', target: 80, published: '8080', protocol: 'tcp' },
    ]);
  });

  it('reads the long syntax', async () => {
    expect(
      await ports(
        '{target: 80, published: 8080, protocol: udp, mode: host, host_ip: 0.0.0.0, name: web, app_protocol: http}',
        '{target: "81"}',
      ),
    ).toEqual([
      {
        name: 'web',
        mode: 'host',
        host_ip: '0.0.0.0',
        target: 80,
        published: '8080',
        protocol: 'udp',
        app_protocol: 'http',
      },
      { mode: 'ingress', target: 81, protocol: 'tcp' },
    ]);
  });

  it('rejects bad ports at their entry', async () => {
    expect(
      await loadBrief({
        'compose.yaml':
          'services:\n  web:\n    image: x\n    ports:\n      - "80:80:80:80/tcpx"\n      - "8000-8002:80-81"\n      - "http:80"\n',
      }),
    ).toEqual([
      'compose.yaml:5:9: services.web.ports[0]: invalid protocol "tcpx": use tcp, udp or sctp (write it as [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. "8080:80")',
      'compose.yaml:6:9: services.web.ports[1]: host and container port ranges in "8000-8002:80-81" have different sizes (write it as [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. "8080:80")',
      'compose.yaml:7:9: services.web.ports[2]: invalid host port "http" (write it as [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. "8080:80")',
    ]);
  });
});
