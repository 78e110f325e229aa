// zod building blocks for config fields whose failures read as one plain line ("must be > 0, got -1")
// and whose allowed values are recorded as metadata, so the docs table is generated from the schema.

import { z } from 'zod';
import { describeValue } from '../errors.js';

/** Metadata every field helper attaches: the allowed values, in words, for the docs table. */
export interface FieldMeta {
  readonly allowed: string;
}

function field<T>(allowed: string, ok: (v: unknown) => boolean, rule = allowed) {
  return z
    .custom<T>(ok, { error: (issue) => `must be ${rule}, got ${describeValue(issue.input)}` })
    .meta({ allowed });
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A finite number satisfying `ok`; `rule` words it ("> 0", "in [0, 1)"), as messages show it. */
export function num(rule: string, ok: (n: number) => boolean) {
  return field<number>(`a number ${rule}`, (v) => isNumber(v) && ok(v), rule);
}

/** An integer in [min, max]. */
export function int(min: number, max = Number.MAX_SAFE_INTEGER) {
  const allowed = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
  return field<number>(allowed, (v) => isNumber(v) && Number.isInteger(v) && v >= min && v <= max);
}

/** Any safe integer (seeds). */
export function anyInt() {
  return field<number>('an integer', (v) => Number.isSafeInteger(v));
}

/** A number > 0. */
export const positive = () => num('> 0', (n) => n > 0);
/** A number ≥ 0. */
export const nonNegative = () => num('≥ 0', (n) => n >= 0);
/** A number in [0, 1): momentum, β, α, dropout, validation fraction. */
export const unitOpen = () => num('in [0, 1)', (n) => n >= 0 && n < 1);

/** A non-empty string. */
export function text() {
  return field<string>('a non-empty string', (v) => typeof v === 'string' && v.length > 0);
}

/** A boolean. */
export function bool() {
  return field<boolean>('true or false', (v) => typeof v === 'boolean');
}

/** One of `values`; a miss reads `unknown "foo"; allowed: a, b, c`. */
export function oneOf<const T extends string>(values: readonly T[]) {
  const allowed = values.join(', ');
  return z
    .custom<T>((v) => typeof v === 'string' && (values as readonly string[]).includes(v), {
      error: (issue) => `unknown ${describeValue(issue.input)}; allowed: ${allowed}`,
    })
    .meta({ allowed: values.map((v) => `\`${v}\``).join(', ') });
}

/** An array of integers ≥ `min`, with at least `minLength` entries. */
export function intList(min: number, minLength = 0) {
  const allowed = `an array of ${minLength > 0 ? `at least ${minLength} ` : ''}integers ≥ ${min}`;
  return field<number[]>(
    allowed,
    (v) =>
      Array.isArray(v) &&
      v.length >= minLength &&
      v.every((n) => isNumber(n) && Number.isInteger(n) && n >= min),
  );
}

/** Reads the allowed-values metadata of a field helper (undefined for plain zod schemas). */
export function fieldMeta(schema: z.ZodType): FieldMeta | undefined {
  const meta = schema.meta() as Partial<FieldMeta> | undefined;
  return typeof meta?.allowed === 'string' ? { allowed: meta.allowed } : undefined;
}
