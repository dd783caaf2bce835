/**
 * RawAllocator — pyheap's RAW domain, the part CPython leaves to the C library's malloc
 * (PyMem_RawMalloc; pymalloc forwards 0-byte and >512-byte requests here, obmalloc.c
 * `_PyObject_Malloc` → `PyMem_RawMalloc`).
 *
 * Two regimes, as glibc's malloc:
 * - requests below `mmapThreshold` are served by TLSF, Two-Level Segregated Fit (Masmano,
 *   Ripoll, Crespo, Real 2004): O(1) malloc and free over chunks carved from the memory, with
 *   boundary tags for immediate coalescing (layout in internal/raw-layout.ts, lists in
 *   internal/tlsf-lists.ts);
 * - requests at or above it get a page region of their own (glibc's mmap'd chunks), given back
 *   to the memory on free. The block starts at the region: large blocks are page-aligned.
 *
 * A chunk that becomes wholly free is given back to the memory, except one kept for reuse so
 * that a loop allocating and freeing one block does not map and unmap a chunk each time (the
 * hysteresis CPython applies to its arenas, bpo-37257); `trim()` gives that one back too.
 *
 * Misuse is detected in O(1) and exactly: the region table says which regions are ours and the
 * chunk's state map says whether an address is a live block start, a freed one or neither
 * (internal/raw-layout.ts, internal/region-table.ts). Walking checks live in `check()`.
 */
import {
  MAX_HEAP_BYTES,
  PAGE_SIZE,
  checkAddr,
  checkSize,
  fail,
  hexAddr,
  type Addr,
  type Allocator,
  type ErrorCode,
  type Memory,
} from '@pyheap/interface';
import { LinearMemory } from './linear-memory.js';
import {
  ALIGN_MASK,
  ALIGNMENT,
  BLOCK_OVERHEAD,
  CHUNK_MAP_SHIFT,
  FREE,
  LEFT_FREE,
  MIN_BLOCK_SIZE,
  STATE_FREED,
  STATE_LIVE,
  TAGS_MASK,
  blockSizeFor,
  stateIdx,
  stateShift,
} from './internal/raw-layout.js';
import { KIND_CHUNK, KIND_LARGE, RegionTable } from './internal/region-table.js';
import { TlsfLists } from './internal/tlsf-lists.js';
import { checkRawHeap } from './internal/raw-check.js';
import {
  chunkBytesOf,
  mmapThresholdOf,
  type RawAllocatorOpts,
  type RawAllocatorStats,
} from './raw-allocator-opts.js';

const NO_CHUNK = -1;

export class RawAllocator implements Allocator {
  readonly name = 'raw';
  readonly alignment = ALIGNMENT;
  readonly memory: Memory;
  readonly mmapThreshold: number;
  readonly chunkBytes: number;

  /** TLSF free lists over every chunk. */
  private readonly lists = new TlsfLists();
  /** Regions held: chunks and large blocks, with the address → region page table. */
  private readonly regions: RegionTable;
  /** The wholly free chunk kept for reuse (NO_CHUNK if none), and its one block. */
  private emptyChunk = NO_CHUNK;
  private emptyFirst = 0;
  /** Counters; check() recomputes each from the heap. */
  private blocks = 0;
  private bytesUsed = 0;
  private footprint = 0;
  private peakFootprint = 0;
  private chunkCount = 0;
  private largeCount = 0;

  constructor(opts: RawAllocatorOpts = {}) {
    this.memory = opts.memory ?? new LinearMemory();
    this.mmapThreshold = mmapThresholdOf(opts);
    this.chunkBytes = chunkBytesOf(opts);
    this.regions = new RegionTable(this.memory.byteLength);
  }

  // ── the four entry points ─────────────────────────────────────────────────────────

  malloc(size: number): Addr {
    if (typeof size !== 'number' || size >>> 0 !== size) checkSize(size);
    return size < this.mmapThreshold ? this.mallocSmall(size) : this.mallocLarge(size, false);
  }

  calloc(nelem: number, elsize: number): Addr {
    if (typeof nelem !== 'number' || nelem >>> 0 !== nelem) checkSize(nelem, 'nelem');
    if (typeof elsize !== 'number' || elsize >>> 0 !== elsize) checkSize(elsize, 'elsize');
    const n = nelem * elsize;
    if (n >= MAX_HEAP_BYTES) fail('E_INVALID_SIZE', `calloc: ${nelem} × ${elsize} bytes overflows`);
    if (n >= this.mmapThreshold) return this.mallocLarge(n, true);
    const p = this.mallocSmall(n);
    if (p !== 0) {
      const usable = (this.memory.u32[(p - BLOCK_OVERHEAD) >>> 2] & ~TAGS_MASK) - BLOCK_OVERHEAD;
      this.memory.u8.fill(0, p, p + usable);
    }
    return p;
  }

  realloc(addr: Addr, size: number): Addr {
    if (typeof size !== 'number' || size >>> 0 !== size) checkSize(size);
    if (addr === 0) return this.malloc(size);
    const id = this.resolve(addr, 'realloc');
    const regions = this.regions;
    if (regions.kind[id] === KIND_LARGE) {
      // A large block keeps its region while the new size still belongs there and wastes less
      // than half of it; otherwise it moves (the memory cannot resize a region in place).
      const bytes = regions.bytes[id];
      if (size >= this.mmapThreshold && size <= bytes && roundUpPage(size) * 2 > bytes) return addr;
      return this.move(addr, id, bytes, size);
    }
    const u32 = this.memory.u32;
    const b = addr - BLOCK_OVERHEAD;
    const h = u32[b >>> 2];
    const size0 = h & ~TAGS_MASK;
    if (size >= this.mmapThreshold) return this.move(addr, id, size0 - BLOCK_OVERHEAD, size);
    const need = blockSizeFor(size);
    if (need <= size0) {
      // Shrink in place; a tail big enough to be a block goes back to the free lists.
      if (size0 - need >= MIN_BLOCK_SIZE) this.splitTail(u32, b, h, size0, need);
      return addr;
    }
    // Grow in place by taking (part of) a free right neighbour.
    const r = b + size0;
    const rh = u32[r >>> 2];
    if ((rh & FREE) !== 0 && size0 + (rh & ~TAGS_MASK) >= need) {
      const total = size0 + (rh & ~TAGS_MASK);
      this.lists.remove(u32, r, rh & ~TAGS_MASK);
      const rest = total - need;
      let kept = total;
      if (rest >= MIN_BLOCK_SIZE) {
        // The block after the old neighbour keeps LEFT_FREE: the new tail is free.
        kept = need;
        const t = b + need;
        u32[t >>> 2] = rest | FREE;
        u32[(t + rest - 4) >>> 2] = t;
        this.lists.insert(u32, t, rest);
      } else {
        u32[(b + total) >>> 2] &= ~LEFT_FREE;
      }
      u32[b >>> 2] = kept | (h & LEFT_FREE);
      this.bytesUsed += kept - size0;
      return addr;
    }
    return this.move(addr, id, size0 - BLOCK_OVERHEAD, size);
  }

  free(addr: Addr): void {
    if (addr === 0) return;
    const id = this.resolve(addr, 'free');
    if (this.regions.kind[id] === KIND_LARGE) this.freeLarge(id);
    else this.freeSmall(addr, id);
  }

  // ── queries ───────────────────────────────────────────────────────────────────────

  usableSize(addr: Addr): number {
    const id = this.resolve(addr, 'usableSize');
    if (this.regions.kind[id] === KIND_LARGE) return this.regions.bytes[id];
    return (this.memory.u32[(addr - BLOCK_OVERHEAD) >>> 2] & ~TAGS_MASK) - BLOCK_OVERHEAD;
  }

  owns(addr: Addr): boolean {
    if (typeof addr !== 'number' || addr >>> 0 !== addr || addr === 0) return false;
    const id = this.regions.lookup(addr);
    if (id < 0) return false;
    const base = this.regions.base[id];
    if (this.regions.kind[id] === KIND_LARGE) return addr === base;
    if ((addr & ALIGN_MASK) !== 0) return false;
    const state = (this.memory.u32[stateIdx(base, addr)] >>> stateShift(base, addr)) & 3;
    return state === STATE_LIVE;
  }

  trim(): number {
    const id = this.emptyChunk;
    if (id === NO_CHUNK) return 0;
    const u32 = this.memory.u32;
    const first = this.emptyFirst;
    this.lists.remove(u32, first, u32[first >>> 2] & ~TAGS_MASK);
    this.emptyChunk = NO_CHUNK;
    this.emptyFirst = 0;
    const bytes = this.regions.bytes[id];
    this.releaseRegion(id);
    return bytes;
  }

  stats(): RawAllocatorStats {
    return {
      blocksInUse: this.blocks,
      bytesInUse: this.bytesUsed,
      footprint: this.footprint,
      peakFootprint: this.peakFootprint,
      sizeClasses: [],
      chunks: this.chunkCount,
      largeBlocks: this.largeCount,
      freeBytes: this.lists.freeBytes,
      keptBytes: this.emptyChunk === NO_CHUNK ? 0 : this.regions.bytes[this.emptyChunk],
    };
  }

  /** Start a new peak measurement from the current footprint. */
  resetPeak(): void {
    this.peakFootprint = this.footprint;
  }

  check(): void {
    checkRawHeap({
      memory: this.memory,
      lists: this.lists,
      regions: this.regions,
      emptyChunk: this.emptyChunk,
      emptyFirst: this.emptyFirst,
      blocks: this.blocks,
      bytesUsed: this.bytesUsed,
      footprint: this.footprint,
      chunks: this.chunkCount,
      largeBlocks: this.largeCount,
    });
  }

  // ── internals ─────────────────────────────────────────────────────────────────────

  /**
   * The region of a block address given to free/realloc/usableSize, or a throw saying exactly
   * what is wrong with it. Nothing is modified before every check has passed.
   */
  private resolve(addr: Addr, what: string): number {
    if (typeof addr !== 'number' || addr >>> 0 !== addr) checkAddr(addr);
    const regions = this.regions;
    const id = regions.lookup(addr);
    if (id < 0) {
      if ((addr & (PAGE_SIZE - 1)) === 0 && regions.isTombstone(addr)) {
        misuse('E_DOUBLE_FREE', what, addr, 'was already freed');
      }
      misuse(
        'E_FOREIGN_ADDRESS',
        what,
        addr,
        'is not inside any chunk or region of this allocator',
      );
    }
    const base = regions.base[id];
    if (regions.kind[id] === KIND_LARGE) {
      if (addr !== base)
        misuse('E_NOT_ALLOCATED', what, addr, 'is inside a large block, not its start');
      return id;
    }
    if ((addr & ALIGN_MASK) !== 0) misuse('E_NOT_ALLOCATED', what, addr, 'is not a block start');
    const state = (this.memory.u32[stateIdx(base, addr)] >>> stateShift(base, addr)) & 3;
    if (state === STATE_LIVE) return id;
    if (state === STATE_FREED) misuse('E_DOUBLE_FREE', what, addr, 'was already freed');
    return misuse('E_NOT_ALLOCATED', what, addr, 'is not the start of an allocated block');
  }

  /** TLSF malloc: find a free block that fits (or add a chunk), split off the rest. */
  private mallocSmall(n: number): Addr {
    const need = blockSizeFor(n);
    let b = this.lists.search(need);
    if (b === 0) {
      b = this.addChunk(need);
      if (b === 0) return 0;
    } else if (b === this.emptyFirst) {
      this.emptyChunk = NO_CHUNK; // the kept chunk is in use again
      this.emptyFirst = 0;
    }
    const u32 = this.memory.u32;
    const size = u32[b >>> 2] & ~TAGS_MASK;
    this.lists.remove(u32, b, size);
    // A free block never has a free left neighbour, so the header gets no LEFT_FREE.
    const rest = size - need;
    let kept = size;
    if (rest >= MIN_BLOCK_SIZE) {
      kept = need;
      const t = b + need;
      u32[t >>> 2] = rest | FREE;
      u32[(t + rest - 4) >>> 2] = t;
      this.lists.insert(u32, t, rest); // the right neighbour keeps LEFT_FREE
    } else {
      u32[(b + size) >>> 2] &= ~LEFT_FREE;
    }
    u32[b >>> 2] = kept;
    const p = b + BLOCK_OVERHEAD;
    const base = this.regions.base[this.regions.lookup(b)];
    const w = stateIdx(base, p);
    const sh = stateShift(base, p);
    u32[w] = (u32[w] & ~(3 << sh)) | (STATE_LIVE << sh);
    this.blocks++;
    this.bytesUsed += kept - BLOCK_OVERHEAD;
    return p;
  }

  /** TLSF free: mark the address freed, merge with free neighbours, relist or give back. */
  private freeSmall(p: Addr, id: number): void {
    const u32 = this.memory.u32;
    const regions = this.regions;
    const base = regions.base[id];
    const w = stateIdx(base, p);
    const sh = stateShift(base, p);
    u32[w] = (u32[w] & ~(3 << sh)) | (STATE_FREED << sh);
    let b = p - BLOCK_OVERHEAD;
    const h = u32[b >>> 2];
    let size = h & ~TAGS_MASK;
    this.blocks--;
    this.bytesUsed -= size - BLOCK_OVERHEAD;
    let r = b + size;
    let rh = u32[r >>> 2];
    if ((rh & FREE) !== 0) {
      const rs = rh & ~TAGS_MASK;
      this.lists.remove(u32, r, rs);
      size += rs;
      r += rs;
      rh = u32[r >>> 2];
    }
    if ((h & LEFT_FREE) !== 0) {
      const l = u32[(b - 4) >>> 2];
      const ls = u32[l >>> 2] & ~TAGS_MASK;
      this.lists.remove(u32, l, ls);
      b = l;
      size += ls;
    }
    // Invariant kept: no two free blocks touch, so the merged block's left is in use.
    u32[b >>> 2] = size | FREE;
    u32[(b + size - 4) >>> 2] = b;
    u32[r >>> 2] = rh | LEFT_FREE;
    if (b === regions.first[id] && (rh & ~TAGS_MASK) === 0) {
      // The chunk is wholly free (its first block reaches the sentinel).
      if (this.emptyChunk === NO_CHUNK) {
        this.emptyChunk = id;
        this.emptyFirst = b;
      } else {
        this.releaseRegion(id);
        return;
      }
    }
    this.lists.insert(u32, b, size);
  }

  /** Give the tail of live block `b` (from `need` on) back to the free lists. */
  private splitTail(u32: Uint32Array, b: number, h: number, size: number, need: number): void {
    u32[b >>> 2] = need | (h & LEFT_FREE);
    const t = b + need;
    let ts = size - need;
    let r = b + size;
    let rh = u32[r >>> 2];
    if ((rh & FREE) !== 0) {
      const rs = rh & ~TAGS_MASK;
      this.lists.remove(u32, r, rs);
      ts += rs;
      r += rs;
      rh = u32[r >>> 2];
    }
    u32[t >>> 2] = ts | FREE;
    u32[(t + ts - 4) >>> 2] = t;
    u32[r >>> 2] = rh | LEFT_FREE;
    this.lists.insert(u32, t, ts);
    this.bytesUsed -= size - need;
  }

  /** realloc by copy: allocate, copy min(old usable, new size) bytes, free the old block. */
  private move(p: Addr, id: number, oldUsable: number, size: number): Addr {
    const q = size < this.mmapThreshold ? this.mallocSmall(size) : this.mallocLarge(size, false);
    if (q === 0) return 0; // the old block stays valid, as C's realloc
    this.memory.u8.copyWithin(q, p, p + Math.min(oldUsable, size));
    if (this.regions.kind[id] === KIND_LARGE) this.freeLarge(id);
    else this.freeSmall(p, id);
    return q;
  }

  /**
   * Map a chunk able to hold a block of `need` bytes and list its one free block. Returns that
   * block's header address, or 0 when the memory is full.
   */
  private addChunk(need: number): number {
    let bytes = this.chunkBytes;
    while (bytes - (bytes >>> CHUNK_MAP_SHIFT) - 8 < need) {
      bytes = roundUpPage(Math.max(bytes + PAGE_SIZE, Math.ceil(((need + 8) * 32) / 31)));
    }
    const memory = this.memory;
    if (bytes > memory.maxByteLength) return 0;
    const base = memory.mapRegion(bytes);
    if (base === 0) return 0;
    const u32 = memory.u32;
    const mapBytes = bytes >>> CHUNK_MAP_SHIFT;
    u32.fill(0, base >>> 2, (base + mapBytes + 4) >>> 2); // state map and pad
    const first = base + mapBytes + 4;
    const size = bytes - mapBytes - 8;
    u32[first >>> 2] = size | FREE;
    u32[(first + size - 4) >>> 2] = first;
    u32[(first + size) >>> 2] = LEFT_FREE; // the sentinel: size 0, in use
    this.regions.add(KIND_CHUNK, base, bytes, first);
    this.chunkCount++;
    this.grew(bytes);
    this.lists.insert(u32, first, size);
    return first;
  }

  /** A block of its own page region (glibc's mmap'd chunk). */
  private mallocLarge(n: number, zero: boolean): Addr {
    const bytes = roundUpPage(n);
    const memory = this.memory;
    if (bytes > memory.maxByteLength || bytes >= MAX_HEAP_BYTES) return 0;
    const base = memory.mapRegion(bytes, PAGE_SIZE, zero);
    if (base === 0) return 0;
    this.regions.add(KIND_LARGE, base, bytes, 0);
    this.largeCount++;
    this.blocks++;
    this.bytesUsed += bytes;
    this.grew(bytes);
    return base;
  }

  private freeLarge(id: number): void {
    this.blocks--;
    this.bytesUsed -= this.regions.bytes[id];
    this.releaseRegion(id);
  }

  /** Unmap a chunk or large block's region and forget it. */
  private releaseRegion(id: number): void {
    const regions = this.regions;
    const bytes = regions.bytes[id];
    this.memory.unmapRegion(regions.base[id], bytes);
    if (regions.kind[id] === KIND_LARGE) this.largeCount--;
    else this.chunkCount--;
    regions.remove(id);
    this.footprint -= bytes;
  }

  private grew(bytes: number): void {
    this.footprint += bytes;
    if (this.footprint > this.peakFootprint) this.peakFootprint = this.footprint;
  }
}

function roundUpPage(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

function misuse(code: ErrorCode, what: string, addr: Addr, why: string): never {
  fail(code, `${what}: ${hexAddr(addr)} ${why}`);
}
