/**
 * Test helpers: a runtime on pymalloc with a leak check, an allocator wrapper that fails on
 * demand, and a minimal tracking-only collector (so tracking goes through a real Collector
 * and its prefix, and lazy untracking can be driven the way a collector drives it).
 */
import {
  fail,
  TPFLAGS_UNTRACK_DICT,
  TPFLAGS_UNTRACK_TUPLE,
  type Addr,
  type Allocator,
  type AllocatorStats,
  type CollectCallback,
  type CollectResult,
  type Collector,
  type GenerationStats,
  type ObjectSpace,
} from '@pyheap/interface';
import { createPymalloc } from '@pyheap/pymalloc';
import { expect } from 'vitest';
import { createRuntime, type PyRuntime, type PyRuntimeOpts } from '../src/index.js';

/** Allocator wrapper: after `arm(n)`, the n-th next malloc/calloc/realloc (0-based) returns 0. */
export class FailingAllocator implements Allocator {
  readonly name = 'failing';
  private countdown = -1;
  /** Allocation calls seen since the last arm(). */
  calls = 0;

  constructor(readonly inner: Allocator) {}

  get memory() {
    return this.inner.memory;
  }
  get alignment() {
    return this.inner.alignment;
  }

  /** Fail the n-th allocation call from now (n = 0: the very next one); −1 disarms. */
  arm(n: number): void {
    this.countdown = n;
    this.calls = 0;
  }

  private failNow(): boolean {
    this.calls++;
    if (this.countdown < 0) return false;
    if (this.countdown === 0) {
      this.countdown = -1;
      return true;
    }
    this.countdown--;
    return false;
  }

  malloc(size: number): Addr {
    return this.failNow() ? 0 : this.inner.malloc(size);
  }
  calloc(nelem: number, elsize: number): Addr {
    return this.failNow() ? 0 : this.inner.calloc(nelem, elsize);
  }
  realloc(addr: Addr, size: number): Addr {
    return this.failNow() ? 0 : this.inner.realloc(addr, size);
  }
  free(addr: Addr): void {
    this.inner.free(addr);
  }
  usableSize(addr: Addr): number {
    return this.inner.usableSize(addr);
  }
  owns(addr: Addr): boolean {
    return this.inner.owns(addr);
  }
  trim(): number {
    return this.inner.trim();
  }
  stats(): AllocatorStats {
    return this.inner.stats();
  }
  check(): void {
    this.inner.check();
  }
}

/**
 * A collector that only tracks (a Set plus a 16-byte prefix it never reads) and can run the
 * lazy-untracking step of a collection (spec c.2) over what it tracks, in tracking order.
 * It finds no cycles: `collect` is unsupported.
 */
export class TrackingCollector implements Collector {
  readonly name = 'tracking-only';
  readonly prefixBytes = 16;
  readonly capabilities = { generations: 1, thresholds: false, freeze: false, enumerate: true };
  readonly hooks = { containerAllocated: false, decrefToNonZero: false, deallocating: false };
  readonly garbage: Addr[] = [];
  readonly callbacks: CollectCallback[] = [];
  readonly tracked = new Set<Addr>();
  space!: ObjectSpace;

  attach(space: ObjectSpace): void {
    this.space = space;
  }
  containerAllocated(): void {}
  decrefToNonZero(): void {}
  deallocating(obj: Addr): void {
    this.tracked.delete(obj);
  }
  track(obj: Addr): void {
    if (this.tracked.has(obj)) fail('E_ALREADY_TRACKED', 'already tracked');
    this.tracked.add(obj);
  }
  untrack(obj: Addr): void {
    this.tracked.delete(obj);
  }
  isTracked(obj: Addr): boolean {
    return this.tracked.has(obj);
  }

  /**
   * The untracking step of one collection: every tracked tuple (and, when `full`, dict)
   * whose type allows it and whose mayUntrack says so, in tracking order.
   */
  untrackPass(full: boolean): number {
    let n = 0;
    const flags = this.space.typeFlags;
    const u32 = this.space.memory.u32;
    for (const obj of [...this.tracked]) {
      const f = flags[u32[(obj >>> 2) + 1] & 0xffff];
      const eligible =
        (f & TPFLAGS_UNTRACK_TUPLE) !== 0 || (full && (f & TPFLAGS_UNTRACK_DICT) !== 0);
      if (eligible && this.tracked.has(obj) && this.space.mayUntrack(obj)) {
        this.tracked.delete(obj);
        n++;
      }
    }
    return n;
  }

  collect(): CollectResult {
    return fail('E_UNSUPPORTED', 'tracking-only collector');
  }
  enable(): void {}
  disable(): void {}
  isEnabled(): boolean {
    return false;
  }
  isCollecting(): boolean {
    return false;
  }
  getCount(): number[] {
    return [0];
  }
  getThreshold(): number[] {
    return [0];
  }
  setThreshold(): void {}
  getStats(): GenerationStats[] {
    return [];
  }
  getObjects(): Addr[] {
    return [...this.tracked];
  }
  freeze(): void {}
  unfreeze(): void {}
  getFreezeCount(): number {
    return 0;
  }
  setDebug(): void {}
  getDebug(): number {
    return 0;
  }
  setDebugSink(): void {}
}

/** What the allocator and heap hold right after creation. */
export interface Baseline {
  readonly blocksInUse: number;
  readonly footprint: number;
  readonly liveObjects: number;
  readonly immortalObjects: number;
  readonly freeListed: number;
}

export function baseline(rt: PyRuntime): Baseline {
  const s = rt.stats();
  return {
    blocksInUse: s.allocator.blocksInUse,
    footprint: s.allocator.footprint,
    liveObjects: s.heap.liveObjects,
    immortalObjects: s.heap.immortalObjects,
    freeListed: s.heap.freeListed,
  };
}

/**
 * Everything made since `base` is gone: blocks, objects, and (after trim) the footprint.
 * Strings interned since then (attribute names) are immortal by design, one block each.
 */
export function expectBaseline(rt: PyRuntime, base: Baseline): void {
  rt.check();
  const s = rt.stats();
  const kept = s.heap.immortalObjects - base.immortalObjects;
  expect(s.heap.liveObjects).toBe(base.liveObjects + kept);
  // Objects kept on the free lists (spec b.9) still hold their blocks.
  const listed = s.heap.freeListed - base.freeListed;
  expect(s.allocator.blocksInUse).toBe(base.blocksInUse + kept + listed);
  if (kept === 0) {
    rt.heap.clearFreeLists();
    expect(rt.stats().allocator.blocksInUse).toBe(base.blocksInUse - base.freeListed);
    rt.allocator.trim();
    expect(rt.stats().allocator.footprint).toBeLessThanOrEqual(base.footprint);
  }
}

/** A runtime on pymalloc and its baseline. */
export function setup(opts: PyRuntimeOpts = {}): { rt: PyRuntime; base: Baseline } {
  const rt = createRuntime(opts);
  return { rt, base: baseline(rt) };
}

/** A runtime over a FailingAllocator (wrapping pymalloc). */
export function setupFailing(opts: PyRuntimeOpts = {}): {
  rt: PyRuntime;
  base: Baseline;
  fa: FailingAllocator;
} {
  const fa = new FailingAllocator(createPymalloc());
  // No free lists: every object of a sweep comes from the allocator, so every one can fail.
  const rt = createRuntime({ freeLists: false, ...opts, allocator: fa });
  return { rt, base: baseline(rt), fa };
}

/** Run `fn` and return the PyheapError code it throws (undefined if it does not throw). */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

/** sys.getrefcount(x) − 1, i.e. Py_REFCNT. */
export function rc(rt: PyRuntime, obj: Addr): number {
  return rt.refcnt(obj);
}
