import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pymalloc } from '@pyheap/pymalloc';
import { fresh, freshDebug } from './helpers.js';

/*
 * Random malloc/calloc/realloc/free sequences against a simple model: the live blocks with
 * their size and a byte pattern. After every step pymalloc's check() must pass, every live
 * block must still hold its pattern, no two blocks may overlap, and the counters must agree.
 */

type Cmd =
  | { op: 'malloc'; size: number }
  | { op: 'calloc'; nelem: number; elsize: number }
  | { op: 'realloc'; pick: number; size: number }
  | { op: 'free'; pick: number };

const size = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 12, arbitrary: fc.integer({ min: 1, max: 512 }) },
  { weight: 2, arbitrary: fc.integer({ min: 513, max: 5000 }) },
);
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: size.map((s): Cmd => ({ op: 'malloc', size: s })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ nelem: fc.nat({ max: 64 }), elsize: fc.constantFrom(1, 3, 8, 24) })
      .map((r): Cmd => ({ op: 'calloc', ...r })),
  },
  {
    weight: 2,
    arbitrary: fc.record({ pick: fc.nat(), size }).map((r): Cmd => ({ op: 'realloc', ...r })),
  },
  { weight: 4, arbitrary: fc.nat().map((pick): Cmd => ({ op: 'free', pick })) },
);

interface Block {
  addr: number;
  size: number;
  seed: number;
}

function run(pm: Pymalloc, cmds: Cmd[], debug: boolean): void {
  const live: Block[] = [];
  let seeds = 0;
  const u8 = (): Uint8Array => pm.memory.u8;
  const write = (b: Block): void => {
    const m = u8();
    for (let i = 0; i < b.size; i++) m[b.addr + i] = (b.seed + i) & 0xff;
  };
  const verify = (b: Block, n = b.size, at = b.addr): void => {
    const m = u8();
    for (let i = 0; i < n; i++) {
      if (m[at + i] !== ((b.seed + i) & 0xff))
        expect.fail(`block ${b.addr} (${b.size}) changed at byte ${i}`);
    }
  };
  /** `fresh`: from malloc/calloc, so 1..512 bytes must be a pymalloc block of its class. */
  const adopt = (addr: number, n: number, fresh: boolean): Block => {
    expect(addr).not.toBe(0);
    expect(addr % 8).toBe(0);
    const usable = pm.usableSize(addr);
    if (debug)
      expect(usable).toBe(n); // the size asked for
    else if (fresh && n >= 1 && n <= 512) expect(usable).toBe(8 * Math.ceil(n / 8));
    else expect(usable).toBeGreaterThanOrEqual(n); // raw, or a block realloc kept in place
    if (!debug && fresh) expect(pm.isPymallocBlock(addr)).toBe(n >= 1 && n <= 512);
    const b = { addr, size: n, seed: ++seeds };
    write(b);
    live.push(b);
    return b;
  };
  const checkAll = (): void => {
    pm.check();
    const sorted = live.slice().sort((x, y) => x.addr - y.addr);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1];
      expect(prev.addr + Math.max(pm.usableSize(prev.addr), 1)).toBeLessThanOrEqual(sorted[i].addr);
    }
    for (const b of live) verify(b);
    expect(pm.stats().blocksInUse).toBe(live.length);
  };
  for (const c of cmds) {
    switch (c.op) {
      case 'malloc':
        adopt(pm.malloc(c.size), c.size, true);
        break;
      case 'calloc': {
        const n = c.nelem * c.elsize;
        const p = pm.calloc(c.nelem, c.elsize);
        expect([...u8().subarray(p, p + n)].every((x) => x === 0)).toBe(true);
        adopt(p, n, true);
        break;
      }
      case 'realloc': {
        if (live.length === 0) {
          adopt(pm.realloc(0, c.size), c.size, true);
          break;
        }
        const [old] = live.splice(c.pick % live.length, 1);
        const q = pm.realloc(old.addr, c.size);
        verify(old, Math.min(old.size, c.size), q);
        if (q !== old.addr) expect(pm.owns(old.addr)).toBe(false);
        const b = adopt(q, c.size, false);
        expect(b.addr).toBe(q);
        break;
      }
      case 'free': {
        if (live.length === 0) break;
        const [b] = live.splice(c.pick % live.length, 1);
        pm.free(b.addr);
        expect(pm.owns(b.addr)).toBe(false);
        break;
      }
    }
    checkAll();
  }
  for (const b of live.splice(0)) pm.free(b.addr);
  checkAll();
  expect(pm.stats()).toMatchObject({ blocksInUse: 0, bytesInUse: 0, rawBlocks: 0 });
  pm.trim();
  expect(pm.stats().footprint).toBe(0);
  pm.check();
}

describe('random sequences against a model', () => {
  it('release mode: check() after every step, contents kept, no overlap, 8-aligned', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 120 }), (cmds) => run(fresh(), cmds, false)),
      { numRuns: 60 },
    );
  });

  it('debug mode: the same, through the debug hooks', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 80 }), (cmds) => run(freshDebug(), cmds, true)),
      { numRuns: 30 },
    );
  });

  it('a long churn of many small blocks keeps every invariant (several arenas, pools recycled)', () => {
    const pm = fresh();
    const slots = new Array<number>(3000).fill(0);
    let x = 1;
    const draw = (): number => {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      return x;
    };
    for (let i = 0; i < slots.length; i++) slots[i] = pm.malloc(1 + (draw() % 512));
    for (let i = 0; i < 60_000; i++) {
      const s = draw() % slots.length;
      pm.free(slots[s]);
      slots[s] = pm.malloc(1 + (draw() % 512));
      pm.memory.u32[slots[s] >>> 2] = i;
      if (i % 10_000 === 0) pm.check();
    }
    pm.check();
    const s = pm.stats();
    expect(s.blocksInUse).toBe(3000);
    expect(s.arenasCurrent).toBeGreaterThan(10);
    for (const p of slots) pm.free(p);
    expect(pm.stats().arenasCurrent).toBe(1);
    pm.check();
  });
});
