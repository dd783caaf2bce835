import { describe, expect, it } from 'vitest';
import { OBF_HAS_WEAKREFS, OB_TYPE_IDX, type Addr } from '@pyheap/interface';
import { FakeCollector } from './fake-collector.js';
import { codeOf, makeEnv, slotsType, useLeakCheck } from './helpers.js';

useLeakCheck();

describe('creating weak references', () => {
  it('only to weakrefable types (TypeError), and nothing changes on failure', () => {
    const { heap } = makeEnv();
    const Int = heap.registerType({ name: 'int', basicSize: 16 });
    const i = heap.alloc(Int);
    let err: unknown;
    try {
      heap.newWeakref(i);
    } catch (e) {
      err = e;
    }
    expect((err as { code: string }).code).toBe('E_TYPE_ERROR');
    expect((err as Error).message).toBe("cannot create weak reference to 'int' object");
    expect(heap.stats().allocated).toBe(1);
    const C = slotsType(heap, 'C', 0);
    const c = heap.alloc(C);
    const wr = heap.newWeakref(c);
    expect(codeOf(() => heap.newWeakref(wr))).toBe('E_TYPE_ERROR'); // weakrefs are not weakrefable
    expect(codeOf(() => heap.newWeakref(c, 42 as never))).toBe('E_TYPE_ERROR');
    expect(codeOf(() => heap.weakrefGet(c))).toBe('E_TYPE_ERROR');
    expect(heap.weakrefCount(c)).toBe(1);
    expect(heap.weakrefCount(i)).toBe(0);
    heap.decref(wr);
    heap.decref(c);
    heap.decref(i);
  });

  it('callback-less weakrefs are shared; callback ones are distinct; the referent count is untouched', () => {
    const { heap } = makeEnv();
    const C = slotsType(heap, 'C', 0);
    const c = heap.alloc(C);
    const r1 = heap.newWeakref(c);
    const r2 = heap.newWeakref(c);
    expect(r2).toBe(r1);
    expect(heap.refcnt(r1)).toBe(2);
    expect(heap.refcnt(c)).toBe(1);
    const cb = (): void => {};
    const r3 = heap.newWeakref(c, cb);
    const r4 = heap.newWeakref(c, cb);
    expect(new Set([r1, r3, r4]).size).toBe(3);
    expect(heap.weakrefCount(c)).toBe(3);
    expect(heap.weakrefGet(r1)).toBe(c);
    expect(heap.weakrefGet(r3)).toBe(c);
    expect(heap.typeName(r1)).toBe('weakref.ReferenceType');
    expect(heap.describe(r1)).toBe(`<weakref.ReferenceType 0x${r1.toString(16)}>`);
    expect(heap.isTracked(r1)).toBe(true); // weakrefs are tracked GC containers
    expect(heap.u32[(c >>> 2) + OB_TYPE_IDX] & OBF_HAS_WEAKREFS).toBe(OBF_HAS_WEAKREFS);
    for (const r of [r1, r1, r3, r4]) heap.decref(r);
    expect(heap.weakrefCount(c)).toBe(0);
    expect(heap.u32[(c >>> 2) + OB_TYPE_IDX] & OBF_HAS_WEAKREFS).toBe(0);
    heap.decref(c);
  });

  it('a new shared weakref is made once the old one died', () => {
    const { heap } = makeEnv();
    const C = slotsType(heap, 'C', 0);
    const c = heap.alloc(C);
    const r1 = heap.newWeakref(c, () => {});
    const r2 = heap.newWeakref(c);
    heap.decref(r2);
    const r3 = heap.newWeakref(c);
    expect(heap.refcnt(r3)).toBe(1);
    expect(heap.weakrefCount(c)).toBe(2);
    heap.decref(c);
    expect(heap.weakrefGet(r3)).toBe(0);
    heap.decref(r1);
    heap.decref(r3);
  });

  it('a collection run by the allocation of a new weakref may make the shared one: that one is returned', () => {
    // CPython's PyWeakref_NewRef: new_weakref() can trigger the cyclic GC, whose finalizers
    // may add a callback-less ref meanwhile; it looks again and returns that one instead.
    const collector = new FakeCollector({ containerAllocated: true, deallocating: true });
    const { heap } = makeEnv({ collector });
    const C = slotsType(heap, 'C', 0);
    const c = heap.alloc(C);
    let madeDuringGc = 0;
    collector.onAllocated = () => {
      collector.onAllocated = null;
      madeDuringGc = heap.newWeakref(c); // a finalizer doing weakref.ref(c)
    };
    const wr = heap.newWeakref(c);
    expect(madeDuringGc).not.toBe(0);
    expect(wr).toBe(madeDuringGc);
    expect(heap.refcnt(wr)).toBe(2);
    expect(heap.weakrefCount(c)).toBe(1);
    expect(heap.stats().liveObjects).toBe(2); // c and the one weakref: the spare one was freed
    heap.check();
    // With a callback the new weakref is distinct and goes after the shared one.
    collector.onAllocated = () => {
      collector.onAllocated = null;
      heap.decref(heap.newWeakref(c, () => {}));
    };
    const cbRef = heap.newWeakref(c, () => {});
    expect(cbRef).not.toBe(wr);
    expect(heap.weakrefCount(c)).toBe(2);
    heap.check();
    heap.decref(cbRef);
    heap.decref(wr);
    heap.decref(wr);
    heap.decref(c);
  });
});

describe('weak references on refcount death (PyObject_ClearWeakRefs)', () => {
  it('all cleared first, then callbacks newest first, after the finalizer', () => {
    const { heap } = makeEnv();
    const log: string[] = [];
    const refs: Addr[] = [];
    const T = slotsType(heap, 'T', 0, {
      finalize: (h, o) => log.push(`finalize, weakref alive: ${h.weakrefGet(refs[0]) === o}`),
    });
    const t = heap.alloc(T);
    const basic = heap.newWeakref(t);
    for (let k = 1; k <= 3; k++) {
      refs.push(
        heap.newWeakref(t, (wr) => {
          const alive = [basic, ...refs].filter((r) => heap.weakrefGet(r) !== 0).length;
          log.push(`callback ${k} (wr ${wr === refs[k - 1]}, ${alive} alive)`);
        }),
      );
    }
    heap.decref(t);
    expect(log).toEqual([
      'finalize, weakref alive: true',
      'callback 3 (wr true, 0 alive)',
      'callback 2 (wr true, 0 alive)',
      'callback 1 (wr true, 0 alive)',
    ]);
    expect(heap.stats().weakrefCallbacksCalled).toBe(3);
    for (const r of [basic, ...refs]) heap.decref(r);
  });

  it("a callback's exception goes to the unraisable hook and the others still run", () => {
    const { heap, unraisable } = makeEnv();
    const C = slotsType(heap, 'C', 0);
    const c = heap.alloc(C);
    const ran: number[] = [];
    const r1 = heap.newWeakref(c, () => ran.push(1));
    const r2 = heap.newWeakref(c, () => {
      throw new Error('callback failed');
    });
    const r3 = heap.newWeakref(c, () => ran.push(3));
    heap.decref(c);
    expect(ran).toEqual([3, 1]);
    expect(unraisable.length).toBe(1);
    expect((unraisable[0][0] as Error).message).toBe('callback failed');
    expect(unraisable[0][1]).toBe(
      `Exception ignored while calling weakref callback of ${heap.describe(r2)}`,
    );
    for (const r of [r1, r2, r3]) heap.decref(r);
  });

  it('a weakref that died first is unlinked and its callback never runs', () => {
    const { heap } = makeEnv();
    const C = slotsType(heap, 'C', 0);
    const c = heap.alloc(C);
    let called = 0;
    const r = heap.newWeakref(c, () => called++);
    heap.decref(r);
    expect(heap.weakrefCount(c)).toBe(0);
    expect(heap.stats().linkedWeakrefs).toBe(0);
    heap.decref(c);
    expect(called).toBe(0);
  });

  it('callbacks hold their weakref: dropping another weakref inside a callback still lets it run', () => {
    const { heap } = makeEnv();
    const C = slotsType(heap, 'C', 0);
    const c = heap.alloc(C);
    const ran: string[] = [];
    const r1 = heap.newWeakref(c, () => ran.push('r1'));
    const r2 = heap.newWeakref(c, () => {
      ran.push('r2');
      heap.decref(r1); // our only reference to r1: the clearing holds another one
      ran.push(`r1 alive: ${heap.refcnt(r1)}`);
    });
    const r3 = heap.newWeakref(c, () => ran.push('r3'));
    heap.decref(c);
    expect(ran).toEqual(['r3', 'r2', 'r1 alive: 1', 'r1']);
    expect(heap.stats().liveObjects).toBe(2); // r1 died after its callback
    heap.decref(r2);
    heap.decref(r3);
  });

  it('a resurrected object keeps its weakrefs; weakrefs made by __del__ still get their callbacks', () => {
    const { heap } = makeEnv();
    let late = 0;
    let lateCalled = 0;
    let resurrect = true;
    const T = slotsType(heap, 'T', 0, {
      finalize(h, o) {
        late = h.newWeakref(o, () => lateCalled++);
        if (resurrect) h.incref(o);
      },
    });
    const t = heap.alloc(T);
    const early = heap.newWeakref(t, () => {});
    heap.decref(t); // resurrected: both weakrefs still point at it
    expect(heap.weakrefGet(early)).toBe(t);
    expect(heap.weakrefGet(late)).toBe(t);
    resurrect = false;
    heap.decref(t); // GC type: no second __del__; the callbacks of both run
    expect(heap.weakrefGet(early)).toBe(0);
    expect(lateCalled).toBe(1);
    heap.decref(late);
    heap.decref(early);
  });

  it('weakrefs made by a legacy tp_del are cleared without their callbacks', () => {
    const { heap } = makeEnv();
    let made = 0;
    let called = 0;
    const T = slotsType(heap, 'T', 0, {
      legacyFinalize(h, o) {
        made = h.newWeakref(o, () => called++);
      },
    });
    heap.decref(heap.alloc(T));
    expect(called).toBe(0);
    expect(heap.weakrefGet(made)).toBe(0);
    expect(heap.stats().linkedWeakrefs).toBe(0);
    heap.decref(made);
  });
});

describe('the collector side (ObjectSpace)', () => {
  it('takeWeakrefs clears all and hands out the callback ones; callWeakrefCallback runs each once', () => {
    const { heap } = makeEnv();
    const C = slotsType(heap, 'C', 0);
    const c = heap.alloc(C);
    const ran: number[] = [];
    const basic = heap.newWeakref(c);
    const r1 = heap.newWeakref(c, () => ran.push(1));
    const r2 = heap.newWeakref(c, () => ran.push(2));
    const out: Addr[] = [];
    heap.takeWeakrefs(c, out);
    expect(out).toEqual([r2, r1]);
    expect([basic, r1, r2].map((r) => heap.weakrefGet(r))).toEqual([0, 0, 0]);
    expect(heap.weakrefCount(c)).toBe(0);
    expect(heap.u32[(c >>> 2) + OB_TYPE_IDX] & OBF_HAS_WEAKREFS).toBe(0);
    expect(ran).toEqual([]);
    heap.check();
    heap.callWeakrefCallback(r2);
    heap.callWeakrefCallback(r2);
    expect(ran).toEqual([2]);
    heap.clearWeakref(r1); // its callback is dropped
    heap.callWeakrefCallback(r1);
    expect(ran).toEqual([2]);
    heap.decref(c); // no weakrefs left: no callbacks
    expect(ran).toEqual([2]);
    for (const r of [basic, r1, r2]) heap.decref(r);
  });

  it('callWeakrefCallback refuses a weakref that is not cleared', () => {
    const { heap } = makeEnv();
    const C = slotsType(heap, 'C', 0);
    const c = heap.alloc(C);
    const r = heap.newWeakref(c, () => {});
    expect(codeOf(() => heap.callWeakrefCallback(r))).toBe('E_VALUE_ERROR');
    expect(heap.weakrefGet(r)).toBe(c);
    heap.clearWeakref(r);
    expect(heap.weakrefGet(r)).toBe(0);
    expect(heap.weakrefCount(c)).toBe(0);
    heap.decref(r);
    heap.decref(c);
  });
});
