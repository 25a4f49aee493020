import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/config/load.js';
import { renderProject } from '../../../src/config/render.js';
import { load } from './helpers.js';

const stack = {
  'compose.yaml': [
    'name: shop',
    'x-top: {a: 1}',
    'services:',
    '  web:',
    '    build: ./web',
    '    command: npm start --port "8080"',
    '    environment: [A=1, B]',
    '    env_file: web.env',
    '    ports: ["8080-8081:80-81", "127.0.0.1::9000/udp"]',
    '    volumes: ["data:/data", "./src:/src:ro", "/anon"]',
    '    depends_on: [db]',
    '    healthcheck: {test: curl -f localhost, interval: 90s}',
    '    secrets: [pw]',
    '    ulimits: {nofile: 1024}',
    '    extra_hosts: {h: 1.2.3.4}',
    '    x-note: hi',
    '  db:',
    '    image: postgres',
    '    networks: {back: {aliases: [database]}}',
    '    shm_size: 256m',
    '    stop_grace_period: 1m30s',
    '    labels: {tier: "01"}',
    'networks:',
    '  back: {}',
    'volumes:',
    '  data: {}',
    'secrets:',
    '  pw: {file: ./pw.txt}',
    '',
  ].join('\n'),
  'web.env': 'FROM_FILE=yes\n',
  'pw.txt': 'pw\n',
};

describe('rendering a project', () => {
  it('prints YAML that loads back to the same model', async () => {
    const { project, dir } = await load(stack, { env: { B: 'shell' } });
    const text = await renderProject(project, 'yaml');
    expect(text).toMatch(/^name: shop\nservices:\n/);
    expect(text).not.toContain('\n    name: web');
    writeFileSync(join(dir, 'rendered.yaml'), text);
    const again = await loadProject({ cwd: dir, env: { B: 'shell' }, files: ['rendered.yaml'] });
    expect({ ...again.project, config_files: [] }).toEqual({ ...project, config_files: [] });
  });

  it('prints JSON that loads back to the same model', async () => {
    const { project, dir } = await load(stack, { env: { B: 'shell' } });
    const text = await renderProject(project, 'json');
    expect(JSON.parse(text)).toHaveProperty('services.web.ports');
    writeFileSync(join(dir, 'rendered.json'), text);
    const again = await loadProject({ cwd: dir, env: { B: 'shell' }, files: ['rendered.json'] });
    expect({ ...again.project, config_files: [] }).toEqual({ ...project, config_files: [] });
  });
});
