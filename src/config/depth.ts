// How deep a config may nest. Its deepest field (a nested schedule's) is a few levels down; anything
// much deeper is no config, and would overflow the stack of the recursive steps that read one.

/** Deepest nesting a config may have. */
export const MAX_CONFIG_DEPTH = 64;

/** The problem line for a value nested deeper than `MAX_CONFIG_DEPTH`. */
export const TOO_DEEP = `nested more than ${MAX_CONFIG_DEPTH} levels deep (a config needs 4)`;

/** True when `value` nests deeper than `limit` (walked with an explicit stack: no recursion to overflow). */
export function nestsDeeperThan(value: unknown, limit = MAX_CONFIG_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}
