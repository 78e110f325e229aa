// Reads a config file (JSON or YAML) and merges CLI flag overrides into it; checking is validate.ts's job.

import { readFileSync, type Stats, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describeValue, GradstreamError } from '../errors.js';
import { nonRegularKind } from '../file-kind.js';
import { nestsDeeperThan, TOO_DEEP } from './depth.js';

/** An unchecked config object: a file's contents, or the flags given on the command line. */
export type ConfigObject = Readonly<Record<string, unknown>>;

/** Fields holding paths; in a file they are relative to the file's folder, not to the shell's. */
const PATH_FIELDS: readonly (readonly [string, string])[] = [
  ['data', 'dir'],
  ['data', 'images'],
  ['data', 'labels'],
  ['data', 'testImages'],
  ['data', 'testLabels'],
  ['data', 'test'],
  ['store', 'dir'],
  ['model', 'initFrom'],
];

/**
 * Conflicting alternatives: setting the key on the left in the overrides drops the keys on the
 * right from the file, so `--hidden 50` replaces a file's `model.sizes` instead of clashing with it.
 */
const REPLACES: Readonly<Record<string, readonly string[]>> = {
  'model.hidden': ['sizes'],
  'model.sizes': ['hidden'],
  'data.dir': ['images', 'labels', 'testImages', 'testLabels'],
  'data.images': ['dir'],
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function configError(path: string, problem: string): never {
  throw new GradstreamError('ERR_INVALID_OPTION', `config file ${path}: ${problem}`, { cause: { path } });
}

/** Largest config file read: a config is a few hundred bytes; this bounds what a parser meets. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Longest excerpt of a parser's message or of a value shown in one. */
const MAX_EXCERPT = 120;

/** `text` on one line, cut to `MAX_EXCERPT` characters. */
function brief(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_EXCERPT ? `${line.slice(0, MAX_EXCERPT)}…` : line;
}

/** Reads a config file's text: a regular file (judged before it is opened) of bounded size. */
function readConfigText(full: string): string {
  let stat: Stats;
  try {
    stat = statSync(full);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return configError(full, code === 'ENOENT' ? 'file not found' : `cannot read (${code})`);
  }
  if (!stat.isFile()) configError(full, `not a regular file (${nonRegularKind(stat)})`);
  if (stat.size > MAX_CONFIG_BYTES)
    configError(full, `too large for a config file (${stat.size} bytes; at most ${MAX_CONFIG_BYTES})`);
  try {
    return readFileSync(full, 'utf8');
  } catch (error) {
    return configError(full, `cannot read (${(error as NodeJS.ErrnoException).code})`);
  }
}

/**
 * Reads a JSON (`.json`) or YAML (any other extension) config file. Relative data and store paths
 * are made absolute against the file's folder. The result is unchecked: pass it to `validateConfig`.
 *
 * @throws GradstreamError `ERR_INVALID_OPTION` when the file is missing, not a regular file, larger
 *   than 1 MiB, empty, unparsable, nested more than 64 levels deep or not a mapping; one line each.
 */
export function loadConfigFile(path: string): ConfigObject {
  const full = resolve(path);
  const text = readConfigText(full);
  const format = full.endsWith('.json') ? 'JSON' : 'YAML';
  const empty = `is empty; it must hold an object of settings, e.g. { "epochs": 5 }`;
  if (text.trim() === '') configError(full, empty);
  let value: unknown;
  try {
    // logLevel 'error': warnings (an unknown tag, a bad directive) would go to stderr as lines of their own.
    value = format === 'JSON' ? JSON.parse(text) : parseYaml(text, { logLevel: 'error' });
  } catch (error) {
    // A parser's message may quote the file, many lines of it: keep its first words.
    const message = error instanceof RangeError ? 'nested too deeply' : (error as Error).message;
    return configError(full, `invalid ${format}: ${brief(message)}`);
  }
  if (value === null || value === undefined) return configError(full, empty);
  if (nestsDeeperThan(value)) configError(full, TOO_DEEP);
  if (!isPlainObject(value))
    return configError(full, `must hold an object, got ${brief(describeValue(value))}`);
  return resolvePaths(value, dirname(full));
}

function resolvePaths(config: Record<string, unknown>, baseDir: string): ConfigObject {
  const out: Record<string, unknown> = { ...config };
  for (const [group, key] of PATH_FIELDS) {
    const section = out[group];
    if (!isPlainObject(section)) continue;
    const value = section[key];
    if (typeof value === 'string' && value !== '' && !isAbsolute(value))
      out[group] = { ...(out[group] as Record<string, unknown>), [key]: resolve(baseDir, value) };
  }
  return out;
}

/**
 * Overrides `fileConfig` with `overrides` (the flags): nested objects merge, anything else
 * (numbers, arrays, schedules' fields) replaces, and `undefined` means "flag not given".
 *
 * @example
 * mergeConfig({ optimizer: { name: 'sgd', lr: 0.1 } }, { optimizer: { lr: 0.01 } });
 * // { optimizer: { name: 'sgd', lr: 0.01 } }
 */
export function mergeConfig(fileConfig: ConfigObject, overrides: ConfigObject): ConfigObject {
  return mergeAt(fileConfig, overrides, '');
}

function mergeAt(base: ConfigObject, over: ConfigObject, prefix: string): ConfigObject {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    // Only what the file said is dropped: both alternatives in the flags still clash, as they should.
    for (const dropped of REPLACES[path] ?? []) if (!Object.hasOwn(over, dropped)) delete out[dropped];
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeAt(current, value, path) : value;
  }
  return out;
}
