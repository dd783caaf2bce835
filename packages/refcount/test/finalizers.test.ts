import { describe, expect, it } from 'vitest';
import type { Addr } from '@pyheap/interface';
import { FakeCollector } from './fake-collector.js';
import { makeEnv, slot, slotsType, useLeakCheck } from './helpers.js';

useLeakCheck();

describe('PEP 442 finalizers on refcount death', () => {
  it('run once, with a temporary reference, before the object is freed', () => {
    const { heap } = makeEnv();
    const seen: [number, boolean, boolean][] = [];
    const T = slotsType(heap, 'A', 0, {
      finalize: (h, o) => seen.push([h.refcnt(o), h.isFinalized(o), h.stats().deallocated === 0]),
    });
    const a = heap.alloc(T);
    heap.decref(a);
    // CPython sets the finalized bit after tp_finalize returns.
    expect(seen).toEqual([[1, false, true]]);
    expect(heap.stats().finalizersCalled).toBe(1);
    expect(heap.stats().deallocated).toBe(1);
  });

  it('resurrection (GC type): count restored, object alive and tracked, finalizer not called again', () => {
    const { heap } = makeEnv();
    let saved = 0;
    let calls = 0;
    const T = slotsType(heap, 'Lazarus', 1, {
      finalize(h, o) {
        calls++;
        h.incref(o); // global saved = self
        saved = o;
      },
    });
    const C = slotsType(heap, 'Child', 0);
    const a = heap.alloc(T);
    const child = heap.alloc(C);
    heap.setSlot(a, slot(0), child);
    heap.track(a);
    heap.decref(a);
    expect(calls).toBe(1);
    expect(saved).toBe(a);
    expect(heap.refcnt(a)).toBe(1); // sys.getrefcount(saved) == 2
    expect(heap.isFinalized(a)).toBe(true);
    expect(heap.isTracked(a)).toBe(true);
    expect(heap.getSlot(a, slot(0))).toBe(child); // nothing was cleared
    expect(heap.refcnt(child)).toBe(1);
    expect(heap.stats().resurrections).toBe(1);
    expect(heap.stats().deallocated).toBe(0);
    heap.decref(saved); // del saved: dies for good, __del__ not called again
    expect(calls).toBe(1);
    expect(heap.stats().deallocated).toBe(2);
  });

  it('resurrection keeps every reference the finalizer made', () => {
    const { heap } = makeEnv();
    const H = slotsType(heap, 'Holder', 2);
    const holder = heap.alloc(H);
    const T = slotsType(heap, 'T', 0, {
      finalize(h, o) {
        h.incref(o);
        h.setSlot(holder, slot(0), o);
        h.incref(o);
        h.setSlot(holder, slot(1), o);
      },
    });
    const t = heap.alloc(T);
    heap.decref(t);
    expect(heap.refcnt(t)).toBe(2);
    heap.decref(holder); // both references go; t dies without a second __del__
    expect(heap.stats().finalizersCalled).toBe(1);
    expect(heap.stats().liveObjects).toBe(0);
  });

  it('non-GC types: the finalizer runs again after each resurrection (test_non_gc_resurrect)', () => {
    const { heap } = makeEnv();
    let calls = 0;
    let keep = true;
    const T = heap.registerType({
      name: 'NonGC',
      basicSize: 8,
      finalize(h, o) {
        calls++;
        if (keep) h.incref(o);
      },
    });
    const o = heap.alloc(T);
    heap.decref(o);
    expect(calls).toBe(1);
    expect(heap.isFinalized(o)).toBe(false);
    heap.decref(o);
    expect(calls).toBe(2);
    keep = false;
    heap.decref(o);
    expect(calls).toBe(3);
    expect(heap.stats().resurrections).toBe(2);
    expect(heap.stats().liveObjects).toBe(0);
  });

  it('a finalizer may make the object immortal', () => {
    const env = makeEnv();
    const { heap } = env;
    const T = slotsType(heap, 'T', 0, { finalize: (h, o) => h.makeImmortal(o) });
    const t = heap.alloc(T);
    heap.decref(t);
    expect(heap.isImmortal(t)).toBe(true);
    heap.decref(t);
    expect(heap.stats().liveObjects).toBe(1);
    env.keep = 1;
  });

  it('an untracked object resurrected stays untracked; a tracked one with a collector stays tracked', () => {
    const collector = new FakeCollector({ deallocating: true });
    const { heap } = makeEnv({ collector });
    let saved: Addr[] = [];
    const trackedInFinalizer: boolean[] = [];
    const T = slotsType(heap, 'T', 0, {
      finalize(h, o) {
        trackedInFinalizer.push(h.isTracked(o)); // re-tracked while __del__ runs, if it was
        h.incref(o);
        saved.push(o);
      },
    });
    const a = heap.alloc(T);
    const b = heap.alloc(T);
    heap.track(a);
    heap.decref(a);
    heap.decref(b);
    expect(trackedInFinalizer).toEqual([true, false]);
    expect(heap.isTracked(a)).toBe(true);
    expect(heap.isTracked(b)).toBe(false);
    const objs = saved;
    saved = [];
    objs.forEach((o) => heap.decref(o));
    expect(heap.stats().liveObjects).toBe(0);
  });
});

describe('legacy finalizers (tp_del)', () => {
  it('run after weakref callbacks, may resurrect, and run again every time', () => {
    const { heap } = makeEnv();
    const log: string[] = [];
    let resurrect = true;
    const T = slotsType(heap, 'WithDel', 0, {
      finalize: () => log.push('finalize'),
      legacyFinalize(h, o) {
        log.push('tp_del');
        if (resurrect) h.incref(o);
      },
    });
    const t = heap.alloc(T);
    const wr = heap.newWeakref(t, () => log.push('callback'));
    heap.decref(t);
    expect(log).toEqual(['finalize', 'callback', 'tp_del']);
    expect(heap.refcnt(t)).toBe(1);
    expect(heap.weakrefGet(wr)).toBe(0); // cleared before tp_del
    resurrect = false;
    heap.decref(t);
    expect(log).toEqual(['finalize', 'callback', 'tp_del', 'tp_del']);
    expect(heap.stats().legacyFinalizersCalled).toBe(2);
    heap.decref(wr);
  });
});

describe('ObjectSpace.finalize (the collector path)', () => {
  it('calls the type finalizer, counts it, reports its errors', () => {
    const { heap, unraisable } = makeEnv();
    const T = slotsType(heap, 'T', 0, {
      finalize() {
        throw new Error('boom');
      },
    });
    const N = slotsType(heap, 'N', 0);
    const t = heap.alloc(T);
    const n = heap.alloc(N);
    heap.finalize(t);
    heap.finalize(n); // no finalizer: nothing
    expect(heap.stats().finalizersCalled).toBe(1);
    expect(unraisable.length).toBe(1);
    expect(unraisable[0][1]).toContain('<T 0x');
    // A GC object the collector already finalized is not finalized again on refcount death.
    heap.u32[(t >>> 2) + 1] |= 1 << 16; // OBF_FINALIZED, as the collector sets it
    heap.decref(t);
    heap.decref(n);
    expect(heap.stats().finalizersCalled).toBe(1);
  });
});
