/**
 * int, bool and float (Objects/longobject.c, boolobject.c, floatobject.c): 16-byte atoms
 * holding one f64 (layout.ts). Not GC types: they carry no collector prefix and are never
 * tracked.
 *
 * Ints are exact up to ±(2^53 − 1) (docs/decisions/0012-objects-model.md). The small ints
 * −5…256 are immortal singletons made at start-up, as CPython's small-int cache (PEP 683
 * immortal since 3.12), so `int.new(7)` never allocates. bool is a subclass of int in Python:
 * True and False are the two immortal bool objects, equal and hash-equal to 1 and 0.
 */
import { fail, type Addr } from '@pyheap/interface';
import {
  KIND_BOOL as KIND_BOOL_,
  KIND_FLOAT as KIND_FLOAT_,
  KIND_INT as KIND_INT_,
  type Core,
} from './internal/core.js';
import {
  NUM_VALUE_OFF as NUM_VALUE_OFF_,
  SMALL_INT_MAX as SMALL_INT_MAX_,
  SMALL_INT_MIN as SMALL_INT_MIN_,
} from './layout.js';

// Module-local copies of the constants the loops read: V8 reloads (and hole-checks) an
// imported binding at every use, a module constant it does not (docs/decisions/0006).
const KIND_BOOL = KIND_BOOL_;
const KIND_FLOAT = KIND_FLOAT_;
const KIND_INT = KIND_INT_;
const NUM_VALUE_OFF = NUM_VALUE_OFF_;
const SMALL_INT_MAX = SMALL_INT_MAX_;
const SMALL_INT_MIN = SMALL_INT_MIN_;

/** rt.int */
export class IntApi {
  constructor(private readonly core: Core) {}

  /**
   * NEW reference to an int of value `n`. Small ints are the immortal cached objects. Returns
   * 0 when out of memory. E_TYPE_ERROR if `n` is not a number (bigints within range are
   * accepted), E_VALUE_ERROR for a fractional or NaN value, E_OVERFLOW beyond ±(2^53 − 1).
   */
  new(n: number | bigint): Addr {
    let v: number;
    if (typeof n === 'number') v = n;
    else if (typeof n === 'bigint') {
      if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
        fail('E_OVERFLOW', 'int too large: pyheap ints hold at most ±(2**53 - 1)');
      }
      v = Number(n);
    } else return fail('E_TYPE_ERROR', `int.new: expected a number, got ${typeof n}`);
    if (v >= SMALL_INT_MIN && v <= SMALL_INT_MAX && (v | 0) === v)
      return this.core.smallInts[v - SMALL_INT_MIN];
    if (!Number.isInteger(v)) {
      if (v !== v || v === Infinity || v === -Infinity) {
        fail(
          v !== v ? 'E_VALUE_ERROR' : 'E_OVERFLOW',
          `cannot convert float ${String(v)} to integer`,
        );
      }
      fail('E_VALUE_ERROR', `int.new: ${v} is not an integer`);
    }
    if (!Number.isSafeInteger(v))
      fail('E_OVERFLOW', 'int too large: pyheap ints hold at most ±(2**53 - 1)');
    return this.make(v);
  }

  /** @internal An int object without the small-int cache (used to fill the cache). */
  make(v: number): Addr {
    const core = this.core;
    const obj = core.heap.alloc(core.tInt);
    if (obj === 0) return 0;
    core.f64[(obj + NUM_VALUE_OFF) >>> 3] = v === 0 ? 0 : v; // no −0 in ints
    return obj;
  }

  /** The value of an int or bool. E_TYPE_ERROR for anything else. */
  value(obj: Addr): number {
    const core = this.core;
    const k = core.kindOf(obj);
    if (k !== KIND_INT && k !== KIND_BOOL) core.wrongType('int.value', 'int', obj);
    return core.f64[(obj + NUM_VALUE_OFF) >>> 3];
  }

  /** isinstance(obj, int): ints and bools. */
  check(obj: Addr): boolean {
    if (obj === 0) return false;
    const k = this.core.kindOf(obj);
    return k === KIND_INT || k === KIND_BOOL;
  }
}

/** rt.float */
export class FloatApi {
  constructor(private readonly core: Core) {}

  /** NEW reference to a float. Returns 0 when out of memory. E_TYPE_ERROR for non-numbers. */
  new(x: number): Addr {
    if (typeof x !== 'number')
      fail('E_TYPE_ERROR', `float.new: expected a number, got ${typeof x}`);
    const core = this.core;
    const obj = core.heap.alloc(core.tFloat);
    if (obj === 0) return 0;
    core.f64[(obj + NUM_VALUE_OFF) >>> 3] = x;
    return obj;
  }

  /** PyFloat_AsDouble: the value of a float, int or bool. E_TYPE_ERROR otherwise. */
  value(obj: Addr): number {
    const core = this.core;
    const k = core.kindOf(obj);
    if (k !== KIND_FLOAT && k !== KIND_INT && k !== KIND_BOOL)
      core.wrongType('float.value', 'float', obj);
    return core.f64[(obj + NUM_VALUE_OFF) >>> 3];
  }

  check(obj: Addr): boolean {
    return obj !== 0 && this.core.kindOf(obj) === KIND_FLOAT;
  }
}

/** rt.bool */
export class BoolApi {
  constructor(private readonly core: Core) {}

  /** True or False (immortal: the reference needs no decref, though one is harmless). */
  of(b: boolean): Addr {
    return b ? this.core.True : this.core.False;
  }

  /** The JS boolean of True/False. E_TYPE_ERROR for anything else. */
  value(obj: Addr): boolean {
    const core = this.core;
    if (core.kindOf(obj) !== KIND_BOOL) core.wrongType('bool.value', 'bool', obj);
    return obj === core.True;
  }

  check(obj: Addr): boolean {
    return obj !== 0 && this.core.kindOf(obj) === KIND_BOOL;
  }
}
