// Rewrites the config reference table in docs/runs.md from the option table (src/config/options.ts).
// Run after adding or changing an option: `npm run docs:config`. test/config/describe.test.ts fails
// while the two disagree.

import { readFileSync, writeFileSync } from 'node:fs';
import { configTable } from '../src/config/describe.js';

const path = new URL('../docs/runs.md', import.meta.url);
const lines = readFileSync(path, 'utf8').split('\n');
const start = lines.findIndex((l) => l.startsWith('| Field | Default'));
if (start < 0) throw new Error('docs/runs.md: no config table (a line starting "| Field | Default")');
let end = start;
while (end < lines.length && lines[end].startsWith('|')) end++;
lines.splice(start, end - start, ...configTable().split('\n'));
writeFileSync(path, lines.join('\n'));
process.stdout.write(
  `docs/runs.md: config table rewritten (${end - start} → ${configTable().split('\n').length} lines)\n`,
);
