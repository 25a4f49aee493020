import { describe, expect, it } from 'vitest';
import { DotenvError, parseDotenv, type DotenvUnset } from '../../../src/config/dotenv.js';
import { load, loadBrief } from './helpers.js';

describe('dotenv parsing', () => {
  it('reads KEY=VALUE lines, comments, export, empty values and values with "="', () => {
    expect(parseDotenv('# comment\nA=1\nexport B=two\nC=\nD=x=y\n\n  E = spaced  \n')).toEqual({
      A: '1',
      B: 'two',
      C: '',
      D: 'x=y',
      E: 'spaced',
    });
  });

  it('drops a trailing " # comment" from unquoted values only', () => {
    expect(parseDotenv('A=1 # one\nB=a#b\nC="x # y" # z\nD=\'p # q\'\n')).toEqual({
      A: '1',
      B: 'a#b',
      C: 'x # y',
      D: 'p # q',
    });
  });

  it('keeps single-quoted values verbatim and processes escapes in double quotes', () => {
    expect(parseDotenv('A=\'a\\nb $X\'\nB="a\\nb\\t\\"q\\" \\\\"\n', { lookup: () => 'x' })).toEqual({
      A: 'a\\nb $X',
      B: 'a\nb\t"q" \\',
    });
  });

  it('reads double-quoted values over several lines', () => {
    expect(parseDotenv('A="line1\nline2"\nB=3\n')).toEqual({ A: 'line1\nline2', B: '3' });
  });

  it('expands variables from earlier lines and from the environment, not in single quotes', () => {
    const env: Record<string, string> = { HOME: '/home/u' };
    expect(parseDotenv('A=1\nB=${A}2\nC="$HOME/x"\nD=\'$HOME\'\nE=${NOPE:-dflt}\n', { lookup: (n) => env[n] })).toEqual(
      {
        A: '1',
        B: '12',
        C: '/home/u/x',
        D: '$HOME',
        E: 'dflt',
      },
    );
  });

  it('takes a bare KEY from the environment when set there', () => {
    expect(parseDotenv('A\nB\n', { lookup: (n) => (n === 'A' ? 'from-shell' : undefined) })).toEqual({
      A: 'from-shell',
    });
  });

  it('tells of each unset variable a value refers to, with its line, and still expands it to "" as Compose does', () => {
    const unset: DotenvUnset[] = [];
    const vars = parseDotenv('A=1\nKEY=abc$defghi\nQ="x${NOPE}y"\nS=\'abc$lit\'\nE=a$$b\nD=${GONE:-dflt}\nR=$A\n', {
      onUnset: (u) => unset.push(u),
    });
    expect(vars).toEqual({ A: '1', KEY: 'abc', Q: 'xy', S: 'abc$lit', E: 'a$b', D: 'dflt', R: '1' });
    expect(unset).toEqual([
      { key: 'KEY', variable: 'defghi', line: 2, column: 5 },
      { key: 'Q', variable: 'NOPE', line: 3, column: 3 },
    ]);
  });

  it('reads raw format verbatim', () => {
    expect(parseDotenv('A="quoted" $X\n', { format: 'raw' })).toEqual({ A: '"quoted" $X' });
  });

  it('fails with a line and column on an unterminated quote', () => {
    expect(() => parseDotenv('A=1\nB="oops\n')).toThrow(DotenvError);
    try {
      parseDotenv('A=1\nB="oops\n');
    } catch (e) {
      expect((e as DotenvError).line).toBe(2);
      expect((e as DotenvError).message).toBe('unterminated quoted value for "B"');
    }
  });
});

describe('.env and --env-file', () => {
  it('interpolates from .env in the project directory; the shell wins over the file', async () => {
    const { project } = await load(
      { 'compose.yaml': 'services:\n  web:\n    image: ${IMG}:${TAG}\n', '.env': 'IMG=nginx\nTAG=from-file\n' },
      { env: { TAG: 'from-shell' } },
    );
    expect(project.services.web!.image).toBe('nginx:from-shell');
  });

  it('uses --env-file instead of .env, later files winning', async () => {
    const { project } = await load(
      {
        'compose.yaml': 'services:\n  web:\n    image: ${IMG}:${TAG}\n',
        '.env': 'IMG=ignored\n',
        'a.env': 'IMG=a\nTAG=a\n',
        'b.env': 'TAG=b\n',
      },
      { envFiles: ['a.env', 'b.env'] },
    );
    expect(project.services.web!.image).toBe('a:b');
  });

  it('reports a missing --env-file', async () => {
    expect((await loadBrief({ 'compose.yaml': 'services: {}\n' }, { envFiles: ['nope.env'] }))[0]).toMatch(
      /nope\.env not found \(check the path given with --env-file\)$/,
    );
  });

  it('warns at the .env line of a value that refers to an unset variable, without repeating the value', async () => {
    const { project, warnings, dir } = await load({
      'compose.yaml': 'services:\n  web:\n    image: x\n    environment: [PASSWORD]\n',
      '.env': '# secrets\nPASSWORD=abc$defghi\n',
    });
    expect(project.services.web!.environment.PASSWORD).toBe('abc');
    expect(warnings).toEqual([
      `${dir}/.env:2:10: PASSWORD: variable defghi is not set, so "$defghi" becomes an empty string in the value; write $$ for a literal $, or single-quote the value`,
    ]);
  });

  it('says nothing of a .env value the shell overrides, or of one without an unset variable', async () => {
    const { warnings } = await load(
      {
        'compose.yaml': 'services:\n  web:\n    image: x\n',
        '.env': "PASSWORD=abc$defghi\nLIT='a$b'\nDOLLAR=a$$b\nHOME_DIR=$HOME/x\n",
      },
      { env: { PASSWORD: 'from-shell', HOME: '/home/u' } },
    );
    expect(warnings).toEqual([]);
  });

  it('reports .env syntax errors at their line', async () => {
    expect(await loadBrief({ 'compose.yaml': 'services: {}\n', '.env': 'A=1\nB="x\n' })).toEqual([
      '.env:2:3: unterminated quoted value for "B"',
    ]);
  });
});

describe('env_file', () => {
  it('reads env files under environment, later files and then environment winning', async () => {
    const { project } = await load({
      'compose.yaml': [
        'services:',
        '  web:',
        '    image: x',
        '    env_file:',
        '      - a.env',
        '      - path: b.env',
        '      - path: missing.env',
        '        required: false',
        '    environment:',
        '      C: from-compose',
        '',
      ].join('\n'),
      'a.env': 'A=a\nB=a\nC=a\n',
      'b.env': 'B=b\n',
    });
    expect(project.services.web!.environment).toEqual({ A: 'a', B: 'b', C: 'from-compose' });
  });

  it('warns at the env_file line of a value that refers to an unset variable, once for every service using the file', async () => {
    const { project, warnings, dir } = await load({
      'compose.yaml':
        'services:\n  a:\n    image: x\n    env_file: app.env\n  b:\n    image: x\n    env_file: app.env\n',
      'app.env': 'TOKEN="t0k$en"\n',
    });
    expect(project.services.a!.environment.TOKEN).toBe('t0k');
    expect(warnings).toEqual([
      `${dir}/app.env:1:7: TOKEN: variable en is not set, so "$en" becomes an empty string in the value; write $$ for a literal $, or single-quote the value`,
    ]);
  });

  it('accepts a single string', async () => {
    const { project, dir } = await load({
      'compose.yaml': 'services:\n  web:\n    image: x\n    env_file: a.env\n',
      'a.env': 'A=1\n',
    });
    expect(project.services.web!.environment).toEqual({ A: '1' });
    expect(project.services.web!.env_file).toEqual([{ path: `${dir}/a.env`, required: true }]);
  });

  it('reports a missing required env file at its entry', async () => {
    const out = await loadBrief({ 'compose.yaml': 'services:\n  web:\n    image: x\n    env_file: [nope.env]\n' });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^compose\.yaml:4:16: services\.web\.env_file\[0\]: env file .*\/nope\.env not found \(create it, or mark it optional with "required: false"\)$/,
    );
  });
});
