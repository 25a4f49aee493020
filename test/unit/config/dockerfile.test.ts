/**
 * config/ reads what each build starts `FROM`, so that the planner can order builds without reading files.
 */
import { describe, expect, it } from 'vitest';
import { readBuildBases } from '../../../src/config/index.js';
import { load } from './helpers.js';

describe('readBuildBases', () => {
  it('names the images each Dockerfile starts FROM: args substituted, stages and scratch left out, an unreadable one left out', async () => {
    const { project } = await load({
      'compose.yaml': [
        'services:',
        '  base: { build: ./base, image: st-base }',
        '  app: { build: { context: ./app, args: { TAG: "2" } } }',
        '  inline: { build: { context: ., dockerfile_inline: "FROM scratch\\nFROM busybox AS b\\nFROM b" } }',
        '  lost: { build: ./lost }',
        '  plain: { image: busybox }',
      ].join('\n'),
      'base/Dockerfile': '# base\nFROM busybox\n',
      'app/Dockerfile':
        'ARG TAG=1\nFROM --platform=linux/amd64 st-base:${TAG} AS build\nFROM \\\n  alpine:3\nCOPY --from=build /x /x\n',
      'lost/.keep': '',
    });
    expect(await readBuildBases(project)).toEqual({
      base: ['busybox'],
      app: ['st-base:2', 'alpine:3'],
      inline: ['busybox'],
    });
  });
});
