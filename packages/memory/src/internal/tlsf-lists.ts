/**
 * The two-level segregated free lists of TLSF (Masmano et al. 2004): FL_COUNT × SL_COUNT
 * doubly linked lists of free blocks, one bit per non-empty list in a second-level bitmap and
 * one bit per non-empty second level in the first-level bitmap, so that finding a free block
 * that fits is two find-first-set operations and never a walk.
 *
 *   flMap           u32   bit fl set ⇔ slMap[fl] ≠ 0
 *   slMap[fl]       u32   bit sl set ⇔ heads[fl·SL_COUNT + sl] ≠ 0
 *   heads[fl·SL_COUNT + sl]   header address of the first free block of that class, or 0
 *
 * The control structure lives in typed arrays outside the linear memory (it never moves when the
 * memory grows); the list links live in the free blocks themselves (PREV_OFF, NEXT_OFF).
 */
import { fail, hexAddr } from '@pyheap/interface';
import {
  FL_COUNT,
  FREE,
  NEXT_OFF,
  PREV_OFF,
  SL_BITS,
  SL_COUNT,
  TAGS_MASK,
  ctz32,
  mappingInsert,
  mappingSearch,
} from './raw-layout.js';

export class TlsfLists {
  /** First-level bitmap. */
  flMap = 0;
  /** Second-level bitmaps, one per first level. */
  readonly slMap = new Uint32Array(FL_COUNT);
  /** List heads (block header addresses), indexed fl × SL_COUNT + sl. */
  readonly heads = new Uint32Array(FL_COUNT * SL_COUNT);
  /** Free blocks on all lists, and their bytes (headers included). */
  freeBlocks = 0;
  freeBytes = 0;

  /** Push free block `b` of `size` bytes at the head of its class list (mapping_insert). */
  insert(u32: Uint32Array, b: number, size: number): void {
    const idx = mappingInsert(size);
    const heads = this.heads;
    const head = heads[idx];
    u32[(b + PREV_OFF) >>> 2] = 0;
    u32[(b + NEXT_OFF) >>> 2] = head;
    if (head !== 0) u32[(head + PREV_OFF) >>> 2] = b;
    heads[idx] = b;
    const fl = idx >>> SL_BITS;
    this.slMap[fl] |= 1 << (idx & (SL_COUNT - 1));
    this.flMap |= 1 << fl;
    this.freeBlocks++;
    this.freeBytes += size;
  }

  /** Unlink free block `b` of `size` bytes from its class list. */
  remove(u32: Uint32Array, b: number, size: number): void {
    const idx = mappingInsert(size);
    const prev = u32[(b + PREV_OFF) >>> 2];
    const next = u32[(b + NEXT_OFF) >>> 2];
    if (next !== 0) u32[(next + PREV_OFF) >>> 2] = prev;
    if (prev !== 0) {
      u32[(prev + NEXT_OFF) >>> 2] = next;
    } else {
      this.heads[idx] = next;
      if (next === 0) {
        // The list emptied: clear its second-level bit, and the first-level bit with the last one.
        const fl = idx >>> SL_BITS;
        const sl = (this.slMap[fl] & ~(1 << (idx & (SL_COUNT - 1)))) >>> 0;
        this.slMap[fl] = sl;
        if (sl === 0) this.flMap &= ~(1 << fl);
      }
    }
    this.freeBlocks--;
    this.freeBytes -= size;
  }

  /**
   * Header address of a free block of at least `size` bytes, or 0 when none is listed: the head
   * of the first non-empty class at or above the rounded-up class of `size` (mapping_search +
   * find_suitable_block). The block stays listed; the caller removes it.
   */
  search(size: number): number {
    const idx = mappingSearch(size);
    let fl = idx >>> SL_BITS;
    if (fl >= FL_COUNT) return 0;
    let sl = this.slMap[fl] & (~0 << (idx & (SL_COUNT - 1)));
    if (sl === 0) {
      const fls = fl + 1 < FL_COUNT ? this.flMap & (~0 << (fl + 1)) : 0;
      if (fls === 0) return 0;
      fl = ctz32(fls);
      sl = this.slMap[fl];
    }
    return this.heads[(fl << SL_BITS) | ctz32(sl)];
  }

  /**
   * Walk every list: each member is marked FREE, sits in the class of its size, is linked both
   * ways, and the bitmaps say exactly which lists are non-empty. Returns the number of blocks
   * listed; `visit` is called for each (the caller checks it against its heap walk).
   */
  check(u32: Uint32Array, visit: (b: number, size: number) => void): number {
    let count = 0;
    let bytes = 0;
    let flExpected = 0;
    for (let fl = 0; fl < FL_COUNT; fl++) {
      let slExpected = 0;
      for (let sl = 0; sl < SL_COUNT; sl++) {
        const idx = (fl << SL_BITS) | sl;
        let b = this.heads[idx];
        if (b !== 0) slExpected |= 1 << sl;
        let prev = 0;
        while (b !== 0) {
          const h = u32[b >>> 2];
          const size = h & ~TAGS_MASK;
          if ((h & FREE) === 0) corrupt(`listed block ${hexAddr(b)} is not free`);
          if (mappingInsert(size) !== idx)
            corrupt(`block ${hexAddr(b)} of ${size} bytes in list ${idx}`);
          if (u32[(b + PREV_OFF) >>> 2] !== prev)
            corrupt(`block ${hexAddr(b)} has a wrong prev link`);
          visit(b, size);
          if (++count > this.freeBlocks)
            corrupt('free lists hold more blocks than counted (cycle?)');
          bytes += size;
          prev = b;
          b = u32[(b + NEXT_OFF) >>> 2];
        }
      }
      if (this.slMap[fl] !== slExpected >>> 0)
        corrupt(`second-level bitmap ${fl} does not match its lists`);
      if (slExpected !== 0) flExpected |= 1 << fl;
    }
    if (this.flMap !== flExpected) corrupt('first-level bitmap does not match the second level');
    if (count !== this.freeBlocks) corrupt(`${count} blocks listed, ${this.freeBlocks} counted`);
    if (bytes !== this.freeBytes) corrupt(`${bytes} free bytes listed, ${this.freeBytes} counted`);
    return count;
  }
}

function corrupt(what: string): never {
  fail('E_CORRUPT_HEAP', `RawAllocator free lists: ${what}`);
}
