/**
 * Before the e2e project's tests (test/e2e, test/differential): the engine answers and the local images
 * exist (each script is idempotent and quick when there is nothing to do), so `npm test` works on its own
 * after the quick start. vitest.config.ts gives this setup to that project only, and vitest runs it only
 * when one of its files is in the run, so unit tests need no engine.
 */
import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export default async function setup(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const scripts = ['scripts/engine.sh', 'scripts/base-image.sh'];
  const images = `${root}scripts/images`;
  if (existsSync(images)) {
    for (const f of readdirSync(images).sort()) if (f.endsWith('.sh')) scripts.push(`scripts/images/${f}`);
  }
  for (const s of scripts) await execa('bash', [s], { cwd: root, stdio: 'inherit' });
}
