/**
 * `develop.watch` in the model: paths resolved against the project directory (as compose-go resolves
 * them), `ignore`/`include` as lists, `sync+exec`'s command normalized as a hook's; no warning; the
 * rules that could never work refused at their file:line.
 */
import { describe, expect, it } from 'vitest';
import { load, loadBrief } from './helpers.js';

const stack = (service: string, rules: string): Record<string, string> => ({
  'compose.yaml': `services:\n  web:\n${service}    develop:\n      watch:\n${rules}`,
});

describe('develop.watch', () => {
  it('is carried into the model, normalized, without a warning', async () => {
    const { project, warnings, dir } = await load(
      stack(
        '    build: ./web\n',
        [
          '        - {path: ./web/src, action: sync, target: /app/src, ignore: node_modules/, initial_sync: true}',
          '        - {path: web/Dockerfile, action: rebuild}',
          '        - path: ./web/hooks',
          '          action: sync+exec',
          '          target: /hooks',
          '          include: "*.sh"',
          '          exec: {command: "reload --now", environment: [A=1]}',
          '',
        ].join('\n'),
      ),
    );
    expect(warnings).toEqual([]);
    expect(project.services.web!.develop?.watch).toEqual([
      { path: `${dir}/web/src`, action: 'sync', target: '/app/src', ignore: ['node_modules/'], initial_sync: true },
      { path: `${dir}/web/Dockerfile`, action: 'rebuild' },
      {
        path: `${dir}/web/hooks`,
        action: 'sync+exec',
        target: '/hooks',
        include: ['*.sh'],
        exec: { command: ['reload', '--now'], environment: { A: '1' } },
      },
    ]);
  });

  it('refuses a sync without a target, a rebuild without a build, a sync+exec without a command', async () => {
    expect(
      await loadBrief(
        stack(
          '    image: busybox\n',
          [
            '        - {path: ./src, action: sync}',
            '        - {path: ./Dockerfile, action: rebuild}',
            '        - {path: ./x, action: sync+exec, target: /x}',
            '',
          ].join('\n'),
        ),
      ),
    ).toEqual([
      'compose.yaml:6:33: services.web.develop.watch[0].action: action "sync" needs a "target" (add the path in the container the files go to, as "target:")',
      'compose.yaml:7:40: services.web.develop.watch[1].action: service "web" has no "build:": action "rebuild" cannot rebuild it (add "build:", or use "sync+restart" or "restart")',
      'compose.yaml:8:31: services.web.develop.watch[2].action: action "sync+exec" needs an "exec" with a "command" (add "exec: {command: ...}")',
    ]);
  });
});
