/**
 * Allocation failure at every allocation an operation makes: the call reports it (0 or
 * false, the C API's NULL / −1), every object it was given is unchanged, and nothing leaks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PyRuntime } from '../src/index.js';
import { expectBaseline, setupFailing, type Baseline, type FailingAllocator } from './helpers.js';

let rt: PyRuntime;
let base: Baseline;
let fa: FailingAllocator;

beforeEach(() => ({ rt, base, fa } = setupFailing()));
afterEach(() => expectBaseline(rt, base));

interface Case {
  /** Build the inputs (allocation succeeds here). */
  setup(): void;
  /** The operation under test: 0 / false on failure. */
  run(): number | boolean;
  /** What must hold after a failed run. */
  unchanged(): void;
  /** Release everything (the result of a successful run included). */
  cleanup(result: number | boolean): void;
}

/** Fail the k-th allocation for k = 0, 1, … until the operation needs no more. */
function sweep(c: Case): number {
  for (let k = 0; k < 200; k++) {
    c.setup();
    fa.arm(k);
    const result = c.run();
    const failed = fa.calls > k;
    fa.arm(-1);
    if (failed) {
      expect(result === 0 || result === false).toBe(true);
      c.unchanged();
    } else {
      expect(result === 0 || result === false).toBe(false);
    }
    c.cleanup(result);
    if (!failed) return k; // k allocations were made
    rt.check();
  }
  throw new Error('the operation never succeeded');
}

describe('allocation failure leaves everything as it was', () => {
  it('constructors: list, tuple, str, bytes, int, float, dict, class, instance, weakref', () => {
    const x = rt.int.new(1000);
    const ctors: (() => number)[] = [
      () => rt.list.new([x, x]),
      () => rt.tuple.new([x, x]),
      () => rt.tuple.alloc(3),
      () => rt.str.new('hello, wörld'),
      () => rt.bytes.new([1, 2, 3]),
      () => rt.int.new(123456),
      () => rt.float.new(0.25),
      () => rt.dict.new(),
      () => rt.cls.new('K'),
    ];
    for (const make of ctors) {
      const n = sweep({
        setup: () => {},
        run: make,
        unchanged: () => expect(rt.refcnt(x)).toBe(1),
        cleanup: (r) => {
          if (r !== 0) rt.decref(r as number);
        },
      });
      expect(n).toBeGreaterThan(0);
    }
    const C = rt.cls.new('C');
    let c = 0;
    expect(
      sweep({
        setup: () => {},
        run: () => rt.instance.new(C),
        unchanged: () => expect(rt.refcnt(C)).toBe(1),
        cleanup: (r) => rt.xdecref(r as number),
      }),
    ).toBe(1);
    c = rt.instance.new(C);
    sweep({
      setup: () => {},
      run: () => rt.weakref.new(c, () => {}),
      unchanged: () => expect(rt.weakref.count(c)).toBe(0),
      cleanup: (r) => rt.xdecref(r as number),
    });
    rt.decref(c);
    rt.decref(C);
    rt.decref(x);
  });

  it('list.append / insert that must grow the item block', () => {
    const x = rt.int.new(1000);
    let l = 0;
    for (const op of [() => rt.list.append(l, x), () => rt.list.insert(l, 0, x)]) {
      const n = sweep({
        setup: () => {
          l = rt.list.new([x, x, x, x]); // allocated == size: the next append reallocs
        },
        run: op,
        unchanged: () => {
          expect(rt.list.len(l)).toBe(4);
          expect(rt.refcnt(x)).toBe(5);
          rt.checkObject(l);
        },
        cleanup: () => rt.decref(l),
      });
      expect(n).toBe(1);
    }
    rt.decref(x);
  });

  it('dict.set: the first table, and a resize', () => {
    const v = rt.int.new(1000);
    let d = 0;
    let key = 0;
    for (const size of [0, 5]) {
      const n = sweep({
        setup: () => {
          d = rt.dict.new();
          for (let i = 0; i < size; i++) rt.dict.set(d, rt.int.new(i), v);
          key = rt.str.new('new key');
        },
        run: () => rt.dict.set(d, key, v),
        unchanged: () => {
          expect(rt.dict.len(d)).toBe(size);
          expect(rt.refcnt(key)).toBe(1);
          expect(rt.refcnt(v)).toBe(1 + size);
          rt.checkObject(d);
        },
        cleanup: () => {
          rt.decref(d);
          rt.decref(key);
        },
      });
      expect(n).toBe(1);
    }
    rt.decref(v);
  });

  it('setattr: interning the name, the instance dict, its table', () => {
    const C = rt.cls.new('C');
    const v = rt.int.new(1000);
    let c = 0;
    let names = 0;
    const n = sweep({
      setup: () => {
        c = rt.instance.new(C);
      },
      run: () => rt.instance.setAttr(c, `attr${names++}`, v),
      unchanged: () => {
        expect(rt.refcnt(v)).toBe(1);
        rt.checkObject(c);
      },
      cleanup: () => rt.decref(c),
    });
    expect(n).toBe(3);
    rt.decref(v);
    rt.decref(C);
  });

  it('fromJS of a nested value, dict.copy, instance.dict', () => {
    const n = sweep({
      setup: () => {},
      run: () =>
        rt.fromJS({
          a: [1, 'two', Object.freeze([3.5, null])],
          b: new Map([[Object.freeze([1, 2]), 'x']]),
        }),
      unchanged: () => {},
      cleanup: (r) => rt.xdecref(r as number),
    });
    expect(n).toBeGreaterThan(8);
    const src = rt.fromJS({ a: 1000, b: [2] });
    const inner = rt.dict.lookup(src, rt.dict.keys(src)[1]);
    sweep({
      setup: () => {},
      run: () => rt.dict.copy(src),
      unchanged: () => expect(rt.refcnt(inner)).toBe(1),
      cleanup: (r) => rt.xdecref(r as number),
    });
    rt.decref(src);
    const C = rt.cls.new('C');
    const c = rt.instance.new(C);
    sweep({
      setup: () => {},
      run: () => rt.instance.dict(c),
      unchanged: () => {},
      cleanup: (r) => rt.xdecref(r as number),
    });
    rt.decref(c);
    rt.decref(C);
  });

  it('the safe layer turns a failure into E_OUT_OF_MEMORY', () => {
    fa.arm(0);
    let code: string | undefined;
    try {
      rt.newHandle([1, 2]);
    } catch (e) {
      code = (e as { code?: string }).code;
    }
    expect(code).toBe('E_OUT_OF_MEMORY');
  });
});
