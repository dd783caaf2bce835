/**
 * Which objects are tracked (spec c.2), observed through the refcount core's tracking call
 * path: its header bit in refcount-only mode, a real Collector (tracking only) otherwise.
 * The collector's lazy untracking step is driven by TrackingCollector.untrackPass, which
 * asks ObjectSpace.mayUntrack exactly as a collection does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PyRuntime } from '../src/index.js';
import { TrackingCollector, expectBaseline, setup, type Baseline } from './helpers.js';

let rt: PyRuntime;
let base: Baseline;

afterEach(() => expectBaseline(rt, base));

describe.each([
  ['refcount only', false],
  ['with a collector', true],
])('tracking at creation and on insertion (%s)', (_name, withCollector) => {
  function fresh(): void {
    ({ rt, base } = setup(withCollector ? { collector: new TrackingCollector() } : {}));
    expect(rt.heap.prefixBytes).toBe(withCollector ? 16 : 0);
  }

  it('atoms are never tracked; lists, classes, instances, weakrefs are, at creation', () => {
    fresh();
    const atoms = [rt.int.new(1000), rt.float.new(1.5), rt.str.new('xyz'), rt.bytes.new([1, 2])];
    for (const a of [...atoms, rt.None, rt.True, rt.int.new(1), rt.emptyStr])
      expect(rt.isTracked(a)).toBe(false);
    const l = rt.list.new();
    const C = rt.cls.new('C');
    const c = rt.instance.new(C);
    const w = rt.weakref.new(c);
    for (const o of [l, C, c, w]) expect(rt.isTracked(o)).toBe(true);
    for (const o of [...atoms, l, w, c, C]) rt.decref(o);
  });

  it('tuples: tracked at creation except (); mayUntrack when no item may be tracked', () => {
    fresh();
    expect(rt.isTracked(rt.emptyTuple)).toBe(false);
    const atomsOnly = rt.fromJS(Object.freeze([1, 'a', null, 2.5]));
    const withList = rt.fromJS(Object.freeze([1, []]));
    expect(rt.isTracked(atomsOnly)).toBe(true);
    expect(rt.isTracked(withList)).toBe(true);
    expect(rt.heap.mayUntrack(atomsOnly)).toBe(true);
    expect(rt.heap.mayUntrack(withList)).toBe(false);
    // A tuple holding a tracked tuple may not be untracked; once the inner one is, it may.
    const outer = rt.tuple.new([atomsOnly]);
    expect(rt.heap.mayUntrack(outer)).toBe(false);
    rt.heap.untrack(atomsOnly);
    expect(rt.heap.mayUntrack(outer)).toBe(true);
    // Under construction (a NULL item): never untracked.
    const partial = rt.tuple.alloc(2);
    rt.tuple.init(partial, 0, rt.int.new(1));
    expect(rt.heap.mayUntrack(partial)).toBe(false);
    for (const o of [atomsOnly, withList, outer, partial]) rt.decref(o);
  });

  it('dicts: new and atom-only dicts untracked; a value or key that may be tracked tracks them', () => {
    fresh();
    const d = rt.dict.new(); // {}
    expect(rt.isTracked(d)).toBe(false);
    const a = rt.str.new('a');
    rt.dict.set(d, a, rt.int.new(1)); // {'a': 1}
    expect(rt.isTracked(d)).toBe(false);
    const l = rt.list.new();
    const b = rt.str.new('b');
    rt.dict.set(d, b, l); // {'a': 1, 'b': []}
    expect(rt.isTracked(d)).toBe(true);
    rt.dict.delete(d, b); // never re-untracked on removal
    expect(rt.isTracked(d)).toBe(true);
    expect(rt.heap.mayUntrack(d)).toBe(true);

    const e = rt.dict.new();
    const t = rt.fromJS(Object.freeze([1, 2]));
    rt.dict.set(e, a, t); // a tracked tuple value may be tracked
    expect(rt.isTracked(e)).toBe(true);
    expect(rt.heap.mayUntrack(e)).toBe(false);
    rt.heap.untrack(t);
    expect(rt.heap.mayUntrack(e)).toBe(true);
    const f = rt.dict.new();
    rt.dict.set(f, a, t); // …an untracked one may not
    expect(rt.isTracked(f)).toBe(false);

    const g = rt.dict.new();
    const tk = rt.fromJS(Object.freeze([3, 4])); // tracked tuple as a key
    rt.dict.set(g, tk, rt.None);
    expect(rt.isTracked(g)).toBe(true);
    expect(rt.heap.mayUntrack(g)).toBe(false); // general table: keys count too
    for (const o of [d, a, l, b, e, t, f, g, tk]) rt.decref(o);
  });

  it('replacing a value tracks the dict when the key passed in may be tracked (insertdict)', () => {
    fresh();
    // d = {(3, 4): None}; both untracked by collections; then d[(3, 4)] = 1 with a fresh,
    // tracked, equal tuple: MAINTAIN_TRACKING(mp, key, value) sees that key and tracks d,
    // although the entry keeps its first key object.
    const d = rt.dict.new();
    const k1 = rt.fromJS(Object.freeze([3, 4]));
    rt.dict.set(d, k1, rt.None);
    rt.heap.untrack(k1);
    rt.heap.untrack(d);
    const k2 = rt.fromJS(Object.freeze([3, 4]));
    expect(rt.isTracked(k2)).toBe(true);
    rt.dict.set(d, k2, rt.int.new(1));
    expect(rt.dict.len(d)).toBe(1);
    expect(rt.dict.keyAt(d, 0)).toBe(k1);
    expect(rt.isTracked(d)).toBe(true);
    // An untracked equal key and an atom value leave an untracked dict alone.
    rt.heap.untrack(d);
    rt.heap.untrack(k2);
    rt.dict.set(d, k2, rt.int.new(2));
    expect(rt.isTracked(d)).toBe(false);
    for (const o of [d, k1, k2]) rt.decref(o);
  });

  it("an instance's own dict is not a GC object; handed out, it is an ordinary dict", () => {
    fresh();
    const C = rt.cls.new('C');
    const c = rt.instance.new(C);
    rt.instance.setAttr(c, 'me', c); // c.me = c: a self-cycle
    const seen: number[] = [];
    rt.heap.traverse(c, { visit: (r) => seen.push(r) });
    expect(seen).toEqual([c, C]); // the dict's values, then the class (subtype_traverse)
    const d = rt.instance.dict(c); // c.__dict__
    expect(rt.isTracked(d)).toBe(true); // holds c, which may be tracked
    seen.length = 0;
    rt.heap.traverse(c, { visit: (r) => seen.push(r) });
    expect(seen).toEqual([d, C]);
    rt.dict.clear(d); // break the cycle by hand
    for (const o of [d, c, C]) rt.decref(o);
  });
});

describe('lazy untracking driven like a collection', () => {
  function fresh(): TrackingCollector {
    const collector = new TrackingCollector();
    ({ rt, base } = setup({ collector }));
    return collector;
  }

  it('a tuple of atoms is untracked by the first collection, a dict only by a full one', () => {
    const gc = fresh();
    const t = rt.fromJS(Object.freeze([1, 'a']));
    const d = rt.fromJS({ k: [] });
    rt.dict.delete(d, rt.dict.keys(d)[0]);
    expect([rt.isTracked(t), rt.isTracked(d)]).toEqual([true, true]);
    gc.untrackPass(false); // collect(0)
    expect([rt.isTracked(t), rt.isTracked(d)]).toEqual([false, true]);
    gc.untrackPass(true); // collect(2)
    expect(rt.isTracked(d)).toBe(false);
    rt.decref(t);
    rt.decref(d);
  });

  it('nested tuples: one pass when inner ones come first, two when the outer does', () => {
    const gc = fresh();
    const inner1 = rt.tuple.new([rt.int.new(1), rt.int.new(2)]);
    const innerFirst = rt.tuple.new([inner1, rt.int.new(3)]);
    rt.decref(inner1);
    gc.untrackPass(false);
    expect(rt.isTracked(innerFirst)).toBe(false);
    const outerFirst = rt.tuple.alloc(1); // tracked before its item exists
    rt.tuple.init(outerFirst, 0, rt.tuple.new([rt.int.new(1)]));
    const inner = rt.tuple.get(outerFirst, 0);
    gc.untrackPass(false);
    expect([rt.isTracked(outerFirst), rt.isTracked(inner)]).toEqual([true, false]);
    gc.untrackPass(false);
    expect(rt.isTracked(outerFirst)).toBe(false);
    rt.decref(innerFirst);
    rt.decref(outerFirst);
  });

  it('a dict whose tuple was untracked becomes untrackable on a full pass', () => {
    const gc = fresh();
    const d = rt.fromJS({ t: Object.freeze([1, 2]) });
    expect(rt.isTracked(d)).toBe(true);
    gc.untrackPass(true); // the tuple goes first (created first), then the dict
    expect(rt.isTracked(d)).toBe(false);
    rt.decref(d);
  });

  it('check() walks every tracked object', () => {
    fresh();
    const x = rt.fromJS([{ a: Object.freeze([1, [2]]) }, 'b']);
    rt.check();
    rt.decref(x);
  });
});
