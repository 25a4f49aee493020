import { describe, expect, it } from 'vitest';
import { substitute } from '../../../src/config/template.js';
import { load, loadBrief } from './helpers.js';

const env: Record<string, string> = { SET: 'value', EMPTY: '' };
const sub = (s: string): string => substitute(s, (n) => env[n]).value;

describe('substitution syntax', () => {
  it.each([
    ['$SET', 'value'],
    ['${SET}', 'value'],
    ['a${SET}b', 'avalueb'],
    ['$SET.x', 'value.x'],
    ['${UNSET}', ''],
    ['${UNSET:-d}', 'd'],
    ['${EMPTY:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${UNSET-d}', 'd'],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['${UNSET:-${SET}}', 'value'],
    ['${UNSET:-${ALSO:-deep}}', 'deep'],
    ['$$SET', '$SET'],
    ['$${SET}', '${SET}'],
    ['cost: $$5', 'cost: $5'],
  ])('%s -> %s', (input, expected) => {
    expect(sub(input)).toBe(expected);
  });

  it('fails on a missing required variable, with the message', () => {
    expect(() => sub('${UNSET:?must be set}')).toThrow('required variable UNSET is missing a value: must be set');
    expect(() => sub('${EMPTY:?}')).toThrow('required variable EMPTY is missing a value');
    expect(sub('${EMPTY?}')).toBe('');
  });

  it('keeps a "$" that starts no name, brace or "$$" as written, as compose-go does', () => {
    expect(sub('$2a$14$./9abc')).toBe('$2a$14$./9abc');
    expect(sub('HostRegexp(`^.+$`)')).toBe('HostRegexp(`^.+$`)');
    // A name after the "$" is still a variable, as in compose-go.
    expect(sub('cost: 5$ or $1, then $SET')).toBe('cost: 5$ or $1, then value');
  });

  it('fails on bad syntax', () => {
    expect(() => sub('${}')).toThrow('invalid interpolation format "${}"');
    expect(() => sub('${SET')).toThrow('invalid interpolation format "${SET": the "${" is not closed with "}"');
    expect(() => sub('${SET:x}')).toThrow('invalid interpolation format "${SET:x}"');
  });

  it('lists unset variables used without a default', () => {
    expect(substitute('${A} $B ${C:-x} ${A}', () => undefined).unset).toEqual(['A', 'B']);
  });
});

describe('interpolation in stack files', () => {
  it('substitutes values, never keys', async () => {
    const { project } = await load(
      { 'compose.yaml': 'services:\n  web:\n    image: ${IMG}\n    labels:\n      $KEY: ${VAL}\n' },
      { env: { IMG: 'nginx', KEY: 'k', VAL: 'v' } },
    );
    expect(project.services.web!.image).toBe('nginx');
    expect(project.services.web!.labels).toEqual({ $KEY: 'v' });
  });

  it('types interpolated values where the schema wants a number or a boolean', async () => {
    const { project } = await load(
      { 'compose.yaml': 'services:\n  web:\n    image: x\n    scale: ${N}\n    tty: ${T}\n    ports: ["${P}:80"]\n' },
      { env: { N: '3', T: 'true', P: '8080' } },
    );
    const web = project.services.web!;
    expect([web.scale, web.tty, web.ports[0]!.published]).toEqual([3, true, '8080']);
  });

  it('warns once per unset variable, at its first use, and uses ""', async () => {
    const { project, warnings, dir } = await load({
      'compose.yaml': 'services:\n  web:\n    image: "x${NOPE}"\n    hostname: "${NOPE}h"\n',
    });
    expect(project.services.web!.image).toBe('x');
    expect(warnings).toEqual([
      `${dir}/compose.yaml:3:12: services.web.image: The "NOPE" variable is not set. Defaulting to a blank string.`,
    ]);
  });

  it('locates an unset variable in the file that uses it: an override, an included file', async () => {
    const { warnings, dir } = await load({
      'compose.yaml': 'include: [db/compose.yaml]\nservices:\n  web:\n    image: x\n',
      'compose.override.yaml': 'services:\n  web:\n    labels:\n      tier: "${TIER}"\n',
      'db/compose.yaml': 'services:\n  db:\n    image: "postgres:${PG_TAG}"\n',
    });
    expect(warnings.sort()).toEqual([
      `${dir}/compose.override.yaml:4:13: services.web.labels.tier: The "TIER" variable is not set. Defaulting to a blank string.`,
      `${dir}/db/compose.yaml:3:12: services.db.image: The "PG_TAG" variable is not set. Defaulting to a blank string.`,
    ]);
  });

  it('reports a missing required variable at its value', async () => {
    expect(await loadBrief({ 'compose.yaml': 'services:\n  web:\n    image: ${IMG:?set IMG to the image}\n' })).toEqual(
      [
        'compose.yaml:3:12: services.web.image: required variable IMG is missing a value: set IMG to the image (set IMG in the environment or in the .env file)',
      ],
    );
  });

  it('reports bad syntax with a hint about "$$"', async () => {
    expect(await loadBrief({ 'compose.yaml': 'services:\n  web:\n    image: x\n    command: echo ${}\n' })).toEqual([
      'compose.yaml:4:14: services.web.command: invalid interpolation format "${}" (to write a literal "$", double it: "$$")',
    ]);
  });

  it('leaves everything as written with interpolate: false', async () => {
    const { project } = await load(
      { 'compose.yaml': 'services:\n  web:\n    image: ${IMG:?x}\n    command: echo $$HOME\n' },
      { interpolate: false },
    );
    expect(project.services.web!.image).toBe('${IMG:?x}');
    expect(project.services.web!.command).toEqual(['echo', '$$HOME']);
  });

  it('keeps short forms holding a variable as written with interpolate: false', async () => {
    const { project } = await load(
      { 'compose.yaml': 'services:\n  web:\n    image: x\n    ports: ["${P}:80", "81"]\n    volumes: ["${D}:/d"]\n' },
      { interpolate: false },
    );
    expect(project.services.web!.ports).toEqual(['${P}:80', { mode: 'ingress', target: 81, protocol: 'tcp' }]);
    expect(project.services.web!.volumes).toEqual(['${D}:/d']);
  });

  it('knows COMPOSE_PROJECT_NAME', async () => {
    const { project } = await load({
      'compose.yaml': 'name: shop\nservices:\n  web:\n    image: x\n    hostname: ${COMPOSE_PROJECT_NAME}-web\n',
    });
    expect(project.services.web!.hostname).toBe('shop-web');
  });
});

describe('integers beyond 2^53', () => {
  it('keep every digit, as text, where a string is allowed', async () => {
    const { project } = await load({
      'compose.yaml':
        'services:\n  web:\n    image: x\n    environment:\n      BIG: 9223372036854775807\n      SMALL: 42\n',
    });
    expect(project.services.web!.environment).toEqual({ BIG: '9223372036854775807', SMALL: '42' });
  });
});
