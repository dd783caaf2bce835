/**
 * Variants of the collector and refcount workloads that wait for packages still being
 * written. Each G/R module lists them (unavailable, with the reason) so tables and --help say
 * what is coming; when the packages land, the module builds their benches from its exported
 * parameters.
 */
import type { VariantInfo } from '../bench.js';

export const PYHEAP_GC_PENDING: VariantInfo = {
  name: 'pyheap',
  available: false,
  reason: 'needs @pyheap/refcount, @pyheap/objects and @pyheap/generational: not wired in yet',
};

export const PYHEAP_RC_PENDING: VariantInfo = {
  name: 'pyheap',
  available: false,
  reason: 'needs @pyheap/refcount (ObjectHeap over pymalloc): not wired in yet',
};

export function noBenchYet(workload: string, variant: string): never {
  throw new Error(`${workload} has no TS variant '${variant}' yet`);
}
