/**
 * R1 dealloc-chain (WORKLOADS.md): a singly linked chain of 1,000,000 1-slot containers held
 * only by its head. Timed: dropping the head, which frees the whole chain by reference
 * counting; must not overflow the JS stack and must free exactly 1,000,000 objects.
 * CPython side: python/r1_dealloc_chain.py.
 */
import type { Mode, Workload } from '../bench.js';
import type { BenchEnv } from '../env.js';
import { checkPython, expectEq } from './python-checks.js';
import { noBenchYet, PYHEAP_RC_PENDING } from './pending.js';

export interface R1Params {
  readonly n: number;
}
export const R1_FULL: R1Params = { n: 1_000_000 };
export const R1_QUICK: R1Params = { n: 100_000 };
const paramsFor = (mode: Mode): R1Params => (mode === 'quick' ? R1_QUICK : R1_FULL);

export const R1: Workload<BenchEnv> = {
  id: 'R1',
  title: 'dealloc-chain',
  summary:
    'Dropping the head of a 1,000,000-long chain frees it all by reference counting. Seconds.',
  reference: 'cpython',
  variants: () => [PYHEAP_RC_PENDING],
  benches: (variant) => noBenchYet('R1', variant),
  python: {
    script: 'r1_dealloc_chain.py',
    args: ({ mode }) => ['--n', String(paramsFor(mode).n)],
    verify(result, { mode }) {
      const { n } = paramsFor(mode);
      checkPython(result, 'R1', (c) => expectEq('freed', c.freed, n));
    },
  },
};
