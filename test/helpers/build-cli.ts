// Global setup of the integration tests: compiles src/ and workers/ to dist/ (incremental: a second
// run with nothing changed takes a few seconds) and bundles the page into dist/dashboard (esbuild,
// under a second), so the tests that spawn the CLI run — and serve — this tree's code.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDashboard } from '../../dashboard/build.js';

export default async function buildCli(): Promise<void> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (built.status !== 0) {
    throw new Error(
      `building dist/ for the CLI tests failed (tsc -p tsconfig.build.json):\n${built.stdout}${built.stderr}`,
    );
  }
  // The CLI serves dist/dashboard: the page the browser tests of real processes load.
  await buildDashboard(join(root, 'dist', 'dashboard'));
}
