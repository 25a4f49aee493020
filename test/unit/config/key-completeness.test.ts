/**
 * No key of the stack file can be dropped in silence: every property the schema allows on a service,
 * on a service's network entry and on a long-syntax volume is either mapped (a container setting in
 * `SPEC_FIELDS`, or a key another part of berth reads, named below with where) or in the tables of
 * keys the loader warns about (config/engine-keys.ts). A key added to the schema without a decision
 * about its fate fails this test.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_GATED_KEYS, DROPPED_KEYS } from '../../../src/config/engine-keys.js';
import { SPEC_FIELD_KEYS } from '../../../src/plan/desired.js';
import { load } from './helpers.js';

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
}

const schema = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../schemas/stack.schema.json'), 'utf8')) as {
  definitions: Record<string, SchemaNode>;
};
const service = schema.definitions.service!;

/** Service keys that are not container settings of `SPEC_FIELDS` but reach the engine (or berth's behaviour) elsewhere. */
const MAPPED_ELSEWHERE: Record<string, string> = {
  image: 'ContainerSpec.image',
  build: 'apply/images.ts: the build request',
  pull_policy: 'plan: whether to pull',
  container_name: 'ContainerSpec.name',
  environment: 'ContainerSpec.env',
  env_file: 'config: merged into environment',
  labels: 'ContainerSpec.labels',
  label_file: 'config: merged into labels',
  volumes: 'ContainerSpec.mounts',
  networks: 'ContainerSpec.endpoints',
  links: 'endpoint links',
  external_links: 'endpoint links',
  secrets: 'bind mounts and ContainerSpec.files',
  configs: 'bind mounts and ContainerSpec.files',
  depends_on: 'graph and plan: order, waits, restarts',
  extends: 'config: merged before anything else',
  profiles: 'config: which services are enabled',
  scale: 'plan: how many containers',
  attach: 'attached up: whose logs are shown',
  post_start: 'plan/hooks.ts: exec steps after the start',
  pre_stop: 'plan/hooks.ts: exec steps before the stop',
  use_api_socket: 'plan/api-socket.ts: the socket bind, DOCKER_CONFIG and the logins file',
  develop: 'watch/: what berth watch and up --watch do when files change',
};

/** Service keys the loader names in a warning when set, as reaching no container (a whole key, not one of its parts). */
const WARNED = new Set(DROPPED_KEYS.filter((k) => k.path.length === 1).map((k) => k.path[0]!));
/** Service keys sent from an API version on, and warned about on older engines: mapped all the same. */
const GATED = API_GATED_KEYS.map((k) => k.path[0]!);

/** The property names of a schema node, looking through `anyOf` and list items. */
function propertiesOf(node: SchemaNode | undefined): string[] {
  if (!node) return [];
  const own = Object.keys(node.properties ?? {});
  const nested = [...(node.anyOf ?? []), ...(node.items ? [node.items] : [])].flatMap(propertiesOf);
  const additional = typeof node.additionalProperties === 'object' ? propertiesOf(node.additionalProperties) : [];
  return [...new Set([...own, ...nested, ...additional])];
}

describe('every key the schema allows has a decided fate', () => {
  it('each service key is mapped or warned about, never both', () => {
    const spec = new Set(SPEC_FIELD_KEYS);
    const undecided = Object.keys(service.properties!).filter(
      (k) => !spec.has(k) && MAPPED_ELSEWHERE[k] === undefined && !WARNED.has(k),
    );
    expect(undecided).toEqual([]);
    const both = Object.keys(service.properties!).filter((k) => (spec.has(k) || MAPPED_ELSEWHERE[k]) && WARNED.has(k));
    expect(both).toEqual([]);
    expect(GATED.filter((k) => !spec.has(k))).toEqual([]);
  });

  it("each key of a service's network entry reaches the endpoint, or is warned about", () => {
    const keys = propertiesOf(service.properties!.networks).sort();
    expect(keys).toEqual(
      [
        'aliases',
        'driver_opts',
        'gw_priority',
        'interface_name',
        'ipv4_address',
        'ipv6_address',
        'link_local_ips',
        'mac_address',
        'priority',
      ].sort(),
    );
  });

  it('each key of a long-syntax volume reaches the mount, or is warned about', () => {
    const keys = propertiesOf(service.properties!.volumes).sort();
    expect(keys).toEqual(
      ['bind', 'consistency', 'image', 'read_only', 'source', 'target', 'tmpfs', 'type', 'volume'].sort(),
    );
  });

  it('each key of a top-level network, volume, secret and config is mapped or warned about', () => {
    const mapped: Record<string, string[]> = {
      network: ['name', 'driver', 'driver_opts', 'ipam', 'external', 'internal', 'enable_ipv6', 'attachable', 'labels'],
      volume: ['name', 'driver', 'driver_opts', 'external', 'labels'],
      secret: ['name', 'file', 'environment'],
      config: ['name', 'file', 'environment', 'content'],
    };
    const warned: Record<string, string[]> = {
      network: ['enable_ipv4'],
      volume: [],
      secret: ['external', 'labels', 'driver', 'driver_opts', 'template_driver'],
      config: ['external', 'labels', 'template_driver'],
    };
    for (const kind of Object.keys(mapped)) {
      const keys = Object.keys(schema.definitions[kind]!.properties!).sort();
      expect(keys, kind).toEqual([...mapped[kind]!, ...warned[kind]!].sort());
    }
  });

  it('top-level keys that reach nothing are warned about at their place', async () => {
    const stack = [
      'services:',
      '  app:',
      '    image: x',
      'networks:',
      '  n: {enable_ipv4: false}',
      'secrets:',
      '  s: {external: true}',
      'configs:',
      '  c: {file: ./c, template_driver: golang}',
      '',
    ].join('\n');
    const { warnings, engineGated, dir } = await load({ 'compose.yaml': stack, c: 'c' });
    const where = (w: string): string => w.replace(`${dir}/`, '').replace(/: not sent to the engine: .*/, '');
    expect(warnings.map(where)).toEqual([
      'compose.yaml:7:7: secrets.s.external',
      'compose.yaml:9:18: configs.c.template_driver',
    ]);
    // Sent where the engine knows it; named when it does not (API 1.48).
    expect((engineGated ?? []).map((g) => where(g.message))).toEqual(['compose.yaml:5:7: networks.n.enable_ipv4']);
  });

  it('the warned ones are warned: a stack that sets each gets one warning per key, at its place', async () => {
    const stack = [
      'services:',
      '  app:',
      '    image: x',
      '    credential_spec: {file: spec.json}',
      '    pull_refresh_after: 1h',
      '    networks:',
      '      default: {interface_name: eth7}',
      '    volumes:',
      '      - type: bind',
      '        source: ./a',
      '        target: /a',
      '        bind: {recursive: disabled}',
      '      - type: volume',
      '        source: v',
      '        target: /v',
      '        volume: {labels: {a: b}}',
      'volumes:',
      '  v: {}',
      '',
    ].join('\n');
    const { warnings, dir } = await load({ 'compose.yaml': stack });
    const where = warnings.map((w) => w.replace(`${dir}/`, '').replace(/: not sent to the engine: .*/, ''));
    expect(where).toEqual([
      'compose.yaml:4:5: services.app.credential_spec',
      'compose.yaml:5:5: services.app.pull_refresh_after',
      'compose.yaml:16:18: services.app.volumes[1].volume.labels',
    ]);
  });
});
