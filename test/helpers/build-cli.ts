// Global setup of the integration tests: compiles src/ and workers/ to dist/ (incremental: a second
// run with nothing changed takes a few seconds), so the tests that spawn the CLI run this tree's code.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export default function buildCli(): void {
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
}
