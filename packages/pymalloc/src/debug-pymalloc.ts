/*
 * pymalloc under PYTHONMALLOC=debug: CPython's debug hooks (debug-hooks.ts, spec a.12) wrapped
 * around pymalloc's OBJ entry points, plus one check CPython does not make: use after free.
 *
 * In debug mode pymalloc keeps every byte of its arenas that is not in a live block at 0xDD:
 * new arenas are filled, a pool re-initialised for another class is refilled, the hooks fill a
 * freed block whole, and a block that realloc moves away from is refilled. Only a free block's
 * first word (its free-list link) differs. So when pymalloc hands a block out again, any other
 * byte that is not 0xDD was written after the block was freed: E_USE_AFTER_FREE. The block is
 * refilled and put back on its free list before the throw, so the heap stays intact and the
 * next allocation succeeds.
 */
import { fail, hexAddr, type Addr, type Allocator } from '@pyheap/interface';
import { DebugHooks } from './debug-hooks.js';
import { DEADBYTE } from './debug-layout.js';
import { ALIGNMENT } from './layout.js';
import type { PymallocOpts } from './pymalloc-opts.js';
import { Pymalloc } from './pymalloc.js';
import type { PymallocStats } from './stats.js';

/** Bytes of a free block pymalloc itself writes: the free-list link. */
const LINK_BYTES = 4;

export class DebugPymalloc extends Pymalloc {
  override readonly name: string = 'pymalloc+debug';
  /** The hooks (API id 'o') over pymalloc's release entry points. */
  readonly hooks: DebugHooks;

  constructor(opts: PymallocOpts = {}) {
    super({ ...opts, debug: true });
    // The wrapped allocator: pymalloc's own entry points, without the hooks.
    const base: Allocator = {
      name: 'pymalloc',
      memory: this.memory,
      alignment: ALIGNMENT,
      malloc: (n) => super.malloc(n),
      calloc: (nelem, elsize) => super.calloc(nelem, elsize),
      realloc: (p, n) => super.realloc(p, n),
      free: (p) => super.free(p),
      usableSize: (p) => super.usableSize(p),
      owns: (p) => super.owns(p),
      trim: () => super.trim(),
      stats: () => super.stats(),
      check: () => super.check(),
    };
    this.hooks = new DebugHooks(base, { apiId: 'o' });
  }

  override malloc(size: number): Addr {
    return this.hooks.malloc(size);
  }
  override calloc(nelem: number, elsize: number): Addr {
    return this.hooks.calloc(nelem, elsize);
  }
  override realloc(p: Addr, size: number): Addr {
    return this.hooks.realloc(p, size);
  }
  override free(p: Addr): void {
    this.hooks.free(p);
  }
  /** The size asked for (the trailing pad follows it). */
  override usableSize(p: Addr): number {
    return this.hooks.usableSize(p);
  }
  override owns(p: Addr): boolean {
    return this.hooks.owns(p);
  }
  /** pymalloc's stats (blocks as pymalloc holds them, 12 bytes bigger), bytesInUse as asked. */
  override stats(): PymallocStats {
    return { ...super.stats(), bytesInUse: this.hooks.bytesInUse };
  }

  /** Every block pymalloc hands out (malloc, calloc, realloc) is checked here first. */
  protected override pymallocAlloc(nbytes: number): Addr {
    const bp = super.pymallocAlloc(nbytes);
    if (bp !== 0) this.verifyDead(bp);
    return bp;
  }

  private verifyDead(bp: Addr): void {
    const u8 = this.memory.u8;
    const end = bp + this.blockSize(bp);
    for (let i = bp + LINK_BYTES; i < end; i++) {
      if (u8[i] !== DEADBYTE) {
        const was = u8[i];
        u8.fill(DEADBYTE, bp + LINK_BYTES, end);
        this.pymallocFree(bp);
        fail(
          'E_USE_AFTER_FREE',
          `malloc: block ${hexAddr(bp)} was written after it was freed ` +
            `(byte +${i - bp} is 0x${was.toString(16)}, not 0xdd)`,
        );
      }
    }
  }
}
