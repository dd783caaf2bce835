import { describe, expect, it } from 'vitest';
import {
  ARENA_SIZE,
  DUMMY_SIZE_IDX,
  MAX_POOLS_IN_ARENA,
  NB_SMALL_SIZE_CLASSES,
  POOL_OVERHEAD,
  POOL_SIZE,
  index2size,
  numBlocks,
} from '@pyheap/pymalloc';
import { codeOf, fresh, header, poolOf, usableArenas } from './helpers.js';

// The first arena of a fresh LinearMemory starts right after its null page.
const ARENA0 = 4096;
const POOL0 = ARENA0;

describe('geometry', () => {
  it('has 64 classes of 8 bytes, 4 KiB pools of 32-byte headers, 64 KiB arenas of 16 pools', () => {
    expect(NB_SMALL_SIZE_CLASSES).toBe(64);
    expect(POOL_SIZE).toBe(4096);
    expect(POOL_OVERHEAD).toBe(32);
    expect(ARENA_SIZE).toBe(65536);
    expect(MAX_POOLS_IN_ARENA).toBe(16);
    expect([0, 1, 12, 63].map(index2size)).toEqual([8, 16, 104, 512]);
    expect([0, 1, 12, 63].map(numBlocks)).toEqual([508, 254, 39, 7]);
  });

  it('gives every request of 1..512 bytes a block of 8·ceil(n/8) bytes, 8-aligned', () => {
    const pm = fresh();
    for (let n = 1; n <= 512; n++) {
      const p = pm.malloc(n);
      expect(p % 8).toBe(0);
      expect(pm.usableSize(p)).toBe(8 * Math.ceil(n / 8));
      expect(pm.isPymallocBlock(p)).toBe(true);
    }
    pm.check();
    expect(pm.stats().blocksInUse).toBe(512);
    expect(pm.stats().rawBlocks).toBe(0);
  });
});

describe('pools', () => {
  it('carves blocks lazily, in address order, from the first pool of the first arena', () => {
    const pm = fresh();
    const p = [pm.malloc(8), pm.malloc(8), pm.malloc(8)];
    expect(p).toEqual([POOL0 + 32, POOL0 + 40, POOL0 + 48]);
    // After init: block 1 handed out, block 2 on the free list, nextoffset past block 2; each
    // allocation that empties the free list carves exactly one more block.
    expect(header(pm, p[0])).toEqual({
      count: 3,
      freeblock: POOL0 + 56,
      arenaindex: 0,
      szidx: 0,
      nextoffset: 64,
      maxnextoffset: 4096 - 8,
    });
    pm.check();
  });

  it('goes used → full → used; a freed block of a full pool is the next one handed out', () => {
    const pm = fresh();
    const blocks = Array.from({ length: 7 }, () => pm.malloc(512));
    expect(blocks).toEqual([0, 1, 2, 3, 4, 5, 6].map((k) => POOL0 + 32 + 512 * k));
    // Full: off the used list, no free block, every block carved.
    expect(pm.usedpools[63]).toBe(0);
    expect(header(pm, POOL0)).toMatchObject({ count: 7, freeblock: 0, nextoffset: 32 + 7 * 512 });
    pm.check();
    // The next request of the class needs a new pool.
    const q = pm.malloc(512);
    expect(q).toBe(POOL0 + POOL_SIZE + 32);
    expect(pm.usedpools[63]).toBe(POOL0 + POOL_SIZE);
    // A free in the full pool links it at the front of the used list …
    pm.free(blocks[3]);
    expect(pm.usedpools[63]).toBe(POOL0);
    expect(header(pm, POOL0)).toMatchObject({ count: 6, freeblock: blocks[3] });
    pm.check();
    // … so the next allocation of the class takes the block just freed.
    expect(pm.malloc(505)).toBe(blocks[3]);
    expect(pm.usedpools[63]).toBe(POOL0 + POOL_SIZE);
    pm.check();
  });

  it('puts an empty pool on its arena freepools keeping szidx, and reuses it as is', () => {
    const pm = fresh();
    const keep = pm.malloc(8); // pool 0 stays in use
    const p = pm.malloc(24); // class 2 gets pool 1
    expect(p).toBe(POOL0 + POOL_SIZE + 32);
    expect(pm.arenas.nfreepools[0]).toBe(14);
    pm.free(p);
    // Empty: off usedpools, first on freepools, one more free pool; szidx and free list kept.
    expect(pm.usedpools[2]).toBe(0);
    expect(pm.arenas.freepools[0]).toBe(POOL0 + POOL_SIZE);
    expect(pm.arenas.nfreepools[0]).toBe(15);
    expect(header(pm, p)).toMatchObject({ count: 0, szidx: 2, freeblock: p, nextoffset: 32 + 48 });
    pm.check();
    // The same class takes the pool back without re-initialising it: head of its free list.
    expect(pm.malloc(17)).toBe(p);
    expect(header(pm, p)).toMatchObject({
      count: 1,
      szidx: 2,
      freeblock: p + 24,
      nextoffset: 32 + 48,
    });
    pm.free(p);
    // Another class re-initialises it: first block again, new size, new carving limits.
    expect(pm.malloc(40)).toBe(p);
    expect(header(pm, p)).toMatchObject({
      count: 1,
      szidx: 4,
      freeblock: p + 40,
      nextoffset: 32 + 80,
    });
    expect(header(pm, p).maxnextoffset).toBe(4096 - 40);
    pm.free(keep);
    pm.check();
  });

  it('marks a freshly carved pool DUMMY_SIZE_IDX only until it is initialised', () => {
    expect(DUMMY_SIZE_IDX).toBe(0xffff);
    const pm = fresh();
    pm.malloc(8);
    // The next pool of the arena has never been carved: pool_address points at it.
    expect(pm.arenas.poolAddress[0]).toBe(POOL0 + POOL_SIZE);
    pm.malloc(16);
    expect(pm.arenas.poolAddress[0]).toBe(POOL0 + 2 * POOL_SIZE);
    expect(header(pm, POOL0 + POOL_SIZE).szidx).toBe(1);
  });
});

describe('arenas', () => {
  /** One block in each of `n` classes: one pool each. */
  const onePoolPerClass = (pm: ReturnType<typeof fresh>, n: number): number[] =>
    Array.from({ length: n }, (_, i) => pm.malloc(8 * (i + 1)));

  it('frees a wholly free arena, except the wholly free arena that sits last (bpo-37257)', () => {
    const pm = fresh();
    const blocks = onePoolPerClass(pm, 17); // 16 pools fill arena 0, the 17th opens arena 1
    expect(pm.stats()).toMatchObject({
      arenasCurrent: 2,
      arenasAllocatedTotal: 2,
      arenasHighwater: 2,
    });
    expect(poolOf(blocks[16])).toBe(ARENA0 + ARENA_SIZE);
    expect(usableArenas(pm)).toEqual([[1, 15]]); // arena 0 is full: on no list
    for (let i = 0; i < 15; i++) pm.free(blocks[i]);
    // Arena 0 gained 15 pools; it sorts before arena 1 (15 too) as the rightmost with 15 is 1.
    expect(usableArenas(pm)).toEqual([
      [0, 15],
      [1, 15],
    ]);
    expect(pm.arenas.nfp2lasta[15]).toBe(1);
    pm.check();
    pm.free(blocks[15]); // arena 0 wholly free, not last: given back
    expect(pm.stats()).toMatchObject({ arenasCurrent: 1, arenasReclaimed: 1 });
    expect(pm.memory.mappedBytes()).toBe(ARENA_SIZE);
    pm.free(blocks[16]); // arena 1 wholly free but last: kept
    expect(pm.stats()).toMatchObject({ arenasCurrent: 1, arenasReclaimed: 1, blocksInUse: 0 });
    expect(usableArenas(pm)).toEqual([[1, 16]]);
    expect(pm.arenas.nfp2lasta[16]).toBe(1);
    pm.check();
    // A malloc/free loop now runs in the kept arena without mapping anything.
    for (let i = 0; i < 100; i++) pm.free(pm.malloc(64));
    expect(pm.stats().arenasAllocatedTotal).toBe(2);
    // trim() gives the kept arena back too.
    expect(pm.trim()).toBe(ARENA_SIZE);
    expect(pm.stats()).toMatchObject({ arenasCurrent: 0, footprint: 0 });
    expect(pm.memory.mappedBytes()).toBe(0);
    pm.check();
  });

  it('keeps usable_arenas sorted by nfreepools, fullest first, with exact fingers', () => {
    const pm = fresh();
    const blocks = onePoolPerClass(pm, 48); // arenas 0, 1, 2 full
    expect(pm.stats().arenasCurrent).toBe(3);
    expect(usableArenas(pm)).toEqual([]);
    const pool = (a: number, k: number): number => blocks[16 * a + k]; // block of pool k of arena a
    // Free 5 pools of arena 2, 2 of arena 0, 9 of arena 1: each first free pool puts its arena
    // at the head; later ones slide it right past arenas with fewer free pools.
    for (let k = 0; k < 5; k++) pm.free(pool(2, k));
    for (let k = 0; k < 2; k++) pm.free(pool(0, k));
    for (let k = 0; k < 9; k++) pm.free(pool(1, k));
    expect(usableArenas(pm)).toEqual([
      [0, 2],
      [2, 5],
      [1, 9],
    ]);
    expect(pm.arenas.nfp2lasta[2]).toBe(0);
    expect(pm.arenas.nfp2lasta[5]).toBe(2);
    expect(pm.arenas.nfp2lasta[9]).toBe(1);
    pm.check();
    // Allocation takes pools from the head (the most used arena), in freepools order (LIFO).
    const q = pm.malloc(8 * 60);
    expect(poolOf(q)).toBe(poolOf(pool(0, 1)));
    expect(usableArenas(pm)).toEqual([
      [0, 1],
      [2, 5],
      [1, 9],
    ]);
    // Reaching the count of the arena to its right, an arena that was the rightmost with its
    // old count stays in place (case 4) …
    for (let k = 5; k < 9; k++) pm.free(pool(2, k));
    expect(usableArenas(pm)).toEqual([
      [0, 1],
      [2, 9],
      [1, 9],
    ]);
    expect(pm.arenas.nfp2lasta[9]).toBe(1);
    for (let k = 2; k < 6; k++) pm.free(pool(0, k));
    expect(usableArenas(pm)).toEqual([
      [0, 5],
      [2, 9],
      [1, 9],
    ]);
    // … while one that was not slides right, just after the rightmost with its old count
    // (case 3): here arena 0 passes nothing, then with 10 free pools it passes both.
    for (let k = 6; k < 10; k++) pm.free(pool(0, k));
    expect(usableArenas(pm)).toEqual([
      [0, 9],
      [2, 9],
      [1, 9],
    ]);
    expect(pm.arenas.nfp2lasta[9]).toBe(1);
    pm.free(pool(0, 10));
    expect(usableArenas(pm)).toEqual([
      [2, 9],
      [1, 9],
      [0, 10],
    ]);
    expect(pm.arenas.nfp2lasta[9]).toBe(1);
    expect(pm.arenas.nfp2lasta[10]).toBe(0);
    pm.check();
  });

  it('grows the arena-descriptor vector from 16 by doubling', () => {
    const pm = fresh();
    expect(pm.arenas.maxarenas).toBe(0);
    const big: number[] = [];
    // 7 blocks of 512 fill a pool, 16 pools an arena: 17 arenas need the vector to double.
    for (let i = 0; i < 7 * 16 * 17; i++) big.push(pm.malloc(512));
    expect(pm.stats().arenasCurrent).toBe(17);
    expect(pm.arenas.maxarenas).toBe(32);
    pm.check();
    for (const p of big) pm.free(p);
    expect(pm.stats().arenasCurrent).toBe(1);
    pm.check();
  });
});

describe('realloc, calloc, raw routing', () => {
  it('reallocs in place when the block shrinks by less than 25%, else moves', () => {
    const pm = fresh();
    const p = pm.malloc(100); // class 12, 104 bytes
    pm.memory.u8.fill(0x5a, p, p + 104);
    expect(pm.realloc(p, 104)).toBe(p);
    expect(pm.realloc(p, 79)).toBe(p); // 4·79 = 316 > 3·104 = 312
    const q = pm.realloc(p, 78); // 312 > 312 fails: copy to class 9
    expect(q).not.toBe(p);
    expect(pm.usableSize(q)).toBe(80);
    expect(pm.owns(p)).toBe(false);
    expect([...pm.memory.u8.subarray(q, q + 78)].every((b) => b === 0x5a)).toBe(true);
    const r = pm.realloc(q, 300); // growth: a bigger class, all 80 bytes of the old one copied
    expect(pm.usableSize(r)).toBe(304);
    expect([...pm.memory.u8.subarray(r, r + 78)].every((b) => b === 0x5a)).toBe(true);
    expect(pm.stats().blocksInUse).toBe(1);
    pm.check();
  });

  it('realloc to 0 returns a valid raw block and frees the old one; realloc(0, n) is malloc', () => {
    const pm = fresh();
    const p = pm.malloc(16);
    const z = pm.realloc(p, 0);
    expect(z).not.toBe(0);
    expect(pm.isPymallocBlock(z)).toBe(false);
    expect(pm.owns(z)).toBe(true);
    expect(pm.owns(p)).toBe(false);
    expect(pm.stats()).toMatchObject({ blocksInUse: 1, rawBlocks: 1 });
    const m = pm.realloc(0, 24);
    expect(pm.isPymallocBlock(m)).toBe(true);
    pm.free(z);
    pm.free(m);
    expect(pm.stats()).toMatchObject({ blocksInUse: 0, rawBlocks: 0, rawBytes: 0, bytesInUse: 0 });
    pm.check();
  });

  it('sends 0 and more than 512 bytes to the raw domain and counts them', () => {
    const pm = fresh();
    const zero = pm.malloc(0);
    const big = pm.malloc(513);
    const small = pm.malloc(512);
    expect(pm.isPymallocBlock(zero)).toBe(false);
    expect(pm.isPymallocBlock(big)).toBe(false);
    expect(pm.isPymallocBlock(small)).toBe(true);
    expect(pm.raw.owns(big)).toBe(true);
    const s = pm.stats();
    expect(s.rawBlocks).toBe(2);
    expect(s.rawBytes).toBe(pm.raw.usableSize(zero) + pm.raw.usableSize(big));
    expect(s.blocksInUse).toBe(3);
    expect(s.bytesInUse).toBe(512 + s.rawBytes);
    expect(s.footprint).toBe(ARENA_SIZE + pm.raw.stats().footprint);
    // A raw block stays raw when realloc'd small (its valid length is unknown, a.11).
    const r = pm.realloc(big, 100);
    expect(pm.isPymallocBlock(r)).toBe(false);
    expect(pm.stats().rawBlocks).toBe(2);
    pm.free(zero);
    pm.free(r);
    pm.free(small);
    expect(pm.stats()).toMatchObject({ blocksInUse: 0, rawBlocks: 0, rawBytes: 0 });
    pm.check();
  });

  it('calloc zero-fills pymalloc and raw blocks; calloc(0, n) is a raw block', () => {
    const pm = fresh();
    const p = pm.malloc(200);
    pm.memory.u8.fill(0xee, p, p + 200);
    pm.free(p);
    const c = pm.calloc(25, 8);
    expect(c).toBe(p); // the dirty block, reused
    expect([...pm.memory.u8.subarray(c, c + 200)].every((b) => b === 0)).toBe(true);
    const big = pm.calloc(3, 1000);
    expect(pm.isPymallocBlock(big)).toBe(false);
    expect([...pm.memory.u8.subarray(big, big + 3000)].every((b) => b === 0)).toBe(true);
    const none = pm.calloc(0, 8);
    expect(none).not.toBe(0);
    expect(pm.isPymallocBlock(none)).toBe(false);
    expect(pm.stats().rawBlocks).toBe(2);
    pm.check();
  });

  it('falls back to the raw domain when no arena can be mapped (pymalloc declines)', () => {
    // Room for the raw domain's 1 MiB chunk but not for another 64 KiB arena.
    const pm = fresh({
      backing: 'ArrayBuffer', // page-exact maximum (a WebAssembly.Memory's is whole 64 KiB pages)
      maxBytes: 4096 + (1 << 20) + 32768,
      initialBytes: 4096 + (1 << 20) + 32768,
    });
    const big = pm.malloc(600); // maps the raw chunk first
    expect(big).not.toBe(0);
    const p = pm.malloc(16);
    expect(p).not.toBe(0);
    expect(pm.isPymallocBlock(p)).toBe(false);
    expect(pm.stats()).toMatchObject({ arenasCurrent: 0, rawBlocks: 2 });
    pm.free(p);
    pm.free(big);
    pm.check();
  });

  it('refuses new Pymalloc({ debug: true }) and a raw domain over another memory', async () => {
    const { Pymalloc } = await import('@pyheap/pymalloc');
    expect(codeOf(() => new Pymalloc({ debug: true }))).toBe('E_INVALID_ARGUMENT');
    expect(new Pymalloc().name).toBe('pymalloc');
    const { LinearMemory, RawAllocator } = await import('@pyheap/memory');
    const raw = new RawAllocator({ memory: new LinearMemory() });
    expect(codeOf(() => new Pymalloc({ memory: new LinearMemory(), raw }))).toBe(
      'E_INVALID_ARGUMENT',
    );
    expect(new Pymalloc({ raw }).memory).toBe(raw.memory);
  });
});
