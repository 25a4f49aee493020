/**
 * The pure parts of `scale`, `attach`, `volumes` and `completion`, and the examples every command's
 * help shows.
 */
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseBoolFlag } from '../../../src/cli/commands/attach.js';
import { parseReplicas } from '../../../src/cli/commands/scale.js';
import { formatVolumes, volumeJson } from '../../../src/cli/commands/volumes.js';
import { completionScript, describeProgram } from '../../../src/cli/completion.js';
import type { World } from '../../../src/cli/context.js';
import { buildProgram, main } from '../../../src/cli/main.js';
import { UsageError } from '../../../src/errors.js';

const sink = (add: (s: string) => void) =>
  ({ write: (s: string | Uint8Array) => (add(String(s)), true) }) as unknown as NodeJS.WriteStream;

/** `berth ARGS` in-process: stdout, stderr and the exit code. */
async function berth(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const world: World = {
    env: {},
    cwd: tmpdir(),
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    stdin: process.stdin,
  };
  const code = await main(args, world);
  return { code, out, err };
}

function program(): Command {
  const world: World = { env: {}, cwd: tmpdir(), stdout: sink(() => {}), stderr: sink(() => {}), stdin: process.stdin };
  return buildProgram(world, { code: 0 });
}

describe('scale SERVICE=N', () => {
  it('reads each service and its number', () => {
    expect(parseReplicas(['web=3', 'db=0'])).toEqual({ web: 3, db: 0 });
  });

  it("refuses what Compose refuses, in Compose's words", () => {
    for (const bad of ['web', 'web=', '=3', 'web=x', 'web=-1', 'web=1.5'])
      expect(() => parseReplicas([bad])).toThrow(/invalid scale specifier/);
    expect(() => parseReplicas([])).toThrow(UsageError);
  });
});

describe('attach --sig-proxy', () => {
  it('is on unless it says false', () => {
    expect(parseBoolFlag(undefined, '--sig-proxy')).toBe(true);
    expect(parseBoolFlag(true, '--sig-proxy')).toBe(true);
    expect(parseBoolFlag('false', '--sig-proxy')).toBe(false);
    expect(parseBoolFlag('0', '--sig-proxy')).toBe(false);
    expect(() => parseBoolFlag('maybe', '--sig-proxy')).toThrow(UsageError);
  });
});

describe('volumes formats', () => {
  const v = {
    name: 'demo_data',
    driver: 'local',
    labels: { 'com.docker.compose.volume': 'data', 'com.docker.compose.project': 'demo' },
    mountpoint: '/var/lib/docker/volumes/demo_data/_data',
  };

  it("table: docker's DRIVER and VOLUME NAME columns", () => {
    expect(formatVolumes([v], 'table')).toBe('DRIVER   VOLUME NAME\nlocal    demo_data\n');
  });

  it("json: docker's volume fields, labels as sorted k=v text", () => {
    expect(volumeJson(v)).toEqual({
      Availability: 'N/A',
      Driver: 'local',
      Group: 'N/A',
      Labels: 'com.docker.compose.project=demo,com.docker.compose.volume=data',
      Links: 'N/A',
      Mountpoint: '/var/lib/docker/volumes/demo_data/_data',
      Name: 'demo_data',
      Scope: 'local',
      Size: 'N/A',
      Status: 'N/A',
    });
    expect(formatVolumes([v, v], 'json').split('\n')).toHaveLength(3);
    expect(formatVolumes([v], 'table {{.Name}}\\t{{.Mountpoint}}').split('\n')[0]).toMatch(
      /^VOLUME NAME\s+MOUNTPOINT$/,
    );
  });
});

/** Every command and subcommand with its path: [["up"], ["stack", "deploy"], ...]. */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

describe('help examples', () => {
  it('every command shows one Examples section under --help', async () => {
    const paths = commandPaths(program());
    expect(paths.length).toBeGreaterThan(30);
    for (const path of paths) {
      const r = await berth([...path, '--help']);
      expect(r.code, path.join(' ')).toBe(0);
      expect(r.out.match(/\nExamples:\n {2}berth /g), path.join(' ')).toHaveLength(1);
    }
  });
});

describe('completion', () => {
  const model = describeProgram(program());

  it('knows every command, its flags and which take services', () => {
    const up = model.commands.find((c) => c.path === 'up')!;
    expect(up.services).toBe(true);
    expect(up.flags.map((f) => f.long)).toEqual(expect.arrayContaining(['--detach', '--scale', '--pull', '--help']));
    expect(model.commands.find((c) => c.path === 'down')!.flags.find((f) => f.long === '--rmi')?.choices).toEqual([
      'local',
      'all',
    ]);
    expect(up.valueFlags).toEqual(expect.arrayContaining(['--scale', '-t', '--progress', '-f']));
    expect(model.commands.find((c) => c.path === 'stack deploy')?.services).toBe(false);
    expect(model.commands.map((c) => c.path)).toEqual(expect.arrayContaining(['scale', 'stats', 'attach', 'volumes']));
  });

  it('an unknown shell is a usage error naming the shells there are', async () => {
    const r = await berth(['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bash, zsh and fish');
  });

  /** What bash completes for the words typed (the last one is being completed), with `berth` answering `config --services`. */
  async function bashComplete(words: string[]): Promise<string[]> {
    const dir = mkdtempSync(join(tmpdir(), 'berth-completion-'));
    const script = join(dir, 'berth.bash');
    writeFileSync(script, completionScript('bash', model));
    const driver = [
      `source ${script}`,
      // What the user's berth would answer; the stack flags typed before the command are passed on.
      'berth() { echo "args: $*" >&2; if [[ "$*" == *"-f other.yaml"* ]]; then echo api; else printf "web\\ndb\\n"; fi; }',
      `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
      `COMP_CWORD=${words.length - 1}`,
      '_berth',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const r = await execa('bash', ['-c', driver]);
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  it('bash: the script parses, and completes commands, flags, choices and services', async () => {
    const parsed = await execa('bash', ['-n'], { input: completionScript('bash', model), reject: false });
    expect(parsed.exitCode, parsed.stderr).toBe(0);
    expect(await bashComplete(['berth', 'sc'])).toEqual(['scale']);
    expect(await bashComplete(['berth', 'stack', 'd'])).toEqual(['deploy']);
    expect(await bashComplete(['berth', 'up', '--remove-o'])).toEqual(['--remove-orphans']);
    expect(await bashComplete(['berth', '--progress', 'pl'])).toEqual(['plain']);
    expect(await bashComplete(['berth', 'down', '--rmi', 'l'])).toEqual(['local']);
    // A global flag after the command, as main.ts accepts it.
    expect(await bashComplete(['berth', 'up', '--progress', 'pl'])).toEqual(['plain']);
    expect(await bashComplete(['berth', 'logs', '-f', ''])).toEqual(['db', 'web']);
    expect(await bashComplete(['berth', '-f', 'other.yaml', 'up', '-d', ''])).toEqual(['api']);
    // A flag's value is not a command: `-p up` names a project.
    expect(await bashComplete(['berth', '-p', 'up', 'st'])).toEqual(['stack', 'start', 'stats', 'stop']);
  });

  /** zsh, with its completion system's calls answered by stand-ins that print what they were given. */
  async function zshComplete(words: string[]): Promise<string[]> {
    const dir = mkdtempSync(join(tmpdir(), 'berth-completion-'));
    const script = join(dir, '_berth');
    writeFileSync(script, completionScript('zsh', model));
    const driver = [
      'compdef() { :; }',
      `source ${script}`,
      'compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }',
      '_describe() { for x in "${(@P)${@[-1]}}"; do print -- "${x%%:*}"; done; }',
      '_files() { print FILES; }',
      'berth() { if [[ "$*" == *"-f other.yaml"* ]]; then print api; else print web; print db; fi; }',
      `words=(${words.map((w) => `'${w}'`).join(' ')})`,
      'CURRENT=${#words}',
      '_berth',
    ].join('\n');
    const r = await execa('zsh', ['-c', driver]);
    const cur = words[words.length - 1]!;
    return r.stdout
      .split('\n')
      .filter((l) => l.startsWith(cur) && l !== '')
      .sort();
  }

  // zsh and fish come with the set-up (scripts/packages.sh); a missing shell fails the test.
  it('zsh: the script parses, and completes commands, flags, choices and services', async () => {
    const parsed = await execa('zsh', ['-n'], { input: completionScript('zsh', model), reject: false });
    expect(parsed.exitCode, parsed.stderr).toBe(0);
    expect(await zshComplete(['berth', 'sc'])).toEqual(['scale']);
    expect(await zshComplete(['berth', 'stack', 'd'])).toEqual(['deploy']);
    expect(await zshComplete(['berth', 'up', '--remove-o'])).toEqual(['--remove-orphans']);
    expect(await zshComplete(['berth', 'down', '--rmi', 'l'])).toEqual(['local']);
    expect(await zshComplete(['berth', '-f', 'other.yaml', 'logs', ''])).toEqual(['api']);
    expect(await zshComplete(['berth', '-p', 'up', 'st'])).toEqual(['stack', 'start', 'stats', 'stop']);
  });

  it('fish: the script parses, and completes commands, flags, choices and services', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-completion-'));
    const script = join(dir, 'berth.fish');
    writeFileSync(script, completionScript('fish', model));
    const complete = async (line: string): Promise<string[]> => {
      const driver = `function berth; printf '%s\\n' web db; end; source ${script}; complete -C '${line}'`;
      const r = await execa('fish', ['-c', driver]);
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]!)
        .sort();
    };
    expect(await complete('berth sc')).toEqual(['scale']);
    expect(await complete('berth stack d')).toEqual(['deploy']);
    expect(await complete('berth down --rmi l')).toEqual(['local']);
    expect(await complete('berth logs ')).toEqual(['db', 'web']);
    expect(await complete('berth -p up st')).toEqual(['stack', 'start', 'stats', 'stop']);
  });

  it('zsh and fish scripts define their completion function for berth', () => {
    const zsh = completionScript('zsh', model);
    expect(zsh.startsWith('#compdef berth\n')).toBe(true);
    expect(zsh).toContain("'scale:Set the number of containers");
    const fish = completionScript('fish', model);
    expect(fish).toContain("complete -c berth -n '__berth_at \\'\\'' -a stats");
    expect(fish).toContain("-l rmi -x -a 'local all'");
  });
});
