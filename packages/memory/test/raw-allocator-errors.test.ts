import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '@pyheap/interface';
import { RawAllocator } from '@pyheap/memory';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? `non-pyheap error: ${String(e)}`;
  }
  return 'no error';
}

/** An allocator with a few live blocks, each filled with its own byte. */
function setup(): { a: RawAllocator; live: Map<number, number>; intact: () => void } {
  const a = new RawAllocator();
  const live = new Map<number, number>();
  for (const [i, n] of [24, 100, 700, 8, 200_000, 40].entries()) {
    const p = a.malloc(n);
    a.memory.u8.fill(i + 1, p, p + n);
    live.set(p, n);
  }
  const intact = (): void => {
    a.check();
    a.memory.check();
    let i = 0;
    for (const [p, n] of live) {
      i++;
      expect(a.owns(p)).toBe(true);
      expect(a.memory.u8.subarray(p, p + n).every((x) => x === i)).toBe(true);
    }
    const q = a.malloc(64); // and it still allocates
    expect(q).not.toBe(0);
    a.free(q);
    a.check();
  };
  return { a, live, intact };
}

describe('RawAllocator: every error row leaves the heap intact', () => {
  it('bad sizes: E_INVALID_SIZE / E_NOT_A_NUMBER', () => {
    const { a, live, intact } = setup();
    const p = [...live.keys()][0]!;
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 32, -0.5]) {
      expect(codeOf(() => a.malloc(bad))).toBe('E_INVALID_SIZE');
      expect(codeOf(() => a.calloc(bad, 2))).toBe('E_INVALID_SIZE');
      expect(codeOf(() => a.calloc(2, bad))).toBe('E_INVALID_SIZE');
      expect(codeOf(() => a.realloc(p, bad))).toBe('E_INVALID_SIZE');
      intact();
    }
    for (const bad of ['8', undefined, null, 8n, Symbol('x')] as unknown[]) {
      expect(codeOf(() => a.malloc(bad as number))).toBe('E_NOT_A_NUMBER');
      expect(codeOf(() => a.calloc(1, bad as number))).toBe('E_NOT_A_NUMBER');
      expect(codeOf(() => a.realloc(p, bad as number))).toBe('E_NOT_A_NUMBER');
      intact();
    }
    expect(codeOf(() => a.calloc(2 ** 16, 2 ** 16))).toBe('E_INVALID_SIZE'); // overflows 2^32
    expect(codeOf(() => a.calloc(2 ** 20, 2 ** 20))).toBe('E_INVALID_SIZE');
    intact();
  });

  it('bad addresses: E_INVALID_ADDRESS / E_NOT_A_NUMBER', () => {
    const { a, intact } = setup();
    for (const bad of [1.5, -8, 2 ** 32, Number.NaN]) {
      expect(codeOf(() => a.free(bad))).toBe('E_INVALID_ADDRESS');
      expect(codeOf(() => a.realloc(bad, 8))).toBe('E_INVALID_ADDRESS');
      expect(codeOf(() => a.usableSize(bad))).toBe('E_INVALID_ADDRESS');
      expect(a.owns(bad)).toBe(false);
    }
    for (const bad of ['8', undefined, 8n] as unknown[]) {
      expect(codeOf(() => a.free(bad as number))).toBe('E_NOT_A_NUMBER');
      expect(a.owns(bad as number)).toBe(false);
    }
    a.free(0); // the null address is a no-op
    intact();
  });

  it('addresses outside every chunk and region: E_FOREIGN_ADDRESS', () => {
    const { a, intact } = setup();
    const m = a.memory;
    const other = m.mapRegion(PAGE_SIZE); // mapped by someone else in the same memory
    const foreign = [8, PAGE_SIZE - 8, m.byteLength + 65536, 2 ** 32 - 8, other, other + 64];
    for (const addr of foreign) {
      expect(
        codeOf(() => a.free(addr)),
        `free(${addr})`,
      ).toBe('E_FOREIGN_ADDRESS');
      expect(codeOf(() => a.realloc(addr, 8))).toBe('E_FOREIGN_ADDRESS');
      expect(codeOf(() => a.usableSize(addr))).toBe('E_FOREIGN_ADDRESS');
      expect(a.owns(addr)).toBe(false);
    }
    intact();
    // A chunk given back forgets its blocks: their addresses are foreign from then on.
    const b = new RawAllocator();
    const p = b.malloc(100);
    b.free(p);
    b.trim();
    expect(codeOf(() => b.free(p))).toBe('E_FOREIGN_ADDRESS');
    b.check();
  });

  it('addresses inside a chunk or region that are not a block start: E_NOT_ALLOCATED', () => {
    const { a, live, intact } = setup();
    const [p24, p100, , , big] = [...live.keys()];
    const chunk = PAGE_SIZE; // the first chunk is the first region of the memory
    const rows = [
      p24! + 8, // inside a live block
      p24! + 4, // not 8-aligned
      p100! - 4, // a block header
      p100! + 96,
      chunk, // the chunk's state map
      chunk + 4096,
      p24! + 50_000, // inside the free tail, never handed out
      big! + 8, // inside a large block
      big! + PAGE_SIZE,
    ];
    for (const addr of rows) {
      expect(
        codeOf(() => a.free(addr)),
        `free(${addr})`,
      ).toBe('E_NOT_ALLOCATED');
      expect(codeOf(() => a.realloc(addr, 8))).toBe('E_NOT_ALLOCATED');
      expect(codeOf(() => a.usableSize(addr))).toBe('E_NOT_ALLOCATED');
      expect(a.owns(addr)).toBe(false);
    }
    intact();
  });

  it('a freed block: E_DOUBLE_FREE for free, realloc and usableSize', () => {
    const { a, intact } = setup();
    const p = a.malloc(48);
    const q = a.malloc(48);
    const guard = a.malloc(8);
    a.free(p);
    for (const fn of [() => a.free(p), () => a.realloc(p, 100), () => a.usableSize(p)]) {
      expect(codeOf(fn)).toBe('E_DOUBLE_FREE');
      intact();
    }
    // Still detected after the freed block merged into a free left neighbour…
    a.free(q);
    expect(codeOf(() => a.free(q))).toBe('E_DOUBLE_FREE');
    // …and after a bigger block covers it: the pointer q was freed and never handed out again.
    const r = a.malloc(96);
    expect(r).toBe(p);
    expect(codeOf(() => a.free(q))).toBe('E_DOUBLE_FREE');
    expect(a.owns(q)).toBe(false);
    // Handed out again at the same address: live again.
    a.free(r);
    const s = a.malloc(48);
    expect(s).toBe(p);
    expect(codeOf(() => a.usableSize(s))).toBe('no error');
    a.free(s);
    a.free(guard);
    intact();
  });

  it('a freed large block: E_DOUBLE_FREE while its first page is not reused by this allocator', () => {
    const { a, intact } = setup();
    const p = a.malloc(300_000);
    a.free(p);
    expect(codeOf(() => a.free(p))).toBe('E_DOUBLE_FREE');
    expect(codeOf(() => a.realloc(p, 10))).toBe('E_DOUBLE_FREE');
    expect(codeOf(() => a.free(p + 8))).toBe('E_FOREIGN_ADDRESS');
    expect(a.owns(p)).toBe(false);
    intact();
    // The same pages mapped again for a new large block: p is live again.
    const q = a.malloc(300_000);
    expect(q).toBe(p);
    expect(a.usableSize(q)).toBe(303_104);
    a.free(q);
    intact();
  });
});

/** The chunk state map (2 bits per 8-byte granule) of the first chunk, at PAGE_SIZE. */
const stateWord = (p: number): number => (PAGE_SIZE >>> 2) + ((p - PAGE_SIZE) >>> 7);
const stateShift = (p: number): number => ((p - PAGE_SIZE) >>> 2) & 30;

describe('RawAllocator: check() finds corruption', () => {
  /** A heap with a free block between two live ones, and the chunk tail free. */
  function heap(): { a: RawAllocator; u32: Uint32Array; p: number; q: number; r: number } {
    const a = new RawAllocator();
    const p = a.malloc(40);
    const q = a.malloc(40);
    const r = a.malloc(40);
    a.free(q);
    a.check();
    return { a, u32: a.memory.u32, p, q, r };
  }
  const cases: [string, (h: ReturnType<typeof heap>) => void][] = [
    ['a live header with a wrong size', ({ u32, p }) => (u32[(p - 4) >>> 2] = 40 * 8)],
    ['a live block tagged FREE', ({ u32, p }) => (u32[(p - 4) >>> 2] |= 1)],
    ['a lost LEFT_FREE tag', ({ u32, r }) => (u32[(r - 4) >>> 2] &= ~2)],
    ['a broken back pointer', ({ u32, r }) => (u32[(r - 8) >>> 2] = 0)],
    ['a broken list link', ({ u32, q }) => (u32[q >>> 2] = 64)],
    ['a cycle in a free list', ({ u32, q }) => (u32[(q + 4) >>> 2] = q - 4)],
    ['a stray live mark', ({ u32, p }) => (u32[stateWord(p + 8)] |= 1 << stateShift(p + 8))],
    ['a live block unmarked', ({ u32, p }) => (u32[stateWord(p)] &= ~(3 << stateShift(p)))],
    ['a freed mark on a live block', ({ u32, p }) => (u32[stateWord(p)] ^= 3 << stateShift(p))],
    ['the sentinel overwritten', ({ u32 }) => (u32[(PAGE_SIZE + (1 << 20) - 4) >>> 2] = 0x1000)],
  ];
  for (const [what, corrupt] of cases) {
    it(what, () => {
      const h = heap();
      corrupt(h);
      expect(codeOf(() => h.a.check())).toBe('E_CORRUPT_HEAP');
    });
  }
});
