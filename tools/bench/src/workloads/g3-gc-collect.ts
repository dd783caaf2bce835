/**
 * G3 pyperformance gc_collect (WORKLOADS.md): 100 rings of 21 doubly linked nodes (next and
 * prev slots), built with automatic collection on at default thresholds. One loop = full
 * collection, build, drop, timed full collection (≥ 2,100 collected). A run is 50 loops;
 * seconds per loop. CPython side: python/g3_gc_collect.py.
 */
import type { Mode, Workload } from '../bench.js';
import type { BenchEnv } from '../env.js';
import { checkPython } from './python-checks.js';
import { noBenchYet, PYHEAP_GC_PENDING } from './pending.js';

export interface G3Params {
  readonly cycles: number;
  readonly nodes: number;
  readonly loops: number;
}
export const G3_FULL: G3Params = { cycles: 100, nodes: 21, loops: 50 };
export const G3_QUICK: G3Params = { cycles: 100, nodes: 21, loops: 10 };
const paramsFor = (mode: Mode): G3Params => (mode === 'quick' ? G3_QUICK : G3_FULL);

export const G3: Workload<BenchEnv> = {
  id: 'G3',
  title: 'pyperformance gc_collect',
  summary:
    '100 rings of 21 nodes built, dropped, collected; 50 loops per run. Seconds per loop (timed collections).',
  reference: 'cpython',
  variants: () => [PYHEAP_GC_PENDING],
  benches: (variant) => noBenchYet('G3', variant),
  python: {
    script: 'g3_gc_collect.py',
    args: ({ mode }) => {
      const p = paramsFor(mode);
      return ['--cycles', String(p.cycles), '--nodes', String(p.nodes), '--loops', String(p.loops)];
    },
    verify(result, { mode }) {
      const p = paramsFor(mode);
      const least = p.cycles * p.nodes;
      checkPython(result, 'G3', (c) =>
        typeof c.minCollected === 'number' && c.minCollected >= least
          ? null
          : `a collection freed ${String(c.minCollected)}, expected at least ${least}`,
      );
    },
  },
};
