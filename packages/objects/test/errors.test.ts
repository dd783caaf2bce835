/**
 * Every bad-input row of the API with its stable code (and CPython's message where there is
 * one); after each failed call the objects involved are unchanged and nothing leaked.
 */
import { isPyheapError } from '@pyheap/interface';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PyRuntime } from '../src/index.js';
import { expectBaseline, setup, type Baseline } from './helpers.js';

let rt: PyRuntime;
let base: Baseline;
let o: Record<string, number>;

beforeEach(() => {
  ({ rt, base } = setup());
  const C = rt.cls.new('C');
  const S = rt.cls.new('S', { slots: ['a'] });
  o = {
    list: rt.fromJS([1, 2, 3]),
    empty: rt.list.new(),
    tuple: rt.fromJS(Object.freeze([1, 2])),
    dict: rt.fromJS({ a: 1 }),
    str: rt.str.new('text'),
    int: rt.int.new(1000),
    C,
    S,
    c: rt.instance.new(C),
    s: rt.instance.new(S),
  };
});

afterEach(() => {
  // Nothing changed by the failed calls.
  expect(rt.toJS(o.list)).toEqual([1, 2, 3]);
  expect(rt.list.len(o.empty)).toBe(0);
  expect(rt.toJS(o.dict)).toEqual(new Map([['a', 1]]));
  for (const k of Object.keys(o)) {
    rt.checkObject(o[k]);
    rt.decref(o[k]);
  }
  expectBaseline(rt, base);
});

type Row = [name: string, call: () => unknown, code: string, message?: string];

const rows: Row[] = [
  // list
  [
    'list.append to a tuple',
    () => rt.list.append(o.tuple, o.int),
    'E_TYPE_ERROR',
    "expected 'list' object, got 'tuple'",
  ],
  [
    'list.get past the end',
    () => rt.list.get(o.list, 3),
    'E_INDEX_ERROR',
    'list index out of range',
  ],
  [
    'list.get before the start',
    () => rt.list.get(o.list, -4),
    'E_INDEX_ERROR',
    'list index out of range',
  ],
  [
    'list.get float index',
    () => rt.list.get(o.list, 1.5),
    'E_TYPE_ERROR',
    'list indices must be integers, not float',
  ],
  [
    'list.set past the end',
    () => rt.list.set(o.list, 5, o.int),
    'E_INDEX_ERROR',
    'list assignment index out of range',
  ],
  [
    'list.delete past the end',
    () => rt.list.delete(o.list, 3),
    'E_INDEX_ERROR',
    'list assignment index out of range',
  ],
  ['list.pop from empty', () => rt.list.pop(o.empty), 'E_INDEX_ERROR', 'pop from empty list'],
  [
    'list.pop out of range',
    () => rt.list.pop(o.list, 7),
    'E_INDEX_ERROR',
    'pop index out of range',
  ],
  [
    'list.insert string index',
    () => rt.list.insert(o.list, '1' as unknown as number, o.int),
    'E_TYPE_ERROR',
  ],
  ['list.append NULL', () => rt.list.append(o.list, 0), 'E_INVALID_ADDRESS'],
  ['list.append a non-address', () => rt.list.append(o.list, 13), 'E_INVALID_ADDRESS'],
  ['list.new with a NULL item', () => rt.list.new([o.int, 0]), 'E_INVALID_ADDRESS'],
  ['list.len of NULL', () => rt.list.len(0), 'E_TYPE_ERROR', "got 'NULL'"],
  // tuple
  [
    'tuple.get out of range',
    () => rt.tuple.get(o.tuple, 2),
    'E_INDEX_ERROR',
    'tuple index out of range',
  ],
  [
    'tuple.init a filled item',
    () => rt.tuple.init(o.tuple, 0, o.int),
    'E_VALUE_ERROR',
    "'tuple' object does not support item assignment",
  ],
  ['tuple.init out of range', () => rt.tuple.init(o.tuple, 9, o.int), 'E_INDEX_ERROR'],
  ['tuple.alloc negative', () => rt.tuple.alloc(-1), 'E_INVALID_SIZE'],
  ['tuple.len of a list', () => rt.tuple.len(o.list), 'E_TYPE_ERROR'],
  // dict
  ['dict.set on a list', () => rt.dict.set(o.list, o.str, o.int), 'E_TYPE_ERROR'],
  [
    'dict.set list key',
    () => rt.dict.set(o.dict, o.list, o.int),
    'E_TYPE_ERROR',
    "unhashable type: 'list'",
  ],
  [
    'dict.set dict key',
    () => rt.dict.set(o.dict, o.dict, o.int),
    'E_TYPE_ERROR',
    "unhashable type: 'dict'",
  ],
  ['dict.get missing', () => rt.dict.get(o.dict, o.str), 'E_KEY_ERROR', "'text'"],
  ['dict.delete missing', () => rt.dict.delete(o.dict, o.int), 'E_KEY_ERROR', '1000'],
  ['dict.pop missing', () => rt.dict.pop(o.dict, o.int), 'E_KEY_ERROR'],
  ['dict.lookup unhashable', () => rt.dict.lookup(o.dict, o.list), 'E_TYPE_ERROR'],
  ['dict.valueAt out of range', () => rt.dict.valueAt(o.dict, 5), 'E_INDEX_ERROR'],
  ['hash of a list', () => rt.hash(o.list), 'E_TYPE_ERROR', "unhashable type: 'list'"],
  // numbers and strings
  ['int.new of a string', () => rt.int.new('1' as unknown as number), 'E_TYPE_ERROR'],
  ['int.new fractional', () => rt.int.new(1.5), 'E_VALUE_ERROR'],
  ['int.new NaN', () => rt.int.new(NaN), 'E_VALUE_ERROR', 'cannot convert float NaN to integer'],
  [
    'int.new infinity',
    () => rt.int.new(Infinity),
    'E_OVERFLOW',
    'cannot convert float Infinity to integer',
  ],
  ['int.new 2**60', () => rt.int.new(2 ** 60), 'E_OVERFLOW'],
  ['int.new big bigint', () => rt.int.new(2n ** 60n), 'E_OVERFLOW'],
  [
    'int.value of a str',
    () => rt.int.value(o.str),
    'E_TYPE_ERROR',
    "expected 'int' object, got 'str'",
  ],
  ['float.new of a string', () => rt.float.new('x' as unknown as number), 'E_TYPE_ERROR'],
  ['float.value of a str', () => rt.float.value(o.str), 'E_TYPE_ERROR'],
  ['bool.value of an int', () => rt.bool.value(o.int), 'E_TYPE_ERROR'],
  ['str.new of a number', () => rt.str.new(5 as unknown as string), 'E_TYPE_ERROR'],
  ['str.value of an int', () => rt.str.value(o.int), 'E_TYPE_ERROR'],
  ['bytes.new of null', () => rt.bytes.new(null as unknown as number[]), 'E_TYPE_ERROR'],
  // classes and instances
  ['cls.new without a name', () => rt.cls.new(''), 'E_TYPE_ERROR'],
  ['cls.new duplicate slot', () => rt.cls.new('D', { slots: ['a', 'a'] }), 'E_VALUE_ERROR'],
  [
    'cls.new bad finalize',
    () => rt.cls.new('D', { finalize: 3 as unknown as () => void }),
    'E_TYPE_ERROR',
  ],
  ['instance.new of a non-class', () => rt.instance.new(o.list), 'E_TYPE_ERROR'],
  ['getattr on a list', () => rt.instance.getAttr(o.list, 'x'), 'E_TYPE_ERROR'],
  [
    'getattr missing',
    () => rt.instance.getAttr(o.c, 'nope'),
    'E_ATTRIBUTE_ERROR',
    "'C' object has no attribute 'nope'",
  ],
  [
    'getattr with an int name',
    () => rt.instance.getAttr(o.c, o.int),
    'E_TYPE_ERROR',
    "attribute name must be string, not 'int'",
  ],
  [
    'setattr unknown slot',
    () => rt.instance.setAttr(o.s, 'b', o.int),
    'E_ATTRIBUTE_ERROR',
    "'S' object has no attribute 'b'",
  ],
  ['delattr missing', () => rt.instance.delAttr(o.c, 'nope'), 'E_ATTRIBUTE_ERROR'],
  ['dict() of slots-only', () => rt.instance.dict(o.s), 'E_ATTRIBUTE_ERROR'],
  // weakrefs
  [
    'weakref to a list',
    () => rt.weakref.new(o.list),
    'E_TYPE_ERROR',
    "cannot create weak reference to 'list' object",
  ],
  ['weakref to a slots instance', () => rt.weakref.new(o.s), 'E_TYPE_ERROR'],
  ['weakref bad callback', () => rt.weakref.new(o.c, 5 as unknown as () => void), 'E_TYPE_ERROR'],
  ['weakref.get of a list', () => rt.weakref.get(o.list), 'E_TYPE_ERROR'],
  // runtime
  ['collect without a collector', () => rt.collect(), 'E_UNSUPPORTED'],
  ['fromJS of a function', () => rt.fromJS(() => 1), 'E_TYPE_ERROR'],
  ['fromJS half-way through', () => rt.fromJS([1, [2, { x: [3, Symbol('s')] }]]), 'E_TYPE_ERROR'],
  [
    'fromJS unhashable Map key',
    () => rt.fromJS(new Map([[[1], 2]])),
    'E_TYPE_ERROR',
    "unhashable type: 'list'",
  ],
  ['handle of a failed call', () => rt.handle(0), 'E_OUT_OF_MEMORY'],
  ['typeName of garbage', () => rt.typeName(12), 'E_INVALID_ADDRESS'],
];

describe('bad input: stable codes, state intact', () => {
  it.each(rows)('%s → %s', (_name, call, code, message) => {
    let err: unknown;
    try {
      call();
    } catch (e) {
      err = e;
    }
    expect(isPyheapError(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    if (message !== undefined) expect((err as Error).message).toContain(message);
  });

  it('a handle used after dispose → E_HANDLE_DISPOSED; disposing twice is harmless', () => {
    const h = rt.newHandle([1]);
    h.dispose();
    h.dispose();
    expect(h.disposed).toBe(true);
    for (const use of [
      () => h.addr,
      () => h.toJS(),
      () => h.len(),
      () => h.append(1),
      () => h.clone(),
      () => h.release(),
    ]) {
      let code: string | undefined;
      try {
        use();
      } catch (e) {
        code = (e as { code?: string }).code;
      }
      expect(code).toBe('E_HANDLE_DISPOSED');
    }
  });
});
