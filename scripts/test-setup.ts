// `npm test`'s set-up (its `pretest` step; .ci/run calls the same step): finds the programs the tests
// drive, and installs the missing ones with apt-get when it runs as root on Debian; anywhere else it
// stops at once with the one command that installs them. The browser test finds Chromium through
// `findProgram(CHROMIUM)` too, so the set-up and the test agree on which binary runs.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A program some tests start: where to look for it, and the Debian package that provides it. */
export interface RequiredProgram {
  /** What the messages call it. */
  readonly name: string;
  /** An environment variable naming the executable; when set, it is the only place looked at. */
  readonly env: string;
  /** Names tried on PATH, in order. */
  readonly commands: readonly string[];
  /** The Debian package that installs one of `commands`. */
  readonly debianPackage: string;
  /** The tests that need it. */
  readonly neededBy: string;
}

/** Debian's Chromium (never a downloaded browser): the page test drives it through playwright-core. */
export const CHROMIUM: RequiredProgram = {
  name: 'Chromium',
  env: 'CHROMIUM_PATH',
  commands: ['chromium', 'chromium-browser', 'google-chrome'],
  debianPackage: 'chromium',
  neededBy: 'test/browser',
};

/** Debian's Redis server: the queue tests start their own on a free loopback port (test/helpers/redis.ts). */
export const REDIS: RequiredProgram = {
  name: 'Redis',
  env: 'REDIS_SERVER_PATH',
  commands: ['redis-server'],
  debianPackage: 'redis-server',
  neededBy: 'test/queue',
};

/** Every program `npm test` needs. A test that needs another adds a row here. */
export const REQUIRED_PROGRAMS: readonly RequiredProgram[] = [CHROMIUM, REDIS];

/** Where a program was found, or why not. */
export type Lookup =
  | { readonly found: true; readonly path: string }
  /** `fixable`: installing the package would help (false when the environment variable is wrong). */
  | { readonly found: false; readonly fixable: boolean; readonly problem: string };

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Looks for `program`: its environment variable if set, else each of its commands on PATH. */
export function findProgram(program: RequiredProgram, env: NodeJS.ProcessEnv = process.env): Lookup {
  const named = env[program.env];
  if (named) {
    return isExecutableFile(named)
      ? { found: true, path: named }
      : { found: false, fixable: false, problem: `${program.env}=${named} is not an executable file` };
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const command of program.commands) {
    for (const dir of dirs) {
      const path = join(dir, command);
      if (isExecutableFile(path)) return { found: true, path };
    }
  }
  const looked = `$${program.env}, then ${program.commands.join(', ')} on PATH`;
  return { found: false, fixable: true, problem: `${program.name} not found (looked at ${looked})` };
}

/** The first line `path --version` prints, if it prints one within 10 s. */
function versionOf(path: string): string | undefined {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : undefined;
}

function run(command: string, args: readonly string[]): boolean {
  const r = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0;
}

function main(): number {
  const say = (line: string) => process.stderr.write(`test setup: ${line}\n`);
  const lookups = () => REQUIRED_PROGRAMS.map((program) => ({ program, lookup: findProgram(program) }));
  let results = lookups();
  const misconfigured = results.filter((r) => !r.lookup.found && !r.lookup.fixable);
  for (const { program, lookup } of misconfigured) {
    if (!lookup.found) say(`${lookup.problem} (${program.neededBy} needs ${program.name})`);
  }
  if (misconfigured.length > 0) return 1;
  const missing = results.filter((r) => !r.lookup.found).map((r) => r.program);
  const packages = [...new Set(missing.map((p) => p.debianPackage))];
  const debian = existsSync('/etc/debian_version');
  const root = process.getuid?.() === 0;
  if (missing.length > 0 && debian && root) {
    say(`installing ${packages.join(' ')} with apt-get`);
    if (!run('apt-get', ['update', '-qq']) || !run('apt-get', ['install', '-y', '-qq', ...packages])) {
      say('apt-get failed');
      return 1;
    }
    results = lookups();
  }
  const stillMissing = results.filter((r) => !r.lookup.found);
  if (stillMissing.length > 0) {
    for (const { program, lookup } of stillMissing) {
      if (!lookup.found) say(`${lookup.problem}; ${program.neededBy} needs it`);
    }
    const sudo = root ? '' : 'sudo ';
    const install = `${sudo}apt-get update && ${sudo}apt-get install -y ${packages.join(' ')}`;
    say(debian ? `install with:\n\n  ${install}\n` : `install it (on Debian: ${install})`);
    const vars = stillMissing.map((r) => r.program.env).join(', ');
    say(`or set ${vars} to the executable`);
    return 1;
  }
  for (const { program, lookup } of results) {
    if (!lookup.found) continue;
    const version = versionOf(lookup.path);
    say(`${program.name}: ${lookup.path}${version ? ` (${version})` : ''}`);
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main();
}
