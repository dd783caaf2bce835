/**
 * What the workloads find in this checkout: loaded once per process (the CLI and each
 * worker). Packages that are missing or broken simply make their variants unavailable.
 *
 * - `allocators`: pymalloc, raw, pymalloc-debug (allocators.ts) for A1 and A2;
 * - `objects`: @pyheap/refcount, @pyheap/generational, @pyheap/objects and @pyheap/gc
 *   (object-model.ts) for the pyheap variants of R1, R2 and G1–G5 (pyheap-world.ts builds
 *   their heaps).
 */
import { loadAllocators, type AllocatorCatalog } from './allocators.js';
import {
  loadObjectModel,
  missingFor,
  type ObjectModelCatalog,
  type ObjectPackage,
} from './object-model.js';
import type { Bench, Mode, VariantInfo, Workload } from './bench.js';
import { runtimeWorld, RUNTIME_PACKAGES, type RuntimeWorld } from './pyheap-world.js';

export interface BenchEnv {
  readonly allocators: AllocatorCatalog;
  readonly objects: ObjectModelCatalog;
}

export async function loadEnv(): Promise<BenchEnv> {
  return { allocators: await loadAllocators(), objects: await loadObjectModel() };
}

/** Variant list of a workload whose variants are allocators (or peers that need nothing). */
export function allocatorVariants(
  names: readonly string[],
  env: BenchEnv,
): { name: string; available: boolean; reason?: string }[] {
  return names.map((name) => {
    const why = env.allocators.missing.get(name);
    return why === undefined ? { name, available: true } : { name, available: false, reason: why };
  });
}

/** A pyheap variant of a G/R workload: available when every package it needs loaded. */
export function objectVariant(
  name: string,
  packages: readonly ObjectPackage[],
  env: BenchEnv,
): VariantInfo {
  const why = missingFor(env.objects, packages);
  return why === undefined ? { name, available: true } : { name, available: false, reason: why };
}

/**
 * `variants` and `benches` of a workload whose one variant, 'pyheap', runs on the objects
 * runtime with the generational collector at its defaults (G1–G4).
 */
export function runtimeVariant(
  id: string,
  benchFor: (makeWorld: () => RuntimeWorld, mode: Mode) => Bench,
): Pick<Workload<BenchEnv>, 'variants' | 'benches'> {
  return {
    variants: (env) => [objectVariant('pyheap', RUNTIME_PACKAGES, env)],
    benches(variant, env, { mode }) {
      if (variant !== 'pyheap') throw new Error(`${id} has no variant '${variant}'`);
      return [benchFor(() => runtimeWorld(env.objects, {}), mode)];
    },
  };
}
