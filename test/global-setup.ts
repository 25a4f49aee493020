/**
 * Before any test: the engine answers and the local images exist (each script is idempotent and quick
 * when there is nothing to do), so `npm test` works on its own after the quick start.
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
