// What a path is when it is not a regular file, in words, for "not a regular file (a FIFO)". Data files,
// config files and checkpoints are read only when regular: a FIFO blocks a read for ever, a device may
// never end (`/dev/zero`).

import type { Stats } from 'node:fs';

/** Undefined for a regular file; else what it is: `a folder`, `a FIFO`, `a character device`, … */
export function nonRegularKind(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}
