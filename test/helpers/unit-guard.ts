// Set-up of the unit project (vitest.config.ts): the unit subset promises no worker threads, sockets,
// child processes or browser, so anything that would start one fails here, naming the rule. A test
// that needs one belongs in a folder outside UNIT_FOLDERS.

import { createRequire, syncBuiltinESMExports } from 'node:module';

const require = createRequire(import.meta.url);
/** A stand-in that throws when called, or constructed (`new Worker(…)`). */
const refuse = (what: string) =>
  function refused(): never {
    throw new Error(`${what} in a unit test: move the test out of the unit folders (vitest.config.ts)`);
  };

const threads = require('node:worker_threads') as typeof import('node:worker_threads');
threads.Worker = refuse('a worker thread') as unknown as typeof threads.Worker;
const processes = require('node:child_process') as Record<string, unknown>;
for (const name of ['spawn', 'spawnSync', 'fork', 'exec', 'execSync', 'execFile', 'execFileSync']) {
  processes[name] = refuse(`child_process.${name}`);
}
const net = require('node:net') as typeof import('node:net');
net.Server.prototype.listen = refuse('a listening socket') as typeof net.Server.prototype.listen;
net.Socket.prototype.connect = refuse('a socket connection') as typeof net.Socket.prototype.connect;
// ESM imports of these modules (`import { Worker } from 'node:worker_threads'`) see the refusals too.
syncBuiltinESMExports();
