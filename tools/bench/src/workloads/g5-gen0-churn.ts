/**
 * G5 gen0-churn (WORKLOADS.md): 5,000,000 iterations each making a 2-cycle of 1-slot
 * containers and dropping it (10,000,000 containers that die young), automatic collection on
 * at default thresholds. Timed: the whole loop. Also: time inside collections and the
 * collections per generation (the record's `extra`). CPython side: python/g5_gen0_churn.py.
 */
import type { Mode, Workload } from '../bench.js';
import type { BenchEnv } from '../env.js';
import { checkPython, expectEq } from './python-checks.js';
import { noBenchYet, PYHEAP_GC_PENDING } from './pending.js';

export interface G5Params {
  readonly iterations: number;
}
export const G5_FULL: G5Params = { iterations: 5_000_000 };
export const G5_QUICK: G5Params = { iterations: 500_000 };
const paramsFor = (mode: Mode): G5Params => (mode === 'quick' ? G5_QUICK : G5_FULL);

export const G5: Workload<BenchEnv> = {
  id: 'G5',
  title: 'gen0-churn',
  summary:
    '5,000,000 young 2-cycles made and dropped with automatic collection on. Seconds; time in collections; collections per generation.',
  reference: 'cpython',
  variants: () => [PYHEAP_GC_PENDING],
  benches: (variant) => noBenchYet('G5', variant),
  python: {
    script: 'g5_gen0_churn.py',
    args: ({ mode }) => ['--iterations', String(paramsFor(mode).iterations)],
    verify(result, { mode }) {
      const want = 2 * paramsFor(mode).iterations;
      checkPython(result, 'G5', (c) => expectEq('collected', c.collected, want));
    },
  },
};
