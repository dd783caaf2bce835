/*
 * Arena management of pymalloc (CPython Objects/obmalloc.c: new_arena, the arena half of
 * allocate_from_new_pool and of insert_to_freepool; spec a.7–a.9).
 *
 * Arena descriptors live in a struct of typed arrays indexed by arena index, CPython's
 * `arenas` vector of `struct arena_object`. Pools store the index (never a pointer), so the
 * vector can be reallocated when it doubles.
 *
 *   index a │ address │ poolAddress │ nfreepools │ ntotalpools │ freepools │ nextarena │ prevarena
 *   ────────┼─────────┼─────────────┼────────────┼─────────────┼───────────┼───────────┼──────────
 *           │ u32     │ u32         │ u32        │ u32         │ u32 pool  │ i32 index │ i32 index
 *           │ 0: no   │ next pool   │ freepools  │ 16 (15 if   │ singly    │ links in usable_arenas,
 *           │ arena   │ to carve    │ + uncarved │ unaligned)  │ linked    │ or (next only) in
 *           │         │             │            │             │ (nextpool)│ unused_arena_objects
 *
 * Lists (NO_ARENA = −1 is C's NULL):
 * - unused_arena_objects: descriptors with address 0, singly linked through nextarena.
 * - usable_arenas: arenas with at least one available pool, doubly linked, sorted by ascending
 *   nfreepools (most used first), so allocation drains nearly empty arenas (bpo-37029).
 * - nfp2lasta[k]: the rightmost arena of usable_arenas with nfreepools == k, or NO_ARENA.
 *   It makes re-sorting O(1) when an arena gains a free pool.
 */
import type { Memory } from '@pyheap/interface';
import type { ArenaMap } from './arena-map.js';
import {
  ARENAINDEX_IDX,
  ARENA_ALIGN,
  ARENA_SIZE,
  DUMMY_SIZE_IDX,
  INITIAL_ARENA_OBJECTS,
  MAX_POOLS_IN_ARENA,
  NEXTPOOL_IDX,
  NO_ARENA,
  POOL_SIZE,
  POOL_SIZE_MASK,
  SZIDX_IDX,
} from './layout.js';
import { DEADBYTE } from './debug-layout.js';

export class ArenaTable {
  /** Length of the descriptor vector (CPython's maxarenas). */
  maxarenas = 0;
  address: Uint32Array = new Uint32Array(0);
  poolAddress: Uint32Array = new Uint32Array(0);
  nfreepools: Uint32Array = new Uint32Array(0);
  ntotalpools: Uint32Array = new Uint32Array(0);
  freepools: Uint32Array = new Uint32Array(0);
  nextarena: Int32Array = new Int32Array(0);
  prevarena: Int32Array = new Int32Array(0);

  unusedArenaObjects = NO_ARENA;
  usableArenas = NO_ARENA;
  readonly nfp2lasta = new Int32Array(MAX_POOLS_IN_ARENA + 1).fill(NO_ARENA);

  narenasCurrentlyAllocated = 0;
  ntimesArenaAllocated = 0;
  narenasHighwater = 0;

  /**
   * `poison`: debug mode fills every new arena with DEADBYTE, so that every byte of an arena
   * that is not part of a live block reads 0xDD (use-after-free detection, debug-pymalloc.ts).
   */
  constructor(
    private readonly memory: Memory,
    private readonly map: ArenaMap,
    private readonly poison: boolean,
  ) {}

  /** Index of the arena holding `p`, or NO_ARENA. Walks the vector: error paths and checks only. */
  arenaOf(p: number): number {
    const address = this.address;
    for (let a = 0; a < this.maxarenas; a++) {
      const base = address[a];
      if (base !== 0 && p >= base && p - base < ARENA_SIZE) return a;
    }
    return NO_ARENA;
  }

  /**
   * new_arena: take a descriptor from unused_arena_objects (doubling the vector when none is
   * left), map ARENA_SIZE bytes and mark them in the arena map. NO_ARENA when out of memory.
   */
  newArena(): number {
    if (this.unusedArenaObjects === NO_ARENA) {
      // Only called when usable_arenas is empty, so no list points into the old vector.
      const n = this.maxarenas === 0 ? INITIAL_ARENA_OBJECTS : this.maxarenas * 2;
      this.growVector(n);
    }
    const a = this.unusedArenaObjects;
    this.unusedArenaObjects = this.nextarena[a];
    const base = this.memory.mapRegion(ARENA_SIZE, ARENA_ALIGN);
    if (base === 0) {
      this.nextarena[a] = this.unusedArenaObjects;
      this.unusedArenaObjects = a;
      return NO_ARENA;
    }
    this.map.markUsed(base, true);
    if (this.poison) this.memory.u8.fill(DEADBYTE, base, base + ARENA_SIZE);
    this.address[a] = base;
    this.narenasCurrentlyAllocated++;
    this.ntimesArenaAllocated++;
    if (this.narenasCurrentlyAllocated > this.narenasHighwater) {
      this.narenasHighwater = this.narenasCurrentlyAllocated;
    }
    this.freepools[a] = 0;
    // Pools start at the first pool-aligned address; an unaligned base loses one pool.
    let nfree = MAX_POOLS_IN_ARENA;
    let first = base;
    const excess = base & POOL_SIZE_MASK;
    if (excess !== 0) {
      nfree--;
      first += POOL_SIZE - excess;
    }
    this.poolAddress[a] = first;
    this.nfreepools[a] = nfree;
    this.ntotalpools[a] = nfree;
    return a;
  }

  /**
   * The arena half of allocate_from_new_pool (a.7 step 4.1–4.4): a pool from the head of
   * usable_arenas, either the first of its freepools (an empty pool that keeps its szidx and
   * free list) or a newly carved one (szidx DUMMY_SIZE_IDX). Creates an arena when none is
   * usable. Returns 0 when no arena can be created.
   */
  takePool(): number {
    let a = this.usableArenas;
    const nfp2lasta = this.nfp2lasta;
    if (a === NO_ARENA) {
      a = this.newArena();
      if (a === NO_ARENA) return 0;
      this.usableArenas = a;
      this.nextarena[a] = NO_ARENA;
      this.prevarena[a] = NO_ARENA;
      nfp2lasta[this.nfreepools[a]] = a;
    }
    // The head already has the fewest free pools; taking one keeps the order, only the
    // fingers move.
    const nf = this.nfreepools[a];
    if (nfp2lasta[nf] === a) nfp2lasta[nf] = NO_ARENA;
    if (nf > 1) nfp2lasta[nf - 1] = a;

    const u32 = this.memory.u32;
    let pool = this.freepools[a];
    if (pool !== 0) {
      this.freepools[a] = u32[(pool >>> 2) + NEXTPOOL_IDX];
    } else {
      pool = this.poolAddress[a];
      u32[(pool >>> 2) + ARENAINDEX_IDX] = a;
      u32[(pool >>> 2) + SZIDX_IDX] = DUMMY_SIZE_IDX;
      this.poolAddress[a] = pool + POOL_SIZE;
    }
    this.nfreepools[a] = nf - 1;
    if (nf === 1) {
      // Wholly allocated: off the list (it is the head).
      const next = this.nextarena[a];
      this.usableArenas = next;
      if (next !== NO_ARENA) this.prevarena[next] = NO_ARENA;
    }
    return pool;
  }

  /**
   * The arena half of insert_to_freepool (a.8 step 6): `pool` just became empty and was
   * unlinked from its used list. Push it on its arena's freepools and keep usable_arenas
   * sorted, releasing the arena when it is wholly free and not the last of the list.
   * Returns true when an arena was given back to the memory.
   */
  poolEmptied(pool: number, u32: Uint32Array): boolean {
    const a = u32[(pool >>> 2) + ARENAINDEX_IDX];
    const nfp2lasta = this.nfp2lasta;
    const nextarena = this.nextarena;
    const prevarena = this.prevarena;
    u32[(pool >>> 2) + NEXTPOOL_IDX] = this.freepools[a];
    this.freepools[a] = pool;

    let nf = this.nfreepools[a];
    // If this was the rightmost arena with nf free pools, the finger moves left (or clears).
    const lastnf = nfp2lasta[nf];
    if (lastnf === a) {
      const p = prevarena[a];
      nfp2lasta[nf] = p !== NO_ARENA && this.nfreepools[p] === nf ? p : NO_ARENA;
    }
    this.nfreepools[a] = ++nf;

    // Case 1: wholly free and not last: give it back. The wholly free arena that sits last is
    // kept, so a loop that allocates and frees one block does not map an arena each time
    // (bpo-37257).
    if (nf === this.ntotalpools[a] && nextarena[a] !== NO_ARENA) {
      this.unlinkUsable(a);
      this.releaseArena(a);
      return true;
    }
    // Case 2: the arena was full, so on no list; one free pool is the minimum: go first.
    if (nf === 1) {
      const head = this.usableArenas;
      nextarena[a] = head;
      prevarena[a] = NO_ARENA;
      if (head !== NO_ARENA) prevarena[head] = a;
      this.usableArenas = a;
      if (nfp2lasta[1] === NO_ARENA) nfp2lasta[1] = a;
      return false;
    }
    if (nfp2lasta[nf] === NO_ARENA) nfp2lasta[nf] = a;
    // Case 4: it was the rightmost with nf − 1 free pools, so it is still in order.
    if (a === lastnf) return false;
    // Case 3: slide it right, to just after the old rightmost arena with nf − 1 free pools.
    this.unlinkUsable(a);
    const after = nextarena[lastnf];
    prevarena[a] = lastnf;
    nextarena[a] = after;
    if (after !== NO_ARENA) prevarena[after] = a;
    nextarena[lastnf] = a;
    return false;
  }

  /**
   * Give back every wholly free arena still on usable_arenas (the one kept by bpo-37257).
   * Returns the bytes given back. Not in CPython (which never trims); Allocator.trim().
   */
  trim(): number {
    let bytes = 0;
    let a = this.usableArenas;
    while (a !== NO_ARENA) {
      const next = this.nextarena[a];
      const nf = this.nfreepools[a];
      if (nf === this.ntotalpools[a]) {
        if (this.nfp2lasta[nf] === a) {
          const p = this.prevarena[a];
          this.nfp2lasta[nf] = p !== NO_ARENA && this.nfreepools[p] === nf ? p : NO_ARENA;
        }
        this.unlinkUsable(a);
        this.releaseArena(a);
        bytes += ARENA_SIZE;
      }
      a = next;
    }
    return bytes;
  }

  /** Unlink arena `a` from usable_arenas (fingers are the caller's business). */
  private unlinkUsable(a: number): void {
    const prev = this.prevarena[a];
    const next = this.nextarena[a];
    if (prev === NO_ARENA) this.usableArenas = next;
    else this.nextarena[prev] = next;
    if (next !== NO_ARENA) this.prevarena[next] = prev;
  }

  /** Unmap arena `a` and put its descriptor on unused_arena_objects. */
  private releaseArena(a: number): void {
    const base = this.address[a];
    this.nextarena[a] = this.unusedArenaObjects;
    this.unusedArenaObjects = a;
    this.map.markUsed(base, false);
    this.memory.unmapRegion(base, ARENA_SIZE);
    this.address[a] = 0;
    this.narenasCurrentlyAllocated--;
  }

  /** Grow the descriptor vector to `n` entries; the new ones go on unused_arena_objects. */
  private growVector(n: number): void {
    const old = this.maxarenas;
    const grow32 = (src: Uint32Array): Uint32Array => {
      const dst = new Uint32Array(n);
      dst.set(src);
      return dst;
    };
    const growI32 = (src: Int32Array): Int32Array => {
      const dst = new Int32Array(n);
      dst.set(src);
      return dst;
    };
    this.address = grow32(this.address);
    this.poolAddress = grow32(this.poolAddress);
    this.nfreepools = grow32(this.nfreepools);
    this.ntotalpools = grow32(this.ntotalpools);
    this.freepools = grow32(this.freepools);
    this.nextarena = growI32(this.nextarena);
    this.prevarena = growI32(this.prevarena);
    for (let i = old; i < n; i++) {
      this.nextarena[i] = i < n - 1 ? i + 1 : this.unusedArenaObjects;
      this.prevarena[i] = NO_ARENA;
    }
    this.unusedArenaObjects = old;
    this.maxarenas = n;
  }
}
