/**
 * What the workloads find in this checkout: loaded once per process (the CLI and each
 * worker). Packages that have not landed yet simply make their variants unavailable.
 *
 * When @pyheap/refcount, @pyheap/objects and @pyheap/generational land, their loaders go
 * here (as loadAllocators does for the allocators) and the G/R workload modules list the
 * variants they enable.
 */
import { loadAllocators, type AllocatorCatalog } from './allocators.js';

export interface BenchEnv {
  readonly allocators: AllocatorCatalog;
}

export async function loadEnv(): Promise<BenchEnv> {
  return { allocators: await loadAllocators() };
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
