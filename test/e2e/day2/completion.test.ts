/**
 * `completion bash` with the real berth behind it: the script berth prints, sourced in bash, completes
 * the service names of the stack in the folder, and those of another file given with `-f`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, stackInTempDir } from '../../helpers/cli.js';

const { dir, run, write } = stackInTempDir('completion');
write('services:\n  api: {image: berth-local/busybox}\n  worker: {image: berth-local/busybox}\n');
writeFileSync(join(dir, 'other.yaml'), 'services:\n  cache: {image: berth-local/busybox}\n');

/** What bash offers for the words typed (the last one being completed), berth being the real one. */
async function complete(script: string, words: string[]): Promise<string[]> {
  const driver = [
    `berth() { node ${BIN} "$@"; }`,
    'source /dev/stdin <<<"$BERTH_COMPLETION"',
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    '_berth',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const r = await execa('bash', ['-c', driver], { cwd: dir, env: { BERTH_COMPLETION: script } });
  return r.stdout.split('\n').filter(Boolean).sort();
}

describe('completion bash', () => {
  it("completes the stack's services, asked of berth as the user types", async () => {
    const r = await run('completion', 'bash');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await complete(r.stdout, ['berth', 'logs', ''])).toEqual(['api', 'worker']);
    expect(await complete(r.stdout, ['berth', 'up', '-d', 'w'])).toEqual(['worker']);
    expect(await complete(r.stdout, ['berth', '-f', 'other.yaml', 'stats', ''])).toEqual(['cache']);
  });
});
