/**
 * pyheap's object model as the collector and refcount workloads find it: @pyheap/refcount
 * (ObjectHeap), @pyheap/generational (GenerationalCollector), @pyheap/objects (createRuntime:
 * lists) and @pyheap/gc (createGc), loaded with dynamic imports like the allocators
 * (allocators.ts), so that a package that is missing or broken makes only the variants that
 * need it unavailable, with the reason. Types come from the packages (`import type`, erased
 * at run time).
 */
import type { createGc as CreateGc } from '@pyheap/gc';
import type { GenerationalCollector as GenerationalCollectorClass } from '@pyheap/generational';
import type { createRuntime as CreateRuntime } from '@pyheap/objects';
import type { createPymalloc as CreatePymalloc } from '@pyheap/pymalloc';
import type { ObjectHeap as ObjectHeapClass } from '@pyheap/refcount';

/** The packages a pyheap variant of a G/R workload can need. */
export type ObjectPackage = 'pymalloc' | 'refcount' | 'generational' | 'objects' | 'gc';

export interface ObjectModelModules {
  readonly createPymalloc?: typeof CreatePymalloc;
  readonly ObjectHeap?: typeof ObjectHeapClass;
  readonly GenerationalCollector?: typeof GenerationalCollectorClass;
  readonly createRuntime?: typeof CreateRuntime;
  readonly createGc?: typeof CreateGc;
}

export interface ObjectModelCatalog {
  readonly modules: ObjectModelModules;
  /** Package → why it could not be used. */
  readonly missing: ReadonlyMap<ObjectPackage, string>;
}

/** Which export of which package the bench needs. */
const WANTED: readonly [ObjectPackage, keyof ObjectModelModules][] = [
  ['pymalloc', 'createPymalloc'],
  ['refcount', 'ObjectHeap'],
  ['generational', 'GenerationalCollector'],
  ['objects', 'createRuntime'],
  ['gc', 'createGc'],
];

export async function loadObjectModel(): Promise<ObjectModelCatalog> {
  const modules: Record<string, unknown> = {};
  const missing = new Map<ObjectPackage, string>();
  for (const [pkg, name] of WANTED) {
    let mod: Record<string, unknown>;
    try {
      // A computed specifier: loading must not fail at type-check or bundle time.
      mod = (await import(['@pyheap', pkg].join('/'))) as Record<string, unknown>;
    } catch (e) {
      missing.set(pkg, e instanceof Error ? e.message.split('\n')[0] : String(e));
      continue;
    }
    if (typeof mod[name] === 'function') modules[name] = mod[name];
    else missing.set(pkg, `@pyheap/${pkg} does not export ${name}`);
  }
  return { modules: modules as ObjectModelModules, missing };
}

/** Why a variant needing `packages` cannot run, or undefined when it can. */
export function missingFor(
  catalog: ObjectModelCatalog,
  packages: readonly ObjectPackage[],
): string | undefined {
  const why = packages
    .filter((p) => catalog.missing.has(p))
    .map((p) => `@pyheap/${p}: ${catalog.missing.get(p)}`);
  return why.length === 0 ? undefined : why.join('; ');
}

/** The module export `name`, or a loud error when a worker asks for a missing one. */
export function need<K extends keyof ObjectModelModules>(
  catalog: ObjectModelCatalog,
  name: K,
): NonNullable<ObjectModelModules[K]> {
  const v = catalog.modules[name];
  if (v === undefined) {
    const pkg = WANTED.find(([, n]) => n === name)![0];
    throw new Error(`@pyheap/${pkg} is not available: ${catalog.missing.get(pkg)}`);
  }
  return v as NonNullable<ObjectModelModules[K]>;
}
