/*
 * Stand-ins for the Python objects test_weakref uses that the heap has no shape for (see the
 * header of test-weakref-port.test.ts), and its Target class, shared by the files of the port.
 */
import type { Addr } from '@pyheap/interface';
import type { World } from './world.js';

/** A stand-in for a class object: an instance in a self-cycle (its __mro__ cycle). */
export function klass(w: World): Addr {
  const k = w.new();
  w.set(k, 3, k);
  return k;
}

/** An instance of a stand-in class: slot 3 holds the class (ob_type). */
export function instanceOf(w: World, k: Addr): Addr {
  const o = w.new();
  w.set(o, 3, k);
  return o;
}

/** The pure-Python side of weakref.finalize, over heap weakrefs (Lib/weakref.py). */
export function finalizeFactory(w: World) {
  const registry = new Map<Finalize, { wr: Addr; fn: () => unknown }>();
  class Finalize {
    constructor(obj: Addr, fn: () => unknown) {
      // info.weakref = ref(obj, self): the registry owns the weakref.
      const wr = w.heap.newWeakref(obj, () => this.call());
      registry.set(this, { wr, fn });
    }
    call(): unknown {
      const info = registry.get(this);
      if (info === undefined) return undefined;
      registry.delete(this);
      w.drop(info.wr);
      return info.fn();
    }
    detach(): [Addr, () => unknown] | undefined {
      const info = registry.get(this);
      const obj = info === undefined ? 0 : w.heap.weakrefGet(info.wr);
      if (info === undefined || obj === 0) return undefined;
      registry.delete(this);
      w.drop(info.wr);
      return [obj, info.fn];
    }
    peek(): [Addr, () => unknown] | undefined {
      const info = registry.get(this);
      const obj = info === undefined ? 0 : w.heap.weakrefGet(info.wr);
      return info === undefined || obj === 0 ? undefined : [obj, info.fn];
    }
    get alive(): boolean {
      return registry.has(this);
    }
  }
  return { Finalize, registry };
}

/**
 * test_ref_created_during_del's Target: its __del__ makes `ref(self)` and `ref(self, cb)`, where
 * cb records ['cb', what the ref gives]. Returns the class and a view of what __del__ made.
 */
export function targetMakingRefsInDel(w: World) {
  const made = { got: [] as unknown[], refFromDel: 0 as Addr, refFromDel2: 0 as Addr };
  const Target = w.cls('Target', {
    del: (self) => {
      made.refFromDel = w.heap.newWeakref(self);
      made.refFromDel2 = w.heap.newWeakref(self, (r) =>
        made.got.push(['cb', w.heap.weakrefGet(r)]),
      );
    },
  });
  return { Target, made };
}
