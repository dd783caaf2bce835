/**
 * Checks of the values the CPython scripts print (every timed run's `checks` object), so
 * that a wrong CPython result fails as loudly as a wrong TS one.
 */
import type { PythonResult } from '../python.js';

export function checkPython(
  result: PythonResult,
  what: string,
  ok: (checks: Record<string, unknown>) => string | null,
): void {
  if (result.checks.length !== result.runs) {
    throw new Error(
      `${what} (CPython ${result.python}): ${result.checks.length} check sets for ${result.runs} runs`,
    );
  }
  result.checks.forEach((c, i) => {
    const problem = ok(c);
    if (problem !== null)
      throw new Error(`${what} (CPython ${result.python}) run ${i + 1}: ${problem}`);
  });
}

/** `problem` when `value` is not exactly `want`. */
export function expectEq(name: string, value: unknown, want: unknown): string | null {
  return value === want
    ? null
    : `${name} is ${JSON.stringify(value)}, expected ${JSON.stringify(want)}`;
}
