import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, type Memory } from '@pyheap/interface';
import { LinearMemory, WASM_DEFAULT_INITIAL_BYTES } from '@pyheap/memory';

const MiB = 1 << 20;
const WASM_PAGE = 65536;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? `non-pyheap error: ${String(e)}`;
  }
  return 'no error';
}

describe('LinearMemory: construction', () => {
  it('defaults: a 64 MiB WebAssembly.Memory (no growth, no detach, below it) up to 2 GiB, nothing mapped', () => {
    const m = new LinearMemory();
    const size = WASM_DEFAULT_INITIAL_BYTES;
    expect(size).toBe(64 * MiB);
    expect(m.backing).toBe('WebAssembly.Memory');
    expect(m.byteLength).toBe(size);
    expect(m.maxByteLength).toBe(2 ** 31);
    expect(m.buffer).toBeInstanceOf(ArrayBuffer);
    expect(m.u8.length).toBe(size);
    expect(m.u32.length).toBe(size / 4);
    expect(m.i32.length).toBe(size / 4);
    expect(m.f64.length).toBe(size / 8);
    expect(m.mappedBytes()).toBe(0);
    expect(m.peakMappedBytes()).toBe(0);
    // A heap that stays below it keeps its buffer: nothing is ever detached.
    const buffer = m.buffer;
    const generation = m.generation;
    for (let k = 0; k < 100; k++) expect(m.mapRegion(256 * 1024)).not.toBe(0);
    expect(m.buffer).toBe(buffer);
    expect(m.generation).toBe(generation);
    m.check();
    // The other backings keep the 1 MiB default; a smaller maximum bounds it.
    expect(new LinearMemory({ backing: 'ArrayBuffer' }).byteLength).toBe(MiB);
    expect(new LinearMemory({ maxBytes: 4 * MiB }).byteLength).toBe(4 * MiB);
  });

  it('rounds initialBytes up and maxBytes down to whole pages', () => {
    const m = new LinearMemory({ backing: 'ArrayBuffer', initialBytes: 5000, maxBytes: 100_001 });
    expect(m.byteLength).toBe(2 * PAGE_SIZE);
    expect(m.maxByteLength).toBe(24 * PAGE_SIZE);
    // Growth stops exactly at the rounded maximum: 23 pages fit above the null page, 24 do not.
    expect(m.mapRegion(23 * PAGE_SIZE)).toBe(PAGE_SIZE);
    expect(m.byteLength).toBe(24 * PAGE_SIZE);
    m.check();
  });

  it('accepts the whole 32-bit space as maximum', () => {
    const m = new LinearMemory({ maxBytes: 2 ** 32, initialBytes: 65536 });
    expect(m.maxByteLength).toBe(2 ** 32);
  });

  it('rejects bad options with stable codes', () => {
    expect(codeOf(() => new LinearMemory({ maxBytes: 4096 }))).toBe('E_INVALID_ARGUMENT');
    expect(codeOf(() => new LinearMemory({ maxBytes: 2 ** 32 + 4096 }))).toBe('E_INVALID_SIZE');
    expect(codeOf(() => new LinearMemory({ maxBytes: -1 }))).toBe('E_INVALID_SIZE');
    expect(codeOf(() => new LinearMemory({ maxBytes: '1' as unknown as number }))).toBe(
      'E_NOT_A_NUMBER',
    );
    expect(codeOf(() => new LinearMemory({ initialBytes: 1.5 }))).toBe('E_INVALID_SIZE');
    expect(codeOf(() => new LinearMemory({ reservedBytes: 0 }))).toBe('E_INVALID_ARGUMENT');
    expect(codeOf(() => new LinearMemory({ backing: 'Blob' as 'ArrayBuffer' }))).toBe(
      'E_INVALID_ARGUMENT',
    );
    expect(codeOf(() => new LinearMemory({ backing: 'WebAssembly.Memory', maxBytes: 32768 }))).toBe(
      'E_INVALID_ARGUMENT',
    );
  });

  it('keeps reservedBytes (rounded to pages) out of every region', () => {
    const m = new LinearMemory({ reservedBytes: 10_000 });
    expect(m.mapRegion(1)).toBe(3 * PAGE_SIZE);
  });

  it('rejects reservedBytes that leave no page below the maximum', () => {
    // Accepted before: the top started beyond the buffer, so check() failed on a new memory.
    for (const opts of [
      { backing: 'ArrayBuffer' as const, reservedBytes: MiB, maxBytes: 8192 },
      { backing: 'ArrayBuffer' as const, reservedBytes: 8192, maxBytes: 8192 },
      { reservedBytes: 2 ** 32 - PAGE_SIZE },
      { backing: 'WebAssembly.Memory' as const, reservedBytes: MiB, maxBytes: WASM_PAGE },
    ]) {
      expect(
        codeOf(() => new LinearMemory(opts)),
        JSON.stringify(opts),
      ).toBe('E_INVALID_ARGUMENT');
    }
    const m = new LinearMemory({ backing: 'ArrayBuffer', reservedBytes: 4096, maxBytes: 8192 }); // one page left
    m.check();
    expect(m.mapRegion(1)).toBe(PAGE_SIZE);
    expect(m.mapRegion(1)).toBe(0);
    m.check();
  });

  it('grows a given WebAssembly.Memory smaller than reservedBytes to cover them', () => {
    const wasm = new WebAssembly.Memory({ initial: 1, maximum: 8 });
    const m = new LinearMemory({ wasmMemory: wasm, reservedBytes: 2 * WASM_PAGE });
    expect(m.byteLength).toBeGreaterThanOrEqual(2 * WASM_PAGE);
    m.check();
    expect(m.mapRegion(1)).toBe(2 * WASM_PAGE);
    m.check();
    const small = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    expect(
      codeOf(() => new LinearMemory({ wasmMemory: small, reservedBytes: 2 * WASM_PAGE })),
    ).toBe('E_INVALID_ARGUMENT');
  });
});

describe('LinearMemory: regions', () => {
  it('maps whole pages above the null page, in address order', () => {
    const m = new LinearMemory();
    const a = m.mapRegion(1);
    const b = m.mapRegion(PAGE_SIZE);
    const c = m.mapRegion(PAGE_SIZE + 1);
    expect([a, b, c]).toEqual([PAGE_SIZE, 2 * PAGE_SIZE, 3 * PAGE_SIZE]);
    expect([m.regionSize(a), m.regionSize(b), m.regionSize(c)]).toEqual([
      PAGE_SIZE,
      PAGE_SIZE,
      2 * PAGE_SIZE,
    ]);
    expect(m.regionSize(a + PAGE_SIZE * 10)).toBe(0);
    expect(m.mappedBytes()).toBe(4 * PAGE_SIZE);
    m.check();
  });

  it('aligns to a power of two and keeps the gap it skips for later requests', () => {
    const m = new LinearMemory();
    const a = m.mapRegion(PAGE_SIZE); // 0x1000
    const b = m.mapRegion(PAGE_SIZE, 65536);
    expect(b).toBe(65536);
    // The skipped pages 0x2000..0x10000 are a free span: first fit takes them.
    expect(m.mapRegion(PAGE_SIZE)).toBe(a + PAGE_SIZE);
    expect(m.mapRegion(13 * PAGE_SIZE)).toBe(3 * PAGE_SIZE);
    expect(m.mapRegion(PAGE_SIZE)).toBe(b + PAGE_SIZE); // the gap is full now
    // From the top, the start rounds up to the alignment.
    const big = m.mapRegion(4 * 65536, 4 * 65536);
    expect(big % (4 * 65536)).toBe(0);
    m.check();
  });

  it('serves requests first fit from the lowest free span that holds them', () => {
    const m = new LinearMemory();
    const r = [1, 2, 1, 3, 1].map((pages) => m.mapRegion(pages * PAGE_SIZE));
    m.unmapRegion(r[1], 2 * PAGE_SIZE);
    m.unmapRegion(r[3], 3 * PAGE_SIZE);
    expect(m.mapRegion(3 * PAGE_SIZE)).toBe(r[3]); // the 2-page span is too small
    expect(m.mapRegion(PAGE_SIZE)).toBe(r[1]); // lowest span first
    expect(m.mapRegion(PAGE_SIZE)).toBe(r[1] + PAGE_SIZE);
    m.check();
  });

  it('coalesces a freed region with free neighbours on both sides', () => {
    const m = new LinearMemory();
    const r = [1, 1, 1, 1].map(() => m.mapRegion(PAGE_SIZE));
    m.unmapRegion(r[0], PAGE_SIZE);
    m.unmapRegion(r[2], PAGE_SIZE);
    m.check();
    m.unmapRegion(r[1], PAGE_SIZE); // joins r[0] and r[2] into one span
    m.check();
    expect(m.mapRegion(3 * PAGE_SIZE)).toBe(r[0]);
    m.check();
  });

  it('lowers the top when the highest regions are given back, so the footprint falls', () => {
    const m = new LinearMemory();
    const a = m.mapRegion(PAGE_SIZE);
    const b = m.mapRegion(PAGE_SIZE);
    const c = m.mapRegion(2 * PAGE_SIZE);
    expect(m.peakMappedBytes()).toBe(4 * PAGE_SIZE);
    m.unmapRegion(b, PAGE_SIZE);
    m.unmapRegion(c, 2 * PAGE_SIZE);
    expect(m.mappedBytes()).toBe(PAGE_SIZE);
    expect(m.peakMappedBytes()).toBe(4 * PAGE_SIZE);
    // b's span and c merged into the top: a 5-page request starts right after a.
    expect(m.mapRegion(5 * PAGE_SIZE)).toBe(a + PAGE_SIZE);
    m.resetPeak();
    expect(m.peakMappedBytes()).toBe(6 * PAGE_SIZE);
    m.check();
  });

  it('zeroes a region on request, and only then', () => {
    const m = new LinearMemory();
    const a = m.mapRegion(PAGE_SIZE);
    m.u8.fill(0xab, a, a + PAGE_SIZE);
    m.unmapRegion(a, PAGE_SIZE);
    const b = m.mapRegion(PAGE_SIZE);
    expect(b).toBe(a);
    expect(m.u8[b]).toBe(0xab); // contents unspecified: here the old bytes
    m.unmapRegion(b, PAGE_SIZE);
    const c = m.mapRegion(PAGE_SIZE, PAGE_SIZE, true);
    expect(m.u8.subarray(c, c + PAGE_SIZE).every((x) => x === 0)).toBe(true);
  });

  it('returns 0 when the maximum is reached, and stays intact', () => {
    const m = new LinearMemory({ maxBytes: 64 * PAGE_SIZE, initialBytes: 8 * PAGE_SIZE });
    const a = m.mapRegion(60 * PAGE_SIZE);
    expect(a).toBe(PAGE_SIZE);
    expect(m.mapRegion(4 * PAGE_SIZE)).toBe(0);
    expect(m.mapRegion(PAGE_SIZE, 65536)).toBe(0); // aligned start would pass the end
    expect(m.mapRegion(3 * PAGE_SIZE)).toBe(61 * PAGE_SIZE);
    expect(m.mapRegion(2 ** 32 - PAGE_SIZE)).toBe(0);
    expect(m.byteLength).toBe(64 * PAGE_SIZE);
    m.check();
    m.unmapRegion(a, 60 * PAGE_SIZE);
    expect(m.mapRegion(60 * PAGE_SIZE)).toBe(PAGE_SIZE);
    m.check();
  });

  it('rejects bad arguments with stable codes and stays intact', () => {
    const m = new LinearMemory();
    const a = m.mapRegion(2 * PAGE_SIZE);
    const b = m.mapRegion(PAGE_SIZE);
    const rows: [() => unknown, string][] = [
      [() => m.mapRegion(0), 'E_INVALID_SIZE'],
      [() => m.mapRegion(-1), 'E_INVALID_SIZE'],
      [() => m.mapRegion(1.5), 'E_INVALID_SIZE'],
      [() => m.mapRegion(Number.NaN), 'E_INVALID_SIZE'],
      [() => m.mapRegion('4096' as unknown as number), 'E_NOT_A_NUMBER'],
      [() => m.mapRegion(PAGE_SIZE, 1000), 'E_INVALID_ARGUMENT'],
      [() => m.mapRegion(PAGE_SIZE, 2048), 'E_INVALID_ARGUMENT'],
      [() => m.mapRegion(PAGE_SIZE, 3 * PAGE_SIZE), 'E_INVALID_ARGUMENT'],
      [() => m.unmapRegion(a + PAGE_SIZE, PAGE_SIZE), 'E_NOT_ALLOCATED'],
      [() => m.unmapRegion(a, PAGE_SIZE), 'E_INVALID_SIZE'],
      [() => m.unmapRegion(a, 0), 'E_INVALID_SIZE'],
      [() => m.unmapRegion(b + 10 * PAGE_SIZE, PAGE_SIZE), 'E_FOREIGN_ADDRESS'],
      [() => m.unmapRegion(0, PAGE_SIZE), 'E_FOREIGN_ADDRESS'],
      [() => m.unmapRegion(1.5, PAGE_SIZE), 'E_INVALID_ADDRESS'],
      [() => m.unmapRegion(-4096, PAGE_SIZE), 'E_INVALID_ADDRESS'],
      [() => m.unmapRegion('x' as unknown as number, PAGE_SIZE), 'E_NOT_A_NUMBER'],
    ];
    for (const [fn, code] of rows) {
      expect(codeOf(fn), String(fn)).toBe(code);
      m.check();
    }
    expect(m.mappedBytes()).toBe(3 * PAGE_SIZE);
    // A region given back twice: inside the heap it is "not allocated".
    m.unmapRegion(a, 2 * PAGE_SIZE); // the bytes argument may be any count rounding to it
    expect(codeOf(() => m.unmapRegion(a, 2 * PAGE_SIZE))).toBe('E_NOT_ALLOCATED');
    m.unmapRegion(b, PAGE_SIZE - 100);
    expect(codeOf(() => m.unmapRegion(b, PAGE_SIZE))).toBe('E_FOREIGN_ADDRESS'); // top fell below b
    m.check();
  });

  it('check() reports a corrupted region table', () => {
    const m = new LinearMemory();
    m.mapRegion(PAGE_SIZE);
    (m as unknown as { mapped: number }).mapped += PAGE_SIZE;
    expect(codeOf(() => m.check())).toBe('E_CORRUPT_HEAP');
  });
});

describe('LinearMemory: growth and shrinking', () => {
  /** Write a pattern into a region through the current views. */
  function fill(m: Memory, addr: number, bytes: number, seed: number): void {
    for (let i = 0; i < bytes; i += 4) m.u32[(addr + i) >>> 2] = (seed * 2654435761 + i) >>> 0;
  }
  function holds(m: Memory, addr: number, bytes: number, seed: number): boolean {
    for (let i = 0; i < bytes; i += 4) {
      if (m.u32[(addr + i) >>> 2] !== (seed * 2654435761 + i) >>> 0) return false;
    }
    return true;
  }

  it('ArrayBuffer: growth replaces the views, bumps generation, calls listeners, keeps contents', () => {
    const m = new LinearMemory({ backing: 'ArrayBuffer' });
    const a = m.mapRegion(64 * 1024);
    fill(m, a, 64 * 1024, 1);
    const oldU32 = m.u32;
    const gen = m.generation;
    const seen: number[] = [];
    const off = m.onResize((mm) => seen.push(mm.byteLength));
    const b = m.mapRegion(2 * MiB); // needs more than the 1 MiB buffer
    expect(b).toBe(a + 64 * 1024);
    expect(m.byteLength).toBe(roundUp(b + 2 * MiB, PAGE_SIZE));
    expect(m.generation).toBe(gen + 1);
    expect(m.u32).not.toBe(oldU32);
    expect(m.u8.length).toBe(m.byteLength);
    expect(m.f64.length).toBe(m.byteLength / 8);
    expect(seen).toEqual([m.byteLength]);
    expect(holds(m, a, 64 * 1024, 1)).toBe(true);
    // Geometric growth: a small overflow grows by half the buffer.
    const len = m.byteLength;
    m.mapRegion(len - (b + 2 * MiB) + PAGE_SIZE);
    expect(m.byteLength).toBe(roundUp(len * 1.5, PAGE_SIZE));
    expect(seen).toEqual([len, m.byteLength]);
    off();
    m.mapRegion(4 * MiB);
    expect(seen.length).toBe(2); // unsubscribed
    m.check();
  });

  it('ArrayBuffer: shrinkToFit gives the unused tail back, keeping contents', () => {
    const m = new LinearMemory({ backing: 'ArrayBuffer' });
    const a = m.mapRegion(PAGE_SIZE);
    fill(m, a, PAGE_SIZE, 7);
    const big = m.mapRegion(8 * MiB);
    const grown = m.byteLength;
    expect(grown).toBeGreaterThan(8 * MiB);
    const gen = m.generation;
    const seen: number[] = [];
    m.onResize((mm) => seen.push(mm.byteLength));
    m.unmapRegion(big, 8 * MiB);
    // 8 MiB unused is below the automatic threshold (32 MiB): nothing is copied yet.
    expect(m.byteLength).toBe(grown);
    expect(m.generation).toBe(gen);
    // top = 2 pages, so the buffer shrinks to its floor: top + top/4 rounded to pages.
    expect(m.shrinkToFit()).toBe(3 * PAGE_SIZE);
    expect(m.byteLength).toBe(3 * PAGE_SIZE);
    expect(m.generation).toBe(gen + 1);
    expect(seen).toEqual([3 * PAGE_SIZE]);
    expect(holds(m, a, PAGE_SIZE, 7)).toBe(true);
    expect(m.mappedBytes()).toBe(PAGE_SIZE);
    m.check();
    // …and grows again on demand.
    expect(m.mapRegion(MiB)).toBe(2 * PAGE_SIZE);
    expect(holds(m, a, PAGE_SIZE, 7)).toBe(true);
  });

  it('ArrayBuffer: shrinks by itself once ¾ of the buffer and ≥ 32 MiB lie unused', () => {
    const m = new LinearMemory({ backing: 'ArrayBuffer' });
    const a = m.mapRegion(PAGE_SIZE);
    fill(m, a, PAGE_SIZE, 9);
    const big = m.mapRegion(40 * MiB);
    m.unmapRegion(big, 40 * MiB);
    expect(m.byteLength).toBe(3 * PAGE_SIZE);
    expect(holds(m, a, PAGE_SIZE, 9)).toBe(true);
    m.check();
  });

  it('ArrayBuffer: does not shrink by itself for less than 32 MiB or less than ¾ unused', () => {
    const m = new LinearMemory({ backing: 'ArrayBuffer' });
    const a = m.mapRegion(3 * MiB);
    const b = m.mapRegion(2 * MiB);
    const len = m.byteLength;
    m.unmapRegion(b, 2 * MiB); // unused ≥ 1 MiB but < half
    expect(m.byteLength).toBe(len);
    expect(a).toBe(PAGE_SIZE);
  });

  it('ResizableArrayBuffer: grows and shrinks in place; views stay valid', () => {
    const m = new LinearMemory({ backing: 'ResizableArrayBuffer', maxBytes: 64 * MiB });
    expect(m.backing).toBe('ArrayBuffer');
    const buf = m.buffer as ArrayBuffer;
    expect(buf.resizable).toBe(true);
    const a = m.mapRegion(PAGE_SIZE);
    fill(m, a, PAGE_SIZE, 3);
    const u32 = m.u32;
    const gen = m.generation;
    let calls = 0;
    m.onResize(() => calls++);
    const big = m.mapRegion(4 * MiB);
    expect(m.buffer).toBe(buf);
    expect(m.u32).toBe(u32); // length-tracking views follow the buffer
    expect(u32.length * 4).toBe(m.byteLength);
    expect(m.generation).toBe(gen);
    expect(calls).toBe(1);
    m.unmapRegion(big, 4 * MiB);
    expect(m.byteLength).toBe(3 * PAGE_SIZE);
    expect(u32.length).toBe((3 * PAGE_SIZE) / 4);
    expect(calls).toBe(2);
    expect(holds(m, a, PAGE_SIZE, 3)).toBe(true);
    m.check();
  });

  it('SharedArrayBuffer: the whole maximum up front, never resized', () => {
    const m = new LinearMemory({ backing: 'SharedArrayBuffer', maxBytes: 4 * MiB });
    expect(m.backing).toBe('SharedArrayBuffer');
    expect(m.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(m.byteLength).toBe(4 * MiB);
    const gen = m.generation;
    const a = m.mapRegion(3 * MiB);
    fill(m, a, PAGE_SIZE, 5);
    expect(m.mapRegion(MiB)).toBe(0); // 4 MiB − null page − 3 MiB < 1 MiB
    m.unmapRegion(a, 3 * MiB);
    expect(m.byteLength).toBe(4 * MiB);
    expect(m.generation).toBe(gen);
    m.check();
  });

  it('WebAssembly.Memory: grows in 64 KiB pages, replaces the views, never shrinks', () => {
    const m = new LinearMemory({
      backing: 'WebAssembly.Memory',
      initialBytes: 100_000,
      maxBytes: 10 * MiB + 100,
    });
    expect(m.backing).toBe('WebAssembly.Memory');
    expect(m.byteLength).toBe(2 * WASM_PAGE);
    expect(m.maxByteLength).toBe(10 * MiB);
    const a = m.mapRegion(PAGE_SIZE);
    fill(m, a, PAGE_SIZE, 9);
    const gen = m.generation;
    const buf = m.buffer;
    const big = m.mapRegion(MiB);
    expect(m.byteLength % WASM_PAGE).toBe(0);
    expect(m.byteLength).toBeGreaterThanOrEqual(big + MiB);
    expect(m.buffer).not.toBe(buf);
    expect(m.generation).toBe(gen + 1);
    expect(holds(m, a, PAGE_SIZE, 9)).toBe(true);
    const len = m.byteLength;
    m.unmapRegion(big, MiB);
    expect(m.byteLength).toBe(len);
    // The maximum is reached exactly, not overshot by rounding.
    expect(m.mapRegion(10 * MiB - 2 * PAGE_SIZE)).toBe(2 * PAGE_SIZE);
    expect(m.byteLength).toBe(10 * MiB);
    expect(m.mapRegion(PAGE_SIZE)).toBe(0);
    m.check();
  });

  it('WebAssembly.Memory: follows a given memory that its owner grows (the old buffer detaches)', () => {
    const wasm = new WebAssembly.Memory({ initial: 2, maximum: 16 });
    const m = new LinearMemory({ wasmMemory: wasm });
    const a = m.mapRegion(PAGE_SIZE);
    fill(m, a, PAGE_SIZE, 4);
    const gen = m.generation;
    const seen: number[] = [];
    m.onResize((mm) => seen.push(mm.byteLength));
    wasm.grow(3); // e.g. the wasm module's memory.grow: our buffer and views are detached now
    // Every accessor sees the new buffer (before: byteLength 0 and empty views).
    expect(m.byteLength).toBe(5 * WASM_PAGE);
    expect(m.buffer).toBe(wasm.buffer);
    expect(m.u8.length).toBe(5 * WASM_PAGE);
    expect(m.u32.length * 4).toBe(5 * WASM_PAGE);
    expect(m.i32.length * 4).toBe(5 * WASM_PAGE);
    expect(m.f64.length * 8).toBe(5 * WASM_PAGE);
    expect(m.generation).toBe(gen + 1);
    expect(seen).toEqual([5 * WASM_PAGE]);
    expect(holds(m, a, PAGE_SIZE, 4)).toBe(true);
    m.check();
    // Growing again through mapRegion starts from the real length, not from the detached one.
    wasm.grow(1);
    const b = m.mapRegion(6 * WASM_PAGE);
    expect(b).toBe(a + PAGE_SIZE);
    expect(m.byteLength).toBe(wasm.buffer.byteLength);
    expect(m.byteLength).toBeGreaterThanOrEqual(b + 6 * WASM_PAGE);
    expect(holds(m, a, PAGE_SIZE, 4)).toBe(true);
    expect(m.generation).toBe(gen + 3);
    m.check();
  });

  it('WebAssembly.Memory: manages a given memory and stops where it cannot grow', () => {
    const wasm = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const m = new LinearMemory({ wasmMemory: wasm });
    expect(m.backing).toBe('WebAssembly.Memory');
    expect(m.buffer).toBe(wasm.buffer);
    const a = m.mapRegion(3 * WASM_PAGE);
    expect(a).toBe(PAGE_SIZE);
    expect(wasm.buffer.byteLength).toBe(4 * WASM_PAGE);
    expect(m.buffer).toBe(wasm.buffer);
    // The engine refuses to go past the memory's own maximum: out of memory, not an exception.
    expect(m.mapRegion(WASM_PAGE)).toBe(0);
    m.check();
  });
});

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
