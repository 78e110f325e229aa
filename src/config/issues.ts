// Turns zod issues and library GradstreamErrors into config problems: one line each, field path first
// ("optimizer.lr: must be > 0, got -1"), so a bad config file reads like a compiler's error list.

import type { z } from 'zod';
import { describeValue, GradstreamError } from '../errors.js';

/** `['model', 'hidden', 0]` → `model.hidden[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function at(path: readonly PropertyKey[], message: string): string {
  const where = formatPath(path);
  return `${where === '' ? 'config' : where}: ${message}`;
}

const ARTICLE: Readonly<Record<string, string>> = { object: 'an object', array: 'an array' };

function formatOne(issue: z.core.$ZodIssue): string[] {
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => at([...issue.path, key], 'unknown field'));
    case 'invalid_type':
      if (issue.input === undefined) return [at(issue.path, 'required')];
      return [
        at(
          issue.path,
          `must be ${ARTICLE[issue.expected] ?? `a ${issue.expected}`}, got ${describeValue(issue.input)}`,
        ),
      ];
    case 'invalid_union': {
      // A branch whose issues are all inside the value is the form the user meant (an object with
      // a bad field): report those. Otherwise the union's own message lists the forms.
      const meant = issue.errors.find((branch) => branch.every((inner) => inner.path.length > 0));
      if (!meant) return [at(issue.path, issue.message)];
      return meant.flatMap((inner) => formatOne({ ...inner, path: [...issue.path, ...inner.path] }));
    }
    default:
      return [at(issue.path, issue.message)];
  }
}

/** Longest problem line: a quoted value (a 1 MB string where a name was expected) is cut to fit. */
export const MAX_PROBLEM_LENGTH = 400;

/** `line`, cut to `MAX_PROBLEM_LENGTH` characters. */
export function briefLine(line: string): string {
  return line.length > MAX_PROBLEM_LENGTH ? `${line.slice(0, MAX_PROBLEM_LENGTH)}…` : line;
}

/** One line per problem, in the order zod found them (duplicates dropped), each at most 400 characters. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return [...new Set(issues.flatMap(formatOne).map(briefLine))];
}

/**
 * Rewrites a library validation error (`invalidOption`/`checkNumber`: "`where`: `field` must be …")
 * as a config problem under `prefix` ("optimizer.momentum: must be …"). Other errors pass through.
 */
export function problemFromError(error: unknown, prefix: string): string {
  if (!(error instanceof GradstreamError)) throw error;
  const cause = error.cause as { where?: unknown; field?: unknown; value?: unknown } | undefined;
  if (typeof cause?.where === 'string' && typeof cause.field === 'string') {
    const lead = `${cause.where}: ${cause.field} `;
    const rest = error.message.startsWith(lead) ? error.message.slice(lead.length) : error.message;
    const field = cause.field.startsWith(`${prefix}.`) ? cause.field : `${prefix}.${cause.field}`;
    return `${field}: ${rest}`;
  }
  return `${prefix}: ${error.message}`;
}

/** The problem line for a field whose value is not allowed, in the house wording. */
export function mustBe(path: string, allowed: string, value: unknown): string {
  return `${path}: must be ${allowed}, got ${describeValue(value)}`;
}
