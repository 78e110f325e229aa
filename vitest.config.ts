import { defineConfig } from 'vitest/config';

/**
 * The unit subset (`npm run test:unit`): the folders whose tests compute in one thread of one process —
 * no worker threads, sockets, child processes or browser (test/helpers/unit-guard.ts fails any that
 * starts one). Everything else (browser, cli, kernels, labs, pipeline, server, store, workers, the
 * top-level files) runs only in `npm test`, which runs both projects.
 */
export const UNIT_FOLDERS = ['config', 'dashboard', 'data', 'fuzz', 'nn', 'optim', 'tensor', 'train'];
const unit = UNIT_FOLDERS.map((folder) => `test/${folder}/**/*.test.ts`);

export default defineConfig({
  test: {
    // Worker threads and real MNIST make some tests slow on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: unit,
          setupFiles: ['test/helpers/unit-guard.ts'],
          // In-process only, so one process may run many files: no fork per file.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: unit,
          // The CLI tests spawn the compiled CLI (test/helpers/cli.ts): build it from this tree first.
          globalSetup: ['test/helpers/build-cli.ts'],
        },
      },
    ],
  },
});
