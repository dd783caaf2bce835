/**
 * Structure checks (debug / tests): walk objects and throw E_CORRUPT_HEAP on the first
 * broken invariant. Never called on hot paths.
 */
import { IMMORTAL_REFCNT, OB_SIZE_IDX, fail, hexAddr, type Addr } from '@pyheap/interface';
import { entriesBase, getIndex, lookupSlot, usableFraction } from './dict-table.js';
import {
  KIND_BOOL,
  KIND_BYTES,
  KIND_DICT,
  KIND_INSTANCE,
  KIND_INT,
  KIND_LIST,
  KIND_STR,
  KIND_TUPLE,
  KIND_TYPE,
  type Core,
} from './internal/core.js';
import {
  CLASS_INSTANCE_TYPE_IDX,
  CLASS_NAME_IDX,
  DICT_KEYS_IDX,
  DICT_USED_IDX,
  DKE_KEY,
  DKE_VALUE,
  DK_ENTRY_WORDS,
  DK_KIND_IDX,
  DK_NENTRIES_IDX,
  DK_SIZE_IDX,
  DK_UNICODE,
  DK_USABLE_IDX,
  DICT_MINSIZE,
  INST_CLASS_IDX,
  INST_DICT_IDX,
  INST_SLOTS_IDX,
  LIST_ALLOCATED_IDX,
  LIST_ITEMS_IDX,
  LIST_SIZE_IDX,
  NUM_VALUE_OFF,
  SMALL_INT_MIN,
  STR_ASCII,
  STR_DATA_OFF,
  STR_HASHED,
  STR_HASH_IDX,
  STR_INTERNED,
  STR_LENGTH_IDX,
  STR_STATE_IDX,
  TUPLE_ITEMS_IDX,
} from './layout.js';
import { hashBytes } from './hash.js';

function corrupt(obj: Addr, why: string): never {
  fail('E_CORRUPT_HEAP', `object at ${hexAddr(obj)}: ${why}`);
}

/** A reference held somewhere: a live object. */
function checkRef(core: Core, owner: Addr, ref: Addr, what: string): void {
  if (ref === 0 || (ref & 7) !== 0 || ref >= core.heap.u32.length * 4)
    corrupt(owner, `${what} ${ref} is no object`);
  if (core.typeOf(ref) === 0 || core.heap.u32[ref >>> 2] === 0)
    corrupt(owner, `${what} ${hexAddr(ref)} is freed`);
}

/** Walk one object's own structure (not its referents'). */
export function checkObject(core: Core, obj: Addr): void {
  core.checkObj(obj, 'checkObject');
  const u32 = core.heap.u32;
  const i = obj >>> 2;
  if (u32[i] === 0) corrupt(obj, 'refcount 0 on a live object');
  switch (core.kindOf(obj)) {
    case KIND_INT:
      if (!Number.isSafeInteger(core.f64[(obj + NUM_VALUE_OFF) >>> 3]))
        corrupt(obj, 'int value is not a safe integer');
      break;
    case KIND_BOOL:
      if (obj !== core.True && obj !== core.False) corrupt(obj, 'a third bool');
      break;
    case KIND_STR:
    case KIND_BYTES:
      checkStr(core, obj);
      break;
    case KIND_TUPLE:
      for (let k = 0; k < u32[i + OB_SIZE_IDX]; k++) {
        const item = u32[i + TUPLE_ITEMS_IDX + k];
        if (item !== 0) checkRef(core, obj, item, `item ${k}`);
      }
      break;
    case KIND_LIST:
      checkList(core, obj);
      break;
    case KIND_DICT:
      checkDict(core, obj);
      break;
    case KIND_TYPE:
      checkRef(core, obj, u32[i + CLASS_NAME_IDX], 'name');
      if (core.kindOf(u32[i + CLASS_NAME_IDX]) !== KIND_STR)
        corrupt(obj, 'class name is not a str');
      if (core.classes[u32[i + CLASS_INSTANCE_TYPE_IDX]] === undefined)
        corrupt(obj, 'unknown instance type');
      break;
    case KIND_INSTANCE: {
      const cls = u32[i + INST_CLASS_IDX];
      checkRef(core, obj, cls, '__class__');
      if (
        core.kindOf(cls) !== KIND_TYPE ||
        u32[(cls >>> 2) + CLASS_INSTANCE_TYPE_IDX] !== core.typeOf(obj)
      ) {
        corrupt(obj, '__class__ does not describe the instance');
      }
      const d = u32[i + INST_DICT_IDX];
      if (d !== 0) {
        checkRef(core, obj, d, '__dict__');
        if (core.kindOf(d) !== KIND_DICT) corrupt(obj, '__dict__ is not a dict');
      }
      const info = core.classes[core.typeOf(obj)]!;
      if (d !== 0 && !info.hasDict) corrupt(obj, 'a dict on a slots-only instance');
      for (let k = 0; k < info.slotNames.length; k++) {
        const v = u32[i + INST_SLOTS_IDX + k];
        if (v !== 0) checkRef(core, obj, v, `slot '${info.slotNames[k]}'`);
      }
      break;
    }
    default:
      break;
  }
}

function checkStr(core: Core, obj: Addr): void {
  const u32 = core.heap.u32;
  const i = obj >>> 2;
  const n = u32[i + OB_SIZE_IDX];
  const state = u32[i + STR_STATE_IDX];
  const u8 = core.u8;
  const p = obj + STR_DATA_OFF;
  if ((state & STR_HASHED) !== 0 && core.i32[i + STR_HASH_IDX] !== hashBytes(u8, p, n))
    corrupt(obj, 'stale cached hash');
  if (core.kindOf(obj) === KIND_BYTES) {
    if (u32[i + STR_LENGTH_IDX] !== n) corrupt(obj, 'bytes length differs from ob_size');
    return;
  }
  let cps = 0;
  let ascii = true;
  for (let k = 0; k < n; k++) {
    const b = u8[p + k];
    if (b >= 0x80) ascii = false;
    if ((b & 0xc0) !== 0x80) cps++;
  }
  if (cps !== u32[i + STR_LENGTH_IDX])
    corrupt(obj, `length ${u32[i + STR_LENGTH_IDX]} but ${cps} code points`);
  if (((state & STR_ASCII) !== 0) !== ascii) corrupt(obj, 'ASCII flag is wrong');
  if ((state & STR_INTERNED) !== 0 && core.heap.u32[i] < IMMORTAL_REFCNT)
    corrupt(obj, 'interned str is mortal');
}

function checkList(core: Core, l: Addr): void {
  const u32 = core.heap.u32;
  const i = l >>> 2;
  const n = u32[i + LIST_SIZE_IDX];
  const allocated = u32[i + LIST_ALLOCATED_IDX];
  const items = u32[i + LIST_ITEMS_IDX];
  if (n > allocated) corrupt(l, `ob_size ${n} > allocated ${allocated}`);
  if ((items === 0) !== (allocated === 0)) corrupt(l, 'ob_item and allocated disagree');
  if (items !== 0 && core.heap.allocator.usableSize(items) < allocated * 4)
    corrupt(l, 'item block too small');
  for (let k = 0; k < n; k++) checkRef(core, l, u32[(items >>> 2) + k], `item ${k}`);
}

function checkDict(core: Core, d: Addr): void {
  const u32 = core.heap.u32;
  const keys = u32[(d >>> 2) + DICT_KEYS_IDX];
  const used = u32[(d >>> 2) + DICT_USED_IDX];
  if (keys === 0) {
    if (used !== 0) corrupt(d, 'items without a table');
    return;
  }
  const k = keys >>> 2;
  const size = u32[k + DK_SIZE_IDX];
  const n = u32[k + DK_NENTRIES_IDX];
  if (size < DICT_MINSIZE || (size & (size - 1)) !== 0) corrupt(d, `table size ${size}`);
  if (u32[k + DK_USABLE_IDX] + n !== usableFraction(size))
    corrupt(d, 'usable + nentries != USABLE_FRACTION(size)');
  const base = entriesBase(keys, size);
  let live = 0;
  for (let ix = 0; ix < n; ix++) {
    const e = base + ix * DK_ENTRY_WORDS;
    const key = u32[e + DKE_KEY];
    const value = u32[e + DKE_VALUE];
    if (key === 0) {
      if (value !== 0) corrupt(d, `entry ${ix}: value without key`);
      continue;
    }
    live++;
    checkRef(core, d, key, `entry ${ix} key`);
    checkRef(core, d, value, `entry ${ix} value`);
    if (u32[k + DK_KIND_IDX] === DK_UNICODE && core.kindOf(key) !== KIND_STR)
      corrupt(d, 'non-str key in a str table');
    const hash = u32[e] | 0;
    if (hash !== core.hash(key)) corrupt(d, `entry ${ix}: stored hash differs from hash(key)`);
    const slot = lookupSlot(core, keys, key, hash);
    if (slot < 0 || getIndex(core, keys, size, slot) !== ix)
      corrupt(d, `entry ${ix}: not found by its probe sequence`);
  }
  if (live !== used) corrupt(d, `ma_used ${used} but ${live} live entries`);
  const seen = new Set<number>();
  for (let s = 0; s < size; s++) {
    const ix = getIndex(core, keys, size, s);
    if (ix >= 0) {
      if (ix >= n || seen.has(ix)) corrupt(d, `index slot ${s} points at entry ${ix}`);
      seen.add(ix);
    } else if (ix !== -1 && ix !== -2) corrupt(d, `index slot ${s} holds ${ix}`);
  }
  if (seen.size !== live) corrupt(d, 'index slots and live entries disagree');
}

/** Singletons, interned table, heap and allocator (and tracked objects when enumerable). */
export function checkRuntime(core: Core): void {
  core.currentU32(); // follow the memory first: the walk reads the views directly
  const heap = core.heap;
  const immortal = (obj: Addr, what: string): void => {
    if (heap.u32[obj >>> 2] < IMMORTAL_REFCNT) corrupt(obj, `${what} is not immortal`);
  };
  immortal(core.None, 'None');
  immortal(core.True, 'True');
  immortal(core.False, 'False');
  immortal(core.emptyTuple, '()');
  immortal(core.emptyStr, "''");
  immortal(core.emptyBytes, "b''");
  if (
    core.f64[(core.True + NUM_VALUE_OFF) >>> 3] !== 1 ||
    core.f64[(core.False + NUM_VALUE_OFF) >>> 3] !== 0
  ) {
    corrupt(core.True, 'True/False values changed');
  }
  for (let k = 0; k < core.smallInts.length; k++) {
    const obj = core.smallInts[k];
    immortal(obj, 'small int');
    if (core.f64[(obj + NUM_VALUE_OFF) >>> 3] !== k + SMALL_INT_MIN)
      corrupt(obj, 'small int value changed');
  }
  for (let c = 0; c < core.latin1.length; c++) {
    immortal(core.latin1[c], 'Latin-1 character');
    checkStr(core, core.latin1[c]);
  }
  for (const [text, obj] of core.interned) {
    if (core.kindOf(obj) !== KIND_STR) corrupt(obj, 'interned entry is not a str');
    checkStr(core, obj);
    if (core.rt.str.value(obj) !== text) corrupt(obj, `interned as '${text}' but holds other text`);
  }
  heap.check();
  heap.allocator.check();
  const c = heap.collector;
  if (c !== null && c.capabilities.enumerate) {
    for (const obj of c.getObjects()) checkObject(core, obj);
  }
}
