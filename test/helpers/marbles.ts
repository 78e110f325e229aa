// A TestScheduler wired to vitest's deep equality, for marble tests of the stream stages.

import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';

/** A fresh scheduler whose assertions use vitest's `toEqual`. */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}
