// Command-line options of the simulators' commands.

/** A non-negative integer option, or undefined when absent; a clear error naming the option otherwise. */
export function nonNegativeInteger(name: string, value: string | undefined, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name}: expected a non-negative integer, got ${JSON.stringify(value)}\n${usage}`);
  return n;
}
