/**
 * The kit's model must catch what it promises to catch. A fake allocator whose answers the test
 * controls (addresses, usable sizes, ownership) plays the broken allocator.
 */
import { describe, expect, it } from 'vitest';
import {
  fail,
  type Addr,
  type Allocator,
  type AllocatorStats,
  type Memory,
} from '@pyheap/interface';
import {
  CLASS_BOUNDARY_SIZES,
  HeapModel,
  LARGE_SIZES,
  PAGE_SIZES,
  codeOf,
  patternByte,
  sizeMix,
} from '@pyheap/allocator-testkit';

class FakeAllocator implements Allocator {
  readonly name = 'fake';
  readonly alignment = 8;
  readonly memory: Memory;
  readonly usable = new Map<Addr, number>();
  ownsAnswer: boolean | null = null;
  blocks = 0;
  bytes = 0;

  constructor() {
    const buffer = new ArrayBuffer(1 << 16);
    this.memory = {
      backing: 'ArrayBuffer',
      buffer,
      u8: new Uint8Array(buffer),
      u32: new Uint32Array(buffer),
      i32: new Int32Array(buffer),
      f64: new Float64Array(buffer),
      byteLength: buffer.byteLength,
      maxByteLength: buffer.byteLength,
      generation: 1,
      mapRegion: () => 0,
      unmapRegion: () => undefined,
      mappedBytes: () => 0,
      peakMappedBytes: () => 0,
      onResize: () => () => undefined,
      check: () => undefined,
    };
  }
  /** Hand out exactly the address the test names, claiming `usable` bytes. */
  give(addr: Addr, usable: number): Addr {
    this.usable.set(addr, usable);
    return addr;
  }
  malloc(): Addr {
    return 0;
  }
  calloc(): Addr {
    return 0;
  }
  realloc(): Addr {
    return 0;
  }
  free(addr: Addr): void {
    this.usable.delete(addr);
  }
  usableSize(addr: Addr): number {
    return this.usable.get(addr) ?? fail('E_NOT_ALLOCATED', 'fake');
  }
  owns(addr: Addr): boolean {
    return this.ownsAnswer ?? this.usable.has(addr);
  }
  trim(): number {
    return 0;
  }
  stats(): AllocatorStats {
    return {
      blocksInUse: this.blocks,
      bytesInUse: this.bytes,
      footprint: 1 << 16,
      peakFootprint: 1 << 16,
      sizeClasses: [],
    };
  }
  check(): void {}
}

describe('HeapModel catches contract violations', () => {
  it('accepts well-formed blocks and fills them with their pattern', () => {
    const a = new FakeAllocator();
    const m = new HeapModel(a);
    const b = m.adopt(a.give(64, 24), 20, 'malloc');
    expect(b).toMatchObject({ addr: 64, size: 20, usable: 24 });
    for (let i = 0; i < 20; i++) expect(a.memory.u8[64 + i]).toBe(patternByte(b.seed, i));
    m.adopt(a.give(88, 8), 8, 'malloc'); // touching, not overlapping
    a.blocks = 2;
    a.bytes = 32;
    m.checkAll();
  });

  it.each([
    ['a null address', 0, 16, 16, /returned 0/],
    ['a misaligned address', 68, 16, 16, /not 8-aligned/],
    ['a usable size below the request', 64, 16, 24, /usableSize\(64\) = 16 < 24/],
    ['a block past the memory', 65528, 16, 16, /beyond the memory/],
  ])('rejects %s', (_what, addr, usable, size, message) => {
    const a = new FakeAllocator();
    const m = new HeapModel(a);
    expect(() => m.adopt(a.give(addr, usable), size, 'malloc')).toThrow(message);
  });

  it('rejects overlapping blocks, zero-size ones included', () => {
    const a = new FakeAllocator();
    const m = new HeapModel(a);
    m.adopt(a.give(64, 32), 32, 'malloc');
    expect(() => m.adopt(a.give(88, 16), 16, 'malloc')).toThrow(/overlaps live block 64/);
    m.adopt(a.give(200, 0), 0, 'malloc');
    expect(() => m.adopt(a.give(200, 0), 0, 'malloc')).toThrow(/overlaps live block 200/);
  });

  it('rejects a block the allocator does not own', () => {
    const a = new FakeAllocator();
    a.ownsAnswer = false;
    expect(() => new HeapModel(a).adopt(a.give(64, 16), 16, 'malloc')).toThrow(
      /owns\(64\) is false/,
    );
  });

  it('notices a changed byte anywhere in a block, and at the ends in the spot check', () => {
    const a = new FakeAllocator();
    const m = new HeapModel(a);
    const b = m.adopt(a.give(1024, 1000), 1000, 'malloc');
    a.memory.u8[1024 + 500] ^= 1;
    expect(() => m.verify(b)).toThrow(/changed at byte 500/);
    m.spotCheck(); // the middle is not spot-checked
    a.memory.u8[1024 + 999] ^= 1;
    expect(() => m.spotCheck()).toThrow(/changed at byte 999/);
  });

  it('compares stats with the live blocks', () => {
    const a = new FakeAllocator();
    const m = new HeapModel(a);
    m.adopt(a.give(64, 16), 10, 'malloc');
    a.blocks = 1;
    a.bytes = 10; // requested, not usable
    expect(() => m.checkStats()).toThrow(/bytesInUse = 10, live usable 16/);
    a.bytes = 16;
    a.blocks = 2;
    expect(() => m.checkStats()).toThrow(/blocksInUse = 2, 1 blocks live/);
  });
});

describe('kit helpers', () => {
  it('codeOf names the code thrown, or says there was none', () => {
    expect(codeOf(() => fail('E_DOUBLE_FREE', 'x'))).toBe('E_DOUBLE_FREE');
    expect(codeOf(() => 1)).toBe('no error');
    expect(codeOf(() => JSON.parse('{'))).toMatch(/^non-pyheap error/);
  });

  it('sizeMix is deterministic and draws from every part of the mix', () => {
    const s = sizeMix(2000);
    expect(sizeMix(2000)).toEqual(s);
    expect(sizeMix(2000, 1)).not.toEqual(s);
    expect(s).toContain(0);
    expect(s.some((n) => n >= 1 && n <= 16)).toBe(true);
    expect(s.some((n) => CLASS_BOUNDARY_SIZES.includes(n))).toBe(true);
    expect(s.some((n) => n > 512 && n < 4095)).toBe(true);
    expect(s.some((n) => PAGE_SIZES.includes(n))).toBe(true);
    expect(s.some((n) => LARGE_SIZES.includes(n))).toBe(true);
    expect(CLASS_BOUNDARY_SIZES).toContain(511);
    expect(CLASS_BOUNDARY_SIZES).toContain(513);
  });
});
