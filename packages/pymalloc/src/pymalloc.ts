/*
 * pymalloc: CPython's small-object allocator (Objects/obmalloc.c, 3.8–3.14 algorithm; spec a)
 * over a private heap in linear memory, with 32-bit addresses.
 *
 * Requests of 1..512 bytes are served from size classes of 8 bytes (64 classes); each class
 * takes blocks from pools (POOL_SIZE bytes carved from ARENA_SIZE arenas, layout.ts). Requests
 * of 0 or more than 512 bytes go to the RAW domain allocator and are counted
 * (raw_allocated_blocks). Everything lives in typed arrays: pool headers in the linear memory
 * as in C, arena descriptors in arenas.ts, one used-pool list head per class here.
 *
 * One deviation (docs/decisions/0005-live-block-bitmap.md): a side bitmap holds one bit per
 * 8-byte granule, set while a block starting there is allocated. free/realloc/usableSize test
 * it first, so a foreign, interior, never allocated or already freed address is refused with
 * a clear error in O(1) instead of corrupting the heap as C would.
 */
import {
  MAX_HEAP_BYTES,
  checkAddr,
  checkSize,
  fail,
  type Addr,
  type Allocator,
  type Memory,
} from '@pyheap/interface';
import { LinearMemory, RawAllocator } from '@pyheap/memory';
import { ArenaMap } from './arena-map.js';
import { ArenaTable } from './arenas.js';
import { checkPymalloc } from './check.js';
import { DEADBYTE } from './debug-layout.js';
import {
  ALIGNMENT,
  ARENA_SIZE,
  DUMMY_SIZE_IDX,
  LIVE_WORD_SHIFT,
  NB_SMALL_SIZE_CLASSES,
} from './layout.js';
import { notAllocated } from './misuse.js';
import type { PymallocOpts } from './pymalloc-opts.js';
import { computeStats, formatDebugMallocStats, type PymallocStats } from './stats.js';

/*
 * layout.ts's pool header indices and geometry again, as const enums: tsc and esbuild write
 * them into the code as literals. V8 reloads and re-checks an imported (or bundled `var`)
 * module constant at every use, which made a malloc/free pair twice as slow
 * (docs/decisions/0006-pymalloc-structures.md). check() and test/pools.test.ts read pool
 * headers and the live bitmap through layout.ts's constants, which holds the two in step.
 */
const enum Hdr {
  COUNT = 0,
  FREEBLOCK = 1,
  NEXTPOOL = 2,
  PREVPOOL = 3,
  SZIDX = 5,
  NEXTOFFSET = 6,
  MAXNEXTOFFSET = 7,
}
const enum Geo {
  ALIGNMENT_SHIFT = 3,
  ALIGNMENT_MASK = 7,
  LIVE_WORD_SHIFT = 8,
  POOL_BITS = 12,
  POOL_SIZE = 4096,
  POOL_OVERHEAD = 32,
  SMALL_REQUEST_THRESHOLD = 512,
}

export class Pymalloc implements Allocator {
  readonly name: string = 'pymalloc';
  readonly alignment = ALIGNMENT;
  readonly memory: Memory;
  /** The RAW domain allocator. */
  readonly raw: Allocator;

  /** @internal Arena descriptors and lists. */
  readonly arenas: ArenaTable;
  /** @internal Ownership test: which addresses lie inside an arena. */
  readonly map: ArenaMap;
  /**
   * @internal usedpools: head of each class's list of partially used pools (0 = empty).
   * CPython's circular lists through a fake header are a pointer trick; pools are only ever
   * inserted at the front, so a 0-terminated doubly linked list with one head per class
   * behaves identically (docs/decisions/0006-pymalloc-structures.md).
   */
  readonly usedpools = new Uint32Array(NB_SMALL_SIZE_CLASSES);
  /** @internal Live-block bitmap: bit (p >>> 3) set while a pymalloc block starts at p. */
  live: Uint32Array = new Uint32Array(0);
  /** @internal Blocks handed out by the RAW domain through this allocator. */
  rawAllocatedBlocks = 0;
  /** @internal Usable bytes of those blocks. */
  rawAllocatedBytes = 0;
  /**
   * @internal Debug mode: new arenas and re-initialised pools are filled with 0xDD, so every
   * byte of an arena outside live blocks (and free-list links) reads 0xDD.
   */
  readonly poison: boolean;

  // The memory's views, refreshed by its onResize listener (growth and shrinking replace them).
  // The hot paths test only `u32.length === 0`: a WebAssembly.Memory grown by its owner
  // detaches our view without telling us until someone reads the memory's views (followWasm),
  // which the refresh then does. Cheaper than reading `memory.generation` on every call.
  private u32: Uint32Array = new Uint32Array(0);
  private u8: Uint8Array = new Uint8Array(0);
  private peak = 0;
  private outsideMappedSeen = -1;
  private rawFootprint = 0;

  constructor(opts: PymallocOpts = {}) {
    if (opts.debug === true && new.target === Pymalloc) {
      fail(
        'E_INVALID_ARGUMENT',
        'debug mode: use createPymalloc({ debug: true }) or new DebugPymalloc()',
      );
    }
    this.memory = opts.memory ?? opts.raw?.memory ?? new LinearMemory();
    this.raw = opts.raw ?? new RawAllocator({ memory: this.memory });
    if (this.raw.memory !== this.memory) {
      fail('E_INVALID_ARGUMENT', 'the raw allocator must allocate in the same memory as pymalloc');
    }
    this.poison = opts.debug === true;
    this.map = new ArenaMap();
    this.arenas = new ArenaTable(this.memory, this.map, this.poison);
    this.syncViews();
    this.memory.onResize(() => {
      this.syncViews();
    });
    this.notePeak();
  }

  // ── the OBJ/MEM entry points (_PyObject_Malloc, _PyObject_Free, …) ─────────────────────

  malloc(size: number): Addr {
    if (
      typeof size !== 'number' ||
      size >>> 0 !== size ||
      (size - 1) >>> 0 >= Geo.SMALL_REQUEST_THRESHOLD
    ) {
      return this.mallocOther(size);
    }
    const bp = this.pymallocAlloc(size);
    return bp !== 0 ? bp : this.rawMalloc(size);
  }

  free(p: Addr): void {
    if (!this.pymallocFree(p)) this.freeOther(p);
  }

  calloc(nelem: number, elsize: number): Addr {
    if (typeof nelem !== 'number' || nelem >>> 0 !== nelem) checkSize(nelem, 'nelem');
    if (typeof elsize !== 'number' || elsize >>> 0 !== elsize) checkSize(elsize, 'elsize');
    const nbytes = nelem * elsize;
    if (nbytes >= MAX_HEAP_BYTES) {
      fail('E_INVALID_SIZE', `calloc: ${nelem} * ${elsize} bytes overflows the 32-bit heap`);
    }
    if (nbytes !== 0 && nbytes <= Geo.SMALL_REQUEST_THRESHOLD) {
      const bp = this.pymallocAlloc(nbytes);
      if (bp !== 0) {
        // As _PyObject_Calloc: zero the bytes asked for (the rest of the block is not promised).
        this.u8.fill(0, bp, bp + nbytes);
        return bp;
      }
    }
    const p = this.raw.calloc(nelem, elsize);
    if (p !== 0) this.countRaw(p);
    return p;
  }

  /**
   * _PyObject_Realloc (a.11): a pymalloc block stays in place when the new size fits its class
   * and shrinks it by less than 25%; otherwise it moves (to pymalloc or raw by size). A raw
   * block stays raw. Size 0 returns a valid (raw) block, never frees.
   */
  realloc(p: Addr, size: number): Addr {
    if (typeof p !== 'number' || p >>> 0 !== p) checkAddr(p);
    if (typeof size !== 'number' || size >>> 0 !== size) checkSize(size);
    if (p === 0) return this.allocAny(size);
    if (!this.isLive(p)) return this.reallocOther(p, size);
    const blockSize = this.blockSize(p);
    let copy = blockSize;
    if (size <= copy) {
      if (4 * size > 3 * copy) return p;
      copy = size;
    }
    const bp = this.allocAny(size);
    if (bp !== 0) {
      this.syncViews();
      this.u8.copyWithin(bp, p, p + copy);
      if (this.poison) this.u8.fill(DEADBYTE, p + 4, p + blockSize);
      this.pymallocFree(p);
    }
    return bp;
  }

  usableSize(p: Addr): number {
    if (typeof p !== 'number' || p >>> 0 !== p) checkAddr(p);
    if (this.isLive(p)) return this.blockSize(p);
    if (p !== 0 && this.map.isUsed(p)) notAllocated(this.arenas, this.syncViews(), 'usableSize', p);
    return this.raw.usableSize(p); // throws the raw domain's code for anything but a live block
  }

  owns(p: Addr): boolean {
    if (typeof p !== 'number' || p >>> 0 !== p || p === 0) return false;
    if (this.isLive(p)) return true;
    return !this.map.isUsed(p) && this.raw.owns(p);
  }

  trim(): number {
    const bytes = this.arenas.trim() + this.raw.trim();
    this.syncViews();
    return bytes;
  }

  stats(): PymallocStats {
    return computeStats(this, this.syncViews(), this.peakFootprint());
  }

  /** sys._debugmallocstats(): the pymalloc section, in CPython's text format (spec a.13). */
  debugMallocStats(): string {
    return formatDebugMallocStats(this.stats(), this.map.byteLength, this.live.byteLength);
  }

  check(): void {
    checkPymalloc(this, this.syncViews());
    this.raw.check();
  }

  /** Start a new peak-footprint measurement from the current footprint. */
  resetPeak(): void {
    this.peak = 0;
    this.outsideMappedSeen = -1;
    this.notePeak();
  }

  /**
   * True when `p` is the start of a live pymalloc block (not raw). Never throws. In debug mode
   * the blocks are the hooks' inner blocks, 8 bytes before the addresses handed out.
   */
  isPymallocBlock(p: Addr): boolean {
    return typeof p === 'number' && p >>> 0 === p && this.isLive(p);
  }

  // ── pymalloc proper ────────────────────────────────────────────────────────────────────

  /**
   * pymalloc_alloc: a block of class (nbytes − 1) >> 3 for nbytes in 1..512 (validated by the
   * caller), or 0 when no arena can be created (the caller then asks the raw domain).
   */
  protected pymallocAlloc(nbytes: number): Addr {
    const szidx = (nbytes - 1) >>> Geo.ALIGNMENT_SHIFT;
    const pool = this.usedpools[szidx];
    if (pool === 0) return this.allocateFromNewPool(szidx);
    let u32 = this.u32;
    if (u32.length === 0) u32 = this.syncViews();
    // Fast path: the head of the class's used list has a free block.
    const pi = pool >>> 2;
    u32[pi + Hdr.COUNT]++;
    const bp = u32[pi + Hdr.FREEBLOCK];
    const next = u32[bp >>> 2];
    u32[pi + Hdr.FREEBLOCK] = next;
    if (next === 0) this.poolExtend(pool, szidx, u32);
    this.live[bp >>> Geo.LIVE_WORD_SHIFT] |= 1 << (bp >>> Geo.ALIGNMENT_SHIFT);
    return bp;
  }

  /**
   * pymalloc_free: push `p` on its pool's free list. Returns false, touching nothing, unless
   * `p` is the start of a live pymalloc block.
   */
  protected pymallocFree(p: Addr): boolean {
    if (typeof p !== 'number' || p >>> 0 !== p || (p & Geo.ALIGNMENT_MASK) !== 0) return false;
    const live = this.live;
    const w = p >>> Geo.LIVE_WORD_SHIFT;
    const bit = 1 << (p >>> Geo.ALIGNMENT_SHIFT);
    if (w >= live.length || (live[w] & bit) === 0) return false;
    live[w] ^= bit;
    let u32 = this.u32;
    if (u32.length === 0) u32 = this.syncViews();
    const pi = (p >>> Geo.POOL_BITS) << (Geo.POOL_BITS - 2);
    const lastfree = u32[pi + Hdr.FREEBLOCK];
    u32[p >>> 2] = lastfree;
    u32[pi + Hdr.FREEBLOCK] = p;
    const count = u32[pi + Hdr.COUNT] - 1;
    u32[pi + Hdr.COUNT] = count;
    if (lastfree === 0) {
      // The pool was full, so on no list: link it at the front of its class's used list, so
      // the next allocation of the class reuses the block just freed.
      this.insertToUsedpool(pi << 2, u32);
    } else if (count === 0) {
      this.insertToFreepool(pi << 2, u32);
    }
    return true;
  }

  /** pymalloc_pool_extend: the free list ran out; carve the next virgin block or mark full. */
  private poolExtend(pool: number, szidx: number, u32: Uint32Array): void {
    const pi = pool >>> 2;
    const nextoffset = u32[pi + Hdr.NEXTOFFSET];
    if (nextoffset <= u32[pi + Hdr.MAXNEXTOFFSET]) {
      const fb = pool + nextoffset;
      u32[pi + Hdr.FREEBLOCK] = fb;
      u32[pi + Hdr.NEXTOFFSET] = nextoffset + ((szidx + 1) << Geo.ALIGNMENT_SHIFT);
      u32[fb >>> 2] = 0;
      return;
    }
    // Full: unlink from the used list (it is the head).
    const next = u32[pi + Hdr.NEXTPOOL];
    this.usedpools[szidx] = next;
    if (next !== 0) u32[(next >>> 2) + Hdr.PREVPOOL] = 0;
  }

  /** allocate_from_new_pool (a.7 step 4): the class has no used pool. */
  private allocateFromNewPool(szidx: number): Addr {
    const created = this.arenas.ntimesArenaAllocated;
    const pool = this.arenas.takePool();
    if (pool === 0) return 0;
    const u32 = this.syncViews();
    if (this.arenas.ntimesArenaAllocated !== created) this.arenaCreated();
    const pi = pool >>> 2;
    // Frontlink to the (empty) used list of the class.
    u32[pi + Hdr.NEXTPOOL] = 0;
    u32[pi + Hdr.PREVPOOL] = 0;
    this.usedpools[szidx] = pool;
    u32[pi + Hdr.COUNT] = 1;
    let bp: number;
    const old = u32[pi + Hdr.SZIDX];
    if (old === szidx) {
      // The pool last served this class: header and free list are ready.
      bp = u32[pi + Hdr.FREEBLOCK];
      u32[pi + Hdr.FREEBLOCK] = u32[bp >>> 2];
    } else {
      // Initialise: return the first block, the second becomes the free list, the rest of
      // the pool stays untouched until needed (lazy carving).
      if (this.poison && old !== DUMMY_SIZE_IDX) {
        this.u8.fill(DEADBYTE, pool + Geo.POOL_OVERHEAD, pool + Geo.POOL_SIZE);
      }
      const size = (szidx + 1) << Geo.ALIGNMENT_SHIFT;
      u32[pi + Hdr.SZIDX] = szidx;
      bp = pool + Geo.POOL_OVERHEAD;
      u32[pi + Hdr.NEXTOFFSET] = Geo.POOL_OVERHEAD + 2 * size;
      u32[pi + Hdr.MAXNEXTOFFSET] = Geo.POOL_SIZE - size;
      const fb = bp + size;
      u32[pi + Hdr.FREEBLOCK] = fb;
      u32[fb >>> 2] = 0;
    }
    this.live[bp >>> Geo.LIVE_WORD_SHIFT] |= 1 << (bp >>> Geo.ALIGNMENT_SHIFT);
    return bp;
  }

  /** insert_to_usedpool: a full pool got a free block; link it at the front of its class list. */
  private insertToUsedpool(pool: number, u32: Uint32Array): void {
    const pi = pool >>> 2;
    const szidx = u32[pi + Hdr.SZIDX];
    const next = this.usedpools[szidx];
    u32[pi + Hdr.NEXTPOOL] = next;
    u32[pi + Hdr.PREVPOOL] = 0;
    if (next !== 0) u32[(next >>> 2) + Hdr.PREVPOOL] = pool;
    this.usedpools[szidx] = pool;
  }

  /** insert_to_freepool: the pool is empty; unlink it and hand it to its arena (a.8 step 6). */
  private insertToFreepool(pool: number, u32: Uint32Array): void {
    const pi = pool >>> 2;
    const next = u32[pi + Hdr.NEXTPOOL];
    const prev = u32[pi + Hdr.PREVPOOL];
    if (prev === 0) this.usedpools[u32[pi + Hdr.SZIDX]] = next;
    else u32[(prev >>> 2) + Hdr.NEXTPOOL] = next;
    if (next !== 0) u32[(next >>> 2) + Hdr.PREVPOOL] = prev;
    if (this.arenas.poolEmptied(pool, u32)) this.syncViews();
  }

  // ── slow paths: raw domain, validation, errors ─────────────────────────────────────────

  /** A valid size (u32 integer): pymalloc for 1..512, else (or when it declines) raw. */
  private allocAny(size: number): Addr {
    if (size !== 0 && size <= Geo.SMALL_REQUEST_THRESHOLD) {
      const bp = this.pymallocAlloc(size);
      if (bp !== 0) return bp;
    }
    return this.rawMalloc(size);
  }

  private mallocOther(size: number): Addr {
    checkSize(size);
    return this.rawMalloc(size);
  }

  private rawMalloc(size: number): Addr {
    const p = this.raw.malloc(size);
    if (p !== 0) this.countRaw(p);
    return p;
  }

  private countRaw(p: Addr): void {
    this.rawAllocatedBlocks++;
    this.rawAllocatedBytes += this.raw.usableSize(p);
    this.notePeak();
  }

  /** free of anything but a live pymalloc block: null, raw, or an error. */
  private freeOther(p: Addr): void {
    if (typeof p !== 'number' || p >>> 0 !== p) checkAddr(p);
    if (p === 0) return;
    if (this.map.isUsed(p)) notAllocated(this.arenas, this.syncViews(), 'free', p);
    // Not a live raw block: the raw domain throws its own code (foreign, interior, freed).
    if (!this.raw.owns(p)) this.raw.free(p);
    const bytes = this.raw.usableSize(p);
    this.raw.free(p);
    this.rawAllocatedBlocks--;
    this.rawAllocatedBytes -= bytes;
  }

  /** realloc of a block that is not a live pymalloc block: raw stays raw (a.11 step 2). */
  private reallocOther(p: Addr, size: number): Addr {
    if (this.map.isUsed(p)) notAllocated(this.arenas, this.syncViews(), 'realloc', p);
    if (!this.raw.owns(p)) return this.raw.realloc(p, size); // throws the raw domain's code
    const before = this.raw.usableSize(p);
    const q = this.raw.realloc(p, size);
    if (q !== 0) {
      this.rawAllocatedBytes += this.raw.usableSize(q) - before;
      this.notePeak();
    }
    return q;
  }

  private isLive(p: number): boolean {
    const w = p >>> Geo.LIVE_WORD_SHIFT;
    const live = this.live;
    return (
      (p & Geo.ALIGNMENT_MASK) === 0 &&
      w < live.length &&
      (live[w] & (1 << (p >>> Geo.ALIGNMENT_SHIFT))) !== 0
    );
  }

  /** Block size of the class of pool block `p` (INDEX2SIZE(pool->szidx)). */
  protected blockSize(p: number): number {
    const u32 = this.syncViews();
    return (
      (u32[((p >>> Geo.POOL_BITS) << (Geo.POOL_BITS - 2)) + Hdr.SZIDX] + 1) << Geo.ALIGNMENT_SHIFT
    );
  }

  /** A new arena exists: the live bitmap and the arena map must cover it. */
  private arenaCreated(): void {
    const need = Math.ceil(this.memory.byteLength / (1 << LIVE_WORD_SHIFT));
    if (need > this.live.length) {
      const live = new Uint32Array(Math.max(need, this.live.length * 2));
      live.set(this.live);
      this.live = live;
    }
    this.notePeak();
  }

  /** Re-read the memory's views (they are replaced when it grows). Returns the u32 view. */
  private syncViews(): Uint32Array {
    const m = this.memory;
    this.u32 = m.u32;
    this.u8 = m.u8;
    return this.u32;
  }

  /**
   * Peak footprint = arena bytes + the raw domain's footprint, sampled after every arena and
   * raw allocation. raw.stats() is asked again only when the bytes mapped outside our arenas
   * moved: the raw footprint cannot change without mapping or unmapping. (Keying on the whole
   * mapped total would miss a raw release that our own arena creation made up for exactly,
   * and add the released bytes to the peak.)
   */
  private notePeak(): void {
    const arenaBytes = this.arenas.narenasCurrentlyAllocated * ARENA_SIZE;
    const others = this.raw.memory.mappedBytes() - arenaBytes;
    if (others !== this.outsideMappedSeen) {
      this.outsideMappedSeen = others;
      this.rawFootprint = this.raw.stats().footprint;
    }
    const f = arenaBytes + this.rawFootprint;
    if (f > this.peak) this.peak = f;
  }

  private peakFootprint(): number {
    this.outsideMappedSeen = -1;
    this.notePeak();
    return this.peak;
  }
}
