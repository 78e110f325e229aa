// How tests start the real `gradstream` binary: the compiled `dist/src/cli/main.js`, which the
// integration tests' global setup (test/helpers/build-cli.ts) builds from this tree before any test
// runs. It is what an installed package runs, and it starts in about half the time of the TypeScript
// through tsx (0.6 s against 1.2 s on the 2-core machine) — a start the CLI tests pay hundreds of times.

import { fileURLToPath } from 'node:url';

/** The repository root, so children run from it whatever vitest's cwd. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Node's arguments that start the CLI: `spawn(process.execPath, [...CLI, 'train', …])`. */
export const CLI: readonly string[] = [fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url))];
