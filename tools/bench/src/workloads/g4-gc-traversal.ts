/**
 * G4 pyperformance gc_traversal (WORKLOADS.md): 1,000 nested lists, list n holding n
 * references to list n − 1 (499,500 references), built once. One loop = full collection,
 * then the timed full collection (returns 0). A run is 50 loops; seconds per loop.
 * CPython side: python/g4_gc_traversal.py.
 */
import type { Mode, Workload } from '../bench.js';
import type { BenchEnv } from '../env.js';
import { checkPython, expectEq } from './python-checks.js';
import { noBenchYet, PYHEAP_GC_PENDING } from './pending.js';

export interface G4Params {
  readonly levels: number;
  readonly loops: number;
}
export const G4_FULL: G4Params = { levels: 1000, loops: 50 };
export const G4_QUICK: G4Params = { levels: 1000, loops: 10 };
const paramsFor = (mode: Mode): G4Params => (mode === 'quick' ? G4_QUICK : G4_FULL);

export const G4: Workload<BenchEnv> = {
  id: 'G4',
  title: 'pyperformance gc_traversal',
  summary:
    '1,000 nested lists (~500,000 references), live; timed full collection returning 0, 50 loops per run. Seconds per loop.',
  reference: 'cpython',
  variants: () => [PYHEAP_GC_PENDING],
  benches: (variant) => noBenchYet('G4', variant),
  python: {
    script: 'g4_gc_traversal.py',
    args: ({ mode }) => {
      const p = paramsFor(mode);
      return ['--levels', String(p.levels), '--loops', String(p.loops)];
    },
    verify(result, { mode }) {
      const { levels } = paramsFor(mode);
      checkPython(
        result,
        'G4',
        (c) =>
          expectEq('collected', c.collected, 0) ??
          expectEq('references', c.references, (levels * (levels - 1)) / 2),
      );
    },
  },
};
