import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure layers and the in-memory runtime, no engine) and `e2e` (the real CLI
 * against the real engine, plus the differential test against docker-compose v1). Only `e2e` has the
 * global setup that starts the engine and makes the local images, and vitest runs a project's global
 * setup only when one of its files is in the run: `vitest run test/unit` needs no engine.
 */
export default defineConfig({
  test: {
    // e2e files share one engine: run files one at a time, tests inside a file in order.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.vitest-report.json' }]] : ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/differential/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
