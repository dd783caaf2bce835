import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEBUG_EXTRA_BYTES,
  DEBUG_HEADER_BYTES,
  MAX_POOLS_IN_ARENA,
  type Pymalloc,
} from '@pyheap/pymalloc';
import { fresh, freshDebug, usableArenas } from './helpers.js';

/*
 * Random malloc/calloc/realloc/free sequences against a simple model: the live blocks with
 * their size, a byte pattern, and where spec a.7 / a.11 says each block must live (pymalloc
 * and its block size, or the raw domain). After every step pymalloc's check() must pass, every
 * live block must still hold its pattern, no two blocks may overlap, and the counters must
 * agree with the model. In debug mode the model applies the same rules to the hooks' inner
 * requests (size + DEBUG_EXTRA_BYTES, at address − DEBUG_HEADER_BYTES).
 */

type Cmd =
  | { op: 'malloc'; size: number }
  | { op: 'calloc'; nelem: number; elsize: number }
  | { op: 'realloc'; pick: number; size: number }
  /** realloc to 3/4 of the block's pymalloc size, + delta: the edge of a.11's in-place rule. */
  | { op: 'shrink'; pick: number; delta: number }
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
  {
    weight: 1,
    arbitrary: fc
      .record({ pick: fc.nat(), delta: fc.integer({ min: -1, max: 1 }) })
      .map((r): Cmd => ({ op: 'shrink', ...r })),
  },
  { weight: 4, arbitrary: fc.nat().map((pick): Cmd => ({ op: 'free', pick })) },
);

interface Block {
  addr: number;
  size: number;
  seed: number;
  /** Block size of the pymalloc block holding it (the inner block in debug mode); 0 = raw. */
  block: number;
}

/** a.7: requests of 1..512 bytes get a block of their class, anything else goes raw. */
function routed(n: number): number {
  return n >= 1 && n <= 512 ? 8 * Math.ceil(n / 8) : 0;
}

function run(pm: Pymalloc, cmds: Cmd[], debug: boolean): void {
  const live: Block[] = [];
  let seeds = 0;
  const extra = debug ? DEBUG_EXTRA_BYTES : 0;
  const inner = (addr: number): number => addr - (debug ? DEBUG_HEADER_BYTES : 0);
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
  /** A block of `n` bytes the model places in a pymalloc block of `block` bytes (0: raw). */
  const adopt = (addr: number, n: number, block: number): Block => {
    expect(addr).not.toBe(0);
    expect(addr % 8).toBe(0);
    expect(pm.isPymallocBlock(inner(addr)), `block of ${n} bytes in pymalloc`).toBe(block !== 0);
    const usable = pm.usableSize(addr);
    if (debug)
      expect(usable).toBe(n); // the size asked for
    else if (block !== 0) expect(usable).toBe(block);
    else expect(usable).toBeGreaterThanOrEqual(n);
    const b = { addr, size: n, seed: ++seeds, block };
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
    const s = pm.stats();
    expect(s.blocksInUse).toBe(live.length);
    expect(s.rawBlocks).toBe(live.filter((b) => b.block === 0).length);
    if (!debug) {
      let bytes = 0;
      for (const b of live) bytes += b.block !== 0 ? b.block : pm.raw.usableSize(b.addr);
      expect(s.bytesInUse).toBe(bytes);
    }
  };
  for (const c of cmds) {
    switch (c.op) {
      case 'malloc':
        adopt(pm.malloc(c.size), c.size, routed(c.size + extra));
        break;
      case 'calloc': {
        const n = c.nelem * c.elsize;
        const p = pm.calloc(c.nelem, c.elsize);
        expect([...u8().subarray(p, p + n)].every((x) => x === 0)).toBe(true);
        adopt(p, n, routed(n + extra));
        break;
      }
      case 'realloc':
      case 'shrink': {
        if (live.length === 0) {
          if (c.op === 'shrink') break;
          adopt(pm.realloc(0, c.size), c.size, routed(c.size + extra));
          break;
        }
        const [old] = live.splice(c.pick % live.length, 1);
        const n =
          c.op === 'realloc'
            ? c.size
            : Math.max(0, (((old.block || old.size + extra) * 3) >>> 2) + c.delta - extra);
        const q = pm.realloc(old.addr, n);
        verify(old, Math.min(old.size, n), q);
        // a.11: a raw block stays raw; a pymalloc block of B bytes stays in place for a request
        // m ≤ B with 4m > 3B, else moves where a.7 routes m.
        const m = n + extra;
        let block: number;
        if (old.block === 0) block = 0;
        else if (m <= old.block && 4 * m > 3 * old.block) {
          expect(q, `realloc ${old.block}-byte block to ${m} stays in place`).toBe(old.addr);
          block = old.block;
        } else {
          expect(q, `realloc ${old.block}-byte block to ${m} moves`).not.toBe(old.addr);
          block = routed(m);
        }
        if (q !== old.addr) expect(pm.owns(old.addr)).toBe(false);
        adopt(q, n, block);
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

/*
 * usable_arenas against an independent model of spec a.7–a.8, stated without fingers: the
 * head gives a pool (a new arena when the list is empty); an arena that gains a pool goes
 * before the first arena with at least its new count (that is CPython's "just after the
 * rightmost arena with the old count"), unless it became wholly free and is not the last,
 * in which case it is given back. Pools are filled and emptied whole (7 blocks of 512 bytes),
 * so every step moves exactly one pool.
 */
describe('usable_arenas order against a model of a.8', () => {
  type Op = { op: 'take' } | { op: 'give'; pick: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: fc.constant<Op>({ op: 'take' }) },
    { weight: 2, arbitrary: fc.nat().map((pick): Op => ({ op: 'give', pick })) },
  );

  it('matches the model exactly, arena by arena, after every step', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), (ops) => {
        const pm = fresh();
        const pools: Array<{ blocks: number[]; arena: number }> = [];
        const model: Array<{ a: number; n: number }> = []; // usable_arenas, head first
        const nfree = new Map<number, number>(); // free pools of every allocated arena
        for (const o of ops) {
          if (o.op === 'take') {
            const blocks = Array.from({ length: 7 }, () => pm.malloc(512));
            const a = pm.arenas.arenaOf(blocks[0]);
            if (model.length === 0) {
              expect(nfree.has(a), 'a new arena').toBe(false);
              model.push({ a, n: MAX_POOLS_IN_ARENA });
            }
            const head = model[0];
            expect(a, 'the pool comes from the head of usable_arenas').toBe(head.a);
            nfree.set(a, --head.n);
            if (head.n === 0) model.shift();
            pools.push({ blocks, arena: a });
          } else if (pools.length > 0) {
            const [{ blocks, arena: a }] = pools.splice(o.pick % pools.length, 1);
            for (const p of blocks) pm.free(p);
            const n = nfree.get(a)! + 1;
            nfree.set(a, n);
            const i = model.findIndex((e) => e.a === a);
            if (i !== -1) model.splice(i, 1);
            if (n === MAX_POOLS_IN_ARENA && i !== -1 && i !== model.length) {
              nfree.delete(a); // wholly free and not last: given back
            } else {
              const j = model.findIndex((e) => e.n >= n);
              model.splice(j === -1 ? model.length : j, 0, { a, n });
            }
          }
          expect(usableArenas(pm)).toEqual(model.map((e) => [e.a, e.n]));
          expect(pm.stats().arenasCurrent).toBe(nfree.size);
          pm.check();
        }
      }),
      { numRuns: 40 },
    );
  });
});
