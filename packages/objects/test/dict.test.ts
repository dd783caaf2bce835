import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PyRuntime } from '../src/index.js';
import { codeOf, expectBaseline, setup, type Baseline } from './helpers.js';

let rt: PyRuntime;
let base: Baseline;

beforeEach(() => ({ rt, base } = setup()));
afterEach(() => expectBaseline(rt, base));

/** d[k] = v for JS values (temporary references released). */
function put(d: number, k: unknown, v: unknown): void {
  const key = rt.fromJS(k);
  const value = rt.fromJS(v);
  expect(rt.dict.set(d, key, value)).toBe(true);
  rt.decref(key);
  rt.decref(value);
}

function del(d: number, k: unknown): void {
  const key = rt.fromJS(k);
  rt.dict.delete(d, key);
  rt.decref(key);
}

function has(d: number, k: unknown): boolean {
  const key = rt.fromJS(k);
  const r = rt.dict.has(d, key);
  rt.decref(key);
  return r;
}

function keysOf(d: number): unknown[] {
  return rt.dict.keys(d).map((k) => rt.toJS(k));
}

describe('dict order, deletion, re-insertion', () => {
  it('keeps insertion order; a re-inserted key goes to the end', () => {
    const d = rt.dict.new();
    for (const k of ['c', 'a', 'b', 'd']) put(d, k, k.toUpperCase());
    expect(keysOf(d)).toEqual(['c', 'a', 'b', 'd']);
    del(d, 'a');
    expect(keysOf(d)).toEqual(['c', 'b', 'd']);
    put(d, 'a', 1);
    put(d, 'c', 2); // replacing keeps the position
    expect(keysOf(d)).toEqual(['c', 'b', 'd', 'a']);
    expect(rt.toJS(d)).toEqual(
      new Map<unknown, unknown>([
        ['c', 2],
        ['b', 'B'],
        ['d', 'D'],
        ['a', 1],
      ]),
    );
    expect(rt.dict.len(d)).toBe(4);
    rt.checkObject(d);
    rt.decref(d);
  });

  it('iterates with next/keyAt/valueAt, skipping holes; version changes on mutation', () => {
    const d = rt.fromJS({ x: 1, y: 2, z: 3 });
    del(d, 'y');
    const seen: [unknown, unknown][] = [];
    for (let i = rt.dict.next(d, 0); i >= 0; i = rt.dict.next(d, i + 1)) {
      seen.push([rt.toJS(rt.dict.keyAt(d, i)), rt.toJS(rt.dict.valueAt(d, i))]);
    }
    expect(seen).toEqual([
      ['x', 1],
      ['z', 3],
    ]);
    expect(codeOf(() => rt.dict.keyAt(d, 1))).toBe('E_INDEX_ERROR'); // the hole
    const v = rt.dict.version(d);
    put(d, 'w', 4);
    expect(rt.dict.version(d)).not.toBe(v);
    rt.decref(d);
  });

  it('hash collisions: ints hash to themselves, so 0, 8, 16, 24 share a probe start', () => {
    const d = rt.dict.new();
    for (const k of [0, 8, 16, 24]) put(d, k, `v${k}`);
    expect(rt.dict.tableSize(d)).toBe(8);
    for (const k of [0, 8, 16, 24]) expect(has(d, k)).toBe(true);
    del(d, 8); // leaves a dummy: the chain to 16 and 24 stays intact
    expect(has(d, 8)).toBe(false);
    expect(has(d, 16)).toBe(true);
    expect(has(d, 24)).toBe(true);
    put(d, 32, 'v32');
    expect(keysOf(d)).toEqual([0, 16, 24, 32]);
    rt.checkObject(d);
    // Negative hashes and hash -1 → -2: -1 and -2 collide but stay distinct keys.
    put(d, -1, 'm1');
    put(d, -2, 'm2');
    expect(rt.hash(rt.int.new(-1))).toBe(rt.hash(rt.int.new(-2)));
    expect(rt.toJS(rt.dict.get(d, rt.int.new(-1)))).toBe('m1');
    expect(rt.toJS(rt.dict.get(d, rt.int.new(-2)))).toBe('m2');
    rt.checkObject(d);
    rt.decref(d);
  });
});

describe('dict growth and shrink', () => {
  it('grows 8 → 16 → 32 → 64 at the 6th, 11th, 22nd insertion (GROWTH_RATE = used·3)', () => {
    const d = rt.dict.new();
    expect(rt.dict.tableSize(d)).toBe(0); // no table before the first key
    const sizes: [number, number][] = [];
    for (let i = 1; i <= 43; i++) {
      put(d, `k${i}`, i);
      const s = rt.dict.tableSize(d);
      if (sizes.length === 0 || sizes[sizes.length - 1][1] !== s) sizes.push([i, s]);
    }
    expect(sizes).toEqual([
      [1, 8],
      [6, 16],
      [11, 32],
      [22, 64],
      [43, 128],
    ]);
    rt.checkObject(d);
    rt.decref(d);
  });

  it('the first non-str key converts a str-keyed table with an insertion_resize (used·3)', () => {
    // insertdict: DK_IS_UNICODE(keys) && !PyUnicode_CheckExact(key) → insertion_resize, even
    // when the table has room: 3 entries → GROWTH_RATE 9 → 16 slots.
    const d = rt.dict.new();
    for (const k of ['a', 'b', 'c']) put(d, k, k);
    expect(rt.dict.tableSize(d)).toBe(8);
    put(d, 1, 'one');
    expect(rt.dict.tableSize(d)).toBe(16);
    expect(keysOf(d)).toEqual(['a', 'b', 'c', 1]);
    put(d, 2, 'two'); // already general: no further conversion
    expect(rt.dict.tableSize(d)).toBe(16);
    rt.checkObject(d);
    rt.decref(d);
    // One str entry: 3 → still 8 slots, but a new general table (holes squeezed out).
    const e = rt.dict.new();
    put(e, 'x', 0);
    put(e, 'y', 0);
    del(e, 'x');
    put(e, 7, 0);
    expect(rt.dict.tableSize(e)).toBe(8);
    expect(keysOf(e)).toEqual(['y', 7]);
    rt.checkObject(e);
    rt.decref(e);
  });

  it('a table full of holes shrinks on the next resize', () => {
    const d = rt.dict.new();
    for (let i = 0; i < 100; i++) put(d, i, i);
    expect(rt.dict.tableSize(d)).toBe(256);
    for (let i = 5; i < 100; i++) del(d, i);
    expect(rt.dict.tableSize(d)).toBe(256); // deleting never resizes
    // Churn: every insertion uses up an entry even if its key is deleted again.
    for (let i = 1000; i < 1070; i++) {
      put(d, i, i);
      del(d, i);
    }
    expect(rt.dict.tableSize(d)).toBe(256);
    put(d, 'next', 0); // usable is 0: resize to used·3 = 15 → 16 slots
    expect(rt.dict.tableSize(d)).toBe(16);
    expect(keysOf(d)).toEqual([0, 1, 2, 3, 4, 'next']);
    rt.checkObject(d);
    rt.decref(d);
  });

  it('int8, int16 and int32 index tables', () => {
    const d = rt.dict.new();
    for (let i = 0; i < 22000; i++) {
      const k = rt.int.new(i * 7919);
      rt.dict.set(d, k, rt.None);
      rt.decref(k);
      if (i === 84) {
        expect(rt.dict.tableSize(d)).toBe(128); // int8 indices
        rt.checkObject(d);
      }
      if (i === 85) expect(rt.dict.tableSize(d)).toBe(256); // int16 indices
    }
    expect(rt.dict.tableSize(d)).toBe(65536); // int32 indices
    rt.checkObject(d);
    for (let i = 0; i < 22000; i += 997) expect(has(d, i * 7919)).toBe(true);
    expect(has(d, 1)).toBe(false);
    rt.decref(d);
  });
});

describe('dict keys: equality and hashing like Python', () => {
  it('1, 1.0 and True are one key, which keeps its first key object', () => {
    const d = rt.dict.new();
    const one = rt.int.new(1);
    const oneF = rt.float.new(1.0);
    const a = rt.str.new('a');
    const b = rt.str.new('b');
    const c = rt.str.new('c');
    rt.dict.set(d, one, a);
    rt.dict.set(d, oneF, b);
    rt.dict.set(d, rt.True, c);
    expect(rt.dict.len(d)).toBe(1);
    expect(rt.dict.keys(d)).toEqual([one]);
    expect(rt.dict.get(d, oneF)).toBe(c);
    rt.dict.set(d, rt.False, a);
    const zeroF = rt.float.new(-0.0);
    expect(rt.dict.get(d, zeroF)).toBe(a); // -0.0 == 0 == False
    for (const o of [d, oneF, a, b, c, zeroF]) rt.decref(o);
  });

  it('NaN keys are found only by identity', () => {
    const d = rt.dict.new();
    const nan = rt.float.new(NaN);
    const nan2 = rt.float.new(NaN);
    rt.dict.set(d, nan, rt.None);
    expect(rt.dict.has(d, nan)).toBe(true);
    expect(rt.dict.has(d, nan2)).toBe(false);
    for (const o of [d, nan, nan2]) rt.decref(o);
  });

  it('tuple keys compare item by item, nested, across number types', () => {
    const d = rt.dict.new();
    put(d, Object.freeze([1, Object.freeze(['a', 2.5]), null]), 'x');
    expect(has(d, Object.freeze([1.0, Object.freeze(['a', 2.5]), null]))).toBe(true);
    expect(has(d, Object.freeze([true, Object.freeze(['a', 2.5]), null]))).toBe(true);
    expect(has(d, Object.freeze([1, Object.freeze(['a', 2.5])]))).toBe(false);
    expect(has(d, Object.freeze([1, Object.freeze(['b', 2.5]), null]))).toBe(false);
    rt.checkObject(d);
    rt.decref(d);
  });

  it('str and bytes with the same bytes hash alike but are different keys', () => {
    const s = rt.str.new('abc');
    const b = rt.bytes.new(new TextEncoder().encode('abc'));
    expect(rt.hash(s)).toBe(rt.hash(b));
    expect(rt.equals(s, b)).toBe(false);
    const d = rt.dict.new();
    rt.dict.set(d, s, rt.True);
    rt.dict.set(d, b, rt.False);
    expect(rt.dict.len(d)).toBe(2);
    for (const o of [d, s, b]) rt.decref(o);
  });

  it('instances and classes are keys by identity', () => {
    const C = rt.cls.new('C');
    const c1 = rt.instance.new(C);
    const c2 = rt.instance.new(C);
    const d = rt.dict.new();
    rt.dict.set(d, c1, rt.int.new(1));
    rt.dict.set(d, C, rt.int.new(2));
    expect(rt.dict.has(d, c2)).toBe(false);
    expect(rt.int.value(rt.dict.get(d, c1))).toBe(1);
    expect(rt.int.value(rt.dict.get(d, C))).toBe(2);
    for (const o of [d, c1, c2, C]) rt.decref(o);
  });

  it('unhashable keys: list, dict, a tuple holding a list', () => {
    const d = rt.dict.new();
    const l = rt.list.new();
    const e = rt.dict.new();
    const t = rt.tuple.new([rt.int.new(1), l]);
    expect(codeOf(() => rt.dict.set(d, l, rt.None))).toBe('E_TYPE_ERROR');
    expect(() => rt.dict.set(d, l, rt.None)).toThrow("unhashable type: 'list'");
    expect(() => rt.dict.set(d, e, rt.None)).toThrow("unhashable type: 'dict'");
    expect(() => rt.dict.get(d, t)).toThrow("unhashable type: 'list'");
    expect(rt.dict.len(d)).toBe(0);
    for (const o of [d, l, e, t]) rt.decref(o);
  });

  it('KeyError carries the key repr', () => {
    const d = rt.fromJS({ a: 1 });
    const k = rt.str.new('missing');
    const five = rt.int.new(5);
    expect(codeOf(() => rt.dict.get(d, k))).toBe('E_KEY_ERROR');
    expect(() => rt.dict.get(d, k)).toThrow("'missing'");
    expect(() => rt.dict.delete(d, five)).toThrow('5');
    expect(() => rt.dict.pop(d, five)).toThrow('5');
    for (const o of [d, k]) rt.decref(o);
  });
});

describe('dict mutation seen from finalizers', () => {
  it("d[k] = x: the old value's finalizer already sees x under k (insertdict)", () => {
    const d = rt.dict.new();
    const k = rt.str.new('key');
    const seen: number[] = [];
    const C = rt.cls.new('C', { finalize: (r) => seen.push(r.dict.get(d, k)) });
    const c = rt.instance.new(C);
    rt.dict.set(d, k, c);
    rt.decref(c);
    const x = rt.int.new(1000);
    rt.dict.set(d, k, x);
    expect(seen).toEqual([x]);
    for (const o of [x, k, d, C]) rt.decref(o);
  });

  it('d.clear(): finalizers of the values see an empty dict, and may refill it', () => {
    const d = rt.dict.new();
    const seen: number[] = [];
    const C = rt.cls.new('C', {
      finalize: (r) => {
        seen.push(r.dict.len(d));
        const k = r.str.new('late');
        r.dict.set(d, k, r.None);
        r.decref(k);
      },
    });
    const c = rt.instance.new(C);
    put(d, 'a', 1);
    const b = rt.str.new('b');
    rt.dict.set(d, b, c);
    rt.decref(c);
    rt.decref(b);
    put(d, 'z', 2);
    rt.dict.clear(d);
    expect(seen).toEqual([0]);
    expect(keysOf(d)).toEqual(['late']);
    rt.checkObject(d);
    rt.decref(d);
    rt.decref(C);
  });
});

describe('dict traversal', () => {
  function referents(d: number): unknown[] {
    const out: unknown[] = [];
    rt.heap.traverse(d, { visit: (r) => out.push(rt.toJS(r)) });
    return out;
  }

  it('str keys only: values only, in order', () => {
    const d = rt.fromJS({ a: [4], b: 5 });
    expect(referents(d)).toEqual([[4], 5]);
    rt.decref(d);
  });

  it('any other key: value then key, per entry', () => {
    const d = rt.fromJS({ a: [4] });
    put(d, 7, 'seven');
    expect(referents(d)).toEqual([[4], 'a', 'seven', 7]);
    rt.decref(d);
  });
});
