/** Every workload of shared/bench/WORKLOADS.md, in the order the bench runs them. */
import type { Workload } from '../bench.js';
import type { BenchEnv } from '../env.js';
import { A1 } from './a1-alloc-churn.js';
import { A2 } from './a2-size-sweep.js';
import { G1 } from './g1-gc-full-live.js';
import { G2 } from './g2-gc-garbage-cycles.js';
import { G3 } from './g3-gc-collect.js';
import { G4 } from './g4-gc-traversal.js';
import { G5 } from './g5-gen0-churn.js';
import { R1 } from './r1-dealloc-chain.js';
import { R2 } from './r2-binary-trees.js';

export const WORKLOADS: readonly Workload<BenchEnv>[] = [A1, A2, G1, G2, G3, G4, G5, R1, R2];

export function workloadById(id: string): Workload<BenchEnv> | undefined {
  return WORKLOADS.find((w) => w.id.toLowerCase() === id.toLowerCase());
}
