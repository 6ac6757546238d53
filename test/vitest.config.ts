// Vitest configuration: three projects.
//  unit        — *.test.ts next to the code; no network, in-memory fakes.
//  integration — test/integration/**; real etcd / redis / dockerd / docker-registry started by test/support.
//  e2e         — test/e2e/**; whole federations of member clusters driven through kubectl and the CLI.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    // the network rule: nothing in a test process dials outside 127.0.0.0/8
    setupFiles: ['test/support/loopback-guard-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            '{api,machinery,federation,member,dns,registry,shared}/**/*.test.ts',
            'dashboard/server/**/*.test.ts',
            'hack/lib/**/*.test.ts',
          ],
          testTimeout: 10_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // two files at a time: most of an integration file's time is waiting on real processes
          // (etcd, API servers, dockerd), so two overlap well even on two cores; each file starts
          // its own components on its own loopback addresses and ports
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
