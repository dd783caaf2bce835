/*
 * CPython's debug hooks on the memory allocators (PYTHONMALLOC=debug; Objects/obmalloc.c
 * _PyMem_DebugRawAlloc, _PyMem_DebugRawFree, _PyMem_DebugRawRealloc, _PyMem_DebugCheckAddress;
 * spec a.12) as a wrapper over any Allocator, as CPython wraps each domain.
 *
 * Every block gets a header (size, API id, leading pad) and a trailing pad (debug-layout.ts).
 * New memory is 0xCD (calloc: 0), freed memory 0xDD. free and realloc check, in CPython's
 * order, the API id ("bad ID"), the leading pad ("bad leading pad byte") and the trailing pad
 * ("bad trailing pad byte"). Where CPython prints a dump and aborts, we throw a PyheapError and
 * leave the block and the heap untouched. Before reading a header the wrapped allocator is
 * asked whether the block is live (owns), so foreign, interior and freed addresses get the
 * wrapped allocator's own code and no byte outside a live block is ever read.
 *
 * Two wrappers with different API ids over one allocator model CPython's domains: a block
 * from the 'm' wrapper freed through the 'o' wrapper is E_API_MISMATCH.
 */
import {
  MAX_HEAP_BYTES,
  checkAddr,
  checkSize,
  fail,
  hexAddr,
  isPyheapError,
  type Addr,
  type Allocator,
  type AllocatorStats,
  type ErrorCode,
  type Memory,
} from '@pyheap/interface';
import {
  API_ID_OFF,
  CLEANBYTE,
  DEADBYTE,
  DEBUG_EXTRA_BYTES,
  DEBUG_HEADER_BYTES,
  ERASED_SIZE,
  FORBIDDENBYTE,
  SST,
  type ApiId,
} from './debug-layout.js';

export interface DebugHooksOpts {
  /** API id written into every block and checked on free/realloc. Default 'o' (OBJ domain). */
  apiId?: ApiId;
}

export class DebugHooks implements Allocator {
  readonly name: string;
  readonly memory: Memory;
  readonly alignment: number;
  readonly apiId: ApiId;
  private readonly api: number;
  /** Bytes asked for by the live blocks (what usableSize reports for each). */
  private userBytes = 0;

  constructor(
    readonly inner: Allocator,
    opts: DebugHooksOpts = {},
  ) {
    this.name = `${inner.name}+debug`;
    this.memory = inner.memory;
    // Data sits DEBUG_HEADER_BYTES after the inner block.
    this.alignment = Math.min(inner.alignment, DEBUG_HEADER_BYTES);
    this.apiId = opts.apiId ?? 'o';
    if (this.apiId !== 'o' && this.apiId !== 'm' && this.apiId !== 'r') {
      fail('E_INVALID_ARGUMENT', `apiId must be 'r', 'm' or 'o', got ${String(this.apiId)}`);
    }
    this.api = this.apiId.charCodeAt(0);
  }

  malloc(size: number): Addr {
    if (typeof size !== 'number' || size >>> 0 !== size) checkSize(size);
    const total = size + DEBUG_EXTRA_BYTES;
    if (total >= MAX_HEAP_BYTES) return 0; // CPython: NULL when the total overflows
    const q = this.inner.malloc(total);
    if (q === 0) return 0;
    const p = this.decorate(q, size);
    this.memory.u8.fill(CLEANBYTE, p, p + size);
    return p;
  }

  calloc(nelem: number, elsize: number): Addr {
    if (typeof nelem !== 'number' || nelem >>> 0 !== nelem) checkSize(nelem, 'nelem');
    if (typeof elsize !== 'number' || elsize >>> 0 !== elsize) checkSize(elsize, 'elsize');
    const size = nelem * elsize;
    if (size >= MAX_HEAP_BYTES)
      fail('E_INVALID_SIZE', `calloc: ${nelem} * ${elsize} bytes overflows the 32-bit heap`);
    const total = size + DEBUG_EXTRA_BYTES;
    if (total >= MAX_HEAP_BYTES) return 0;
    const q = this.inner.calloc(1, total);
    return q === 0 ? 0 : this.decorate(q, size);
  }

  free(p: Addr): void {
    if (p === 0) return;
    const q = this.verify('free', p);
    const size = readSize(this.memory.u8, q);
    // The whole inner block (slack included) becomes dead, then goes back.
    this.memory.u8.fill(DEADBYTE, q, q + this.inner.usableSize(q));
    this.inner.free(q);
    this.userBytes -= size;
  }

  /**
   * _PyMem_DebugRawRealloc: check, save and poison up to ERASED_SIZE bytes at each end of the
   * data (all of it when short) with the header and trailer, let the wrapped allocator
   * resize, then rewrite header and trailer and restore the saved bytes. Growth is 0xCD; a
   * block that moved was freed dead. On failure (0, or a throw) the old block is restored.
   */
  realloc(p: Addr, size: number): Addr {
    if (typeof p !== 'number' || p >>> 0 !== p) checkAddr(p);
    if (typeof size !== 'number' || size >>> 0 !== size) checkSize(size);
    if (p === 0) return this.malloc(size);
    const q = this.verify('realloc', p);
    const total = size + DEBUG_EXTRA_BYTES;
    if (total >= MAX_HEAP_BYTES) return 0;
    let u8 = this.memory.u8;
    const old = readSize(u8, q);
    const tail = p + old;
    let save: Uint8Array;
    if (old <= 2 * ERASED_SIZE) {
      save = u8.slice(p, tail);
      u8.fill(DEADBYTE, q, tail + SST);
    } else {
      save = new Uint8Array(2 * ERASED_SIZE);
      save.set(u8.subarray(p, p + ERASED_SIZE), 0);
      save.set(u8.subarray(tail - ERASED_SIZE, tail), ERASED_SIZE);
      u8.fill(DEADBYTE, q, p + ERASED_SIZE);
      u8.fill(DEADBYTE, tail - ERASED_SIZE, tail + SST);
    }
    let r = 0;
    try {
      r = this.inner.realloc(q, total);
    } finally {
      // On failure or a throw, the old block gets its decoration and data back.
      const head = r === 0 ? q : r;
      const n = r === 0 ? old : size;
      const data = this.decorate(head, n, false);
      u8 = this.memory.u8;
      if (old <= 2 * ERASED_SIZE) {
        u8.set(save.subarray(0, Math.min(n, old)), data);
      } else {
        u8.set(save.subarray(0, Math.min(n, ERASED_SIZE)), data);
        const i = old - ERASED_SIZE;
        if (n > i)
          u8.set(save.subarray(ERASED_SIZE, ERASED_SIZE + Math.min(n - i, ERASED_SIZE)), data + i);
      }
    }
    if (r === 0) return 0;
    const data = r + DEBUG_HEADER_BYTES;
    if (size > old) u8.fill(CLEANBYTE, data + old, data + size);
    this.userBytes += size - old;
    return data;
  }

  /** The size asked for: the bytes after it are the trailing pad. */
  usableSize(p: Addr): number {
    const q = this.live('usableSize', p);
    return readSize(this.memory.u8, q);
  }

  owns(p: Addr): boolean {
    if (typeof p !== 'number' || p >>> 0 !== p || p <= DEBUG_HEADER_BYTES) return false;
    const q = p - DEBUG_HEADER_BYTES;
    return this.inner.owns(q) && this.memory.u8[q + API_ID_OFF] === this.api;
  }

  trim(): number {
    return this.inner.trim();
  }

  /** The wrapped allocator's stats, with bytesInUse counting the bytes asked for. */
  stats(): AllocatorStats {
    return { ...this.inner.stats(), bytesInUse: this.userBytes };
  }

  /** Bytes asked for by the live blocks of this wrapper. */
  get bytesInUse(): number {
    return this.userBytes;
  }

  check(): void {
    this.inner.check();
  }

  // ── internals ────────────────────────────────────────────────────────────────────────

  /** Write header and trailer into inner block `q` for `size` data bytes; returns the data address. */
  private decorate(q: Addr, size: number, count = true): Addr {
    const u8 = this.memory.u8;
    u8[q] = size >>> 24;
    u8[q + 1] = (size >>> 16) & 0xff;
    u8[q + 2] = (size >>> 8) & 0xff;
    u8[q + 3] = size & 0xff;
    u8[q + API_ID_OFF] = this.api;
    u8.fill(FORBIDDENBYTE, q + API_ID_OFF + 1, q + DEBUG_HEADER_BYTES);
    const p = q + DEBUG_HEADER_BYTES;
    u8.fill(FORBIDDENBYTE, p + size, p + size + SST);
    if (count) this.userBytes += size;
    return p;
  }

  /**
   * The inner block of `p` if it is live, else the wrapped allocator's code for it (foreign,
   * interior, double free). Nothing is read from memory that is not a live block.
   */
  private live(op: string, p: Addr): Addr {
    if (typeof p !== 'number' || p >>> 0 !== p) checkAddr(p);
    if (p <= DEBUG_HEADER_BYTES)
      fail('E_FOREIGN_ADDRESS', `${op}: ${hexAddr(p)} was not allocated by this allocator`);
    const q = p - DEBUG_HEADER_BYTES;
    if (!this.inner.owns(q)) {
      let code: ErrorCode = 'E_FOREIGN_ADDRESS';
      try {
        this.inner.usableSize(q);
      } catch (e) {
        if (!isPyheapError(e)) throw e;
        code = e.code;
      }
      fail(code, `${op}: ${hexAddr(p)} ${WHY[code] ?? 'is not a live block'}`);
    }
    return q;
  }

  /** _PyMem_DebugCheckAddress: API id, leading pad, trailing pad, in CPython's order. */
  private verify(op: string, p: Addr): Addr {
    const q = this.live(op, p);
    const u8 = this.memory.u8;
    const id = u8[q + API_ID_OFF];
    if (id !== this.api) {
      fail(
        'E_API_MISMATCH',
        `${op}: bad ID: Allocated using API '${String.fromCharCode(id)}', verified using API '${this.apiId}' (block ${hexAddr(p)})`,
      );
    }
    for (let i = SST - 1; i >= 1; i--) {
      if (u8[p - i] !== FORBIDDENBYTE)
        fail('E_BUFFER_UNDERRUN', `${op}: bad leading pad byte at p-${i} (block ${hexAddr(p)})`);
    }
    const size = readSize(u8, q);
    // A size field that points past the inner block was overwritten from below.
    if (size + DEBUG_EXTRA_BYTES > this.inner.usableSize(q)) {
      fail(
        'E_BUFFER_UNDERRUN',
        `${op}: bad leading pad byte: the size field was overwritten (block ${hexAddr(p)})`,
      );
    }
    const tail = p + size;
    for (let i = 0; i < SST; i++) {
      if (u8[tail + i] !== FORBIDDENBYTE)
        fail('E_BUFFER_OVERRUN', `${op}: bad trailing pad byte at tail+${i} (block ${hexAddr(p)})`);
    }
    return q;
  }
}

const WHY: Partial<Record<ErrorCode, string>> = {
  E_DOUBLE_FREE: 'was already freed (double free)',
  E_NOT_ALLOCATED: 'is not the start of an allocated block',
  E_FOREIGN_ADDRESS: 'was not allocated by this allocator',
};

/** The big-endian size field at q. */
function readSize(u8: Uint8Array, q: number): number {
  return ((u8[q] << 24) | (u8[q + 1] << 16) | (u8[q + 2] << 8) | u8[q + 3]) >>> 0;
}
