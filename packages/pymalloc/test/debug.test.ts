import { describe, expect, it } from 'vitest';
import {
  CLEANBYTE,
  DEADBYTE,
  DEBUG_EXTRA_BYTES,
  DebugHooks,
  DebugPymalloc,
  FORBIDDENBYTE,
  createPymalloc,
  type Pymalloc,
} from '@pyheap/pymalloc';
import { LinearMemory } from '@pyheap/memory';
import { codeOf, expectFilled, fill, freshDebug } from './helpers.js';

const bytes = (pm: Pymalloc, from: number, to: number): number[] => [
  ...pm.memory.u8.subarray(from, to),
];
const O = 'o'.charCodeAt(0);

/** The error a call throws, with its message. */
function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    const err = e as { code: string; message: string };
    return { code: err.code, message: err.message };
  }
  return { code: 'no error', message: '' };
}

describe('debug hooks layout (PYTHONMALLOC=debug, S = 4)', () => {
  it('decorates a block: size big-endian, API id, 3 pad bytes, 0xCD data, 4 pad bytes', () => {
    const pm = freshDebug();
    expect(pm).toBeInstanceOf(DebugPymalloc);
    expect(pm.name).toBe('pymalloc+debug');
    const p = pm.malloc(10);
    expect(p).toBe(4096 + 32 + 8); // first block of the first pool, after the 8-byte header
    expect(bytes(pm, p - 8, p + 14)).toEqual([
      0,
      0,
      0,
      10,
      O,
      0xfd,
      0xfd,
      0xfd,
      ...new Array<number>(10).fill(CLEANBYTE),
      0xfd,
      0xfd,
      0xfd,
      0xfd,
    ]);
    expect(pm.usableSize(p)).toBe(10);
    expect(pm.isPymallocBlock(p - 8)).toBe(true); // a 22-byte pymalloc request: class 2
    expect(pm.stats()).toMatchObject({
      blocksInUse: 1,
      bytesInUse: 10,
      bytesInAllocatedBlocks: 24,
    });
    expect(DEBUG_EXTRA_BYTES).toBe(12);
    pm.check();
  });

  it('calloc zero-fills the data and decorates it the same way', () => {
    const pm = freshDebug();
    const p = pm.calloc(3, 5);
    expect(bytes(pm, p - 8, p)).toEqual([0, 0, 0, 15, O, 0xfd, 0xfd, 0xfd]);
    expect(bytes(pm, p, p + 15)).toEqual(new Array<number>(15).fill(0));
    expect(bytes(pm, p + 15, p + 19)).toEqual([0xfd, 0xfd, 0xfd, 0xfd]);
    pm.check();
  });

  it('free fills the whole block with 0xDD (the first word becomes the free-list link)', () => {
    const pm = freshDebug();
    const keep = pm.malloc(10);
    const p = pm.malloc(10);
    pm.free(p);
    expect(bytes(pm, p - 4, p - 8 + 24)).toEqual(new Array<number>(20).fill(DEADBYTE));
    expect(pm.stats()).toMatchObject({ blocksInUse: 1, bytesInUse: 10 });
    pm.free(keep);
    pm.check();
  });

  it('malloc(0) is a 12-byte pymalloc request with an empty data area', () => {
    const pm = freshDebug();
    const p = pm.malloc(0);
    expect(bytes(pm, p - 8, p + 4)).toEqual([
      0,
      0,
      0,
      0,
      O,
      0xfd,
      0xfd,
      0xfd,
      0xfd,
      0xfd,
      0xfd,
      0xfd,
    ]);
    expect(pm.usableSize(p)).toBe(0);
    pm.free(p);
    pm.check();
  });
});

describe('debug hooks detections (the heap stays intact after each)', () => {
  it('a written leading pad byte: E_BUFFER_UNDERRUN, "bad leading pad byte"', () => {
    const pm = freshDebug();
    const p = pm.malloc(16);
    fill(pm, p, 16, 1);
    pm.memory.u8[p - 1] = 0;
    const e = errorOf(() => pm.free(p));
    expect(e.code).toBe('E_BUFFER_UNDERRUN');
    expect(e.message).toContain('bad leading pad byte');
    expect(codeOf(() => pm.realloc(p, 40))).toBe('E_BUFFER_UNDERRUN');
    pm.check();
    expect(pm.stats().blocksInUse).toBe(1); // nothing was freed
    expectFilled(pm, p, 16, 1);
    pm.memory.u8[p - 1] = FORBIDDENBYTE;
    pm.free(p);
    pm.check();
  });

  it('an overwritten size field: E_BUFFER_UNDERRUN, never a read past the block', () => {
    const pm = freshDebug();
    const p = pm.malloc(16);
    pm.memory.u8[p - 8] = 0x7f; // N becomes 0x7f000010
    expect(codeOf(() => pm.free(p))).toBe('E_BUFFER_UNDERRUN');
    pm.check();
  });

  it('an overwritten API id: E_API_MISMATCH (checked first, as CPython does)', () => {
    const pm = freshDebug();
    const p = pm.malloc(16);
    pm.memory.u8[p - 4] = 'm'.charCodeAt(0);
    const e = errorOf(() => pm.free(p));
    expect(e.code).toBe('E_API_MISMATCH');
    expect(e.message).toContain("bad ID: Allocated using API 'm', verified using API 'o'");
    pm.check();
  });

  it('a written trailing pad byte: E_BUFFER_OVERRUN, "bad trailing pad byte"', () => {
    const pm = freshDebug();
    const p = pm.malloc(13);
    pm.memory.u8[p + 13] = 0x41; // one byte past the end
    const e = errorOf(() => pm.free(p));
    expect(e.code).toBe('E_BUFFER_OVERRUN');
    expect(e.message).toContain('bad trailing pad byte');
    expect(codeOf(() => pm.realloc(p, 5))).toBe('E_BUFFER_OVERRUN');
    pm.check();
    expect(pm.stats().blocksInUse).toBe(1);
  });

  it('a block freed through another domain: E_API_MISMATCH (two wrappers, one allocator)', () => {
    const base = createPymalloc({ memory: new LinearMemory() });
    const mem = new DebugHooks(base, { apiId: 'm' });
    const obj = new DebugHooks(base, { apiId: 'o' });
    const p = mem.malloc(16);
    const e = errorOf(() => obj.free(p));
    expect(e.code).toBe('E_API_MISMATCH');
    expect(e.message).toContain("bad ID: Allocated using API 'm', verified using API 'o'");
    expect(obj.owns(p)).toBe(false);
    expect(mem.owns(p)).toBe(true);
    base.check();
    mem.free(p);
    base.check();
    expect(base.stats().blocksInUse).toBe(0);
  });

  it('double free, foreign and interior addresses keep their codes', () => {
    const pm = freshDebug();
    const keep = pm.malloc(24);
    const p = pm.malloc(24);
    pm.free(p);
    expect(codeOf(() => pm.free(p))).toBe('E_DOUBLE_FREE');
    expect(codeOf(() => pm.realloc(p, 8))).toBe('E_DOUBLE_FREE');
    expect(codeOf(() => pm.usableSize(p))).toBe('E_DOUBLE_FREE');
    for (const a of [8, 16, pm.memory.byteLength + 65536]) {
      expect(
        codeOf(() => pm.free(a)),
        `free(${a})`,
      ).toBe('E_FOREIGN_ADDRESS');
    }
    expect(codeOf(() => pm.free(keep + 8))).toBe('E_NOT_ALLOCATED');
    expect(codeOf(() => pm.free(keep + 3))).toBe('E_NOT_ALLOCATED');
    expect(codeOf(() => pm.free(-8))).toBe('E_INVALID_ADDRESS');
    expect(codeOf(() => pm.free('x' as unknown as number))).toBe('E_NOT_A_NUMBER');
    expect(codeOf(() => pm.malloc(-1))).toBe('E_INVALID_SIZE');
    expect(codeOf(() => pm.calloc(65536, 65536))).toBe('E_INVALID_SIZE');
    expect(pm.owns(keep)).toBe(true);
    expect(pm.owns(p)).toBe(false);
    expect(pm.owns(keep - 8)).toBe(false);
    pm.check();
    pm.free(keep);
    pm.check();
  });

  it('a write into a freed block: E_USE_AFTER_FREE when the block is handed out again', () => {
    const pm = freshDebug();
    const keep = pm.malloc(16);
    const p = pm.malloc(16);
    pm.free(p);
    pm.memory.u8[p + 2] = 7; // use after free
    const e = errorOf(() => pm.malloc(16));
    expect(e.code).toBe('E_USE_AFTER_FREE');
    expect(e.message).toContain('written after it was freed');
    pm.check();
    expect(pm.stats().blocksInUse).toBe(1);
    // The block was refilled and put back: the next allocation gets it, clean.
    expect(pm.malloc(16)).toBe(p);
    pm.check();
    // The same through calloc and through a moving realloc.
    pm.free(p);
    pm.memory.u8[p + 9] = 1;
    expect(codeOf(() => pm.calloc(4, 4))).toBe('E_USE_AFTER_FREE');
    pm.memory.u8[p + 1] = 1;
    const r = pm.malloc(100);
    expect(codeOf(() => pm.realloc(r, 16))).toBe('E_USE_AFTER_FREE');
    expect(pm.usableSize(r)).toBe(100); // the old block is intact
    pm.check();
    pm.free(r);
    pm.free(keep);
    pm.check();
  });

  it('a freed block that goes to another class or arena is not mistaken for a used one', () => {
    const pm = freshDebug();
    const blocks: number[] = [];
    for (let i = 0; i < 2000; i++) blocks.push(pm.malloc(1 + ((i * 37) % 500)));
    for (const p of blocks) pm.free(p);
    expect(pm.trim()).toBeGreaterThan(0);
    const raw = pm.malloc(70_000); // raw regions reuse the memory the arenas left
    pm.memory.u8.fill(0x11, raw, raw + 70_000);
    pm.free(raw);
    pm.trim();
    for (let i = 0; i < 2000; i++) blocks[i] = pm.malloc(1 + ((i * 53) % 500));
    pm.check();
    for (const p of blocks) pm.free(p);
    pm.check();
  });
});

describe('debug realloc (CPython _PyMem_DebugRawRealloc)', () => {
  it('keeps data, moves the trailer, fills growth with 0xCD', () => {
    const pm = freshDebug();
    const p = pm.malloc(20); // 32-byte pymalloc block
    fill(pm, p, 20, 3);
    const q = pm.realloc(p, 18); // 30 bytes still fit class 3 in place
    expect(q).toBe(p);
    expect(bytes(pm, q - 8, q - 4)).toEqual([0, 0, 0, 18]);
    expect(bytes(pm, q + 18, q + 22)).toEqual([0xfd, 0xfd, 0xfd, 0xfd]);
    expectFilled(pm, q, 18, 3);
    const r = pm.realloc(q, 300); // moves
    expect(r).not.toBe(q);
    expectFilled(pm, r, 18, 3);
    expect(bytes(pm, r + 18, r + 300)).toEqual(new Array<number>(282).fill(CLEANBYTE));
    expect(bytes(pm, r + 300, r + 304)).toEqual([0xfd, 0xfd, 0xfd, 0xfd]);
    expect(pm.stats().bytesInUse).toBe(300);
    pm.check();
  });

  it('a shrink in place leaves the poisoned old tail 0xDD (short and long blocks)', () => {
    const pm = freshDebug();
    // Short (≤ 128 bytes): all data saved, header to old trailer poisoned, the new size restored.
    const p = pm.malloc(100); // inner 112 bytes: class 13
    fill(pm, p, 100, 6);
    expect(pm.realloc(p, 80)).toBe(p); // inner 92: 4·92 > 3·112, in place
    expect(bytes(pm, p - 8, p)).toEqual([0, 0, 0, 80, O, 0xfd, 0xfd, 0xfd]);
    expectFilled(pm, p, 80, 6);
    expect(bytes(pm, p + 80, p + 84)).toEqual([0xfd, 0xfd, 0xfd, 0xfd]);
    expect(bytes(pm, p + 84, p + 104)).toEqual(new Array<number>(20).fill(DEADBYTE));
    // Long: 64 bytes saved at each end; the middle is never touched.
    const q = pm.malloc(300); // inner 312 bytes: class 38 (312), slack none
    fill(pm, q, 300, 7);
    expect(pm.realloc(q, 250)).toBe(q); // inner 262: 4·262 > 3·312, in place
    expect(bytes(pm, q - 8, q)).toEqual([0, 0, 0, 250, O, 0xfd, 0xfd, 0xfd]);
    expectFilled(pm, q, 250, 7);
    expect(bytes(pm, q + 250, q + 254)).toEqual([0xfd, 0xfd, 0xfd, 0xfd]);
    expect(bytes(pm, q + 254, q + 304)).toEqual(new Array<number>(50).fill(DEADBYTE));
    pm.free(p);
    pm.free(q);
    pm.check();
  });

  it('restores more than 128 bytes through a move (first and last 64 saved, the rest copied)', () => {
    const pm = freshDebug();
    const p = pm.malloc(450);
    fill(pm, p, 450, 9);
    const q = pm.realloc(p, 2000); // pymalloc → raw
    expect(pm.isPymallocBlock(q - 8)).toBe(false);
    expectFilled(pm, q, 450, 9);
    const r = pm.realloc(q, 200); // shrink: the first 200 bytes kept
    expectFilled(pm, r, 200, 9);
    expect(pm.usableSize(r)).toBe(200);
    pm.check();
    pm.free(r);
    expect(pm.stats()).toMatchObject({ blocksInUse: 0, bytesInUse: 0 });
    pm.check();
  });

  it('a failed realloc returns 0 and leaves the old block decorated and intact', () => {
    const pm = createPymalloc({ memory: new LinearMemory({ maxBytes: 4 << 20 }), debug: true });
    const p = pm.malloc(200);
    fill(pm, p, 200, 5);
    expect(pm.realloc(p, 8 << 20)).toBe(0);
    expectFilled(pm, p, 200, 5);
    expect(pm.usableSize(p)).toBe(200);
    pm.check();
    pm.free(p);
    pm.check();
  });
});
