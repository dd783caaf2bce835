import { describe, expect, it } from 'vitest';
import {
  COUNT_IDX,
  NEXTOFFSET_IDX,
  PREVPOOL_IDX,
  SZIDX_IDX,
  type Pymalloc,
} from '@pyheap/pymalloc';
import { codeOf, fresh, poolOf } from './helpers.js';

/** Two arenas with used, full and empty pools, a raw block, and a few freed blocks. */
function heap(): { pm: Pymalloc; blocks: number[] } {
  const pm = fresh();
  const blocks: number[] = [];
  for (let i = 0; i < 20; i++) blocks.push(pm.malloc(8 * (i + 1))); // 20 pools, two arenas
  for (let i = 0; i < 7; i++) blocks.push(pm.malloc(512)); // a full pool of class 63
  blocks.push(pm.malloc(1000));
  const extra = pm.malloc(24);
  pm.free(extra); // class 2's pool has a freed block on its free list
  pm.free(blocks[5]); // pool of class 5 empty: on freepools
  pm.check();
  return { pm, blocks };
}

describe('check() finds broken invariants (E_CORRUPT_HEAP)', () => {
  const cases: Array<[string, (pm: Pymalloc, blocks: number[]) => void]> = [
    ['a pool count off by one', (pm, b) => pm.memory.u32[(poolOf(b[0]) >>> 2) + COUNT_IDX]++],
    [
      'a free-list cycle',
      (pm, b) => {
        const p = b[2] + 24; // class 2's freed block
        pm.memory.u32[p >>> 2] = p;
      },
    ],
    ['a free-list link out of its pool', (pm, b) => (pm.memory.u32[(b[2] + 24) >>> 2] = 8)],
    ['a live bit cleared', (pm, b) => (pm.live[b[1] >>> 8] &= ~(1 << ((b[1] >>> 3) & 31)))],
    [
      'a stray live bit in a pool header',
      (pm, b) => (pm.live[poolOf(b[1]) >>> 8] |= 1 << ((poolOf(b[1]) >>> 3) & 31)),
    ],
    [
      'nextoffset past maxnextoffset + size',
      (pm, b) => (pm.memory.u32[(poolOf(b[0]) >>> 2) + NEXTOFFSET_IDX] = 4104),
    ],
    ['a pool of the wrong class', (pm, b) => (pm.memory.u32[(poolOf(b[3]) >>> 2) + SZIDX_IDX] = 4)],
    [
      'a broken prevpool link',
      (pm, b) => (pm.memory.u32[(poolOf(b[3]) >>> 2) + PREVPOOL_IDX] = 4096),
    ],
    ['a used pool missing from usedpools', (pm) => (pm.usedpools[3] = 0)],
    ['nfreepools off by one', (pm) => pm.arenas.nfreepools[1]++],
    ['a wrong nfp2lasta finger', (pm) => (pm.arenas.nfp2lasta[3] = 1)],
    ['an arena forgotten by the arena map', (pm) => pm.map.markUsed(pm.arenas.address[1], false)],
    ['an arena counter off', (pm) => pm.arenas.narenasCurrentlyAllocated++],
    ['a negative raw counter', (pm) => (pm.rawAllocatedBlocks = -1)],
  ];
  for (const [what, corrupt] of cases) {
    it(what, () => {
      const { pm, blocks } = heap();
      corrupt(pm, blocks);
      expect(codeOf(() => pm.check())).toBe('E_CORRUPT_HEAP');
    });
  }
});
