// `npm run check:reference -- FILE...`: checks reference-vector files against this implementation;
// exits 1 when a case fails, 2 on unreadable input.

import { GradstreamError } from '../src/errors.js';
import { checkReferenceFiles } from '../src/reference/check-files.js';

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: npm run check:reference -- FILE.json [FILE.json …]\n');
  process.exit(2);
}
try {
  process.exit(checkReferenceFiles(files, (line) => process.stdout.write(`${line}\n`)) ? 0 : 1);
} catch (error) {
  if (!(error instanceof GradstreamError)) throw error;
  process.stderr.write(`check:reference: ${error.message}\n`);
  process.exit(2);
}
