/**
 * G2 gc-garbage-cycles (WORKLOADS.md): 500,000 pairs a = [b], b = [a] of 1-slot containers,
 * built with automatic collection off, held by one list that is then dropped. Timed: one full
 * collection reporting 1,000,000 collected, freeing included.
 * CPython side: python/g2_gc_garbage_cycles.py.
 */
import type { Mode, Workload } from '../bench.js';
import type { BenchEnv } from '../env.js';
import { checkPython, expectEq } from './python-checks.js';
import { noBenchYet, PYHEAP_GC_PENDING } from './pending.js';

export interface G2Params {
  readonly pairs: number;
}
export const G2_FULL: G2Params = { pairs: 500_000 };
export const G2_QUICK: G2Params = { pairs: 50_000 };
const paramsFor = (mode: Mode): G2Params => (mode === 'quick' ? G2_QUICK : G2_FULL);

export const G2: Workload<BenchEnv> = {
  id: 'G2',
  title: 'gc-garbage-cycles',
  summary: '500,000 garbage 2-cycles; one timed full collection that collects 1,000,000. Seconds.',
  reference: 'cpython',
  variants: () => [PYHEAP_GC_PENDING],
  benches: (variant) => noBenchYet('G2', variant),
  python: {
    script: 'g2_gc_garbage_cycles.py',
    args: ({ mode }) => ['--pairs', String(paramsFor(mode).pairs)],
    verify(result, { mode }) {
      const want = 2 * paramsFor(mode).pairs;
      checkPython(result, 'G2', (c) => expectEq('collected', c.collected, want));
    },
  },
};
