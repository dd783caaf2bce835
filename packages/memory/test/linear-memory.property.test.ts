/**
 * LinearMemory against a model of its region set. The model predicts every address exactly:
 * the lowest aligned address that fits in a gap between regions above the reserved pages, else
 * the end of the highest region rounded up to the alignment — or 0 when that passes the maximum.
 * Every region carries a pattern in its first and last words, checked after every step (growth
 * and shrinking copy or resize the buffer).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '@pyheap/interface';
import { LinearMemory, type LinearMemoryOpts } from '@pyheap/memory';
import { shrinkOwed } from '../src/linear-memory.js';

type Cmd =
  { op: 'map'; pages: number; alignShift: number; zero: boolean } | { op: 'unmap'; pick: number };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({
        pages: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 5, max: 600 })),
        alignShift: fc.oneof(
          { weight: 4, arbitrary: fc.constant(12) },
          { weight: 1, arbitrary: fc.integer({ min: 13, max: 20 }) },
        ),
        zero: fc.boolean(),
      })
      .map((r): Cmd => ({ op: 'map', ...r })),
  },
  { weight: 2, arbitrary: fc.nat({ max: 1 << 16 }).map((pick): Cmd => ({ op: 'unmap', pick })) },
);

interface Region {
  addr: number;
  bytes: number;
  seed: number;
}

function predict(
  regions: readonly Region[],
  reserved: number,
  max: number,
  bytes: number,
  align: number,
): number {
  const sorted = [...regions].sort((x, y) => x.addr - y.addr);
  let cursor = reserved;
  for (const r of sorted) {
    const a = Math.ceil(cursor / align) * align;
    if (a + bytes <= r.addr) return a;
    cursor = r.addr + r.bytes;
  }
  const a = Math.ceil(cursor / align) * align;
  return a + bytes <= max ? a : 0;
}

function stamp(m: LinearMemory, r: Region): void {
  m.u32[r.addr >>> 2] = r.seed;
  m.u32[(r.addr + r.bytes - 4) >>> 2] = ~r.seed >>> 0;
}

function zeroed(m: LinearMemory, addr: number, bytes: number): boolean {
  const u32 = m.u32;
  for (let i = addr >>> 2, end = (addr + bytes) >>> 2; i < end; i++) if (u32[i] !== 0) return false;
  return true;
}

function intact(m: LinearMemory, r: Region): boolean {
  return m.u32[r.addr >>> 2] === r.seed && m.u32[(r.addr + r.bytes - 4) >>> 2] === ~r.seed >>> 0;
}

const BACKINGS: [string, LinearMemoryOpts][] = [
  ['ArrayBuffer', { maxBytes: 8 << 20 }],
  ['ResizableArrayBuffer', { backing: 'ResizableArrayBuffer', maxBytes: 8 << 20 }],
  ['SharedArrayBuffer', { backing: 'SharedArrayBuffer', maxBytes: 4 << 20 }],
  ['WebAssembly.Memory', { backing: 'WebAssembly.Memory', maxBytes: 8 << 20, initialBytes: 65536 }],
  [
    'ArrayBuffer, 3 reserved pages',
    { maxBytes: 6 << 20, reservedBytes: 3 * PAGE_SIZE, initialBytes: 8192 },
  ],
];

describe('LinearMemory: property — regions follow the first-fit model', () => {
  for (const [name, opts] of BACKINGS) {
    it(name, () => {
      fc.assert(
        fc.property(fc.array(cmdArb, { maxLength: 60 }), (cmds) => {
          const m = new LinearMemory(opts);
          const reserved = opts.reservedBytes ?? PAGE_SIZE;
          const regions: Region[] = [];
          let peak = 0;
          let seeds = 0;
          for (const cmd of cmds) {
            if (cmd.op === 'map') {
              const bytes = cmd.pages * PAGE_SIZE;
              const align = 2 ** cmd.alignShift;
              const want = predict(regions, reserved, m.maxByteLength, bytes, align);
              const got = m.mapRegion(bytes - (cmd.pages > 1 ? 100 : 0), align, cmd.zero);
              expect(got).toBe(want);
              if (got !== 0) {
                if (cmd.zero && !zeroed(m, got, bytes)) throw new Error(`region ${got} not zeroed`);
                const r = { addr: got, bytes, seed: (++seeds * 0x9e3779b1) >>> 0 };
                stamp(m, r);
                regions.push(r);
              }
            } else if (regions.length > 0) {
              const [r] = regions.splice(cmd.pick % regions.length, 1);
              m.unmapRegion(r!.addr, r!.bytes);
              expect(m.regionSize(r!.addr)).toBe(0);
            }
            m.check();
            let mapped = 0;
            let top = reserved;
            for (const r of regions) {
              if (!intact(m, r)) throw new Error(`region ${r.addr} lost its contents`);
              if (m.regionSize(r.addr) !== r.bytes)
                throw new Error(`region ${r.addr} size changed`);
              mapped += r.bytes;
              top = Math.max(top, r.addr + r.bytes);
            }
            peak = Math.max(peak, mapped);
            expect(m.mappedBytes()).toBe(mapped);
            expect(m.peakMappedBytes()).toBe(peak);
            expect(m.byteLength).toBeGreaterThanOrEqual(top);
            expect(m.byteLength).toBeLessThanOrEqual(m.maxByteLength);
            expect(m.u8.length).toBe(m.byteLength);
            // An ArrayBuffer backing never keeps more unused above the top than shrinkOwed allows.
            if (name.startsWith('ArrayBuffer') || name === 'ResizableArrayBuffer') {
              const unused = m.byteLength - top;
              expect(shrinkOwed(m.byteLength, unused, name === 'ResizableArrayBuffer')).toBe(false);
            }
          }
        }),
        { numRuns: 60 },
      );
    });
  }
});
