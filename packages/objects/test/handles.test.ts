/** The safe layer: PyHandle owns one reference; `using`, clone, release, the safety net. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { PyHandle, type PyRuntime } from '../src/index.js';
import { expectBaseline, setup, type Baseline } from './helpers.js';

let rt: PyRuntime;
let base: Baseline;

afterEach(() => expectBaseline(rt, base));

describe('PyHandle', () => {
  it('`using` releases the reference at the end of the block', () => {
    ({ rt, base } = setup());
    let addr = 0;
    {
      using h = rt.newHandle({ a: [1, 2] });
      addr = h.addr;
      expect(h.refcnt).toBe(1);
      using a = h.get('a'); // a new handle: its own reference
      expect(a.refcnt).toBe(2);
      a.append(3);
      a.append(h); // a handle as an argument: borrowed for the call
      expect(h.refcnt).toBe(2);
      a.delete(-1);
      expect(h.toJS()).toEqual(new Map([['a', [1, 2, 3]]]));
      expect(String(h)).toBe("{'a': [1, 2, 3]}");
      expect(h.len()).toBe(1);
      expect(a.typeName).toBe('list');
    }
    expect(addr).not.toBe(0);
    expect(rt.stats().heap.liveObjects).toBe(base.liveObjects);
  });

  it('clone, release, borrow, set on dicts/lists/instances', () => {
    ({ rt, base } = setup());
    const h = rt.newHandle([0, 0]);
    const h2 = h.clone();
    expect(h.refcnt).toBe(2);
    h2.set(1, 'x');
    expect(h.toJS()).toEqual([0, 'x']);
    const raw = h2.release(); // the reference is ours now
    expect(h2.disposed).toBe(true);
    expect(rt.refcnt(raw)).toBe(2);
    rt.decref(raw);
    const b = rt.borrow(h.addr);
    expect(h.refcnt).toBe(2);
    b.dispose();
    h.dispose();

    const C = rt.cls.new('C');
    using obj = rt.handle(rt.instance.new(C));
    rt.decref(C);
    obj.set('name', 'value');
    obj.set('n', 5);
    using n = obj.get('n');
    expect(n.toJS()).toBe(5);
    expect(obj.toJS()).toEqual({ __class__: 'C', name: 'value', n: 5 });
    obj.delete('name');
    using d = rt.newHandle(new Map([[Object.freeze([1, 2]), 'pair']]));
    using v = d.get(Object.freeze([1, 2]));
    expect(v.toJS()).toBe('pair');
    d.set(Object.freeze([3]), [obj]);
    expect(d.len()).toBe(2);
    d.delete(Object.freeze([3]));
  });

  it('the safety net releases handles that JS collected without dispose()', async () => {
    ({ rt, base } = setup({ handleSafetyNet: true }));
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    (() => {
      for (let i = 0; i < 10; i++) rt.newHandle([i, [i]]);
    })();
    for (let k = 0; k < 50 && rt.stats().leakedHandles < 10; k++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(rt.stats().leakedHandles).toBe(10);
    const kept = rt.newHandle([1]); // a disposed handle is unregistered: never released twice
    kept.dispose();
    gc();
    await new Promise((r) => setTimeout(r, 10));
    expect(rt.stats().leakedHandles).toBe(10);
    expect(kept).toBeInstanceOf(PyHandle);
  });
});
