/**
 * G1 gc-full-live (WORKLOADS.md): N = 1,000,000 2-slot containers held by one root list,
 * slot k of node i → node j = draw % N (j + 1 when j == i), drawn node 0 slot 0, node 0
 * slot 1, …; automatic collection off while building; two untimed full collections; timed:
 * one full collection that must free 0 objects. Metric: total and ns per tracked object.
 * CPython side: python/g1_gc_full_live.py.
 */
import type { Mode, Workload } from '../bench.js';
import type { BenchEnv } from '../env.js';
import { checkPython, expectEq } from './python-checks.js';
import { noBenchYet, PYHEAP_GC_PENDING } from './pending.js';

export interface G1Params {
  readonly n: number;
}
export const G1_FULL: G1Params = { n: 1_000_000 };
export const G1_QUICK: G1Params = { n: 100_000 };
const paramsFor = (mode: Mode): G1Params => (mode === 'quick' ? G1_QUICK : G1_FULL);

export const G1: Workload<BenchEnv> = {
  id: 'G1',
  title: 'gc-full-live',
  summary:
    '1,000,000 live 2-slot containers in a random graph; one timed full collection freeing 0. Seconds (and ns per tracked object).',
  reference: 'cpython',
  variants: () => [PYHEAP_GC_PENDING],
  benches: (variant) => noBenchYet('G1', variant),
  python: {
    script: 'g1_gc_full_live.py',
    args: ({ mode }) => ['--n', String(paramsFor(mode).n)],
    verify(result) {
      checkPython(result, 'G1', (c) => expectEq('collected', c.collected, 0));
    },
  },
};
