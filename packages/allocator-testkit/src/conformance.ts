/**
 * The allocator conformance kit: one `describe` block of vitest tests that every pyheap
 * allocator runs (DESIGN.md: "Every allocator must pass the same allocator test kit").
 *
 * Rows (names usable in `skip`):
 *   sequences          fast-check command sequences of malloc/calloc/realloc/free against the
 *                      model (model.ts), every check after every step
 *   reuse              freed memory is reused: the same requests again do not grow the footprint
 *   footprint-returns  after freeing everything and trim(), the footprint is 0
 *   bad-size           malloc/calloc/realloc sizes that are not sizes throw E_INVALID_SIZE /
 *                      E_NOT_A_NUMBER
 *   calloc-overflow    calloc whose nelem × elsize reaches 2^32 throws E_INVALID_SIZE
 *   bad-address        free/realloc/usableSize of a non-address: E_INVALID_ADDRESS /
 *                      E_NOT_A_NUMBER
 *   foreign            free/realloc/usableSize outside the heap: E_FOREIGN_ADDRESS
 *   interior           free of an address inside a block: E_NOT_ALLOCATED
 *   double-free        free of a freed small block: E_DOUBLE_FREE
 *   double-free-large  free of a freed block above the mmap threshold: E_DOUBLE_FREE
 *   realloc-freed      realloc of a freed block: E_DOUBLE_FREE
 *   oom                malloc returns 0 when the memory is full and the heap stays intact
 *                      (needs `makeSmall`)
 *   oom-realloc        a failed realloc returns 0 and leaves the old block valid (needs `makeSmall`)
 *
 * After every error the kit runs check(), verifies the live blocks and allocates again.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Allocator } from '@pyheap/interface';
import { HeapModel, codeOf, type LiveBlock } from './model.js';
import { allocationSize, sizeMix } from './sizes.js';
import { describeMisuseRows } from './misuse-rows.js';

export interface AllocatorKitOpts {
  /** fast-check runs of the `sequences` row. Default 100 (a few seconds per allocator). */
  numRuns?: number;
  /** Longest command sequence of one run. Default 64. */
  maxCommands?: number;
  /**
   * An allocator over a memory with a small maximum (a few MiB) for the out-of-memory rows.
   * Default: none, and the `oom` rows are skipped.
   */
  makeSmall?: () => Allocator;
  /** Row names (see the list above) the allocator documents it cannot do. Default none. */
  skip?: readonly string[];
}

type Command =
  | { readonly op: 'malloc'; readonly size: number }
  | { readonly op: 'calloc'; readonly nelem: number; readonly elsize: number }
  | { readonly op: 'realloc'; readonly pick: number; readonly size: number }
  | { readonly op: 'free'; readonly pick: number };

function commandArb(): fc.Arbitrary<Command> {
  const pick = fc.nat({ max: 1 << 16 });
  return fc.oneof(
    { weight: 5, arbitrary: allocationSize().map((size): Command => ({ op: 'malloc', size })) },
    {
      weight: 1,
      arbitrary: fc
        .record({ nelem: fc.nat({ max: 40 }), elsize: fc.constantFrom(1, 2, 8, 12, 24, 100, 4096) })
        .map((r): Command => ({ op: 'calloc', ...r })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({ pick, size: allocationSize() })
        .map((r): Command => ({ op: 'realloc', ...r })),
    },
    { weight: 3, arbitrary: pick.map((p): Command => ({ op: 'free', pick: p })) },
  );
}

/** Apply one command to the allocator and the model, checking the result. */
function step(model: HeapModel, cmd: Command): void {
  const a = model.allocator;
  switch (cmd.op) {
    case 'malloc':
      model.adopt(a.malloc(cmd.size), cmd.size, 'malloc');
      break;
    case 'calloc': {
      const n = cmd.nelem * cmd.elsize;
      const p = a.calloc(cmd.nelem, cmd.elsize);
      if (p !== 0) {
        const u8 = a.memory.u8;
        for (let i = 0; i < n; i++) {
          if (u8[p + i] !== 0)
            throw new Error(`calloc(${cmd.nelem}, ${cmd.elsize}) byte ${i} not zero`);
        }
      }
      model.adopt(p, n, 'calloc');
      break;
    }
    case 'realloc': {
      if (model.live.length === 0) {
        model.adopt(a.realloc(0, cmd.size), cmd.size, 'realloc(0, …)');
        break;
      }
      const old = model.live[cmd.pick % model.live.length]!;
      const q = a.realloc(old.addr, cmd.size);
      if (q === 0)
        throw new Error(`realloc(${old.addr}, ${cmd.size}) returned 0 with memory to spare`);
      model.verify(old, Math.min(old.size, cmd.size), q);
      model.drop(old);
      if (q !== old.addr && a.owns(old.addr))
        throw new Error(`owns(${old.addr}) after realloc moved it`);
      model.adopt(q, cmd.size, 'realloc');
      break;
    }
    case 'free': {
      if (model.live.length === 0) {
        a.free(0); // a no-op
        break;
      }
      const b = model.live[cmd.pick % model.live.length]!;
      model.verify(b);
      a.free(b.addr);
      model.drop(b);
      if (a.owns(b.addr)) throw new Error(`owns(${b.addr}) is true after free`);
      break;
    }
  }
  model.checkAll();
}

/** Allocate `sizes` in order, each checked and filled. */
function allocateAll(model: HeapModel, sizes: readonly number[]): LiveBlock[] {
  return sizes.map((s) => model.adopt(model.allocator.malloc(s), s, 'malloc'));
}

function freeAll(model: HeapModel, blocks: readonly LiveBlock[]): void {
  for (const b of blocks) {
    model.verify(b);
    model.allocator.free(b.addr);
    model.drop(b);
  }
}

/**
 * Register the conformance tests of an allocator. `make` returns a fresh allocator over a fresh
 * memory that nothing else uses (the kit checks the memory's mapped bytes too).
 */
export function describeAllocatorConformance(
  name: string,
  make: () => Allocator,
  opts: AllocatorKitOpts = {},
): void {
  const numRuns = opts.numRuns ?? 100;
  const maxCommands = opts.maxCommands ?? 64;
  const skip = new Set(opts.skip ?? []);
  const row = (id: string, title: string, fn: () => void): void => {
    (skip.has(id) ? it.skip : it)(`${id}: ${title}`, fn);
  };

  describe(`${name} — allocator conformance`, () => {
    row('sequences', 'command sequences keep every block intact, aligned and disjoint', () => {
      fc.assert(
        fc.property(fc.array(commandArb(), { maxLength: maxCommands }), (cmds) => {
          const model = new HeapModel(make());
          model.checkAll();
          for (const cmd of cmds) step(model, cmd);
          // Every block still holds exactly what was written; then everything goes back.
          for (const b of model.live) model.verify(b);
          freeAll(model, model.live.slice().reverse());
          model.checkAll();
          expect(model.allocator.stats().blocksInUse).toBe(0);
          expect(model.allocator.stats().bytesInUse).toBe(0);
        }),
        { numRuns },
      );
    });

    row(
      'reuse',
      'freed memory is reused: the same requests again do not grow the footprint',
      () => {
        const model = new HeapModel(make());
        const a = model.allocator;
        const sizes = sizeMix(200);
        freeAll(model, allocateAll(model, sizes));
        model.checkAll();
        const after1 = a.stats();
        // Same requests, freed in allocation order, then in reverse order.
        for (const reverse of [false, true]) {
          const blocks = allocateAll(model, sizes);
          model.checkAll();
          expect(a.stats().footprint).toBeLessThanOrEqual(after1.peakFootprint);
          freeAll(model, reverse ? blocks.slice().reverse() : blocks);
          model.checkAll();
          expect(a.stats().peakFootprint).toBe(after1.peakFootprint);
        }
        // A malloc/free loop of one size runs in the memory of one block.
        for (const s of [0, 24, 700, 5000, 200_000]) {
          const p0 = a.malloc(s);
          a.free(p0);
          const fp = a.stats().footprint;
          const peak = a.stats().peakFootprint;
          for (let i = 0; i < 500; i++) a.free(a.malloc(s));
          expect(a.stats().footprint).toBe(fp);
          expect(a.stats().peakFootprint).toBe(peak);
        }
        model.checkAll();
      },
    );

    row('footprint-returns', 'after freeing everything and trim(), the footprint is 0', () => {
      const model = new HeapModel(make());
      const a = model.allocator;
      const blocks = allocateAll(model, sizeMix(300, 12345));
      // Resize a third of them so that realloc's paths leave their traces too.
      for (let i = 0; i < blocks.length; i += 3) {
        const b = blocks[i]!;
        const size = (b.size * 3) >>> 1 || 5;
        const q = a.realloc(b.addr, size);
        model.verify(b, Math.min(b.size, size), q);
        model.drop(b);
        blocks[i] = model.adopt(q, size, 'realloc');
      }
      model.checkAll();
      expect(a.stats().footprint).toBeGreaterThan(0);
      freeAll(model, blocks);
      model.checkAll();
      const before = a.stats().footprint;
      const given = a.trim();
      const s = a.stats();
      expect(given).toBe(before);
      expect(s.footprint).toBe(0);
      expect(s.blocksInUse).toBe(0);
      expect(s.bytesInUse).toBe(0);
      expect(a.memory.mappedBytes()).toBe(0);
      expect(a.trim()).toBe(0);
      model.checkAll();
      // Still works afterwards.
      freeAll(model, allocateAll(model, sizeMix(20, 7)));
      model.checkAll();
      expect(codeOf(() => a.check())).toBe('no error');
    });

    describeMisuseRows(make, opts.makeSmall, row);
  });
}
