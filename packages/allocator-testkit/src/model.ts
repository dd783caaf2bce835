/**
 * The model the conformance kit checks an allocator against: the set of live blocks with the
 * size asked for, the usable size reported, and a per-block byte pattern written into every
 * block, so that any block the allocator lets another block (or its own metadata) overwrite is
 * caught the next time it is looked at.
 */
import type { Addr, Allocator } from '@pyheap/interface';

export interface LiveBlock {
  readonly addr: Addr;
  /** Bytes asked for. */
  readonly size: number;
  /** Bytes the allocator says are usable (≥ size). */
  readonly usable: number;
  /** Seed of the byte pattern filling the first `size` bytes. */
  readonly seed: number;
}

/** Byte `i` of the pattern of `seed`: varies with i and with the block, never constant. */
export function patternByte(seed: number, i: number): number {
  return (seed + i * 13 + (i >>> 8)) & 0xff;
}

export class HeapModel {
  readonly live: LiveBlock[] = [];
  private seeds = 0;

  constructor(readonly allocator: Allocator) {}

  /**
   * Check a block just returned for `size` bytes against the contract (non-null, aligned,
   * usable ≥ size, owned, inside the memory, overlapping no live block), fill it with a fresh
   * pattern and record it. Throws an Error naming the broken rule.
   */
  adopt(addr: Addr, size: number, what: string): LiveBlock {
    const a = this.allocator;
    if (addr === 0) throw new Error(`${what}(${size}) returned 0 with memory to spare`);
    if (addr % a.alignment !== 0)
      throw new Error(`${what}(${size}) = ${addr} not ${a.alignment}-aligned`);
    const usable = a.usableSize(addr);
    if (!(usable >= size)) throw new Error(`usableSize(${addr}) = ${usable} < ${size} asked`);
    if (!a.owns(addr)) throw new Error(`owns(${addr}) is false for a live block`);
    if (addr + usable > a.memory.byteLength)
      throw new Error(`block ${addr}+${usable} beyond the memory`);
    const end = addr + Math.max(usable, 1);
    for (const b of this.live) {
      if (addr < b.addr + Math.max(b.usable, 1) && b.addr < end) {
        throw new Error(`block ${addr}+${usable} overlaps live block ${b.addr}+${b.usable}`);
      }
    }
    const block: LiveBlock = { addr, size, usable, seed: (++this.seeds * 101) & 0xff };
    this.fill(block);
    this.live.push(block);
    return block;
  }

  /** Forget a block (after it was freed or moved). */
  drop(block: LiveBlock): void {
    const i = this.live.indexOf(block);
    if (i < 0) throw new Error('kit bug: dropping a block the model does not hold');
    this.live.splice(i, 1);
  }

  fill(block: LiveBlock): void {
    const u8 = this.allocator.memory.u8;
    for (let i = 0; i < block.size; i++) u8[block.addr + i] = patternByte(block.seed, i);
  }

  /** Verify the pattern of `block`, read at `at` (a moved block), over its first `n` bytes. */
  verify(block: LiveBlock, n = block.size, at = block.addr): void {
    const u8 = this.allocator.memory.u8;
    for (let i = 0; i < n; i++) {
      if (u8[at + i] !== patternByte(block.seed, i)) {
        throw new Error(
          `contents of block ${block.addr} (${block.size} bytes${at === block.addr ? '' : `, now at ${at}`}) ` +
            `changed at byte ${i}: ${u8[at + i]} != ${patternByte(block.seed, i)}`,
        );
      }
    }
  }

  /** Cheap sweep of every live block: the first and last 16 bytes of each. */
  spotCheck(): void {
    const u8 = this.allocator.memory.u8;
    for (const b of this.live) {
      const n = b.size;
      for (let i = 0; i < n; i = i === 15 && n > 32 ? n - 16 : i + 1) {
        if (u8[b.addr + i] !== patternByte(b.seed, i)) {
          throw new Error(
            `contents of live block ${b.addr} (${b.size} bytes) changed at byte ${i}`,
          );
        }
      }
    }
  }

  /** The allocator's counters agree with the model. */
  checkStats(): void {
    const s = this.allocator.stats();
    let usable = 0;
    for (const b of this.live) usable += b.usable;
    if (s.blocksInUse !== this.live.length) {
      throw new Error(`stats().blocksInUse = ${s.blocksInUse}, ${this.live.length} blocks live`);
    }
    if (s.bytesInUse !== usable)
      throw new Error(`stats().bytesInUse = ${s.bytesInUse}, live usable ${usable}`);
    if (s.footprint < s.bytesInUse)
      throw new Error(`footprint ${s.footprint} < bytesInUse ${s.bytesInUse}`);
    if (s.peakFootprint < s.footprint)
      throw new Error(`peakFootprint ${s.peakFootprint} < footprint`);
  }

  /** allocator.check(), memory.check(), counters, and the spot sweep. */
  checkAll(): void {
    this.allocator.check();
    this.allocator.memory.check();
    this.checkStats();
    this.spotCheck();
  }
}

/** The code of the error `fn` throws, or 'no error'. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? code : `non-pyheap error: ${String(e)}`;
  }
  return 'no error';
}
