/**
 * The simple-death fast path (freeSimple) seen from a collector hook: while the hook runs, a
 * deallocation is under way exactly as under drain (found by review: check() from the hook
 * used to see no deallocation running and reject the dying object's refcount 0).
 */
import { describe, expect, it } from 'vitest';
import { isPyheapError, type Addr } from '@pyheap/interface';
import { createPymalloc } from '@pyheap/pymalloc';
import { ObjectHeap } from '../src/index.js';
import { FakeCollector } from './fake-collector.js';

/** A collector whose deallocating hook checks the heap (a debugging collector would). */
class CheckingCollector extends FakeCollector {
  heap: ObjectHeap | null = null;
  readonly errors: string[] = [];
  override deallocating(obj: Addr): void {
    try {
      this.heap!.check();
    } catch (e) {
      this.errors.push(isPyheapError(e) ? `${e.code}: ${e.message}` : String(e));
    }
    super.deallocating(obj);
  }
}

describe('freeSimple: the deallocation is running while the collector hook is called', () => {
  it('heap.check() from the deallocating hook of a simple death passes (debug mode), as under drain', () => {
    const collector = new CheckingCollector({ deallocating: true });
    const heap = new ObjectHeap({ allocator: createPymalloc(), collector, debug: true });
    collector.heap = heap;
    const T = heap.registerType({ name: 'T', basicSize: 16, refOffset: 8, refCount: 2, gc: true });
    const o = heap.alloc(T);
    const child = heap.alloc(T);
    heap.incref(child);
    heap.setSlot(o, 8, child); // child survives o's death: o dies by freeSimple

    // Control: a death that goes through drain (its child dies too) sees busy = true.
    const p = heap.alloc(T);
    heap.setSlot(p, 8, heap.alloc(T));
    heap.decref(p);
    expect(collector.errors).toEqual([]);

    heap.decref(o);
    // check() must see a deallocation running (nesting > 0) and accept the dying object's
    // refcount 0, as it does under drain.
    expect(collector.errors).toEqual([]);
    heap.decref(child);
    expect(heap.stats().liveObjects).toBe(0);
  });
});
