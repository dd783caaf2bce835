/**
 * LinearMemory — the private heap every pyheap allocator lives in, and the page-region
 * manager that plays the operating system's part (mmap/munmap of CPython's arenas,
 * `_PyObject_ArenaMmap` in Objects/obmalloc.c).
 *
 *   0        reservedBytes                       top                         byteLength
 *   ├──────────┼──────┬────────┬──────┬───────────┼─────────────────────────────┤
 *   │ null page│region│  free  │region│  region   │ grown but never mapped      │
 *   └──────────┴──────┴────────┴──────┴───────────┴─────────────────────────────┘
 *
 * Regions are whole pages. A request is served first-fit from the lowest free span that can
 * hold it at the asked alignment, else from `top`, growing the buffer when `top` would pass
 * its end. Freed regions coalesce with free neighbours; a free span that reaches `top`
 * lowers it, so memory given back at the top leaves the footprint at once; the buffer itself
 * shrinks when enough of it lies unused above `top` (see shrinkOwed), or on `shrinkToFit()`.
 *
 * Backings (docs/decisions/0002-linear-memory-backing.md): a plain ArrayBuffer grown by copying
 * into a larger one (the default: its typed-array views are the fastest on Node 20), a
 * resizable ArrayBuffer grown in place, a fixed SharedArrayBuffer, or a WebAssembly.Memory.
 */
import {
  MAX_HEAP_BYTES,
  PAGE_SIZE,
  checkAddr,
  checkSize,
  fail,
  hexAddr,
  type Addr,
  type Memory,
  type MemoryBacking,
} from '@pyheap/interface';
import { FreeSpans } from './internal/free-spans.js';

export interface LinearMemoryOpts {
  /**
   * What backs the memory. Default 'WebAssembly.Memory' (where the engine has WebAssembly,
   * else 'ArrayBuffer'): fast views, grows in place in 64 KiB pages, never shrinks — memory
   * given back leaves the footprint and is reused, but stays with the engine. 'ArrayBuffer'
   * grows by copying into a larger buffer and can shrink (shrinkToFit); 'ResizableArrayBuffer'
   * grows in place (views are ~2.5× slower on Node 20); 'SharedArrayBuffer' is allocated at
   * `maxBytes` up front and never grows.
   */
  backing?: MemoryBacking | 'ResizableArrayBuffer';
  /**
   * Bytes at creation (rounded up to pages; 64 KiB ones for WebAssembly). Default 1 MiB, and
   * WASM_DEFAULT_INITIAL_BYTES (64 MiB) for a WebAssembly.Memory we create: its pages cost no
   * physical memory until touched, and every growth detaches the old buffer, which slows
   * typed-array access in the whole process from then on (docs/decisions/0002).
   */
  initialBytes?: number;
  /** Largest size the memory may reach, rounded down to whole pages. Default 2 GiB; 8 KiB … 4 GiB. */
  maxBytes?: number;
  /**
   * An existing WebAssembly.Memory to manage (backing 'WebAssembly.Memory' implied). Its owner
   * may grow it too: the views follow (generation bumps, listeners are called).
   */
  wasmMemory?: WebAssembly.Memory;
  /**
   * Low bytes never handed out, so that address 0 stays null. Default one page; at least one
   * page must remain below the maximum (E_INVALID_ARGUMENT otherwise).
   */
  reservedBytes?: number;
}

const WASM_PAGE = 65536;
/**
 * A WebAssembly.Memory where the engine has one: views as fast as a plain ArrayBuffer's and
 * growth in place, with no copy of the heap (docs/decisions/0002-linear-memory-backing.md).
 */
const DEFAULT_BACKING: MemoryBacking | 'ResizableArrayBuffer' =
  typeof WebAssembly === 'object' && typeof WebAssembly.Memory === 'function'
    ? 'WebAssembly.Memory'
    : 'ArrayBuffer';
/**
 * Default size of a WebAssembly.Memory we create. Growing one detaches its previous
 * ArrayBuffer, and the first detach in a process makes V8 check every later typed-array access
 * for detachment (measured here: a typed-array loop 49 → 81 ms after one `memory.grow`, and the
 * G2 collection 85 → 72 ms when the heap never grows). Address space made accessible up front
 * costs nothing until touched (RSS unchanged; ~0.4 ms to create against ~0.25 ms for 1 MiB),
 * so a heap of up to 64 MiB never grows and never detaches.
 */
export const WASM_DEFAULT_INITIAL_BYTES = 64 << 20;
/** An automatic shrink needs at least this much unused above the top (and ¾ of the buffer). */
export const AUTO_SHRINK_MIN_BYTES = 32 << 20;

export class LinearMemory implements Memory {
  readonly backing: MemoryBacking;
  readonly maxByteLength: number;
  private readonly resizable: boolean;
  private readonly wasm: WebAssembly.Memory | null;
  private _buffer: ArrayBufferLike;
  private _u8!: Uint8Array;
  private _u32!: Uint32Array;
  private _i32!: Int32Array;
  private _f64!: Float64Array;
  private _generation = 0;
  private readonly reserved: number;
  /** First byte above every mapped or free span: the "program break". */
  private top: number;
  /** Free spans below `top`, sorted by address, coalesced: start and length in bytes. */
  private readonly free = new FreeSpans();
  /** Live regions: start → bytes. */
  private readonly regions = new Map<number, number>();
  private mapped = 0;
  private peakMapped = 0;
  private readonly listeners = new Set<(m: Memory) => void>();

  constructor(opts: LinearMemoryOpts = {}) {
    const backing = opts.wasmMemory ? 'WebAssembly.Memory' : (opts.backing ?? DEFAULT_BACKING);
    // The whole 32-bit space (2^32 itself) is allowed although it is not a valid size; the
    // maximum is rounded down to whole pages so that every length the buffer takes is one.
    const maxAsked =
      opts.maxBytes === undefined
        ? 2 ** 31
        : opts.maxBytes === MAX_HEAP_BYTES
          ? MAX_HEAP_BYTES
          : checkSize(opts.maxBytes, 'maxBytes');
    const maxBytes = Math.floor(maxAsked / PAGE_SIZE) * PAGE_SIZE;
    if (maxBytes < 2 * PAGE_SIZE) {
      fail('E_INVALID_ARGUMENT', `maxBytes must be in ${2 * PAGE_SIZE}..2^32, got ${maxAsked}`);
    }
    this.reserved = roundUp(
      opts.reservedBytes === undefined ? PAGE_SIZE : checkSize(opts.reservedBytes, 'reservedBytes'),
      PAGE_SIZE,
    );
    if (this.reserved === 0) fail('E_INVALID_ARGUMENT', 'reservedBytes must keep address 0 null');
    const initial = Math.min(
      maxBytes,
      Math.max(
        roundUp(
          opts.initialBytes !== undefined
            ? checkSize(opts.initialBytes, 'initialBytes')
            : backing === 'WebAssembly.Memory'
              ? WASM_DEFAULT_INITIAL_BYTES
              : 1 << 20,
          PAGE_SIZE,
        ),
        this.reserved + PAGE_SIZE,
      ),
    );
    this.top = this.reserved;
    this.resizable = backing === 'ResizableArrayBuffer';
    this.wasm = null;
    switch (backing) {
      case 'ArrayBuffer':
        this.backing = 'ArrayBuffer';
        this.maxByteLength = maxBytes;
        this._buffer = new ArrayBuffer(initial);
        break;
      case 'ResizableArrayBuffer':
        this.backing = 'ArrayBuffer';
        this.maxByteLength = maxBytes;
        this._buffer = new ArrayBuffer(initial, { maxByteLength: maxBytes });
        break;
      case 'SharedArrayBuffer':
        // A growable SharedArrayBuffer's views are ~28× slower on Node 20: take it whole.
        this.backing = 'SharedArrayBuffer';
        this.maxByteLength = maxBytes;
        this._buffer = new SharedArrayBuffer(maxBytes);
        break;
      case 'WebAssembly.Memory': {
        this.backing = 'WebAssembly.Memory';
        // A WebAssembly.Memory grows in whole 64 KiB pages: its maximum is the last whole one.
        const maxPages = Math.floor(maxBytes / WASM_PAGE);
        if (maxPages === 0) {
          fail(
            'E_INVALID_ARGUMENT',
            `maxBytes must be at least ${WASM_PAGE} for a WebAssembly.Memory`,
          );
        }
        const mem =
          opts.wasmMemory ??
          new WebAssembly.Memory({
            initial: Math.min(Math.ceil(initial / WASM_PAGE), maxPages),
            maximum: maxPages,
          });
        this.wasm = mem;
        this.maxByteLength = maxPages * WASM_PAGE;
        this._buffer = mem.buffer;
        break;
      }
      default:
        fail('E_INVALID_ARGUMENT', `unknown backing ${String(backing)}`);
    }
    // The reserved pages must leave room for at least one region, and the buffer must cover
    // them (a given WebAssembly.Memory may be smaller: grow it).
    if (this.reserved + PAGE_SIZE > this.maxByteLength) {
      fail(
        'E_INVALID_ARGUMENT',
        `reservedBytes ${this.reserved} leave no page below the maximum ${this.maxByteLength}`,
      );
    }
    this.refreshViews();
    if (this._buffer.byteLength < this.reserved && !this.grow(this.reserved)) {
      fail('E_INVALID_ARGUMENT', `the memory cannot grow to cover reservedBytes ${this.reserved}`);
    }
  }

  // Every accessor first follows a managed WebAssembly.Memory that its owner grew, which
  // detached the buffer we hold (followWasm); for the other backings that costs one comparison.
  get buffer(): ArrayBufferLike {
    if (this.wasm !== null && this._buffer.byteLength === 0) this.followWasm();
    return this._buffer;
  }
  get u8(): Uint8Array {
    if (this.wasm !== null && this._buffer.byteLength === 0) this.followWasm();
    return this._u8;
  }
  get u32(): Uint32Array {
    if (this.wasm !== null && this._buffer.byteLength === 0) this.followWasm();
    return this._u32;
  }
  get i32(): Int32Array {
    if (this.wasm !== null && this._buffer.byteLength === 0) this.followWasm();
    return this._i32;
  }
  get f64(): Float64Array {
    if (this.wasm !== null && this._buffer.byteLength === 0) this.followWasm();
    return this._f64;
  }
  get byteLength(): number {
    if (this.wasm !== null && this._buffer.byteLength === 0) this.followWasm();
    return this._buffer.byteLength;
  }
  get generation(): number {
    if (this.wasm !== null && this._buffer.byteLength === 0) this.followWasm();
    return this._generation;
  }

  mapRegion(bytes: number, align: number = PAGE_SIZE, zero = false): Addr {
    checkSize(bytes, 'bytes');
    checkSize(align, 'align');
    if (bytes === 0) fail('E_INVALID_SIZE', 'a region needs at least one byte');
    if (align < PAGE_SIZE || (align & (align - 1)) !== 0) {
      fail('E_INVALID_ARGUMENT', `align must be a power of two ≥ ${PAGE_SIZE}, got ${align}`);
    }
    if (this.wasm !== null && this._buffer.byteLength === 0) this.followWasm();
    const size = roundUp(bytes, PAGE_SIZE);
    let addr = this.free.take(size, align);
    if (addr === 0) {
      const start = roundUp(this.top, align);
      const end = start + size;
      if (end > this.maxByteLength) return 0;
      if (end > this._buffer.byteLength && !this.grow(end)) return 0;
      if (start > this.top) this.free.add(this.top, start - this.top);
      this.top = end;
      addr = start;
    }
    this.regions.set(addr, size);
    this.mapped += size;
    if (this.mapped > this.peakMapped) this.peakMapped = this.mapped;
    if (zero) this._u8.fill(0, addr, addr + size);
    return addr;
  }

  unmapRegion(addr: Addr, bytes: number): void {
    checkAddr(addr);
    checkSize(bytes, 'bytes');
    const size = this.regions.get(addr);
    if (size === undefined) {
      fail(
        addr >= this.reserved && addr < this.top ? 'E_NOT_ALLOCATED' : 'E_FOREIGN_ADDRESS',
        `unmapRegion: no region starts at ${hexAddr(addr)}`,
      );
    }
    if (roundUp(bytes, PAGE_SIZE) !== size) {
      fail(
        'E_INVALID_SIZE',
        `unmapRegion: region at ${hexAddr(addr)} has ${size} bytes, not ${bytes}`,
      );
    }
    this.regions.delete(addr);
    this.mapped -= size;
    this.free.add(addr, size);
    this.lowerTop();
  }

  /**
   * Give the unused tail of the buffer back to the engine, keeping a quarter of the mapped
   * part as headroom (ArrayBuffer backings; a WebAssembly.Memory or SharedArrayBuffer cannot
   * shrink). Returns the new byte length.
   */
  shrinkToFit(): number {
    if (this.wasm !== null && this._buffer.byteLength === 0) this.followWasm();
    if (this.backing === 'ArrayBuffer') {
      const target = roundUp(
        Math.max(this.top + (this.top >>> 2), this.reserved + PAGE_SIZE),
        PAGE_SIZE,
      );
      if (target < this._buffer.byteLength) this.resizeTo(target);
    }
    return this._buffer.byteLength;
  }

  /** Size of the live region at `addr`, or 0 when no region starts there. */
  regionSize(addr: Addr): number {
    return this.regions.get(addr) ?? 0;
  }

  mappedBytes(): number {
    return this.mapped;
  }
  peakMappedBytes(): number {
    return this.peakMapped;
  }
  /** Start a new peak measurement from the current mapped bytes. */
  resetPeak(): void {
    this.peakMapped = this.mapped;
  }

  onResize(listener: (memory: Memory) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  check(): void {
    if (this.wasm !== null && this._buffer.byteLength === 0) this.followWasm();
    let prevEnd = this.reserved;
    const { starts, lens } = this.free;
    for (let i = 0; i < starts.length; i++) {
      const s = starts[i]!;
      const n = lens[i]!;
      if (s % PAGE_SIZE !== 0 || n <= 0 || n % PAGE_SIZE !== 0) corrupt(`free span ${i} malformed`);
      if (s < prevEnd || (i > 0 && s === prevEnd))
        corrupt(`free span ${i} overlaps or is not coalesced`);
      prevEnd = s + n;
    }
    if (prevEnd > this.top) corrupt('free span above top');
    if (starts.length > 0 && prevEnd === this.top) corrupt('free span touches top');
    let total = 0;
    for (const [s, n] of this.regions) {
      if (s < this.reserved || s + n > this.top)
        corrupt(`region ${hexAddr(s)} outside the mapped range`);
      if (this.free.covers(s)) corrupt(`region ${hexAddr(s)} overlaps a free span`);
      total += n;
    }
    if (total !== this.mapped) corrupt(`mapped ${this.mapped} != sum of regions ${total}`);
    let freeTotal = 0;
    for (const n of lens) freeTotal += n;
    if (total + freeTotal !== this.top - this.reserved)
      corrupt('regions and free spans do not tile the heap');
    if (this.top > this._buffer.byteLength) corrupt('top beyond the buffer');
  }

  // ── internals ──────────────────────────────────────────────────────────────────────

  /** A free span that reaches `top` is no longer part of the heap: lower `top`, maybe shrink. */
  private lowerTop(): void {
    const top = this.free.popEndingAt(this.top);
    if (top === this.top) return;
    this.top = top;
    // Hysteresis: copying the whole buffer to shrink it costs O(heap), so an automatic shrink
    // waits until most of a large buffer is unused (a table freed and allocated again must not
    // copy the heap each time); shrinkToFit() does it on request.
    const len = this._buffer.byteLength;
    const unused = len - this.top;
    if (this.backing === 'ArrayBuffer' && shrinkOwed(len, unused, this.resizable)) {
      this.shrinkToFit();
    }
  }

  /**
   * Grow so that at least `needed` bytes exist: geometrically (×1.5), capped at the maximum;
   * if the engine refuses that much, try again with just what is needed.
   */
  private grow(needed: number): boolean {
    const len = this._buffer.byteLength;
    const unit = this.wasm ? WASM_PAGE : PAGE_SIZE;
    const exact = Math.min(roundUp(needed, unit), this.maxByteLength);
    if (exact < needed) return false;
    const target = Math.min(roundUp(Math.max(needed, len + (len >>> 1)), unit), this.maxByteLength);
    return this.tryResize(target, needed) || (target > exact && this.tryResize(exact, needed));
  }

  private tryResize(target: number, needed: number): boolean {
    try {
      this.resizeTo(target);
    } catch {
      // The engine refused the allocation: behave as out of memory (null address).
      return false;
    }
    return this._buffer.byteLength >= needed;
  }

  private resizeTo(target: number): void {
    if (this.wasm) {
      const len = this._buffer.byteLength;
      if (target <= len) return; // a WebAssembly.Memory never shrinks
      this.wasm.grow(Math.ceil((target - len) / WASM_PAGE));
      this._buffer = this.wasm.buffer;
    } else if (this.backing === 'SharedArrayBuffer') {
      return; // fixed at its maximum from the start
    } else if (this.resizable) {
      (this._buffer as ArrayBuffer).resize(target);
      this.notify();
      return; // length-tracking views follow the buffer
    } else {
      const next = new ArrayBuffer(target);
      new Uint8Array(next).set(
        new Uint8Array(this._buffer as ArrayBuffer, 0, Math.min(target, this.top)),
      );
      this._buffer = next;
    }
    this.refreshViews();
    this.notify();
  }

  /**
   * A managed WebAssembly.Memory can be grown by its owner too (a wasm module's memory.grow, or
   * `wasmMemory.grow()` from JS). That detaches the buffer we hold (its byteLength reads 0), and
   * with it every view: adopt the memory's new buffer, refresh the views (bumping `generation`)
   * and tell the listeners, as after our own growth.
   */
  private followWasm(): void {
    const b = this.wasm!.buffer;
    if (b === this._buffer) return;
    this._buffer = b;
    this.refreshViews();
    this.notify();
  }

  private refreshViews(): void {
    const b = this._buffer;
    this._u8 = new Uint8Array(b);
    this._u32 = new Uint32Array(b);
    this._i32 = new Int32Array(b);
    this._f64 = new Float64Array(b);
    this._generation++;
  }

  private notify(): void {
    for (const l of this.listeners) l(this);
  }
}

/**
 * Whether an ArrayBuffer backing with `unused` bytes above the top should shrink by itself.
 * A resizable buffer shrinks in place (no copy): as soon as half of it and ≥ 1 MiB is unused.
 * A plain one must be copied: only when ¾ of it and ≥ AUTO_SHRINK_MIN_BYTES are unused.
 */
export function shrinkOwed(len: number, unused: number, inPlace: boolean): boolean {
  return inPlace
    ? unused >= 1 << 20 && unused * 2 >= len
    : unused >= AUTO_SHRINK_MIN_BYTES && unused * 4 >= len * 3;
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function corrupt(what: string): never {
  fail('E_CORRUPT_HEAP', `LinearMemory: ${what}`);
}
