// Checks a Preprocessing that arrived from outside (a checkpoint's header, a stored run): every field
// named with the value it had, so a hand-edited or damaged one is refused in one line.

import { describeValue } from '../errors.js';
import { encodedWidth, outputWidth, type Preprocessing } from './preprocessing.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function must(field: string, allowed: string, value: unknown): string {
  return `${field} must be ${allowed}, got ${describeValue(value)}`;
}

/** Problems of an object's keys: unknown ones, in order. */
function extraKeys(field: string, value: Record<string, unknown>, known: readonly string[]): string[] {
  return Object.keys(value)
    .filter((k) => !known.includes(k))
    .map((k) => `${field}.${k} is not a field this gradstream reads`);
}

/** A list of distinct non-empty strings. */
function namesProblems(field: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0)
    return [must(field, 'a non-empty array of strings', value)];
  const bad = value.findIndex((v) => typeof v !== 'string');
  if (bad >= 0) return [must(`${field}[${bad}]`, 'a string', value[bad])];
  if (new Set(value).size !== value.length) return [must(field, 'distinct strings', value)];
  return [];
}

function columnProblems(field: string, column: unknown): string[] {
  if (!isObject(column)) return [must(field, 'an object { kind, name, … }', column)];
  const name =
    typeof column.name === 'string' && column.name !== ''
      ? []
      : [must(`${field}.name`, 'a non-empty string', column.name)];
  if (column.kind === 'number') {
    return [
      ...extraKeys(field, column, ['kind', 'name', 'mean', 'std']),
      ...name,
      ...(finite(column.mean) ? [] : [must(`${field}.mean`, 'a finite number', column.mean)]),
      ...(finite(column.std) && column.std > 0
        ? []
        : [must(`${field}.std`, 'a finite number > 0', column.std)]),
    ];
  }
  if (column.kind === 'category')
    return [
      ...extraKeys(field, column, ['kind', 'name', 'values']),
      ...name,
      ...namesProblems(`${field}.values`, column.values),
    ];
  return [must(`${field}.kind`, '"number" or "category"', column.kind)];
}

function inputProblems(field: string, input: unknown): string[] {
  if (!isObject(input)) return [must(field, 'an object { kind, … }', input)];
  if (input.kind === 'scale') {
    return [
      ...extraKeys(field, input, ['kind', 'features', 'scale']),
      ...(Number.isInteger(input.features) && (input.features as number) >= 1
        ? []
        : [must(`${field}.features`, 'an integer ≥ 1', input.features)]),
      ...(finite(input.scale) && input.scale > 0
        ? []
        : [must(`${field}.scale`, 'a finite number > 0', input.scale)]),
    ];
  }
  if (input.kind === 'table') {
    const columns = input.columns;
    if (!Array.isArray(columns) || columns.length === 0)
      return [must(`${field}.columns`, 'a non-empty array of columns', columns)];
    const problems = [
      ...extraKeys(field, input, ['kind', 'columns']),
      ...columns.flatMap((c, i) => columnProblems(`${field}.columns[${i}]`, c)),
    ];
    const names = columns.map((c) => (isObject(c) ? c.name : undefined));
    if (problems.length === 0 && new Set(names).size !== names.length)
      problems.push(must(`${field}.columns`, 'columns of distinct names', names));
    return problems;
  }
  return [must(`${field}.kind`, '"scale" or "table"', input.kind)];
}

function outputProblems(field: string, output: unknown): string[] {
  if (!isObject(output)) return [must(field, 'an object { kind, names }', output)];
  if (output.kind !== 'classes' && output.kind !== 'targets')
    return [must(`${field}.kind`, '"classes" or "targets"', output.kind)];
  return [...extraKeys(field, output, ['kind', 'names']), ...namesProblems(`${field}.names`, output.names)];
}

/**
 * Every problem of `value` as a Preprocessing, one line each naming the field under `field`
 * (`preprocessing.input.columns[1].std must be a finite number > 0, got 0`); with `model` sizes,
 * also that the encoded width is the model's input and the outputs its last layer.
 *
 * @example
 * preprocessingProblems(JSON.parse(text), 'preprocessing', [784, 100, 10]); // [] when sound
 */
export function preprocessingProblems(
  value: unknown,
  field = 'preprocessing',
  sizes?: readonly number[],
): string[] {
  if (!isObject(value)) return [must(field, 'an object { version, input, output }', value)];
  const problems = [
    ...extraKeys(field, value, ['version', 'input', 'output']),
    ...(value.version === 1 ? [] : [must(`${field}.version`, '1', value.version)]),
    ...inputProblems(`${field}.input`, value.input),
    ...outputProblems(`${field}.output`, value.output),
  ];
  if (problems.length > 0 || sizes === undefined) return problems;
  const p = value as unknown as Preprocessing;
  const width = encodedWidth(p.input);
  if (width !== sizes[0])
    problems.push(`${field}.input encodes ${width} features, but the model takes ${sizes[0]}`);
  const outputs = outputWidth(p.output);
  if (outputs !== sizes.at(-1))
    problems.push(`${field}.output names ${outputs} outputs, but the model has ${sizes.at(-1)}`);
  return problems;
}
