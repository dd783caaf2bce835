/**
 * The allocators under test, found at run time: pyheap's packages are loaded with dynamic
 * imports and a variant is available once its package exports what the bench needs
 * (`createPymalloc` from @pyheap/pymalloc, `RawAllocator` from @pyheap/memory). The bench
 * codes against the Allocator interface only, so a package can land, change or be missing
 * without touching this file. `@thi.ng/malloc`'s MemPool is the outside peer.
 */
import type { Allocator } from '@pyheap/interface';
import { MemPool } from '@thi.ng/malloc';

export interface AllocatorFactory {
  /** Variant name in tables ('pymalloc', 'raw', 'pymalloc-debug'). */
  readonly name: string;
  /** A new allocator over a new linear memory (a fresh heap). */
  create(): Allocator;
}

export interface AllocatorCatalog {
  /** Available factories by variant name. */
  readonly factories: ReadonlyMap<string, AllocatorFactory>;
  /** Variant name → why it is missing. */
  readonly missing: ReadonlyMap<string, string>;
}

/** Variant names of pyheap's own allocators, in table order. */
export const OWN_ALLOCATORS = ['pymalloc', 'raw', 'pymalloc-debug'] as const;

type PymallocModule = { createPymalloc?: (opts?: { debug?: boolean }) => Allocator };
type MemoryModule = { RawAllocator?: new (opts?: object) => Allocator };

/**
 * Import a sibling package by a computed specifier, so that type-checking does not depend on
 * what the package exports today. Returns the error message when it cannot be loaded.
 */
async function importOptional(specifier: string): Promise<Record<string, unknown> | string> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0] : String(e);
  }
}

export async function loadAllocators(): Promise<AllocatorCatalog> {
  const factories = new Map<string, AllocatorFactory>();
  const missing = new Map<string, string>();

  const pymalloc = await importOptional(['@pyheap', 'pymalloc'].join('/'));
  const create =
    typeof pymalloc === 'string' ? undefined : (pymalloc as PymallocModule).createPymalloc;
  if (typeof create === 'function') {
    factories.set('pymalloc', { name: 'pymalloc', create: () => create() });
    factories.set('pymalloc-debug', {
      name: 'pymalloc-debug',
      create: () => create({ debug: true }),
    });
  } else {
    const why =
      typeof pymalloc === 'string'
        ? pymalloc
        : '@pyheap/pymalloc does not export createPymalloc yet';
    missing.set('pymalloc', why);
    missing.set('pymalloc-debug', why);
  }

  const memory = await importOptional(['@pyheap', 'memory'].join('/'));
  const Raw = typeof memory === 'string' ? undefined : (memory as MemoryModule).RawAllocator;
  if (typeof Raw === 'function') {
    factories.set('raw', { name: 'raw', create: () => new Raw() });
  } else {
    missing.set(
      'raw',
      typeof memory === 'string' ? memory : '@pyheap/memory does not export RawAllocator yet',
    );
  }
  return { factories, missing };
}

/** Throws when the catalog lacks `name` (a worker asked for a variant that is not there). */
export function factoryOf(catalog: AllocatorCatalog, name: string): AllocatorFactory {
  const f = catalog.factories.get(name);
  if (!f) throw new Error(`allocator '${name}' is not available: ${catalog.missing.get(name)}`);
  return f;
}

/** A fresh @thi.ng/malloc MemPool of `bytes` (its defaults: align 8, compact and split on). */
export function createMemPool(bytes: number): MemPool {
  // The pool views its buffer as u32: round up to whole pages.
  return new MemPool({ size: Math.ceil(bytes / 4096) * 4096 });
}

/**
 * MemPool's current top (first byte above every block ever carved): its footprint, since the
 * pool only takes from its buffer by moving top. `top` is a protected accessor in the
 * typings; reading it is how the pool's own `stats()` fills `top`, without building an object.
 */
export function memPoolTop(pool: MemPool): number {
  return (pool as unknown as { top: number }).top;
}
