/**
 * Reference counts after each operation, against what CPython reports as
 * sys.getrefcount(x) − 1 for the same Python statements (spec b.2, b.8).
 */
import { IMMORTAL_REFCNT } from '@pyheap/interface';
import { afterEach, describe, expect, it } from 'vitest';
import type { PyRuntime } from '../src/index.js';
import { expectBaseline, setup, type Baseline } from './helpers.js';

let rt: PyRuntime;
let base: Baseline;

function fresh(): void {
  ({ rt, base } = setup());
}

afterEach(() => expectBaseline(rt, base));

describe('refcounts as CPython reports them', () => {
  it('x = []; a.append(x); t = (x,); d["k"] = x; s.attr = x', () => {
    fresh();
    const x = rt.list.new(); // x = []
    expect(rt.refcnt(x)).toBe(1);
    const a = rt.list.new();
    rt.list.append(a, x); // a.append(x)
    expect(rt.refcnt(x)).toBe(2);
    const t = rt.tuple.new([x]); // t = (x,)
    expect(rt.refcnt(x)).toBe(3);
    const d = rt.dict.new();
    const k = rt.str.new('k');
    rt.dict.set(d, k, x); // d['k'] = x
    expect(rt.refcnt(x)).toBe(4);
    const C = rt.cls.new('C');
    const c = rt.instance.new(C);
    rt.instance.setAttr(c, 'attr', x); // c.attr = x
    expect(rt.refcnt(x)).toBe(5);
    rt.dict.set(d, k, x); // d['k'] = x again: same value, same count
    expect(rt.refcnt(x)).toBe(5);
    const y = rt.list.pop(a); // y = a.pop(): the list's reference moves to y
    expect(rt.refcnt(x)).toBe(5);
    rt.decref(y); // del y
    expect(rt.refcnt(x)).toBe(4);
    rt.decref(t); // del t
    expect(rt.refcnt(x)).toBe(3);
    rt.dict.delete(d, k); // del d['k']
    expect(rt.refcnt(x)).toBe(2);
    rt.instance.delAttr(c, 'attr'); // del c.attr
    expect(rt.refcnt(x)).toBe(1);
    for (const o of [x, a, d, k, c, C]) rt.decref(o);
  });

  it('list operations: insert, set, delete, clear', () => {
    fresh();
    const x = rt.list.new();
    const z = rt.list.new();
    const a = rt.list.new([x, x, x]); // a = [x, x, x]
    expect(rt.refcnt(x)).toBe(4);
    rt.list.insert(a, 0, x); // a.insert(0, x)
    expect(rt.refcnt(x)).toBe(5);
    rt.list.set(a, 1, z); // a[1] = z
    expect(rt.refcnt(x)).toBe(4);
    expect(rt.refcnt(z)).toBe(2);
    rt.list.delete(a, -1); // del a[-1]
    expect(rt.refcnt(x)).toBe(3);
    rt.list.clear(a); // a.clear()
    expect(rt.refcnt(x)).toBe(1);
    expect(rt.refcnt(z)).toBe(1);
    expect(rt.list.len(a)).toBe(0);
    for (const o of [x, z, a]) rt.decref(o);
  });

  it('dict keys: an equal key keeps the first key object (insertdict)', () => {
    fresh();
    const k1 = rt.str.new('key'); // k1 = ''.join(['ke', 'y'])
    const k2 = rt.str.new('key'); // k2: equal, distinct
    expect(k1).not.toBe(k2);
    const v1 = rt.list.new();
    const v2 = rt.list.new();
    const d = rt.dict.new();
    rt.dict.set(d, k1, v1); // d[k1] = v1
    expect([rt.refcnt(k1), rt.refcnt(v1)]).toEqual([2, 2]);
    rt.dict.set(d, k2, v2); // d[k2] = v2 replaces the value, keeps k1
    expect([rt.refcnt(k1), rt.refcnt(k2), rt.refcnt(v1), rt.refcnt(v2)]).toEqual([2, 1, 1, 2]);
    expect(rt.dict.keys(d)).toEqual([k1]);
    const v = rt.dict.pop(d, k2); // v = d.pop(k2): the dict's reference moves to v
    expect(v).toBe(v2);
    expect([rt.refcnt(k1), rt.refcnt(v2)]).toEqual([1, 2]);
    rt.decref(v);
    for (const o of [k1, k2, v1, v2, d]) rt.decref(o);
  });

  it('dict.clear and dict.copy', () => {
    fresh();
    const x = rt.list.new();
    const d = rt.fromJS({ a: null, b: null });
    rt.dict.set(d, rt.dict.keys(d)[0], x);
    expect(rt.refcnt(x)).toBe(2);
    const e = rt.dict.copy(d); // e = d.copy()
    expect(rt.refcnt(x)).toBe(3);
    rt.dict.clear(d); // d.clear()
    expect(rt.refcnt(x)).toBe(2);
    rt.decref(e);
    expect(rt.refcnt(x)).toBe(1);
    rt.decref(d);
    rt.decref(x);
  });

  it('instances hold their class; weakrefs hold nothing', () => {
    fresh();
    const C = rt.cls.new('C');
    expect(rt.refcnt(C)).toBe(1);
    const c1 = rt.instance.new(C);
    const c2 = rt.instance.new(C);
    expect(rt.refcnt(C)).toBe(3);
    const w = rt.weakref.new(c1); // w = weakref.ref(c1)
    expect(rt.refcnt(c1)).toBe(1);
    expect(rt.weakref.count(c1)).toBe(1);
    const w2 = rt.weakref.new(c1); // the callback-less weakref is shared
    expect(w2).toBe(w);
    expect(rt.refcnt(w)).toBe(2);
    rt.decref(w2);
    rt.decref(c1);
    expect(rt.refcnt(C)).toBe(2);
    expect(rt.weakref.get(w)).toBe(rt.None);
    for (const o of [w, c2, C]) rt.decref(o);
  });

  it('immortal singletons: None, bools, small ints, empty str/bytes/tuple, Latin-1 chars', () => {
    fresh();
    for (const o of [rt.None, rt.True, rt.False, rt.emptyTuple, rt.emptyStr, rt.emptyBytes]) {
      expect(rt.refcnt(o)).toBe(IMMORTAL_REFCNT);
    }
    expect(rt.int.new(256)).toBe(rt.int.new(256));
    expect(rt.int.new(-5)).toBe(rt.int.new(-5));
    expect(rt.refcnt(rt.int.new(0))).toBe(IMMORTAL_REFCNT);
    expect(rt.str.new('a')).toBe(rt.str.new('a'));
    expect(rt.str.new('é')).toBe(rt.str.new('é'));
    expect(rt.tuple.new([])).toBe(rt.emptyTuple);
    // Storing them anywhere leaves the count alone (PEP 683).
    const l = rt.list.new([rt.None, rt.None]);
    expect(rt.refcnt(rt.None)).toBe(IMMORTAL_REFCNT);
    rt.decref(l);
    const big = rt.int.new(257); // outside the cache: a new object each time
    const big2 = rt.int.new(257);
    expect(big).not.toBe(big2);
    expect(rt.refcnt(big)).toBe(1);
    rt.decref(big);
    rt.decref(big2);
  });
});
