/** Atoms: hashing (deterministic, CPython's 32-bit numeric hash), str, bytes, numbers, repr. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HASH_INF,
  HASH_NONE,
  createRuntime,
  floatRepr,
  hashNumber,
  strRepr,
  type PyRuntime,
} from '../src/index.js';
import { expectBaseline, setup, type Baseline } from './helpers.js';

let rt: PyRuntime;
let base: Baseline;

beforeEach(() => ({ rt, base } = setup()));
afterEach(() => expectBaseline(rt, base));

describe('hash', () => {
  it("numbers: CPython's numeric hash modulo 2**31 - 1, equal across int/float/bool", () => {
    expect(hashNumber(1)).toBe(1);
    expect(hashNumber(-1)).toBe(-2); // -1 is reserved
    expect(hashNumber(2 ** 31 - 1)).toBe(0);
    expect(hashNumber(2 ** 31)).toBe(1);
    expect(hashNumber(-(2 ** 31))).toBe(-2); // -(2**31 mod P) = -1 → -2
    expect(hashNumber(0.5)).toBe(2 ** 30); // 1/2 mod P
    expect(hashNumber(1.5)).toBe(1073741825); // 3/2 mod P
    expect(hashNumber(Infinity)).toBe(HASH_INF);
    expect(hashNumber(-Infinity)).toBe(-HASH_INF);
    expect(hashNumber(1e300)).toBe(hashNumber(1e300)); // integral doubles reduce exactly
    const one = rt.int.new(1);
    const oneF = rt.float.new(1);
    const big = rt.int.new(2 ** 40);
    const bigF = rt.float.new(2 ** 40);
    expect(rt.hash(one)).toBe(rt.hash(oneF));
    expect(rt.hash(one)).toBe(rt.hash(rt.True));
    expect(rt.hash(big)).toBe(rt.hash(bigF));
    expect(rt.hash(rt.None)).toBe(HASH_NONE);
    for (const o of [oneF, big, bigF]) rt.decref(o);
  });

  it('str and bytes: FNV-1a, deterministic across runtimes, hash("") == 0', () => {
    const rt2 = createRuntime();
    const words = ['', 'a', 'hello', 'wörld', '日本語', 'a much longer string than the others'];
    for (const w of words) {
      const a = rt.str.new(w);
      const b = rt2.str.new(w);
      expect(rt.hash(a)).toBe(rt2.hash(b));
      rt.decref(a);
      rt2.decref(b);
    }
    expect(rt.hash(rt.emptyStr)).toBe(0);
    const s = rt.str.new('hello');
    expect(rt.hash(s)).toBe(0x4f9f2cab | 0); // FNV-1a 32 of "hello"
    rt.decref(s);
  });

  it("tuple: CPython's xxHash tuplehash; hash(()) keeps its historical 32-bit value", () => {
    expect(rt.hash(rt.emptyTuple)).toBe(750394483);
    const a = rt.fromJS(Object.freeze([1, 'x', Object.freeze([2.0, null])]));
    const b = rt.fromJS(Object.freeze([1.0, 'x', Object.freeze([2, null])]));
    const c = rt.fromJS(Object.freeze(['x', 1, Object.freeze([2.0, null])]));
    expect(rt.hash(a)).toBe(rt.hash(b));
    expect(rt.equals(a, b)).toBe(true);
    expect(rt.hash(a)).not.toBe(rt.hash(c)); // order matters
    expect(rt.equals(a, c)).toBe(false);
    for (const o of [a, b, c]) rt.decref(o);
  });

  it('identity hash for instances and classes; equals is identity for them and for lists', () => {
    const C = rt.cls.new('C');
    const c = rt.instance.new(C);
    expect(rt.hash(c)).toBe(rt.hash(c));
    expect(rt.hash(c)).not.toBe(rt.hash(C));
    const l1 = rt.list.new();
    const l2 = rt.list.new();
    expect(rt.equals(l1, l1)).toBe(true);
    expect(rt.equals(l1, l2)).toBe(false);
    for (const o of [c, C, l1, l2]) rt.decref(o);
  });
});

describe('str and bytes', () => {
  it('UTF-8 in the object: length in code points, byte length, round trip', () => {
    for (const [text, len, bytes] of [
      ['ascii', 5, 5],
      ['héllo', 5, 6],
      ['日本', 2, 6],
      ['😀x', 2, 5],
    ] as const) {
      const s = rt.str.new(text);
      expect(rt.str.value(s)).toBe(text);
      expect(rt.str.len(s)).toBe(len);
      expect(rt.str.byteLength(s)).toBe(bytes);
      rt.checkObject(s);
      rt.decref(s);
    }
    const lone = rt.str.new('a\ud800b'); // a lone surrogate becomes U+FFFD
    expect(rt.str.value(lone)).toBe('a\ufffdb');
    expect(rt.str.len(lone)).toBe(3);
    rt.checkObject(lone);
    rt.decref(lone);
  });

  it('intern: one immortal object per text; internObj adopts an existing str', () => {
    const a = rt.str.intern('some name');
    expect(rt.str.intern('some name')).toBe(a);
    expect(rt.isImmortal(a)).toBe(true);
    const other = rt.str.new('another name');
    const canon = rt.str.internObj(other);
    expect(canon).toBe(other);
    expect(rt.str.intern('another name')).toBe(other);
    const dup = rt.str.new('some name');
    expect(rt.str.internObj(dup)).toBe(a);
    expect(rt.str.isInterned(dup)).toBe(false);
    rt.decref(dup);
    expect(rt.stats().interned).toBe(2);
  });

  it('bytes: copies in and out', () => {
    const data = new Uint8Array([0, 1, 255, 39]);
    const b = rt.bytes.new(data);
    data[0] = 9;
    expect([...rt.bytes.value(b)]).toEqual([0, 1, 255, 39]);
    expect(rt.bytes.len(b)).toBe(4);
    expect(rt.repr(b)).toBe('b"\\x00\\x01\\xff\'"');
    expect(rt.bytes.new([])).toBe(rt.emptyBytes);
    rt.decref(b);
  });
});

describe('numbers and repr', () => {
  it('ints are exact to 2**53 - 1; floats keep every double', () => {
    const m = rt.int.new(Number.MAX_SAFE_INTEGER);
    expect(rt.int.value(m)).toBe(Number.MAX_SAFE_INTEGER);
    const n = rt.int.new(-12345678901n);
    expect(rt.int.value(n)).toBe(-12345678901);
    const f = rt.float.new(-0);
    expect(Object.is(rt.float.value(f), -0)).toBe(true);
    expect(rt.float.value(m)).toBe(Number.MAX_SAFE_INTEGER); // PyFloat_AsDouble accepts ints
    expect(rt.bool.value(rt.bool.of(true))).toBe(true);
    expect(rt.int.value(rt.True)).toBe(1); // bool is an int
    for (const o of [m, n, f]) rt.decref(o);
  });

  it('repr like Python', () => {
    expect(floatRepr(1)).toBe('1.0');
    expect(floatRepr(1e16)).toBe('1e+16');
    expect(floatRepr(1.5e-7)).toBe('1.5e-07');
    expect(floatRepr(0.1)).toBe('0.1');
    expect(floatRepr(NaN)).toBe('nan');
    expect(strRepr("it's")).toBe('"it\'s"');
    expect(strRepr('a\nb')).toBe("'a\\nb'");
    const x = rt.fromJS([1, 2.5, 'a', null, true, Object.freeze([1]), new Map([[1, 'x']])]);
    expect(rt.repr(x)).toBe("[1, 2.5, 'a', None, True, (1,), {1: 'x'}]");
    const C = rt.cls.new('Foo');
    expect(rt.repr(C)).toBe("<class 'Foo'>");
    rt.decref(x);
    rt.decref(C);
  });
});
