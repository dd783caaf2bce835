/**
 * Conversion between JS values and heap objects, for app code and tests. Both directions
 * walk containers with an explicit work stack (no recursion over the graph) and a memo, so
 * deep nesting and cycles convert fine: a JS array that contains itself becomes a list that
 * contains itself, and back.
 *
 *   JS                          Python
 *   null, undefined             None
 *   boolean                     bool
 *   number                      int if a safe integer, else float
 *   bigint                      int (E_OVERFLOW beyond ±(2^53 − 1))
 *   string                      str
 *   Uint8Array                  bytes
 *   frozen array                tuple            (Object.isFrozen)
 *   array                       list
 *   Map                         dict             (keys converted; must be hashable)
 *   plain object                dict with str keys
 *   PyHandle                    the handle's object
 *
 * toJS maps back the same way (floats and ints both become numbers; instances become plain
 * objects with a `__class__` name and their attributes; classes and weakrefs their repr).
 */
import { OB_SIZE_IDX, fail, type Addr } from '@pyheap/interface';
import { PyHandle } from './handle.js';
import {
  KIND_BOOL,
  KIND_BYTES,
  KIND_DICT,
  KIND_FLOAT,
  KIND_INSTANCE,
  KIND_INT,
  KIND_LIST,
  KIND_NONE,
  KIND_STR,
  KIND_TUPLE,
  type Core,
} from './internal/core.js';
import { INST_DICT_IDX, INST_SLOTS_IDX, NUM_VALUE_OFF } from './layout.js';
import { repr } from './repr.js';

const C_LIST = 1;
const C_TUPLE = 2;
const C_MAP = 3;
const C_OBJECT = 4;

/** A JS value fromJS accepts (see the table above). */
export type JsValue =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyHandle
  | readonly JsValue[]
  | ReadonlyMap<JsValue, JsValue>
  | { readonly [key: string]: JsValue };

/** NEW reference to the object for `value`; 0 when out of memory. E_TYPE_ERROR for others. */
export function fromJS(core: Core, value: unknown): Addr {
  const memo = new Map<object, Addr>();
  const work: { addr: Addr; js: object; kind: number }[] = [];
  const root = node(core, value, memo, work);
  if (root === 0) return 0;
  try {
    while (work.length > 0) {
      const { addr, js, kind } = work.pop()!;
      if (!fill(core, addr, js, kind, memo, work)) {
        core.heap.decref(root);
        return 0;
      }
    }
  } catch (e) {
    core.heap.decref(root);
    throw e;
  }
  return root;
}

/** NEW reference for one value; containers come back empty and queued on `work`. */
function node(
  core: Core,
  v: unknown,
  memo: Map<object, Addr>,
  work: { addr: Addr; js: object; kind: number }[],
): Addr {
  const rt = core.rt;
  switch (typeof v) {
    case 'undefined':
      return core.None;
    case 'boolean':
      return v ? core.True : core.False;
    case 'number':
      return Number.isSafeInteger(v) ? rt.int.new(v) : rt.float.new(v);
    case 'bigint':
      return rt.int.new(v);
    case 'string':
      return rt.str.new(v);
    case 'object': {
      if (v === null) return core.None;
      if (v instanceof PyHandle) {
        core.heap.incref(v.addr);
        return v.addr;
      }
      if (v instanceof Uint8Array) return rt.bytes.new(v);
      const seen = memo.get(v);
      if (seen !== undefined) {
        core.heap.incref(seen);
        return seen;
      }
      let addr: Addr;
      let kind: number;
      if (Array.isArray(v)) {
        kind = Object.isFrozen(v) ? C_TUPLE : C_LIST;
        addr = kind === C_TUPLE ? rt.tuple.alloc(v.length) : rt.list.new();
      } else if (v instanceof Map) {
        kind = C_MAP;
        addr = rt.dict.new();
      } else if (
        Object.getPrototypeOf(v) === Object.prototype ||
        Object.getPrototypeOf(v) === null
      ) {
        kind = C_OBJECT;
        addr = rt.dict.new();
      } else {
        return fail('E_TYPE_ERROR', `fromJS: cannot convert ${Object.prototype.toString.call(v)}`);
      }
      if (addr === 0) return 0;
      if (kind !== C_TUPLE || (v as unknown[]).length > 0) {
        memo.set(v, addr);
        work.push({ addr, js: v, kind });
      }
      return addr;
    }
    default:
      return fail('E_TYPE_ERROR', `fromJS: cannot convert a ${typeof v}`);
  }
}

/** Put the converted children of `js` into the container `addr`; false when out of memory. */
function fill(
  core: Core,
  addr: Addr,
  js: object,
  kind: number,
  memo: Map<object, Addr>,
  work: { addr: Addr; js: object; kind: number }[],
): boolean {
  const rt = core.rt;
  const heap = core.heap;
  if (kind === C_LIST || kind === C_TUPLE) {
    const arr = js as unknown[];
    for (let k = 0; k < arr.length; k++) {
      const item = node(core, arr[k], memo, work);
      if (item === 0) return false;
      if (kind === C_TUPLE) {
        rt.tuple.init(addr, k, item); // steals
        continue;
      }
      const ok = rt.list.append(addr, item);
      heap.decref(item);
      if (!ok) return false;
    }
    return true;
  }
  const entries: [unknown, unknown][] =
    kind === C_MAP
      ? [...(js as Map<unknown, unknown>)]
      : Object.entries(js as Record<string, unknown>);
  for (const [jk, jv] of entries) {
    // Keys are converted completely first: a tuple key must be whole before it is hashed.
    const key = kind === C_MAP ? fromJS(core, jk) : rt.str.new(jk as string);
    if (key === 0) return false;
    let value: Addr;
    try {
      value = node(core, jv, memo, work);
    } catch (e) {
      heap.decref(key);
      throw e;
    }
    if (value === 0) {
      heap.decref(key);
      return false;
    }
    let ok: boolean;
    try {
      ok = rt.dict.set(addr, key, value);
    } finally {
      heap.decref(key);
      heap.decref(value);
    }
    if (!ok) return false;
  }
  return true;
}

/** The JS value of an object (see the table above); cycles come back as JS cycles. */
export function toJS(core: Core, obj: Addr): unknown {
  const memo = new Map<Addr, unknown>();
  const work: Addr[] = [];
  const tuples: unknown[][] = [];
  const root = jsNode(core, obj, memo, work, tuples);
  while (work.length > 0) {
    const addr = work.pop()!;
    const target = memo.get(addr);
    const k = core.kindOf(addr);
    const child = (x: Addr): unknown => jsNode(core, x, memo, work, tuples);
    if (k === KIND_LIST || k === KIND_TUPLE) {
      const items = k === KIND_LIST ? core.rt.list.items(addr) : core.rt.tuple.items(addr);
      const arr = target as unknown[];
      for (const x of items) arr.push(x === 0 ? null : child(x));
    } else if (k === KIND_DICT) {
      const map = target as Map<unknown, unknown>;
      for (const [key, value] of core.rt.dict.items(addr)) map.set(child(key), child(value));
    } else {
      const o = target as Record<string, unknown>;
      const info = core.classes[core.typeOf(addr)]!;
      for (let s = 0; s < info.slotNames.length; s++) {
        const v = core.heap.u32[(addr >>> 2) + INST_SLOTS_IDX + s];
        if (v !== 0) o[info.slotNames[s]] = child(v);
      }
      const d = core.heap.u32[(addr >>> 2) + INST_DICT_IDX];
      if (d !== 0) {
        for (const [key, value] of core.rt.dict.items(d)) o[String(child(key))] = child(value);
      }
    }
  }
  for (const t of tuples) Object.freeze(t);
  return root;
}

function jsNode(
  core: Core,
  obj: Addr,
  memo: Map<Addr, unknown>,
  work: Addr[],
  tuples: unknown[][],
): unknown {
  const k = core.kindOf(obj);
  switch (k) {
    case KIND_NONE:
      return null;
    case KIND_BOOL:
      return obj === core.True;
    case KIND_INT:
    case KIND_FLOAT:
      return core.f64[(obj + NUM_VALUE_OFF) >>> 3];
    case KIND_STR:
      return core.rt.str.value(obj);
    case KIND_BYTES:
      return core.rt.bytes.value(obj);
    case KIND_LIST:
    case KIND_TUPLE:
    case KIND_DICT:
    case KIND_INSTANCE: {
      const seen = memo.get(obj);
      if (seen !== undefined) return seen;
      let made: unknown;
      if (k === KIND_DICT) made = new Map();
      else if (k === KIND_INSTANCE) made = { __class__: core.heap.typeName(obj) };
      else {
        const arr: unknown[] = [];
        if (k === KIND_TUPLE) tuples.push(arr);
        made = arr;
        if (core.heap.u32[(obj >>> 2) + OB_SIZE_IDX] === 0 && k === KIND_TUPLE)
          return Object.freeze(arr);
      }
      memo.set(obj, made);
      work.push(obj);
      return made;
    }
    default:
      return repr(core, obj);
  }
}
