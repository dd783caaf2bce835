/**
 * dict (Objects/dictobject.c): insertion-ordered hash table over dict-table.ts, with
 * CPython ≤ 3.13's lazy tracking (spec c.2): a new dict is untracked; an insertion whose key
 * or value "may be tracked" tracks it (MAINTAIN_TRACKING); it is never untracked on removal,
 * only by a full collection when `dictMayUntrack` says nothing in it may be tracked
 * (TPFLAGS_UNTRACK_DICT).
 *
 * Keys must be hashable (Core.hash): int, bool, float, str, bytes, None, tuples of those,
 * and identity-hashed objects (instances, classes); list and dict keys raise E_TYPE_ERROR
 * "unhashable type: 'list'". Equal keys are one key: d[1] and d[1.0] and d[True] are the
 * same entry, which keeps its first key object (as CPython's insertdict).
 *
 * Reference rules: keys and values passed in are borrowed (increfed when stored); `get`,
 * `lookup`, `keyAt`, `valueAt` return borrowed references; `pop` returns the dict's
 * reference (NEW). Decrefs of replaced or removed objects happen after the dict is
 * consistent. Out of memory: `new`/`copy` return 0, `set` returns false, nothing changed.
 */
import { fail, type Addr, type Visitor } from '@pyheap/interface';
import {
  copyEntries,
  entriesBase,
  getIndex,
  insertIndex,
  keysizeFor,
  lookupSlot,
  newKeys,
  setIndex,
} from './dict-table.js';
import { KIND_DICT as KIND_DICT_, KIND_STR as KIND_STR_, type Core } from './internal/core.js';
import {
  DICT_FLAGS_IDX as DICT_FLAGS_IDX_,
  DICT_KEYS_IDX as DICT_KEYS_IDX_,
  DICT_MANAGED as DICT_MANAGED_,
  DICT_MINSIZE as DICT_MINSIZE_,
  DICT_USED_IDX as DICT_USED_IDX_,
  DICT_VERSION_IDX as DICT_VERSION_IDX_,
  DKE_KEY as DKE_KEY_,
  DKE_VALUE as DKE_VALUE_,
  DKIX_DUMMY as DKIX_DUMMY_,
  DK_ENTRY_WORDS as DK_ENTRY_WORDS_,
  DK_GENERAL as DK_GENERAL_,
  DK_KIND_IDX as DK_KIND_IDX_,
  DK_NENTRIES_IDX as DK_NENTRIES_IDX_,
  DK_SIZE_IDX as DK_SIZE_IDX_,
  DK_UNICODE as DK_UNICODE_,
  DK_USABLE_IDX as DK_USABLE_IDX_,
} from './layout.js';
import { repr } from './repr.js';

// Module-local copies of the constants the loops read: V8 reloads (and hole-checks) an
// imported binding at every use, a module constant it does not (docs/decisions/0006).
const KIND_DICT = KIND_DICT_;
const KIND_STR = KIND_STR_;
const DICT_FLAGS_IDX = DICT_FLAGS_IDX_;
const DICT_KEYS_IDX = DICT_KEYS_IDX_;
const DICT_MANAGED = DICT_MANAGED_;
const DICT_MINSIZE = DICT_MINSIZE_;
const DICT_USED_IDX = DICT_USED_IDX_;
const DICT_VERSION_IDX = DICT_VERSION_IDX_;
const DKE_KEY = DKE_KEY_;
const DKE_VALUE = DKE_VALUE_;
const DKIX_DUMMY = DKIX_DUMMY_;
const DK_ENTRY_WORDS = DK_ENTRY_WORDS_;
const DK_GENERAL = DK_GENERAL_;
const DK_KIND_IDX = DK_KIND_IDX_;
const DK_NENTRIES_IDX = DK_NENTRIES_IDX_;
const DK_SIZE_IDX = DK_SIZE_IDX_;
const DK_UNICODE = DK_UNICODE_;
const DK_USABLE_IDX = DK_USABLE_IDX_;

/** rt.dict */
export class DictApi {
  constructor(private readonly core: Core) {}

  /** NEW reference to an empty, untracked dict; 0 when out of memory. */
  new(): Addr {
    return this.core.heap.alloc(this.core.tDict);
  }

  check(obj: Addr): boolean {
    return obj !== 0 && this.core.kindOf(obj) === KIND_DICT;
  }

  len(d: Addr): number {
    this.expect(d, 'dict.len');
    return this.core.heap.u32[(d >>> 2) + DICT_USED_IDX];
  }

  /** d[key], BORROWED. E_KEY_ERROR when absent, E_TYPE_ERROR for an unhashable key. */
  get(d: Addr, key: Addr): Addr {
    const v = this.lookup(d, key);
    if (v === 0) fail('E_KEY_ERROR', repr(this.core, key));
    return v;
  }

  /** d.get(key): BORROWED value, or 0 when absent. E_TYPE_ERROR for an unhashable key. */
  lookup(d: Addr, key: Addr): Addr {
    const core = this.core;
    this.expect(d, 'dict.lookup');
    core.checkObj(key, 'dict key');
    const hash = core.hash(key);
    const u32 = core.heap.u32;
    const keys = u32[(d >>> 2) + DICT_KEYS_IDX];
    if (keys === 0) return 0;
    const slot = lookupSlot(core, keys, key, hash);
    if (slot < 0) return 0;
    const size = u32[(keys >>> 2) + DK_SIZE_IDX];
    return u32[
      entriesBase(keys, size) + getIndex(core, keys, size, slot) * DK_ENTRY_WORDS + DKE_VALUE
    ];
  }

  /** key in d. */
  has(d: Addr, key: Addr): boolean {
    return this.lookup(d, key) !== 0;
  }

  /**
   * d[key] = value (both borrowed). False when out of memory (nothing changed).
   * E_TYPE_ERROR for an unhashable key.
   */
  set(d: Addr, key: Addr, value: Addr): boolean {
    const core = this.core;
    this.expect(d, 'dict.set');
    core.checkObj(key, 'dict key');
    core.checkObj(value, 'dict value');
    return this.insert(d, key, core.hash(key), value);
  }

  /** insertdict: replace the value of an equal key, else append an entry (growing first). */
  private insert(d: Addr, key: Addr, hash: number, value: Addr): boolean {
    const core = this.core;
    const heap = core.heap;
    const di = d >>> 2;
    let u32 = heap.u32;
    let keys = u32[di + DICT_KEYS_IDX];
    if (keys === 0) {
      keys = newKeys(core, DICT_MINSIZE, core.kindOf(key) === KIND_STR ? DK_UNICODE : DK_GENERAL);
      if (keys === 0) return false;
      u32 = heap.u32;
      u32[di + DICT_KEYS_IDX] = keys;
    } else {
      if (u32[(keys >>> 2) + DK_KIND_IDX] === DK_UNICODE && core.kindOf(key) !== KIND_STR) {
        // insertdict: the first non-str key converts the table with an insertion_resize
        // (GROWTH_RATE = used·3) into a general one before anything else.
        if (!this.resize(d, keysizeFor(u32[di + DICT_USED_IDX] * 3), DK_GENERAL)) return false;
        u32 = heap.u32;
        keys = u32[di + DICT_KEYS_IDX];
      }
      const slot = lookupSlot(core, keys, key, hash);
      if (slot >= 0) {
        const size = u32[(keys >>> 2) + DK_SIZE_IDX];
        const e = entriesBase(keys, size) + getIndex(core, keys, size, slot) * DK_ENTRY_WORDS;
        const old = u32[e + DKE_VALUE];
        heap.incref(value);
        u32[e + DKE_VALUE] = value;
        u32[di + DICT_VERSION_IDX]++;
        // MAINTAIN_TRACKING runs on both paths of insertdict with the key passed in: an equal
        // key that may be tracked (a fresh tuple) tracks the dict even though it is not stored.
        this.maintainTracking(d, key, value);
        heap.decref(old);
        return true;
      }
      if (u32[(keys >>> 2) + DK_USABLE_IDX] === 0) {
        // insertion_resize: GROWTH_RATE = used·3 (which also shrinks a table of holes).
        const kind = u32[(keys >>> 2) + DK_KIND_IDX];
        if (!this.resize(d, keysizeFor(u32[di + DICT_USED_IDX] * 3), kind)) return false;
        u32 = heap.u32;
        keys = u32[di + DICT_KEYS_IDX];
      }
    }
    const k = keys >>> 2;
    const size = u32[k + DK_SIZE_IDX];
    const n = u32[k + DK_NENTRIES_IDX];
    insertIndex(core, keys, size, hash, n);
    const e = entriesBase(keys, size) + n * DK_ENTRY_WORDS;
    u32[e] = hash;
    u32[e + DKE_KEY] = key;
    u32[e + DKE_VALUE] = value;
    u32[k + DK_NENTRIES_IDX] = n + 1;
    u32[k + DK_USABLE_IDX]--;
    u32[di + DICT_USED_IDX]++;
    u32[di + DICT_VERSION_IDX]++;
    heap.incref(key);
    heap.incref(value);
    this.maintainTracking(d, key, value);
    return true;
  }

  /** dictresize: a fresh table of `size` slots and `kind` holding the live entries in order. */
  private resize(d: Addr, size: number, kind: number): boolean {
    const core = this.core;
    const di = d >>> 2;
    const old = core.heap.u32[di + DICT_KEYS_IDX];
    const fresh = newKeys(core, size, kind);
    if (fresh === 0) return false;
    copyEntries(core, old, fresh);
    core.heap.u32[di + DICT_KEYS_IDX] = fresh;
    core.heap.allocator.free(old);
    return true;
  }

  /** MAINTAIN_TRACKING: track an untracked dict once it holds something that may be tracked. */
  private maintainTracking(d: Addr, key: Addr, value: Addr): void {
    const core = this.core;
    if ((core.heap.u32[(d >>> 2) + DICT_FLAGS_IDX] & DICT_MANAGED) !== 0) return;
    if (!core.mayBeTracked(value) && (key === 0 || !core.mayBeTracked(key))) return;
    if (!core.heap.isTracked(d)) core.heap.track(d);
  }

  /** del d[key]. E_KEY_ERROR when absent. */
  delete(d: Addr, key: Addr): void {
    this.core.heap.decref(this.pop(d, key));
  }

  /** d.pop(key): NEW reference to the removed value. E_KEY_ERROR when absent. */
  pop(d: Addr, key: Addr): Addr {
    const core = this.core;
    this.expect(d, 'dict.pop');
    core.checkObj(key, 'dict key');
    const hash = core.hash(key);
    const u32 = core.heap.u32;
    const keys = u32[(d >>> 2) + DICT_KEYS_IDX];
    const slot = keys === 0 ? -1 : lookupSlot(core, keys, key, hash);
    if (slot < 0) fail('E_KEY_ERROR', repr(core, key));
    const size = u32[(keys >>> 2) + DK_SIZE_IDX];
    const e = entriesBase(keys, size) + getIndex(core, keys, size, slot) * DK_ENTRY_WORDS;
    setIndex(core, keys, size, slot, DKIX_DUMMY);
    const oldKey = u32[e + DKE_KEY];
    const oldValue = u32[e + DKE_VALUE];
    u32[e + DKE_KEY] = 0;
    u32[e + DKE_VALUE] = 0;
    u32[(d >>> 2) + DICT_USED_IDX]--;
    u32[(d >>> 2) + DICT_VERSION_IDX]++;
    core.heap.decref(oldKey);
    return oldValue;
  }

  /** d.clear(): drop every entry; the dict keeps no table (and stays tracked if it was). */
  clear(d: Addr): void {
    this.expect(d, 'dict.clear');
    dictClear(this.core, d);
  }

  /**
   * Iteration (PyDict_Next): the entry index of the first live entry at or after `pos`, or
   * −1 at the end. Entries come in insertion order. Use `keyAt`/`valueAt` to read one.
   *   for (let i = rt.dict.next(d, 0); i >= 0; i = rt.dict.next(d, i + 1)) …
   * A resize (an insertion) renumbers entries: compare `version` to detect changes.
   */
  next(d: Addr, pos: number): number {
    this.expect(d, 'dict.next');
    const u32 = this.core.heap.u32;
    const keys = u32[(d >>> 2) + DICT_KEYS_IDX];
    if (typeof pos !== 'number' || !Number.isInteger(pos))
      fail('E_TYPE_ERROR', 'dict.next: position must be an integer');
    if (keys === 0 || pos < 0) return -1;
    const n = u32[(keys >>> 2) + DK_NENTRIES_IDX];
    const base = entriesBase(keys, u32[(keys >>> 2) + DK_SIZE_IDX]);
    for (let ix = pos; ix < n; ix++) if (u32[base + ix * DK_ENTRY_WORDS + DKE_KEY] !== 0) return ix;
    return -1;
  }

  /** BORROWED key of live entry `ix`. E_INDEX_ERROR for a hole or out of range. */
  keyAt(d: Addr, ix: number): Addr {
    const e = this.entry(d, ix, 'dict.keyAt'); // first: it may follow the memory
    return this.core.heap.u32[e + DKE_KEY];
  }

  /** BORROWED value of live entry `ix`. E_INDEX_ERROR for a hole or out of range. */
  valueAt(d: Addr, ix: number): Addr {
    const e = this.entry(d, ix, 'dict.valueAt'); // first: it may follow the memory
    return this.core.heap.u32[e + DKE_VALUE];
  }

  /** Bumped by every change; iteration by entry index is valid while it stays the same. */
  version(d: Addr): number {
    this.expect(d, 'dict.version');
    return this.core.heap.u32[(d >>> 2) + DICT_VERSION_IDX];
  }

  /** The keys in insertion order, BORROWED. */
  keys(d: Addr): Addr[] {
    const out: Addr[] = [];
    for (let i = this.next(d, 0); i >= 0; i = this.next(d, i + 1)) out.push(this.keyAt(d, i));
    return out;
  }

  /** The values in insertion order, BORROWED. */
  values(d: Addr): Addr[] {
    const out: Addr[] = [];
    for (let i = this.next(d, 0); i >= 0; i = this.next(d, i + 1)) out.push(this.valueAt(d, i));
    return out;
  }

  /** [key, value] pairs in insertion order, BORROWED. */
  items(d: Addr): [Addr, Addr][] {
    const out: [Addr, Addr][] = [];
    for (let i = this.next(d, 0); i >= 0; i = this.next(d, i + 1))
      out.push([this.keyAt(d, i), this.valueAt(d, i)]);
    return out;
  }

  /** d.copy(): NEW reference to a shallow copy (same order); 0 when out of memory. */
  copy(d: Addr): Addr {
    const core = this.core;
    this.expect(d, 'dict.copy');
    const c = this.new();
    if (c === 0) return 0;
    for (let i = this.next(d, 0); i >= 0; i = this.next(d, i + 1)) {
      const e = this.entry(d, i, 'dict.copy');
      const u32 = core.heap.u32;
      if (!this.insert(c, u32[e + DKE_KEY], u32[e] | 0, u32[e + DKE_VALUE])) {
        core.heap.decref(c);
        return 0;
      }
    }
    return c;
  }

  /** Table slots of the dict (0 before the first insertion): how big its index is. */
  tableSize(d: Addr): number {
    this.expect(d, 'dict.tableSize');
    const keys = this.core.heap.u32[(d >>> 2) + DICT_KEYS_IDX];
    return keys === 0 ? 0 : this.core.heap.u32[(keys >>> 2) + DK_SIZE_IDX];
  }

  /** @internal A dict owned by an instance (DICT_MANAGED): never tracked on its own. */
  newManaged(): Addr {
    const d = this.new();
    if (d !== 0) this.core.heap.u32[(d >>> 2) + DICT_FLAGS_IDX] = DICT_MANAGED;
    return d;
  }

  /** @internal Hand a managed dict out as an ordinary one (obj.__dict__), tracking it if due. */
  materialize(d: Addr): void {
    const core = this.core;
    const u32 = core.heap.u32;
    if ((u32[(d >>> 2) + DICT_FLAGS_IDX] & DICT_MANAGED) === 0) return;
    u32[(d >>> 2) + DICT_FLAGS_IDX] &= ~DICT_MANAGED;
    if (!dictMayUntrack(core, d) && !core.heap.isTracked(d)) core.heap.track(d);
  }

  /** Word index of live entry `ix` of `d`. */
  private entry(d: Addr, ix: number, what: string): number {
    this.expect(d, what);
    const u32 = this.core.heap.u32;
    const keys = u32[(d >>> 2) + DICT_KEYS_IDX];
    if (keys !== 0 && Number.isInteger(ix) && ix >= 0 && ix < u32[(keys >>> 2) + DK_NENTRIES_IDX]) {
      const e = entriesBase(keys, u32[(keys >>> 2) + DK_SIZE_IDX]) + ix * DK_ENTRY_WORDS;
      if (u32[e + DKE_KEY] !== 0) return e;
    }
    return fail('E_INDEX_ERROR', `${what}: no live entry ${String(ix)}`);
  }

  private expect(d: Addr, what: string): void {
    if (d === 0 || this.core.kindOf(d) !== KIND_DICT) this.core.wrongType(what, 'dict', d);
  }
}

/**
 * dict_traverse: entries in order; a table with only str keys visits values only (strings
 * are never GC objects), a general one visits each value then its key.
 */
export function dictTraverse(core: Core, d: Addr, visitor: Visitor): void {
  const u32 = core.heap.u32;
  const keys = u32[(d >>> 2) + DICT_KEYS_IDX];
  if (keys === 0) return;
  const k = keys >>> 2;
  const n = u32[k + DK_NENTRIES_IDX];
  const base = entriesBase(keys, u32[k + DK_SIZE_IDX]);
  const general = u32[k + DK_KIND_IDX] === DK_GENERAL;
  for (let ix = 0; ix < n; ix++) {
    const e = base + ix * DK_ENTRY_WORDS;
    const value = u32[e + DKE_VALUE];
    if (value === 0) continue;
    visitor.visit(value);
    if (general) visitor.visit(u32[e + DKE_KEY]);
  }
}

/**
 * PyDict_Clear (tp_clear and tp_dealloc): detach the table first, then decref each entry's
 * key and value in order (re-reading the view: finalizers may allocate), then free it.
 */
export function dictClear(core: Core, d: Addr): void {
  const heap = core.heap;
  let u32 = heap.u32;
  const di = d >>> 2;
  const keys = u32[di + DICT_KEYS_IDX];
  if (keys === 0) return;
  u32[di + DICT_KEYS_IDX] = 0;
  u32[di + DICT_USED_IDX] = 0;
  u32[di + DICT_VERSION_IDX]++;
  const n = u32[(keys >>> 2) + DK_NENTRIES_IDX];
  const base = entriesBase(keys, u32[(keys >>> 2) + DK_SIZE_IDX]);
  for (let ix = 0; ix < n; ix++) {
    const e = base + ix * DK_ENTRY_WORDS;
    const key = u32[e + DKE_KEY];
    if (key === 0) continue;
    const value = u32[e + DKE_VALUE];
    heap.decref(key);
    heap.decref(value);
    u32 = heap.u32;
  }
  heap.allocator.free(keys);
}

/**
 * _PyDict_MaybeUntrack's test: nothing in the dict may be tracked — no value, and for a
 * general (non-str-key) table no key either.
 */
export function dictMayUntrack(core: Core, d: Addr): boolean {
  const u32 = core.heap.u32;
  const keys = u32[(d >>> 2) + DICT_KEYS_IDX];
  if (keys === 0) return true;
  const k = keys >>> 2;
  const n = u32[k + DK_NENTRIES_IDX];
  const base = entriesBase(keys, u32[k + DK_SIZE_IDX]);
  const general = u32[k + DK_KIND_IDX] === DK_GENERAL;
  for (let ix = 0; ix < n; ix++) {
    const e = base + ix * DK_ENTRY_WORDS;
    const value = u32[e + DKE_VALUE];
    if (value === 0) continue;
    if (core.mayBeTracked(value)) return false;
    if (general && core.mayBeTracked(u32[e + DKE_KEY])) return false;
  }
  return true;
}
