/**
 * The kit's error rows: bad sizes, bad addresses, foreign / interior / freed addresses, and
 * running out of memory. Each row checks the stable error code, then that the heap is intact
 * (check(), the live blocks' contents) and that the allocator still allocates.
 */
import { expect } from 'vitest';
import type { Allocator } from '@pyheap/interface';
import { HeapModel, codeOf } from './model.js';
import { sizeMix } from './sizes.js';

type Row = (id: string, title: string, fn: () => void) => void;

/** A heap with a few live blocks (small, page-sized and large) to keep intact through errors. */
function populated(make: () => Allocator): HeapModel {
  const model = new HeapModel(make());
  for (const s of [24, 100, 513, 4096, 200_000, 8])
    model.adopt(model.allocator.malloc(s), s, 'malloc');
  model.checkAll();
  return model;
}

/** After an error: the heap checks, every block is intact, and allocation still works. */
function stillWorks(model: HeapModel): void {
  model.checkAll();
  for (const b of model.live) model.verify(b);
  const a = model.allocator;
  const b = model.adopt(a.malloc(40), 40, 'malloc');
  model.verify(b);
  a.free(b.addr);
  model.drop(b);
  model.checkAll();
}

const NAN = Number.NaN;

export function describeMisuseRows(
  make: () => Allocator,
  makeSmall: (() => Allocator) | undefined,
  row: Row,
): void {
  row('bad-size', 'sizes that are not sizes throw E_INVALID_SIZE / E_NOT_A_NUMBER', () => {
    const model = populated(make);
    const a = model.allocator;
    const live = model.live[0]!.addr;
    for (const bad of [-1, 1.5, NAN, Infinity, -Infinity, 2 ** 32, 2 ** 53]) {
      expect(
        codeOf(() => a.malloc(bad)),
        `malloc(${bad})`,
      ).toBe('E_INVALID_SIZE');
      expect(
        codeOf(() => a.calloc(bad, 1)),
        `calloc(${bad}, 1)`,
      ).toBe('E_INVALID_SIZE');
      expect(
        codeOf(() => a.calloc(1, bad)),
        `calloc(1, ${bad})`,
      ).toBe('E_INVALID_SIZE');
      expect(
        codeOf(() => a.realloc(live, bad)),
        `realloc(p, ${bad})`,
      ).toBe('E_INVALID_SIZE');
      stillWorks(model);
    }
    for (const bad of ['8', undefined, null, {}, 8n] as unknown[]) {
      const n = bad as number;
      expect(
        codeOf(() => a.malloc(n)),
        `malloc(${String(bad)})`,
      ).toBe('E_NOT_A_NUMBER');
      expect(
        codeOf(() => a.calloc(n, 8)),
        `calloc(${String(bad)}, 8)`,
      ).toBe('E_NOT_A_NUMBER');
      expect(
        codeOf(() => a.realloc(live, n)),
        `realloc(p, ${String(bad)})`,
      ).toBe('E_NOT_A_NUMBER');
      stillWorks(model);
    }
  });

  row('calloc-overflow', 'calloc whose nelem × elsize reaches 2^32 throws E_INVALID_SIZE', () => {
    const model = populated(make);
    const a = model.allocator;
    for (const [n, e] of [
      [2 ** 16, 2 ** 16],
      [2 ** 31, 2],
      [0xffffffff, 0xffffffff],
    ] as const) {
      expect(
        codeOf(() => a.calloc(n, e)),
        `calloc(${n}, ${e})`,
      ).toBe('E_INVALID_SIZE');
      stillWorks(model);
    }
  });

  row(
    'bad-address',
    'addresses that are not addresses throw E_INVALID_ADDRESS / E_NOT_A_NUMBER',
    () => {
      const model = populated(make);
      const a = model.allocator;
      for (const bad of [-8, 1.5, NAN, 2 ** 32, Infinity]) {
        expect(
          codeOf(() => a.free(bad)),
          `free(${bad})`,
        ).toBe('E_INVALID_ADDRESS');
        expect(
          codeOf(() => a.realloc(bad, 8)),
          `realloc(${bad}, 8)`,
        ).toBe('E_INVALID_ADDRESS');
        expect(
          codeOf(() => a.usableSize(bad)),
          `usableSize(${bad})`,
        ).toBe('E_INVALID_ADDRESS');
        expect(a.owns(bad)).toBe(false);
        stillWorks(model);
      }
      for (const bad of ['8', undefined, {}, 8n] as unknown[]) {
        const addr = bad as number;
        expect(
          codeOf(() => a.free(addr)),
          `free(${String(bad)})`,
        ).toBe('E_NOT_A_NUMBER');
        expect(
          codeOf(() => a.realloc(addr, 8)),
          `realloc(${String(bad)}, 8)`,
        ).toBe('E_NOT_A_NUMBER');
        expect(
          codeOf(() => a.usableSize(addr)),
          `usableSize(${String(bad)})`,
        ).toBe('E_NOT_A_NUMBER');
        expect(a.owns(addr)).toBe(false);
        stillWorks(model);
      }
    },
  );

  row(
    'foreign',
    'free/realloc/usableSize of an address outside the heap: E_FOREIGN_ADDRESS',
    () => {
      const model = populated(make);
      const a = model.allocator;
      const align = a.alignment;
      const beyond = Math.min(a.memory.byteLength + 65536, 2 ** 32 - align);
      // Beyond the memory, and in the null page that no allocator ever hands out.
      for (const addr of [beyond - (beyond % align), align]) {
        expect(
          codeOf(() => a.free(addr)),
          `free(${addr})`,
        ).toBe('E_FOREIGN_ADDRESS');
        expect(
          codeOf(() => a.realloc(addr, 16)),
          `realloc(${addr}, 16)`,
        ).toBe('E_FOREIGN_ADDRESS');
        expect(
          codeOf(() => a.usableSize(addr)),
          `usableSize(${addr})`,
        ).toBe('E_FOREIGN_ADDRESS');
        expect(a.owns(addr)).toBe(false);
        stillWorks(model);
      }
    },
  );

  row('interior', 'free of an address inside a block: E_NOT_ALLOCATED', () => {
    const model = populated(make);
    const a = model.allocator;
    for (const b of model.live.slice()) {
      for (const off of [a.alignment, b.usable >= 2 * 4096 ? 4096 : 0]) {
        if (off === 0 || off >= b.usable) continue;
        const addr = b.addr + off;
        expect(
          codeOf(() => a.free(addr)),
          `free(block ${b.size} + ${off})`,
        ).toBe('E_NOT_ALLOCATED');
        expect(
          codeOf(() => a.realloc(addr, 8)),
          `realloc(block ${b.size} + ${off})`,
        ).toBe('E_NOT_ALLOCATED');
        expect(a.owns(addr)).toBe(false);
        stillWorks(model);
      }
    }
  });

  row('double-free', 'free of a freed small block: E_DOUBLE_FREE', () => {
    const model = populated(make);
    const a = model.allocator;
    for (const s of [0, 24, 513]) {
      const p = a.malloc(s);
      const keep = model.adopt(a.malloc(s), s, 'malloc'); // keeps the block's pool/chunk in use
      a.free(p);
      expect(
        codeOf(() => a.free(p)),
        `free(free(malloc(${s})))`,
      ).toBe('E_DOUBLE_FREE');
      expect(
        codeOf(() => a.usableSize(p)),
        `usableSize of freed`,
      ).toMatch(/^E_(DOUBLE_FREE|NOT_ALLOCATED)$/);
      expect(a.owns(p)).toBe(false);
      stillWorks(model);
      model.verify(keep);
    }
  });

  row('double-free-large', 'free of a freed block above the mmap threshold: E_DOUBLE_FREE', () => {
    const model = populated(make);
    const a = model.allocator;
    const p = a.malloc(300_000);
    a.free(p);
    expect(codeOf(() => a.free(p))).toBe('E_DOUBLE_FREE');
    stillWorks(model);
  });

  row('realloc-freed', 'realloc of a freed block: E_DOUBLE_FREE', () => {
    const model = populated(make);
    const a = model.allocator;
    for (const s of [24, 700]) {
      const p = a.malloc(s);
      model.adopt(a.malloc(s), s, 'malloc');
      a.free(p);
      expect(
        codeOf(() => a.realloc(p, s * 2)),
        `realloc(freed ${s})`,
      ).toBe('E_DOUBLE_FREE');
      stillWorks(model);
    }
  });

  const small = makeSmall ?? null;
  const oomRow = (id: string, title: string, fn: (make: () => Allocator) => void): void => {
    if (small) row(id, title, () => fn(small));
    else row(id, `${title} (skipped: no makeSmall)`, () => undefined);
  };

  oomRow('oom', 'malloc returns 0 when the memory is full, and the heap stays intact', (mk) => {
    const model = new HeapModel(mk());
    const a = model.allocator;
    const max = a.memory.maxByteLength;
    expect(a.malloc(max)).toBe(0);
    expect(a.calloc(1, max)).toBe(0);
    model.checkAll();
    // Fill the memory with a size mix until a request fails; every block must stay intact.
    const sizes = sizeMix(64, 99);
    let failed = 0;
    for (let i = 0; i < 100_000 && failed === 0; i++) {
      const s = sizes[i % sizes.length]! + 1000;
      const p = a.malloc(s);
      if (p === 0) failed = s;
      else model.adopt(p, s, 'malloc');
    }
    expect(failed, 'the memory never filled up').toBeGreaterThan(0);
    model.checkAll();
    for (const b of model.live) model.verify(b);
    expect(a.calloc(failed, 1)).toBe(0);
    model.checkAll();
    // Give everything back: the whole memory is usable again.
    for (const b of model.live.slice()) {
      a.free(b.addr);
      model.drop(b);
    }
    a.trim();
    model.checkAll();
    const again = model.adopt(a.malloc(failed), failed, 'malloc after freeing everything');
    model.verify(again);
  });

  oomRow('oom-realloc', 'a failed realloc returns 0 and leaves the old block valid', (mk) => {
    const model = new HeapModel(mk());
    const a = model.allocator;
    const max = a.memory.maxByteLength;
    for (const s of [24, 700, 5000, 200_000]) {
      const b = model.adopt(a.malloc(s), s, 'malloc');
      expect(a.realloc(b.addr, max)).toBe(0);
      model.checkAll();
      model.verify(b);
      expect(a.owns(b.addr)).toBe(true);
      expect(a.usableSize(b.addr)).toBe(b.usable);
    }
    // Fill the memory, then grow blocks until one realloc fails.
    for (let i = 0; i < 100_000; i++) {
      const p = a.malloc(3000);
      if (p === 0) break;
      model.adopt(p, 3000, 'malloc');
    }
    let failures = 0;
    for (const b of model.live.slice()) {
      const q = a.realloc(b.addr, b.size * 4 + 200_000);
      if (q === 0) {
        failures++;
        model.verify(b);
        expect(a.owns(b.addr)).toBe(true);
      } else {
        model.verify(b, b.size, q);
        model.drop(b);
        model.adopt(q, b.size * 4 + 200_000, 'realloc');
      }
      model.checkAll();
    }
    expect(failures).toBeGreaterThan(0);
    for (const b of model.live) model.verify(b);
  });
}
