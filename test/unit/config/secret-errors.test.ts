/**
 * A `.env` or `env_file` that cannot be read is reported at file:line:column with the key, as Compose
 * does, but with no code frame: the lines around an error are other variables' values.
 */
import { describe, expect, it } from 'vitest';
import { brief, loadIssues } from './helpers.js';

const CANARY = 'canary-4f1c9e2a7b';

describe('errors in env files', () => {
  it('name the file, line and key of a bad .env line, and print none of its lines', async () => {
    const issues = await loadIssues({
      'compose.yaml': 'services: {}\n',
      '.env': `TOKEN=${CANARY}\nB="x\nAFTER=${CANARY}\n`,
    });
    expect(brief(issues)).toEqual(['.env:2:3: unterminated quoted value for "B"']);
    expect(JSON.stringify(issues)).not.toContain(CANARY);
  });

  it('and of a bad env_file line', async () => {
    const issues = await loadIssues({
      'compose.yaml': 'services:\n  web:\n    image: busybox\n    env_file: [app.env]\n',
      'app.env': `TOKEN=${CANARY}\nB x\n`,
    });
    expect(brief(issues)).toEqual(['app.env:2:3: unexpected character "x" after variable name "B"; expected "="']);
    expect(JSON.stringify(issues)).not.toContain(CANARY);
  });

  it('never quote a value a variable gave to a field that is then rejected: they name the variable', async () => {
    const issues = await loadIssues({
      'compose.yaml': 'services:\n  web:\n    image: busybox\n    restart: ${POLICY}\n    ports: ["${PORT}:80"]\n',
      '.env': `POLICY=${CANARY}\nPORT=${CANARY}9\n`,
    });
    const text = JSON.stringify(issues);
    expect(text).not.toContain(CANARY);
    expect(text).toContain('${POLICY}');
    expect(text).toContain('${PORT}');
  });
});
