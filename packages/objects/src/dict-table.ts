/**
 * The keys table of a dict: CPython's compact, insertion-ordered open-addressing layout
 * (Objects/dictobject.c since 3.6, Raymond Hettinger's design): a sparse index table of
 * small integers pointing into a dense entries array kept in insertion order. Layout in
 * layout.ts; design notes in docs/decisions/0011-dict-design.md.
 *
 * Probing is CPython's: start at hash & mask, then i = (5·i + perturb + 1) & mask with
 * perturb = hash, shifted right by PERTURB_SHIFT each step, so every bit of the hash is used
 * and every slot is eventually visited. Deleting leaves DKIX_DUMMY in the index slot (probe
 * chains stay intact) and a hole (key = value = 0) in the entries; new entries are always
 * appended and only take EMPTY index slots, so holes and dummies disappear on the next resize.
 */
import type { Addr } from '@pyheap/interface';
import type { Core } from './internal/core.js';
import {
  DKE_HASH as DKE_HASH_,
  DKE_KEY as DKE_KEY_,
  DKIX_EMPTY as DKIX_EMPTY_,
  DK_ENTRY_WORDS as DK_ENTRY_WORDS_,
  DK_HEADER_SIZE as DK_HEADER_SIZE_,
  DK_KIND_IDX as DK_KIND_IDX_,
  DK_NENTRIES_IDX as DK_NENTRIES_IDX_,
  DK_SIZE_IDX as DK_SIZE_IDX_,
  DK_USABLE_IDX as DK_USABLE_IDX_,
  DICT_MINSIZE as DICT_MINSIZE_,
  PERTURB_SHIFT as PERTURB_SHIFT_,
} from './layout.js';

// Module-local copies of the constants the loops read: V8 reloads (and hole-checks) an
// imported binding at every use, a module constant it does not (docs/decisions/0006).
const DKE_HASH = DKE_HASH_;
const DKE_KEY = DKE_KEY_;
const DKIX_EMPTY = DKIX_EMPTY_;
const DK_ENTRY_WORDS = DK_ENTRY_WORDS_;
const DK_HEADER_SIZE = DK_HEADER_SIZE_;
const DK_KIND_IDX = DK_KIND_IDX_;
const DK_NENTRIES_IDX = DK_NENTRIES_IDX_;
const DK_SIZE_IDX = DK_SIZE_IDX_;
const DK_USABLE_IDX = DK_USABLE_IDX_;
const DICT_MINSIZE = DICT_MINSIZE_;
const PERTURB_SHIFT = PERTURB_SHIFT_;

/** USABLE_FRACTION: entries a table of `size` index slots holds before it must grow (2/3). */
export function usableFraction(size: number): number {
  return ((size << 1) / 3) | 0;
}

/** log2 of the index width in bytes: int8 up to 128 slots, int16 up to 2^15, else int32. */
export function indexShift(size: number): number {
  return size <= 0x80 ? 0 : size <= 0x8000 ? 1 : 2;
}

/** Bytes of a keys table with `size` index slots. */
export function keysBytes(size: number): number {
  return DK_HEADER_SIZE + (size << indexShift(size)) + usableFraction(size) * DK_ENTRY_WORDS * 4;
}

/** Word index of entry 0 of the table at `keys`. */
export function entriesBase(keys: Addr, size: number): number {
  return (keys + DK_HEADER_SIZE + (size << indexShift(size))) >>> 2;
}

/**
 * calculate_log2_keysize: the smallest power of two ≥ max(minsize, PyDict_MINSIZE).
 * With GROWTH_RATE = used·3 a full 8-slot table grows to 16, 32, 64, … as in CPython.
 */
export function keysizeFor(minsize: number): number {
  let size = DICT_MINSIZE;
  while (size < minsize) size *= 2;
  return size;
}

/** A new, empty keys table (new_keys_object); 0 when out of memory. */
export function newKeys(core: Core, size: number, kind: number): Addr {
  const keys = core.heap.allocator.malloc(keysBytes(size));
  if (keys === 0) return 0;
  const u32 = core.heap.u32;
  const k = keys >>> 2;
  u32[k + DK_SIZE_IDX] = size;
  u32[k + DK_USABLE_IDX] = usableFraction(size);
  u32[k + DK_NENTRIES_IDX] = 0;
  u32[k + DK_KIND_IDX] = kind;
  // DKIX_EMPTY is −1: all ones at every index width.
  const p = keys + DK_HEADER_SIZE;
  core.u8.fill(0xff, p, p + (size << indexShift(size)));
  return keys;
}

/** dictkeys_get_index: the entry index (or DKIX_EMPTY / DKIX_DUMMY) in index slot `i`. */
export function getIndex(core: Core, keys: Addr, size: number, i: number): number {
  const p = keys + DK_HEADER_SIZE;
  if (size <= 0x80) return core.i8[p + i];
  if (size <= 0x8000) return core.i16[(p >>> 1) + i];
  return core.i32[(p >>> 2) + i];
}

/** dictkeys_set_index. */
export function setIndex(core: Core, keys: Addr, size: number, i: number, ix: number): void {
  const p = keys + DK_HEADER_SIZE;
  if (size <= 0x80) core.i8[p + i] = ix;
  else if (size <= 0x8000) core.i16[(p >>> 1) + i] = ix;
  else core.i32[(p >>> 2) + i] = ix;
}

/**
 * Find `key` (with hash `hash`): the index slot that points at its entry, or −1 when the key
 * is absent (lookdict / unicodekeys_lookup_generic). An entry matches if it holds the very
 * same object, or an equal one with the same hash (Core.keyEquals never runs user code).
 */
export function lookupSlot(core: Core, keys: Addr, key: Addr, hash: number): number {
  const u32 = core.heap.u32;
  const size = u32[(keys >>> 2) + DK_SIZE_IDX];
  const mask = size - 1;
  const ebase = entriesBase(keys, size);
  // The index width is chosen once, outside the probe loop.
  const p = keys + DK_HEADER_SIZE;
  const indices = size <= 0x80 ? core.i8 : size <= 0x8000 ? core.i16 : core.i32;
  const ibase = size <= 0x80 ? p : size <= 0x8000 ? p >>> 1 : p >>> 2;
  let perturb = hash >>> 0;
  let i = hash & mask;
  for (;;) {
    const ix = indices[ibase + i];
    if (ix === DKIX_EMPTY) return -1;
    if (ix >= 0) {
      const e = ebase + ix * DK_ENTRY_WORDS;
      const k = u32[e + DKE_KEY];
      if (k === key) return i;
      if ((u32[e + DKE_HASH] | 0) === hash && core.keyEquals(k, key)) return i;
    }
    perturb = perturb >>> PERTURB_SHIFT;
    i = (i * 5 + perturb + 1) & mask;
  }
}

/**
 * find_empty_slot + dictkeys_set_index: point the first EMPTY index slot on `hash`'s probe
 * sequence (never a dummy) at entry `ix`.
 */
export function insertIndex(core: Core, keys: Addr, size: number, hash: number, ix: number): void {
  const mask = size - 1;
  const p = keys + DK_HEADER_SIZE;
  const indices = size <= 0x80 ? core.i8 : size <= 0x8000 ? core.i16 : core.i32;
  const ibase = size <= 0x80 ? p : size <= 0x8000 ? p >>> 1 : p >>> 2;
  let perturb = hash >>> 0;
  let i = hash & mask;
  while (indices[ibase + i] !== DKIX_EMPTY) {
    perturb = perturb >>> PERTURB_SHIFT;
    i = (i * 5 + perturb + 1) & mask;
  }
  indices[ibase + i] = ix;
}

/**
 * dictresize's copy: move the live entries of `oldKeys` (in order, holes squeezed out) into
 * the fresh table `newKeys` and rebuild its index (build_indices). Moves references, no
 * counts change. The caller frees the old table.
 */
export function copyEntries(core: Core, oldKeys: Addr, newKeysAddr: Addr): number {
  const u32 = core.heap.u32;
  const osize = u32[(oldKeys >>> 2) + DK_SIZE_IDX];
  const on = u32[(oldKeys >>> 2) + DK_NENTRIES_IDX];
  const obase = entriesBase(oldKeys, osize);
  const nsize = u32[(newKeysAddr >>> 2) + DK_SIZE_IDX];
  const nbase = entriesBase(newKeysAddr, nsize);
  let n = 0;
  for (let ix = 0; ix < on; ix++) {
    const e = obase + ix * DK_ENTRY_WORDS;
    if (u32[e + DKE_KEY] === 0) continue;
    const d = nbase + n * DK_ENTRY_WORDS;
    u32[d] = u32[e];
    u32[d + 1] = u32[e + 1];
    u32[d + 2] = u32[e + 2];
    insertIndex(core, newKeysAddr, nsize, u32[e + DKE_HASH] | 0, n);
    n++;
  }
  u32[(newKeysAddr >>> 2) + DK_NENTRIES_IDX] = n;
  u32[(newKeysAddr >>> 2) + DK_USABLE_IDX] = usableFraction(nsize) - n;
  return n;
}
