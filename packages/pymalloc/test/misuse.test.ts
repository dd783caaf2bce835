import { describe, expect, it } from 'vitest';
import type { Pymalloc } from '@pyheap/pymalloc';
import { codeOf, expectFilled, fill, fresh, header, poolOf } from './helpers.js';

/** A heap with live pymalloc and raw blocks that every row must leave intact. */
function populated(): { pm: Pymalloc; live: Array<[number, number]> } {
  const pm = fresh();
  const live: Array<[number, number]> = [];
  for (const n of [24, 100, 512, 513, 5000, 8]) {
    const p = pm.malloc(n);
    fill(pm, p, n, p);
    live.push([p, n]);
  }
  return { pm, live };
}

/** After a refused call: the heap checks, blocks are intact, counters unchanged, malloc works. */
function intact(pm: Pymalloc, live: Array<[number, number]>): void {
  pm.check();
  for (const [p, n] of live) expectFilled(pm, p, n, p);
  expect(pm.stats().blocksInUse).toBe(live.length);
  const q = pm.malloc(40);
  expect(q).not.toBe(0);
  pm.free(q);
  pm.check();
}

describe('bad sizes (release mode)', () => {
  const invalid = [-1, 1.5, Number.NaN, Infinity, -Infinity, 2 ** 32, 2 ** 53];
  const notNumbers = ['8', undefined, null, {}, 8n, true] as unknown[];

  it('malloc, calloc and realloc refuse sizes that are not sizes, touching nothing', () => {
    const { pm, live } = populated();
    const p = live[0][0];
    for (const bad of invalid) {
      expect(
        codeOf(() => pm.malloc(bad)),
        `malloc(${bad})`,
      ).toBe('E_INVALID_SIZE');
      expect(
        codeOf(() => pm.calloc(bad, 1)),
        `calloc(${bad}, 1)`,
      ).toBe('E_INVALID_SIZE');
      expect(
        codeOf(() => pm.calloc(1, bad)),
        `calloc(1, ${bad})`,
      ).toBe('E_INVALID_SIZE');
      expect(
        codeOf(() => pm.realloc(p, bad)),
        `realloc(p, ${bad})`,
      ).toBe('E_INVALID_SIZE');
      intact(pm, live);
    }
    for (const bad of notNumbers) {
      const n = bad as number;
      expect(
        codeOf(() => pm.malloc(n)),
        `malloc(${String(bad)})`,
      ).toBe('E_NOT_A_NUMBER');
      expect(
        codeOf(() => pm.calloc(n, 8)),
        `calloc(${String(bad)}, 8)`,
      ).toBe('E_NOT_A_NUMBER');
      expect(
        codeOf(() => pm.realloc(p, n)),
        `realloc(p, ${String(bad)})`,
      ).toBe('E_NOT_A_NUMBER');
      intact(pm, live);
    }
  });

  it('calloc refuses nelem × elsize of 2^32 or more', () => {
    const { pm, live } = populated();
    for (const [n, e] of [
      [65536, 65536],
      [2 ** 31, 2],
      [0xffffffff, 0xffffffff],
    ]) {
      expect(codeOf(() => pm.calloc(n, e))).toBe('E_INVALID_SIZE');
      intact(pm, live);
    }
  });
});

describe('bad addresses (release mode)', () => {
  it('free/realloc/usableSize of a non-address: E_INVALID_ADDRESS / E_NOT_A_NUMBER', () => {
    const { pm, live } = populated();
    for (const bad of [-8, 1.5, Number.NaN, 2 ** 32, Infinity]) {
      expect(codeOf(() => pm.free(bad))).toBe('E_INVALID_ADDRESS');
      expect(codeOf(() => pm.realloc(bad, 8))).toBe('E_INVALID_ADDRESS');
      expect(codeOf(() => pm.usableSize(bad))).toBe('E_INVALID_ADDRESS');
      expect(pm.owns(bad)).toBe(false);
      intact(pm, live);
    }
    for (const bad of ['4128', undefined, {}, 4128n] as unknown[]) {
      expect(codeOf(() => pm.free(bad as number))).toBe('E_NOT_A_NUMBER');
      expect(codeOf(() => pm.realloc(bad as number, 8))).toBe('E_NOT_A_NUMBER');
      expect(pm.owns(bad as number)).toBe(false);
      intact(pm, live);
    }
  });

  it('an address outside every arena and not a raw block: E_FOREIGN_ADDRESS', () => {
    const { pm, live } = populated();
    for (const p of [8, 4088, pm.memory.byteLength + 65536]) {
      expect(
        codeOf(() => pm.free(p)),
        `free(${p})`,
      ).toBe('E_FOREIGN_ADDRESS');
      expect(
        codeOf(() => pm.realloc(p, 8)),
        `realloc(${p})`,
      ).toBe('E_FOREIGN_ADDRESS');
      expect(
        codeOf(() => pm.usableSize(p)),
        `usableSize(${p})`,
      ).toBe('E_FOREIGN_ADDRESS');
      expect(pm.owns(p)).toBe(false);
      intact(pm, live);
    }
    pm.free(0); // the null address is a no-op
    intact(pm, live);
  });

  it('an address inside an arena that is not the start of a live block: E_NOT_ALLOCATED', () => {
    const { pm, live } = populated();
    const p = live[0][0]; // class 2 (24 bytes), first block of its pool
    const pool = poolOf(p);
    const h = header(pm, p);
    const rows: Array<[string, number]> = [
      ['interior, aligned', p + 8],
      ['interior, unaligned', p + 3],
      ['pool header', pool + 8],
      ['never carved block', pool + h.nextoffset],
      ['virgin block on the free list', pool + h.nextoffset - 24],
      ['quantization tail of a pool', pool + 4096 - 8],
      ['pool never carved', pool + 10 * 4096 + 32],
    ];
    expect(h.freeblock).toBe(pool + h.nextoffset - 24); // the virgin block waits on the free list
    for (const [what, a] of rows) {
      expect(
        codeOf(() => pm.free(a)),
        what,
      ).toBe('E_NOT_ALLOCATED');
      expect(
        codeOf(() => pm.realloc(a, 16)),
        what,
      ).toBe('E_NOT_ALLOCATED');
      expect(
        codeOf(() => pm.usableSize(a)),
        what,
      ).toBe('E_NOT_ALLOCATED');
      expect(pm.owns(a)).toBe(false);
      intact(pm, live);
    }
    // Inside a raw block the raw domain answers.
    const raw = live[3][0];
    expect(codeOf(() => pm.free(raw + 8))).toBe('E_NOT_ALLOCATED');
    expect(codeOf(() => pm.realloc(raw + 8, 8))).toBe('E_NOT_ALLOCATED');
    intact(pm, live);
  });

  it('a block already freed: E_DOUBLE_FREE, whether its pool is used, full or empty', () => {
    const { pm, live } = populated();
    // Pool still in use.
    const a = pm.malloc(24);
    pm.free(a);
    expect(codeOf(() => pm.free(a))).toBe('E_DOUBLE_FREE');
    expect(codeOf(() => pm.realloc(a, 8))).toBe('E_DOUBLE_FREE');
    expect(codeOf(() => pm.usableSize(a))).toBe('E_DOUBLE_FREE');
    intact(pm, live);
    // Pool empty, on its arena's freepools (class 30 has no other block).
    const b = pm.malloc(248);
    pm.free(b);
    expect(header(pm, b).count).toBe(0);
    expect(codeOf(() => pm.free(b))).toBe('E_DOUBLE_FREE');
    intact(pm, live);
    // A raw block.
    const r = pm.malloc(700);
    pm.free(r);
    expect(codeOf(() => pm.free(r))).toBe('E_DOUBLE_FREE');
    expect(codeOf(() => pm.realloc(r, 8))).toBe('E_DOUBLE_FREE');
    intact(pm, live);
  });

  it('classifies by the pool’s current class: a re-initialised pool forgets old block starts', () => {
    const pm = fresh();
    const keep = pm.malloc(8);
    const a = pm.malloc(40); // class 4, pool 1
    const b = pm.malloc(40);
    pm.free(a);
    pm.free(b); // pool 1 empty, keeps class 4
    const c = pm.malloc(24); // class 2 re-initialises pool 1
    expect(poolOf(c)).toBe(poolOf(b));
    expect(codeOf(() => pm.free(b))).toBe('E_NOT_ALLOCATED'); // not a block start of class 2
    pm.free(c);
    pm.free(keep);
    pm.check();
  });

  it('documented ambiguity: the never-used last block of a fully carved pool reads as freed', () => {
    const pm = fresh();
    const blocks = Array.from({ length: 6 }, () => pm.malloc(512)); // 7 blocks per pool
    const last = poolOf(blocks[0]) + 32 + 6 * 512;
    expect(header(pm, last)).toMatchObject({ freeblock: last, nextoffset: 32 + 7 * 512 });
    expect(codeOf(() => pm.free(last))).toBe('E_DOUBLE_FREE');
    pm.check();
  });
});
