import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PyRuntime } from '../src/index.js';
import { expectBaseline, setup, type Baseline } from './helpers.js';

let rt: PyRuntime;
let base: Baseline;

beforeEach(() => ({ rt, base } = setup()));
afterEach(() => expectBaseline(rt, base));

function ints(l: number): number[] {
  return rt.list.items(l).map((x) => rt.int.value(x));
}

describe('list growth and shrink (list_resize)', () => {
  it('over-allocates 0, 4, 8, 16, 24, 32, 40, 52, 64, 76 on appends', () => {
    const l = rt.list.new();
    const seen: number[] = [rt.list.allocated(l)];
    for (let i = 0; i < 70; i++) {
      rt.list.append(l, rt.int.new(i));
      const a = rt.list.allocated(l);
      if (a !== seen[seen.length - 1]) seen.push(a);
    }
    expect(seen).toEqual([0, 4, 8, 16, 24, 32, 40, 52, 64, 76]);
    // The block really is that big.
    rt.checkObject(l);
    rt.decref(l);
  });

  it('shrinks when the size falls below half the allocation, to newsize + newsize/8 + 6', () => {
    const l = rt.list.new();
    for (let i = 0; i < 70; i++) rt.list.append(l, rt.int.new(i));
    expect(rt.list.allocated(l)).toBe(76);
    while (rt.list.len(l) > 38) rt.decref(rt.list.pop(l));
    expect(rt.list.allocated(l)).toBe(76); // 38 >= 76/2: no realloc
    rt.decref(rt.list.pop(l)); // 37 < 38: (37 + 4 + 6) & ~3 = 44
    expect(rt.list.allocated(l)).toBe(44);
    while (rt.list.len(l) > 0) rt.decref(rt.list.pop(l));
    expect(rt.list.allocated(l)).toBe(0); // an empty list frees its block
    rt.checkObject(l);
    rt.decref(l);
  });

  it('list.new(items) allocates exactly; a big extend-like jump is not over-allocated', () => {
    const items = Array.from({ length: 10 }, (_, i) => rt.int.new(i));
    const l = rt.list.new(items);
    expect(rt.list.allocated(l)).toBe(10);
    rt.list.append(l, rt.None); // (11 + 1 + 6) & ~3 = 16
    expect(rt.list.allocated(l)).toBe(16);
    rt.decref(l);
  });

  it('clear frees the item block', () => {
    const l = rt.fromJS([1, 2, 3, [4]]);
    rt.list.clear(l);
    expect(rt.list.allocated(l)).toBe(0);
    expect(rt.list.len(l)).toBe(0);
    rt.decref(l);
  });
});

describe('list operations', () => {
  it('append, insert (clamped), get/set with negative indexes, pop, delete', () => {
    const l = rt.list.new();
    for (const v of [1, 2, 3]) rt.list.append(l, rt.int.new(v));
    rt.list.insert(l, 0, rt.int.new(0)); // [0, 1, 2, 3]
    rt.list.insert(l, -1, rt.int.new(9)); // before the last: [0, 1, 2, 9, 3]
    rt.list.insert(l, 100, rt.int.new(7)); // clamped to the end
    rt.list.insert(l, -100, rt.int.new(-1)); // clamped to the start
    expect(ints(l)).toEqual([-1, 0, 1, 2, 9, 3, 7]);
    expect(rt.int.value(rt.list.get(l, -1))).toBe(7);
    expect(rt.int.value(rt.list.get(l, 0))).toBe(-1);
    rt.list.set(l, -2, rt.int.new(33));
    expect(ints(l)).toEqual([-1, 0, 1, 2, 9, 33, 7]);
    const p = rt.list.pop(l, 1);
    expect(rt.int.value(p)).toBe(0);
    rt.list.delete(l, 0);
    expect(ints(l)).toEqual([1, 2, 9, 33, 7]);
    expect(rt.int.value(rt.list.pop(l))).toBe(7);
    expect(rt.int.value(rt.list.pop(l, -2))).toBe(9);
    expect(ints(l)).toEqual([1, 2, 33]);
    rt.checkObject(l);
    rt.decref(l);
  });

  it('a list can hold itself and the refcount says so', () => {
    const l = rt.list.new();
    rt.list.append(l, l);
    expect(rt.refcnt(l)).toBe(2);
    expect(rt.repr(l)).toBe('[[[[[...]]]]]');
    rt.list.clear(l); // break the cycle by hand (no collector here)
    expect(rt.refcnt(l)).toBe(1);
    rt.decref(l);
  });

  it('traverse visits items last to first (gc.get_referents([2, 3]) == [3, 2]), tuples too', () => {
    const l = rt.fromJS([2, 3]);
    const t = rt.fromJS(Object.freeze([4, 5, 6]));
    const seen: number[] = [];
    rt.heap.traverse(l, { visit: (r) => seen.push(rt.int.value(r)) });
    rt.heap.traverse(t, { visit: (r) => seen.push(rt.int.value(r)) });
    expect(seen).toEqual([3, 2, 6, 5, 4]);
    rt.decref(l);
    rt.decref(t);
  });

  it('a finalizer that appends to the list being cleared sees an empty list', () => {
    const l = rt.list.new();
    let lenSeen = -1;
    const C = rt.cls.new('C', {
      finalize: (r) => {
        lenSeen = r.list.len(l);
        const v = r.int.new(1000);
        r.list.append(l, v);
        r.decref(v);
      },
    });
    const c = rt.instance.new(C);
    rt.list.append(l, rt.int.new(1));
    rt.list.append(l, c);
    rt.list.append(l, rt.int.new(2));
    rt.decref(c);
    rt.list.clear(l);
    expect(lenSeen).toBe(0);
    expect(ints(l)).toEqual([1000]);
    rt.decref(l);
    rt.decref(C);
  });

  it("l[i] = x: the old item's finalizer already sees x in its place (Py_SETREF order)", () => {
    const l = rt.list.new();
    const seen: number[] = [];
    const C = rt.cls.new('C', { finalize: (r) => seen.push(r.list.get(l, 0)) });
    const c = rt.instance.new(C);
    rt.list.append(l, c);
    rt.decref(c);
    const x = rt.int.new(1000);
    rt.list.set(l, 0, x);
    expect(seen).toEqual([x]);
    rt.decref(x);
    rt.decref(l);
    rt.decref(C);
  });
});
