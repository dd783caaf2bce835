/**
 * The type registry: CPython's PyTypeObject slots that matter for memory management, one
 * entry per type id, flattened into typed arrays so that allocation and deallocation read a
 * type's size and reference layout with one indexed load each.
 *
 * Type id 0 is never registered: a zeroed type word marks a freed object (layout.ts).
 */
import {
  MAX_TYPES,
  OBJECT_HEADER_SIZE,
  REFS_CUSTOM,
  REFS_INLINE,
  REFS_ITEM_BLOCK,
  TPFLAGS_HAS_CLEAR,
  TPFLAGS_HAS_FINALIZE,
  TPFLAGS_HAS_LEGACY_DEL,
  TPFLAGS_HAVE_GC,
  TPFLAGS_UNTRACK_DICT,
  TPFLAGS_UNTRACK_TUPLE,
  TPFLAGS_VAR_SIZE,
  TPFLAGS_WEAKREFABLE,
  VAR_OBJECT_HEADER_SIZE,
  fail,
  type TypeSpec,
} from '@pyheap/interface';
import {
  K_CUSTOM_CLEAR,
  K_CUSTOM_TRAVERSE,
  K_DEALLOC,
  K_ITEM_BLOCK,
  K_ITEM_REFS,
  K_SLOW_START,
} from './layout.js';

/** Largest basicSize / itemSize a type may declare (keeps size arithmetic in 32 bits). */
export const MAX_TYPE_SIZE = 1 << 24;

const INITIAL_CAPACITY = 64;

export class TypeRegistry<T> {
  /** Type id → TPFLAGS_*; replaced (grown) when types are registered. */
  flags = new Uint32Array(INITIAL_CAPACITY);
  /** Type id → K_* bits (layout.ts). */
  kind = new Uint8Array(INITIAL_CAPACITY);
  /** Type id → bytes of the object without items (tp_basicsize). */
  basicSize = new Uint32Array(INITIAL_CAPACITY);
  /** Type id → bytes per item (tp_itemsize), 0 for fixed-size types. */
  itemSize = new Uint32Array(INITIAL_CAPACITY);
  /** Type id → byte offset of the first fixed reference slot. */
  refOffset = new Uint32Array(INITIAL_CAPACITY);
  /** Type id → number of fixed reference slots. */
  refCount = new Uint32Array(INITIAL_CAPACITY);
  /** Type id → REFS_* : how traverse is derived from the layout (ObjectSpace.refLayout). */
  slotTraverse = new Uint8Array(INITIAL_CAPACITY);
  /**
   * Type id → byte offset of the inline reference items (basicSize) for REFS_INLINE, of the
   * item-block pointer for REFS_ITEM_BLOCK; 0 when the items are not references.
   */
  itemOffset = new Uint32Array(INITIAL_CAPACITY);
  /** Type id → free-list capacity (TypeSpec.freeList), 0 for none. */
  freeList = new Uint32Array(INITIAL_CAPACITY);
  /** Type id → largest item count kept on free lists (var-size types), else 0. */
  freeListItems = new Uint32Array(INITIAL_CAPACITY);
  /** Type id → the spec as given (index 0 unused). */
  readonly specs: TypeSpec<T>[] = [];
  /** Registered ids are 1..count-1. */
  count = 1;

  /**
   * Validate `spec` and give it the next type id. `extraFlags` lets the core add flags a user
   * spec cannot ask for (TPFLAGS_WEAKREF for the built-in weakref type).
   */
  register(spec: TypeSpec<T>, extraFlags = 0): number {
    const { basic, item, refOff, refCnt, flags, kind } = validateSpec(spec);
    const [freeCap, freeItems] = validateFreeList(spec, item);
    if (this.count >= MAX_TYPES) fail('E_BAD_TYPE', `too many types (at most ${MAX_TYPES - 1})`);
    const id = this.count;
    if (id >= this.flags.length) this.grow(this.flags.length * 2);
    this.flags[id] = flags | extraFlags;
    this.kind[id] = kind;
    this.basicSize[id] = basic;
    this.itemSize[id] = item;
    this.refOffset[id] = refOff;
    this.refCount[id] = refCnt;
    this.freeList[id] = freeCap;
    this.freeListItems[id] = freeItems;
    this.slotTraverse[id] =
      spec.traverse !== undefined
        ? REFS_CUSTOM
        : (kind & K_ITEM_BLOCK) !== 0
          ? REFS_ITEM_BLOCK
          : REFS_INLINE;
    this.itemOffset[id] =
      (kind & K_ITEM_REFS) !== 0
        ? basic
        : (kind & K_ITEM_BLOCK) !== 0
          ? spec.itemsPointerOffset!
          : 0;
    this.specs[id] = spec;
    this.count = id + 1;
    return id;
  }

  /** The spec of a registered type; E_BAD_TYPE otherwise. */
  spec(typeId: number): TypeSpec<T> {
    if (!this.isRegistered(typeId)) fail('E_BAD_TYPE', `no type with id ${String(typeId)}`);
    return this.specs[typeId];
  }

  isRegistered(typeId: number): boolean {
    return (typeId & 0xffff) === typeId && typeId > 0 && typeId < this.count;
  }

  private grow(capacity: number): void {
    const n = Math.min(capacity, MAX_TYPES);
    const flags = new Uint32Array(n);
    flags.set(this.flags);
    this.flags = flags;
    const kind = new Uint8Array(n);
    kind.set(this.kind);
    this.kind = kind;
    const slotTraverse = new Uint8Array(n);
    slotTraverse.set(this.slotTraverse);
    this.slotTraverse = slotTraverse;
    this.itemOffset = grown(this.itemOffset, n);
    this.basicSize = grown(this.basicSize, n);
    this.itemSize = grown(this.itemSize, n);
    this.refOffset = grown(this.refOffset, n);
    this.refCount = grown(this.refCount, n);
    this.freeList = grown(this.freeList, n);
    this.freeListItems = grown(this.freeListItems, n);
  }
}

/** Largest free-list capacity and item count a type may declare. */
const MAX_FREE_LIST = 1 << 20;
const MAX_FREE_LIST_ITEMS = 1024;

/** [capacity, item counts] of a spec's free list; E_BAD_TYPE when malformed. */
function validateFreeList<T>(spec: TypeSpec<T>, itemSize: number): [number, number] {
  const cap = spec.freeList ?? 0;
  if (!isInt(cap, 0, MAX_FREE_LIST)) {
    fail('E_BAD_TYPE', `type '${spec.name}': freeList must be an integer in 0..${MAX_FREE_LIST}`);
  }
  const items = spec.freeListItems;
  if (items === undefined) {
    if (cap > 0 && itemSize > 0)
      fail(
        'E_BAD_TYPE',
        `type '${spec.name}': a variable-size type's freeList needs freeListItems`,
      );
    return [cap, 0];
  }
  if (itemSize === 0 || !isInt(items, 1, MAX_FREE_LIST_ITEMS)) {
    fail(
      'E_BAD_TYPE',
      `type '${spec.name}': freeListItems must be an integer in 1..${MAX_FREE_LIST_ITEMS}, for variable-size types`,
    );
  }
  return [cap, cap > 0 ? items : 0];
}

function grown(a: Uint32Array<ArrayBuffer>, n: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}

interface Derived {
  basic: number;
  item: number;
  refOff: number;
  refCnt: number;
  flags: number;
  kind: number;
}

function isInt(v: unknown, lo: number, hi: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

function isFn(v: unknown): boolean {
  return v === undefined || typeof v === 'function';
}

/** Check a TypeSpec and derive its flags and kind bits; E_BAD_TYPE on anything malformed. */
function validateSpec<T>(spec: TypeSpec<T>): Derived {
  const bad = (why: string): never =>
    fail(
      'E_BAD_TYPE',
      `malformed type spec${typeof spec?.name === 'string' ? ` '${spec.name}'` : ''}: ${why}`,
    );
  if (typeof spec !== 'object' || spec === null) bad('not an object');
  if (typeof spec.name !== 'string' || spec.name.length === 0)
    bad('name must be a non-empty string');
  const item = spec.itemSize ?? 0;
  if (!isInt(item, 0, MAX_TYPE_SIZE)) bad(`itemSize must be an integer in 0..${MAX_TYPE_SIZE}`);
  const varSize = item > 0;
  const itemBlock = spec.itemsPointerOffset !== undefined;
  // ob_size (byte 8) is part of the header of var-size objects and of item-block ones.
  const minBasic = varSize || itemBlock ? VAR_OBJECT_HEADER_SIZE : OBJECT_HEADER_SIZE;
  if (!isInt(spec.basicSize, minBasic, MAX_TYPE_SIZE)) {
    bad(`basicSize must be an integer in ${minBasic}..${MAX_TYPE_SIZE}`);
  }
  const refCnt = spec.refCount ?? 0;
  const refOff = spec.refOffset ?? (refCnt > 0 ? -1 : 0);
  if (!isInt(refCnt, 0, MAX_TYPE_SIZE >>> 2)) bad('refCount must be a non-negative integer');
  if (refCnt > 0) {
    if (!isInt(refOff, minBasic, spec.basicSize) || (refOff & 3) !== 0) {
      bad(`refOffset must be a multiple of 4 in ${minBasic}..basicSize`);
    }
    if (refOff + 4 * refCnt > spec.basicSize) bad('reference slots extend past basicSize');
  } else if (spec.refOffset !== undefined && !isInt(spec.refOffset, 0, spec.basicSize)) {
    bad('refOffset must be an integer inside the object');
  }
  const itemRefs = spec.itemsAreRefs === true;
  if (itemRefs && item !== 4) bad('itemsAreRefs needs itemSize 4');
  if (itemRefs && (spec.basicSize & 3) !== 0) bad('itemsAreRefs needs a basicSize multiple of 4');
  if (itemBlock) {
    const at = spec.itemsPointerOffset;
    if (item !== 0) bad('itemsPointerOffset is for fixed-size objects (no itemSize)');
    if (!isInt(at, VAR_OBJECT_HEADER_SIZE, spec.basicSize - 4) || (at & 3) !== 0) {
      bad(`itemsPointerOffset must be a multiple of 4 in ${VAR_OBJECT_HEADER_SIZE}..basicSize−4`);
    }
    if (refCnt > 0 && at < refOff + 4 * refCnt && at + 4 > refOff) {
      bad('itemsPointerOffset overlaps the reference slots');
    }
    if (spec.traverse !== undefined) bad('itemsPointerOffset derives traverse: omit traverse');
    if (spec.clear === undefined) bad("itemsPointerOffset needs clear (the block is the type's)");
  }
  for (const key of [
    'traverse',
    'clear',
    'dealloc',
    'finalize',
    'legacyFinalize',
    'mayUntrack',
  ] as const) {
    if (!isFn(spec[key])) bad(`${key} must be a function`);
  }
  if (spec.lazyUntrack !== undefined) {
    if (spec.lazyUntrack !== 'tuple' && spec.lazyUntrack !== 'dict')
      bad("lazyUntrack must be 'tuple' or 'dict'");
    if (spec.gc !== true) bad('lazyUntrack needs a GC type');
    if (spec.mayUntrack === undefined) bad('lazyUntrack needs mayUntrack');
  }
  let flags = 0;
  if (spec.gc === true) flags |= TPFLAGS_HAVE_GC;
  if (spec.weakrefable === true) flags |= TPFLAGS_WEAKREFABLE;
  if (spec.finalize) flags |= TPFLAGS_HAS_FINALIZE;
  if (spec.legacyFinalize) flags |= TPFLAGS_HAS_LEGACY_DEL;
  if (spec.lazyUntrack === 'tuple') flags |= TPFLAGS_UNTRACK_TUPLE;
  if (spec.lazyUntrack === 'dict') flags |= TPFLAGS_UNTRACK_DICT;
  if (varSize) flags |= TPFLAGS_VAR_SIZE;
  if (spec.clear || refCnt > 0 || itemRefs) flags |= TPFLAGS_HAS_CLEAR;
  let kind = 0;
  if (itemRefs) kind |= K_ITEM_REFS;
  if (itemBlock) kind |= K_ITEM_BLOCK;
  if (spec.clear) kind |= K_CUSTOM_CLEAR;
  if (spec.traverse) kind |= K_CUSTOM_TRAVERSE;
  if (spec.dealloc) kind |= K_DEALLOC;
  if (spec.clear || spec.dealloc || spec.finalize || spec.legacyFinalize) kind |= K_SLOW_START;
  return { basic: spec.basicSize, item, refOff: refCnt > 0 ? refOff : 0, refCnt, flags, kind };
}
