/* Helpers shared by the gc facade's tests. */
import { isPyheapError } from '@pyheap/interface';
import type { GcModule } from '../src/index.js';

/** Call a facade function with arguments its TypeScript signature does not allow. */
export function call(gc: GcModule, name: keyof GcModule, ...args: unknown[]): unknown {
  return (gc[name] as (...a: unknown[]) => unknown).apply(gc, args);
}

/** The code and message of the PyheapError `fn` throws (anything else is rethrown). */
export function error(fn: () => unknown): [string, string] {
  try {
    fn();
  } catch (e) {
    if (isPyheapError(e)) return [e.code, e.message];
    throw e;
  }
  throw new Error('no error');
}
