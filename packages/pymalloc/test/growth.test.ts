import { describe, expect, it } from 'vitest';
import { LinearMemory } from '@pyheap/memory';
import { CLEANBYTE, FORBIDDENBYTE, createPymalloc, type Pymalloc } from '@pyheap/pymalloc';
import { expectFilled, fill } from './helpers.js';

/*
 * The default backing copies itself into a new ArrayBuffer when it grows, so a view read before
 * a call that maps an arena or a raw chunk is stale after it. Each case below makes exactly the
 * call under test grow the memory (a memory of two pages grows for every new region) and checks
 * every byte the call wrote after the growth.
 */

/** A pymalloc whose memory must grow for every arena or raw chunk it maps. */
function tight(debug: boolean): Pymalloc {
  return createPymalloc({ memory: new LinearMemory({ initialBytes: 8192 }), debug });
}

/** Run `fn` and return its result, expecting the memory's buffer to be replaced meanwhile. */
function growing<T>(pm: Pymalloc, fn: () => T): T {
  const gen = pm.memory.generation;
  const result = fn();
  expect(pm.memory.generation, 'the call grew the memory').toBeGreaterThan(gen);
  return result;
}

/** A block of `n` data bytes at `p` keeps its debug decoration (S = 4). */
function expectDecorated(pm: Pymalloc, p: number, n: number): void {
  const u8 = pm.memory.u8;
  expect([...u8.subarray(p - 8, p - 4)]).toEqual([
    n >>> 24,
    (n >>> 16) & 255,
    (n >>> 8) & 255,
    n & 255,
  ]);
  expect(String.fromCharCode(u8[p - 4])).toBe('o');
  expect([...u8.subarray(p - 3, p)]).toEqual([FORBIDDENBYTE, FORBIDDENBYTE, FORBIDDENBYTE]);
  expect([...u8.subarray(p + n, p + n + 4)]).toEqual(new Array<number>(4).fill(FORBIDDENBYTE));
}

/** Leave the first arena with no free pool; `keep` (a small block of class 2) stays in it. */
function fullArena(pm: Pymalloc, debug: boolean): number {
  const keep = pm.malloc(debug ? 12 : 24);
  for (let i = 0; i < 7 * 15; i++) pm.malloc(debug ? 500 : 512);
  expect(pm.arenas.usableArenas).toBe(-1);
  return keep;
}

describe('growth inside a call, release mode', () => {
  it('calloc from a new arena and from a new raw chunk zero-fills the new buffer', () => {
    const pm = tight(false);
    const p = growing(pm, () => pm.calloc(10, 10));
    expect(pm.memory.u8.subarray(p, p + 100).every((b) => b === 0)).toBe(true);
    const r = growing(pm, () => pm.calloc(100, 10));
    expect(pm.memory.u8.subarray(r, r + 1000).every((b) => b === 0)).toBe(true);
    pm.check();
  });

  it('realloc into a new arena or to the raw domain copies the contents into the new buffer', () => {
    const pm = tight(false);
    const p = fullArena(pm, false);
    fill(pm, p, 24, 1);
    const q = growing(pm, () => pm.realloc(p, 300)); // class 37 needs a pool: arena 2
    expectFilled(pm, q, 24, 1);
    const r = growing(pm, () => pm.realloc(q, 5000)); // the raw domain maps its first chunk
    expectFilled(pm, r, 24, 1);
    expect(pm.stats()).toMatchObject({ arenasCurrent: 2, rawBlocks: 1 });
    pm.check();
  });
});

describe('growth inside a call, debug mode', () => {
  it('malloc and calloc decorate blocks that live in the new buffer', () => {
    const pm = tight(true);
    const p = growing(pm, () => pm.malloc(20));
    expectDecorated(pm, p, 20);
    expect(pm.memory.u8.subarray(p, p + 20).every((b) => b === CLEANBYTE)).toBe(true);
    const c = growing(pm, () => pm.calloc(30, 100)); // raw: a new chunk
    expectDecorated(pm, c, 3000);
    expect(pm.memory.u8.subarray(c, c + 3000).every((b) => b === 0)).toBe(true);
    pm.free(p);
    pm.free(c);
    pm.check();
  });

  it('realloc restores the saved bytes and writes header, trailer and growth fill after it', () => {
    const pm = tight(true);
    const p = fullArena(pm, true);
    fill(pm, p, 12, 2);
    const q = growing(pm, () => pm.realloc(p, 288)); // inner 300 bytes: a pool of arena 2
    expectDecorated(pm, q, 288);
    expectFilled(pm, q, 12, 2);
    expect(pm.memory.u8.subarray(q + 12, q + 288).every((b) => b === CLEANBYTE)).toBe(true);
    fill(pm, q, 288, 3);
    const r = growing(pm, () => pm.realloc(q, 4000)); // raw: the first chunk
    expectDecorated(pm, r, 4000);
    expectFilled(pm, r, 288, 3);
    expect(pm.memory.u8.subarray(r + 288, r + 4000).every((b) => b === CLEANBYTE)).toBe(true);
    expect(pm.usableSize(r)).toBe(4000);
    pm.free(r);
    pm.check();
  });
});

describe('a WebAssembly.Memory grown by its owner between calls', () => {
  it('pymalloc follows the new buffer: contents kept, every call works', () => {
    for (const debug of [false, true]) {
      const wasm = new WebAssembly.Memory({ initial: 2, maximum: 64 });
      const pm = createPymalloc({ memory: new LinearMemory({ wasmMemory: wasm }), debug });
      const p = pm.malloc(100);
      fill(pm, p, 100, 4);
      wasm.grow(1); // the module's memory.grow detaches the buffer pymalloc last saw
      const q = pm.malloc(100);
      expect(q).toBeGreaterThan(0);
      expectFilled(pm, p, 100, 4);
      const r = pm.realloc(p, 200);
      expectFilled(pm, r, 100, 4);
      wasm.grow(1);
      pm.free(q);
      pm.free(r);
      pm.check();
      pm.memory.check();
      expect(pm.stats().blocksInUse).toBe(0);
    }
  });
});
