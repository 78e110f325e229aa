// The page's fixed-capacity column buffers.

import { describe, expect, it } from 'vitest';
import { ColumnBuffer } from '../../dashboard/src/column-buffer.js';

describe('ColumnBuffer', () => {
  it('appends columns and reads them back as views of the filled rows', () => {
    const b = new ColumnBuffer(['x', 'y'] as const, 4);
    expect(b.append({ x: [1, 2], y: [10, null] }, 2)).toBe(true);
    expect(Array.from(b.column('x'))).toEqual([1, 2]);
    expect(b.column('y')[1]).toBeNaN();
    expect(b.columnWithGaps('y')).toEqual([10, null]);
    expect(b.columnWithGaps('x')).toBeInstanceOf(Float64Array);
  });

  it('refuses, without appending anything, rows that do not fit', () => {
    const b = new ColumnBuffer(['x'] as const, 3);
    b.append({ x: [1, 2] }, 2);
    expect(b.append({ x: [3, 4] }, 2)).toBe(false);
    expect(b.length).toBe(2);
    b.clear();
    expect(b.append({ x: [3, 4, 5] }, 3)).toBe(true);
  });
});
