/*
 * gc.atShutdown(): what interpreter shutdown does with the collector (CPython's
 * _PyGC_CollectNoFail + _PyGC_DumpShutdownStats; test_gc's test_garbage_at_shutdown).
 */
import { describe, expect, it } from 'vitest';
import { DEBUG_UNCOLLECTABLE, type Addr } from '@pyheap/interface';
import { GenerationalCollector } from '@pyheap/generational';
import { createPymalloc } from '@pyheap/pymalloc';
import { ObjectHeap } from '@pyheap/refcount';
import { createGc } from '../src/index.js';
import { error } from './helpers.js';

/** A heap with a 1-slot GC type whose instances have a legacy tp_del (uncollectable). */
function setup(collector: GenerationalCollector) {
  const lines: string[] = [];
  collector.setDebugSink((line) => lines.push(line));
  const heap = new ObjectHeap({ allocator: createPymalloc(), collector, debug: true });
  const gc = createGc(collector, heap);
  const X = heap.registerType({
    name: 'X',
    basicSize: 12,
    refOffset: 8,
    refCount: 1,
    gc: true,
    legacyFinalize: () => {},
  });
  /** A new self-referencing X, dropped: cyclic trash with a tp_del. */
  const trash = (): Addr => {
    const o = heap.alloc(X);
    heap.track(o);
    heap.incref(o);
    heap.setSlot(o, 8, o);
    heap.decref(o);
    return o;
  };
  return { heap, gc, lines, trash };
}

describe('gc.atShutdown', () => {
  it('collects everything without callbacks, then reports gc.garbage as CPython does', () => {
    const { gc, lines, trash, heap } = setup(new GenerationalCollector({ enabled: false }));
    const phases: string[] = [];
    gc.callbacks.push((phase) => phases.push(phase));
    const a = trash();
    const b = trash();
    expect(gc.atShutdown({ resourceWarnings: true })).toBe(2);
    expect(phases).toEqual([]);
    expect(gc.garbage).toEqual([a, b]);
    expect(gc.getStats()[2]).toEqual({ collections: 1, collected: 0, uncollectable: 2 });
    expect(lines).toEqual([
      'gc:0: ResourceWarning: gc: 2 uncollectable objects at shutdown; use gc.set_debug(gc.DEBUG_UNCOLLECTABLE) to list them',
    ]);
    lines.length = 0;
    gc.setDebug(DEBUG_UNCOLLECTABLE);
    expect(gc.atShutdown()).toBe(0); // nothing new; the warning is hidden by default filters
    expect(lines).toEqual([`      [${heap.describe(a)}, ${heap.describe(b)}]`]);
  });

  it('a collector without collectAtShutdown: E_UNSUPPORTED, nothing collected', () => {
    const collector = new GenerationalCollector({ enabled: false });
    // The method is optional in the Collector interface: a collector that has none.
    Object.defineProperty(collector, 'collectAtShutdown', { value: undefined });
    const { gc, trash } = setup(collector);
    trash();
    expect(error(() => gc.atShutdown())).toEqual([
      'E_UNSUPPORTED',
      "interpreter shutdown is not supported by the 'generational' collector (no collectAtShutdown)",
    ]);
    expect(gc.garbage).toEqual([]);
    expect(gc.collect()).toBe(1);
  });
});
