// Builds the dashboard page: bundles dashboard/src/main.ts (with uPlot and the shared protocol) and
// the stylesheet with esbuild, and copies index.html. `tsx dashboard/build.ts [outDir]`.

import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Where the server looks for the page by default. */
export const DEFAULT_OUT_DIR = resolve(HERE, '..', 'dist', 'dashboard');

/** Builds the page into `outDir` (default `dist/dashboard`); resolves with the folder. */
export async function buildDashboard(outDir = DEFAULT_OUT_DIR): Promise<string> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { app: join(HERE, 'src', 'main.ts') },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    outdir: outDir,
    logLevel: 'warning',
  });
  await build({
    entryPoints: { app: join(HERE, 'styles.css') },
    bundle: true,
    minify: true,
    outdir: outDir,
    logLevel: 'warning',
  });
  await copyFile(join(HERE, 'index.html'), join(outDir, 'index.html'));
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildDashboard(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`dashboard built in ${out}`);
}
