// Every error gradstream throws: a stable code, a message naming the field, and context in `cause`.

/** Stable error codes; callers may switch on `error.code`. */
export type ErrorCode =
  | 'ERR_INVALID_OPTION' // a config or hyperparameter value is out of its allowed range
  | 'ERR_UNKNOWN_KIND' // a spec names a kind (optimizer, schedule, activation, …) that does not exist
  | 'ERR_SHAPE_MISMATCH' // buffer lengths or shapes disagree
  | 'ERR_DATA_FORMAT' // a data file is malformed (wrong magic, truncated, …)
  | 'ERR_CHECKPOINT' // a checkpoint is corrupt, truncated, missing, or does not match the config
  | 'ERR_NON_FINITE' // NaN or ±Infinity in a loss or gradient
  | 'ERR_WORKER' // a worker task failed or a worker thread died
  | 'ERR_STORE' // the run store is not a store, damaged, read-only, or a run in it is damaged or busy
  | 'ERR_WRITE' // a running job's checkpoint or metrics could not be written (disk full, I/O error)
  | 'ERR_QUEUE'; // the job queue (Redis) cannot be reached, or a queued run failed on its worker

/** The one error class of the library. `code` is stable; `cause` carries context such as `{ step }`. */
export class GradstreamError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GradstreamError';
    this.code = code;
  }
}

/** Formats a received value for an error message: strings quoted, others as JSON where possible. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || value === undefined || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Throws `ERR_INVALID_OPTION`: "`where`: `field` must be `allowed`, got `value`". */
export function invalidOption(where: string, field: string, allowed: string, value: unknown): never {
  throw new GradstreamError(
    'ERR_INVALID_OPTION',
    `${where}: ${field} must be ${allowed}, got ${describeValue(value)}`,
    { cause: { where, field, value } },
  );
}

/** Checks a finite number in [min, max] (inclusive unless `open` says otherwise) and returns it. */
export function checkNumber(
  where: string,
  field: string,
  value: unknown,
  range: { min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean; integer?: boolean } = {},
): number {
  const { min = -Infinity, max = Infinity, minOpen = false, maxOpen = false, integer = false } = range;
  const lo = min === -Infinity ? '(-∞' : `${minOpen ? '(' : '['}${min}`;
  const hi = max === Infinity ? '∞)' : `${max}${maxOpen ? ')' : ']'}`;
  const allowed = `${integer ? 'an integer' : 'a number'} in ${lo}, ${hi}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) invalidOption(where, field, allowed, value);
  if (integer && !Number.isInteger(value)) invalidOption(where, field, allowed, value);
  if (value < min || (minOpen && value === min)) invalidOption(where, field, allowed, value);
  if (value > max || (maxOpen && value === max)) invalidOption(where, field, allowed, value);
  return value;
}

/** Throws `ERR_UNKNOWN_KIND`, listing the allowed kinds. */
export function unknownKind(where: string, field: string, value: unknown, allowed: readonly string[]): never {
  throw new GradstreamError(
    'ERR_UNKNOWN_KIND',
    `${where}: unknown ${field} ${describeValue(value)}; allowed: ${allowed.join(', ')}`,
    { cause: { where, field, value, allowed } },
  );
}

/** Throws `ERR_SHAPE_MISMATCH` unless `actual === expected`. */
export function checkLength(where: string, field: string, actual: number, expected: number): void {
  if (actual !== expected) {
    throw new GradstreamError(
      'ERR_SHAPE_MISMATCH',
      `${where}: ${field} has length ${actual}, expected ${expected}`,
      { cause: { where, field, actual, expected } },
    );
  }
}
