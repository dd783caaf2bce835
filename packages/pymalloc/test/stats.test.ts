import { describe, expect, it } from 'vitest';
import { LinearMemory, RawAllocator } from '@pyheap/memory';
import { ARENA_SIZE, createPymalloc } from '@pyheap/pymalloc';
import { fresh } from './helpers.js';

describe('stats() and debugMallocStats()', () => {
  it('counts per class and accounts for every byte of the arenas', () => {
    const pm = fresh();
    for (let i = 0; i < 3; i++) pm.malloc(8);
    pm.malloc(100);
    const s = pm.stats();
    expect(s.sizeClasses).toEqual([
      { index: 0, blockSize: 8, pools: 1, blocksInUse: 3, blocksFree: 505 },
      { index: 12, blockSize: 104, pools: 1, blocksInUse: 1, blocksFree: 38 },
    ]);
    expect(s).toMatchObject({
      blocksInUse: 4,
      bytesInUse: 128,
      footprint: ARENA_SIZE,
      peakFootprint: ARENA_SIZE,
      arenasAllocatedTotal: 1,
      arenasReclaimed: 0,
      arenasHighwater: 1,
      arenasCurrent: 1,
      arenaBytes: 65536,
      rawBlocks: 0,
      bytesInAllocatedBlocks: 128,
      bytesInAvailableBlocks: 505 * 8 + 38 * 104,
      unusedPools: 14,
      bytesInUnusedPools: 14 * 4096,
      bytesLostToPoolHeaders: 64,
      bytesLostToQuantization: 8, // (4096 − 32) mod 104; class 0 loses nothing
      bytesLostToArenaAlignment: 0,
    });
    const sum =
      s.bytesInAllocatedBlocks +
      s.bytesInAvailableBlocks +
      s.bytesInUnusedPools +
      s.bytesLostToPoolHeaders +
      s.bytesLostToQuantization +
      s.bytesLostToArenaAlignment;
    expect(sum).toBe(s.arenaBytes);
  });

  it('prints the pymalloc section of sys._debugmallocstats() in CPython format', () => {
    const pm = fresh();
    for (let i = 0; i < 3; i++) pm.malloc(8);
    pm.malloc(100);
    const liveBytes = pm.live.byteLength;
    expect(pm.debugMallocStats()).toBe(
      [
        'Small block threshold = 512, in 64 size classes.',
        '',
        'class   size   num pools   blocks in use  avail blocks',
        '-----   ----   ---------   -------------  ------------',
        '    0      8           1               3           505',
        '   12    104           1               1            38',
        '',
        '# arenas allocated total           =                    1',
        '# arenas reclaimed                 =                    0',
        '# arenas highwater mark            =                    1',
        '# arenas allocated current         =                    1',
        '1 arenas * 65536 bytes/arena       =               65,536',
        '',
        '# bytes in allocated blocks        =                  128',
        '# bytes in available blocks        =                7,992',
        '14 unused pools * 4096 bytes       =               57,344',
        '# bytes lost to pool headers       =                   64',
        '# bytes lost to quantization       =                    8',
        '# bytes lost to arena alignment    =                    0',
        'Total                              =               65,536',
        '',
        'arena map counts',
        '# bytes lost to arena map root     =                   16',
        '',
        'live block bitmap',
        `# bytes lost to live block bitmap  =${liveBytes.toLocaleString('en-US').padStart(21)}`,
        '',
      ].join('\n'),
    );
  });

  it('tracks arenas created, reclaimed and the high-water mark, and the peak footprint', () => {
    const pm = fresh();
    const blocks: number[] = [];
    for (let i = 0; i < 7 * 16 * 3; i++) blocks.push(pm.malloc(512)); // three full arenas
    for (const p of blocks) pm.free(p);
    expect(pm.stats()).toMatchObject({
      arenasAllocatedTotal: 3,
      arenasReclaimed: 2,
      arenasHighwater: 3,
      arenasCurrent: 1,
      footprint: ARENA_SIZE,
      peakFootprint: 3 * ARENA_SIZE,
    });
    pm.resetPeak();
    expect(pm.stats().peakFootprint).toBe(ARENA_SIZE);
    const big = pm.malloc(200_000); // raw: a region of its own
    expect(pm.stats().peakFootprint).toBe(ARENA_SIZE + pm.raw.stats().footprint);
    pm.free(big);
    pm.check();
  });

  it('does not count a raw release that a new arena made up for into the peak', () => {
    // 64 KiB raw chunks: a chunk given back and an arena mapped leave the memory's mapped total
    // where it was, while the footprint moved from the raw domain to the arenas.
    const memory = new LinearMemory();
    const raw = new RawAllocator({ memory, chunkBytes: ARENA_SIZE });
    const pm = createPymalloc({ memory, raw });
    pm.malloc(8); // arena 1
    const r1 = pm.malloc(40_000); // raw chunk 1
    const r2 = pm.malloc(40_000); // raw chunk 2: footprint 3 · 64 KiB, the true peak
    pm.free(r1); // chunk 1 kept for reuse
    pm.free(r2); // chunk 2 given back: footprint 2 · 64 KiB
    for (let i = 0; i < 7 * 16; i++) pm.malloc(512); // fills arena 1, maps arena 2
    const s = pm.stats();
    expect(s.arenasCurrent).toBe(2);
    expect(s.footprint).toBe(3 * ARENA_SIZE);
    expect(memory.peakMappedBytes()).toBe(3 * ARENA_SIZE);
    expect(s.peakFootprint).toBe(3 * ARENA_SIZE); // was 4 · 64 KiB: a footprint never held
    pm.check();
  });
});
