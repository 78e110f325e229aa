// Initial weights as the labs name them: He, Xavier, or a fixed standard deviation (the book's 0.01).

import { checkInit, type InitSpec } from '../nn/init.js';

/** `he`, `xavier`, or a standard deviation. */
export type InitChoice = 'he' | 'xavier' | number;

/** The network's init spec for a choice (checked). */
export function initSpec(choice: InitChoice): InitSpec {
  return checkInit('labs', typeof choice === 'number' ? { kind: 'std', std: choice } : choice);
}

/** The book's name for a choice: `std=0.01`, `Xavier`, `He`. */
export function initLabel(choice: InitChoice): string {
  if (choice === 'he') return 'He';
  if (choice === 'xavier') return 'Xavier';
  return `std=${choice}`;
}
