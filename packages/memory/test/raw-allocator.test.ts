import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '@pyheap/interface';
import { LinearMemory, RawAllocator, type RawAllocatorOpts } from '@pyheap/memory';

const KiB = 1024;
const MiB = 1 << 20;
/** Default layout: the first chunk is the first region (after the null page); its state map
 * takes 1/32 of it, then 4 bytes of pad and the first block's 4-byte header. */
const CHUNK0 = PAGE_SIZE;
const FIRST = CHUNK0 + MiB / 32 + 8;
/** Bytes (header included) of the one free block of a fresh 1 MiB chunk. */
const CHUNK_FREE = MiB - MiB / 32 - 8;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? `non-pyheap error: ${String(e)}`;
  }
  return 'no error';
}

function raw(opts: RawAllocatorOpts = {}): RawAllocator {
  return new RawAllocator(opts);
}

/** Block size (header included) the allocator uses for a request of n bytes. */
function blockOf(n: number): number {
  return Math.max(16, (n + 4 + 7) & ~7);
}

describe('RawAllocator: construction', () => {
  it('defaults: name raw, 8-byte alignment, 128 KiB threshold, 1 MiB chunks, own LinearMemory', () => {
    const a = raw();
    expect(a.name).toBe('raw');
    expect(a.alignment).toBe(8);
    expect(a.mmapThreshold).toBe(128 * KiB);
    expect(a.chunkBytes).toBe(MiB);
    expect(a.memory).toBeInstanceOf(LinearMemory);
    expect(a.stats()).toEqual({
      blocksInUse: 0,
      bytesInUse: 0,
      footprint: 0,
      peakFootprint: 0,
      sizeClasses: [],
      chunks: 0,
      largeBlocks: 0,
      freeBytes: 0,
      keptBytes: 0,
    });
    a.check();
  });

  it('uses the memory it is given and rounds chunkBytes up to pages', () => {
    const memory = new LinearMemory({ reservedBytes: 2 * PAGE_SIZE });
    const a = new RawAllocator({ memory, chunkBytes: 10_000 });
    expect(a.memory).toBe(memory);
    expect(a.chunkBytes).toBe(3 * PAGE_SIZE);
    const p = a.malloc(8);
    expect(p).toBe(2 * PAGE_SIZE + (3 * PAGE_SIZE) / 32 + 8);
    expect(memory.mappedBytes()).toBe(3 * PAGE_SIZE);
  });

  it('rejects bad options', () => {
    expect(codeOf(() => raw({ mmapThreshold: 0 }))).toBe('E_INVALID_ARGUMENT');
    expect(codeOf(() => raw({ mmapThreshold: 2 ** 30 }))).toBe('E_INVALID_ARGUMENT');
    expect(codeOf(() => raw({ mmapThreshold: -1 }))).toBe('E_INVALID_SIZE');
    expect(codeOf(() => raw({ chunkBytes: 1000 }))).toBe('E_INVALID_ARGUMENT');
    expect(codeOf(() => raw({ chunkBytes: 2 ** 31 }))).toBe('E_INVALID_ARGUMENT');
    expect(codeOf(() => raw({ chunkBytes: '1' as unknown as number }))).toBe('E_NOT_A_NUMBER');
  });
});

describe('RawAllocator: TLSF blocks', () => {
  it('lays blocks out back to back from the first chunk, 8-aligned, with 4 bytes of header', () => {
    const a = raw();
    const p = a.malloc(1);
    const q = a.malloc(100);
    const r = a.malloc(13);
    expect(p).toBe(FIRST);
    expect(q).toBe(p + blockOf(1));
    expect(r).toBe(q + blockOf(100));
    expect([a.usableSize(p), a.usableSize(q), a.usableSize(r)]).toEqual([12, 100, 20]);
    expect(a.stats()).toMatchObject({ blocksInUse: 3, bytesInUse: 132, footprint: MiB, chunks: 1 });
    expect(a.stats().freeBytes).toBe(CHUNK_FREE - blockOf(1) - blockOf(100) - blockOf(13));
    a.check();
  });

  it('malloc(0) and calloc(0, n) return unique minimal blocks', () => {
    const a = raw();
    const ps = [a.malloc(0), a.malloc(0), a.calloc(0, 8), a.calloc(8, 0), a.realloc(0, 0)];
    expect(new Set(ps).size).toBe(5);
    for (const p of ps) {
      expect(p % 8).toBe(0);
      expect(a.usableSize(p)).toBe(12);
    }
    for (const p of ps) a.free(p);
    a.check();
  });

  it('usable size is the block size minus the header, for every size up to 64', () => {
    const a = raw();
    for (let n = 0; n <= 64; n++) {
      const p = a.malloc(n);
      expect(a.usableSize(p)).toBe(blockOf(n) - 4);
      expect(a.usableSize(p)).toBeGreaterThanOrEqual(n);
      a.free(p);
    }
    a.check();
  });

  it('a freed block is found again by a request of its size (good fit, not the big tail)', () => {
    const a = raw();
    const blocks = [24, 100, 24, 700, 24].map((n) => a.malloc(n));
    a.free(blocks[1]);
    a.free(blocks[3]);
    expect(a.malloc(700)).toBe(blocks[3]);
    expect(a.malloc(96)).toBe(blocks[1]); // 96 and 100 share a block size
    a.check();
  });

  it('coalesces immediately with free neighbours on both sides', () => {
    const a = raw();
    const [p, q, r, s] = [24, 40, 60, 40].map((n) => a.malloc(n));
    a.free(p);
    a.free(r);
    a.check();
    a.free(q); // joins p, q and r
    a.check();
    // Below 256 bytes every 8-byte block size has its own list: the merged block is found exactly.
    const joined = blockOf(24) + blockOf(40) + blockOf(60);
    expect(a.malloc(joined - 4)).toBe(p);
    expect(a.usableSize(p)).toBe(joined - 4);
    expect(a.malloc(8)).toBe(s + blockOf(40)); // nothing left between
    a.check();
  });

  it('calloc zero-fills reused memory', () => {
    const a = raw();
    const p = a.malloc(256);
    a.memory.u8.fill(0xff, p, p + 256);
    a.free(p);
    const q = a.calloc(32, 8);
    expect(q).toBe(p);
    expect(a.memory.u8.subarray(q, q + a.usableSize(q)).every((x) => x === 0)).toBe(true);
    const big = a.malloc(200_000);
    a.memory.u8.fill(0xee, big, big + 200_000);
    a.free(big);
    const big2 = a.calloc(1000, 200);
    expect(a.memory.u8.subarray(big2, big2 + 200_000).every((x) => x === 0)).toBe(true);
    a.check();
  });
});

describe('RawAllocator: realloc', () => {
  it('grows in place into a free right neighbour, splitting off what is not needed', () => {
    const a = raw();
    const p = a.malloc(100);
    const q = a.malloc(100);
    const guard = a.malloc(8);
    a.memory.u8.fill(0x5a, p, p + 100);
    a.free(q);
    expect(a.realloc(p, 150)).toBe(p);
    expect(a.usableSize(p)).toBe(blockOf(150) - 4);
    expect(a.memory.u8.subarray(p, p + 100).every((x) => x === 0x5a)).toBe(true);
    // The rest of q's block is a free block again: a small request lands there.
    expect(a.malloc(40)).toBe(p + blockOf(150));
    expect(a.owns(guard)).toBe(true);
    a.check();
  });

  it('grows in place into the chunk tail and takes the whole neighbour when the rest is too small', () => {
    const a = raw();
    const p = a.malloc(100);
    expect(a.realloc(p, 50_000)).toBe(p);
    const q = a.malloc(100);
    const r = a.malloc(8);
    a.free(q);
    // Growing p by q's whole block less 8 bytes leaves too little to split: p takes it all.
    expect(a.realloc(p, 50_000 + blockOf(100) - 8)).toBe(p);
    expect(a.usableSize(p)).toBe(blockOf(50_000) + blockOf(100) - 4);
    expect(a.malloc(8)).toBe(r + 16);
    a.check();
  });

  it('shrinks in place, giving the tail back (merged with a free right neighbour)', () => {
    const a = raw();
    const p = a.malloc(1000);
    const q = a.malloc(100);
    const r = a.malloc(8);
    a.free(q);
    const free0 = a.stats().freeBytes;
    expect(a.realloc(p, 10)).toBe(p);
    expect(a.usableSize(p)).toBe(12);
    expect(a.stats().freeBytes).toBe(free0 + blockOf(1000) - 16);
    // The tail and q are one free block of 1096 bytes, in the class [1088, 1120): a request of
    // 1084 bytes (block 1088) searches that class and takes it whole (8 bytes cannot be split).
    expect(blockOf(1000) - 16 + blockOf(100)).toBe(1096);
    expect(a.malloc(1084)).toBe(p + 16);
    expect(a.usableSize(p + 16)).toBe(1092);
    expect(a.owns(r)).toBe(true);
    // A shrink by less than a minimal block keeps the block as it is.
    const s = a.malloc(100);
    expect(a.realloc(s, 92)).toBe(s);
    expect(a.usableSize(s)).toBe(100);
    expect(a.realloc(s, 0)).toBe(s); // realloc to 0 keeps a minimal block, never frees
    expect(a.usableSize(s)).toBe(12);
    a.check();
  });

  it('moves when it cannot grow in place, copying the contents and freeing the old block', () => {
    const a = raw();
    const p = a.malloc(64);
    const guard = a.malloc(8);
    for (let i = 0; i < 64; i++) a.memory.u8[p + i] = i;
    const q = a.realloc(p, 4000);
    expect(q).not.toBe(p);
    expect(Array.from(a.memory.u8.subarray(q, q + 64))).toEqual(
      Array.from({ length: 64 }, (_, i) => i),
    );
    expect(a.owns(p)).toBe(false);
    expect(codeOf(() => a.free(p))).toBe('E_DOUBLE_FREE');
    expect(a.owns(guard)).toBe(true);
    expect(a.stats().blocksInUse).toBe(2);
    a.check();
  });

  it('moves between the TLSF heap and large regions across the threshold', () => {
    const a = raw();
    const p = a.malloc(1000);
    for (let i = 0; i < 1000; i++) a.memory.u8[p + i] = i & 0xff;
    const big = a.realloc(p, 200_000);
    expect(big % PAGE_SIZE).toBe(0);
    expect(a.stats().largeBlocks).toBe(1);
    for (let i = 0; i < 1000; i++) expect(a.memory.u8[big + i]).toBe(i & 0xff);
    const back = a.realloc(big, 500);
    expect(a.stats().largeBlocks).toBe(0);
    for (let i = 0; i < 500; i++) expect(a.memory.u8[back + i]).toBe(i & 0xff);
    a.check();
  });

  it('keeps a large block in place while the new size fills more than half of its region', () => {
    const a = raw();
    const p = a.malloc(300_000); // 74 pages
    expect(a.usableSize(p)).toBe(303_104);
    expect(a.realloc(p, 303_104)).toBe(p);
    expect(a.realloc(p, 160_000)).toBe(p);
    expect(a.usableSize(p)).toBe(303_104);
    const q = a.realloc(p, 140_000); // 35 pages ≤ half of 74: moves to a smaller region
    expect(q).not.toBe(p);
    expect(a.usableSize(q)).toBe(143_360);
    const r = a.realloc(q, 143_361); // one byte more than the region: moves
    expect(r).not.toBe(q);
    a.check();
  });
});

describe('RawAllocator: large blocks, chunks and the footprint', () => {
  it('gives requests at or above the threshold their own page region, unmapped on free', () => {
    const m = new LinearMemory();
    const a = raw({ memory: m });
    const below = a.malloc(128 * KiB - 1);
    expect(a.stats().largeBlocks).toBe(0);
    const p = a.malloc(128 * KiB);
    expect(p % PAGE_SIZE).toBe(0);
    expect(a.usableSize(p)).toBe(128 * KiB);
    expect(a.stats()).toMatchObject({ largeBlocks: 1, chunks: 1, footprint: MiB + 128 * KiB });
    expect(m.regionSize(p)).toBe(128 * KiB);
    a.free(p);
    expect(m.regionSize(p)).toBe(0);
    expect(a.stats()).toMatchObject({
      largeBlocks: 0,
      footprint: MiB,
      peakFootprint: MiB + 128 * KiB,
    });
    expect(m.mappedBytes()).toBe(MiB);
    a.free(below);
    a.check();
  });

  it('maps a bigger chunk for a request that does not fit the chunk size', () => {
    const a = raw({ chunkBytes: 64 * KiB, mmapThreshold: MiB });
    const p = a.malloc(500_000);
    // Smallest page multiple c with c − c/32 − 8 ≥ 500 008.
    expect(a.stats().footprint).toBe(520_192);
    expect(a.usableSize(p)).toBeGreaterThanOrEqual(500_000);
    const q = a.malloc(10);
    expect(a.stats().chunks).toBe(1); // the rest of the big chunk serves small requests
    a.free(p);
    a.free(q);
    expect(a.stats()).toMatchObject({ chunks: 1, keptBytes: 520_192 });
    a.check();
  });

  it('gives wholly free chunks back, keeping one for reuse until trim()', () => {
    const a = raw();
    const m = a.memory;
    const blocks: number[] = [];
    for (let i = 0; i < 27; i++) blocks.push(a.malloc(100 * KiB)); // 9 per chunk
    expect(a.stats()).toMatchObject({ chunks: 3, footprint: 3 * MiB });
    for (const p of blocks) a.free(p);
    expect(a.stats()).toMatchObject({ chunks: 1, footprint: MiB, keptBytes: MiB, blocksInUse: 0 });
    expect(m.mappedBytes()).toBe(MiB);
    a.check();
    // The kept chunk is used again without mapping anything.
    const p = a.malloc(100);
    expect(a.stats()).toMatchObject({ footprint: MiB, keptBytes: 0 });
    a.free(p);
    expect(a.stats().keptBytes).toBe(MiB);
    expect(a.trim()).toBe(MiB);
    expect(a.trim()).toBe(0);
    expect(a.stats()).toMatchObject({
      chunks: 0,
      footprint: 0,
      freeBytes: 0,
      peakFootprint: 3 * MiB,
    });
    expect(m.mappedBytes()).toBe(0);
    a.resetPeak();
    expect(a.stats().peakFootprint).toBe(0);
    a.check();
  });

  it('a malloc/free loop does not map and unmap a chunk each time', () => {
    const a = raw();
    const m = a.memory;
    for (let i = 0; i < 1000; i++) a.free(a.malloc(1000));
    expect(m.peakMappedBytes()).toBe(MiB);
    expect(a.stats().footprint).toBe(MiB);
  });

  it('returns 0 when the memory is full and stays intact', () => {
    const memory = new LinearMemory({ maxBytes: 3 * MiB, initialBytes: 64 * KiB });
    const a = new RawAllocator({ memory });
    expect(a.malloc(3 * MiB)).toBe(0);
    expect(a.malloc(2 ** 32 - 1)).toBe(0);
    expect(a.calloc(2 ** 16, 2 ** 16 - 1)).toBe(0);
    const got: number[] = [];
    for (;;) {
      const p = a.malloc(50_000);
      if (p === 0) break;
      got.push(p);
    }
    expect(got.length).toBe(40); // two chunks of 20 blocks; a third chunk does not fit
    const p0 = got[0]!;
    a.memory.u8.fill(0x33, p0, p0 + 50_000);
    expect(a.realloc(p0, 60_000)).toBe(0); // cannot move, cannot grow in place
    expect(a.usableSize(p0)).toBe(50_004);
    expect(a.memory.u8.subarray(p0, p0 + 50_000).every((x) => x === 0x33)).toBe(true);
    a.check();
    memory.check();
    for (const p of got) a.free(p);
    a.trim();
    expect(a.stats().footprint).toBe(0);
    expect(a.malloc(2 * MiB)).not.toBe(0);
    a.check();
  });

  it('shares a memory with another allocator: each sees the other as foreign', () => {
    const memory = new LinearMemory();
    const a = new RawAllocator({ memory });
    const b = new RawAllocator({ memory, chunkBytes: 64 * KiB });
    const pa = a.malloc(100);
    const pb = b.malloc(100);
    const la = a.malloc(200_000);
    expect(a.owns(pb)).toBe(false);
    expect(b.owns(pa)).toBe(false);
    expect(codeOf(() => a.free(pb))).toBe('E_FOREIGN_ADDRESS');
    expect(codeOf(() => b.free(la))).toBe('E_FOREIGN_ADDRESS');
    a.free(pa);
    b.free(pb);
    a.free(la);
    a.trim();
    b.trim();
    expect(memory.mappedBytes()).toBe(0);
    a.check();
    b.check();
    memory.check();
  });
});
