/**
 * str and bytes (Objects/unicodeobject.c, Objects/bytesobject.c): immutable byte strings
 * stored inside the object (one block, layout.ts), with a lazily cached hash.
 *
 * str holds UTF-8. A JS string converts with one pass that counts UTF-8 bytes and code points
 * and detects pure ASCII, then one allocation and an encode straight into the heap. Lone
 * surrogates (which UTF-8 cannot carry) become U+FFFD, as TextEncoder does. Like CPython the
 * empty string, the empty bytes and every one-character Latin-1 string are immortal
 * singletons, so creating them never allocates.
 */
import { OB_SIZE_IDX as OB_SIZE_IDX_, fail, type Addr } from '@pyheap/interface';
import { KIND_BYTES as KIND_BYTES_, KIND_STR as KIND_STR_, type Core } from './internal/core.js';
import {
  STR_ASCII as STR_ASCII_,
  STR_DATA_OFF as STR_DATA_OFF_,
  STR_INTERNED as STR_INTERNED_,
  STR_LENGTH_IDX as STR_LENGTH_IDX_,
  STR_STATE_IDX as STR_STATE_IDX_,
} from './layout.js';

// Module-local copies of the constants the loops read: V8 reloads (and hole-checks) an
// imported binding at every use, a module constant it does not (docs/decisions/0006).
const OB_SIZE_IDX = OB_SIZE_IDX_;
const KIND_BYTES = KIND_BYTES_;
const KIND_STR = KIND_STR_;
const STR_ASCII = STR_ASCII_;
const STR_DATA_OFF = STR_DATA_OFF_;
const STR_INTERNED = STR_INTERNED_;
const STR_LENGTH_IDX = STR_LENGTH_IDX_;
const STR_STATE_IDX = STR_STATE_IDX_;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** Longest ASCII string decoded with String.fromCharCode instead of TextDecoder. */
const SHORT_ASCII = 32;

/** str objects: rt.str. */
export class StrApi {
  constructor(private readonly core: Core) {}

  /**
   * NEW reference to a str holding `s`. Returns 0 when out of memory. The empty string and
   * one-character Latin-1 strings are immortal singletons. E_TYPE_ERROR if `s` is no string.
   */
  new(s: string): Addr {
    if (typeof s !== 'string') fail('E_TYPE_ERROR', `str.new: expected a string, got ${typeof s}`);
    const n = s.length;
    if (n === 0) return this.core.emptyStr;
    if (n === 1) {
      const c = s.charCodeAt(0);
      if (c < 256) return this.core.latin1[c];
    }
    return this.make(s);
  }

  /** @internal A new str without the singleton caches (used to create the singletons). */
  make(s: string): Addr {
    const n = s.length;
    // One pass: UTF-8 bytes, code points, ASCII-ness.
    let bytes = 0;
    let cps = 0;
    for (let k = 0; k < n; k++) {
      const c = s.charCodeAt(k);
      cps++;
      if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if (c >= 0xd800 && c <= 0xdbff && k + 1 < n) {
        const d = s.charCodeAt(k + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          bytes += 4;
          k++;
        } else bytes += 3;
      } else bytes += 3;
    }
    return this.fromUtf8(s, bytes, cps, bytes === n);
  }

  /** Allocate and fill a str of `bytes` UTF-8 bytes; 0 when out of memory. */
  private fromUtf8(s: string, bytes: number, cps: number, ascii: boolean): Addr {
    const core = this.core;
    const obj = core.heap.alloc(core.tStr, bytes);
    if (obj === 0) return 0;
    const u32 = core.heap.u32;
    const i = obj >>> 2;
    u32[i + STR_LENGTH_IDX] = cps;
    const u8 = core.u8;
    const p = obj + STR_DATA_OFF;
    if (ascii) {
      u32[i + STR_STATE_IDX] = STR_ASCII;
      for (let k = 0; k < bytes; k++) u8[p + k] = s.charCodeAt(k);
    } else {
      encoder.encodeInto(s, u8.subarray(p, p + bytes));
    }
    return obj;
  }

  /** The JS string of a str. E_TYPE_ERROR for other objects. */
  value(obj: Addr): string {
    const core = this.core;
    if (core.kindOf(obj) !== KIND_STR) core.wrongType('str.value', 'str', obj);
    const u32 = core.heap.u32;
    const i = obj >>> 2;
    const n = u32[i + OB_SIZE_IDX];
    const p = obj + STR_DATA_OFF;
    const u8 = core.u8;
    if (n <= SHORT_ASCII && (u32[i + STR_STATE_IDX] & STR_ASCII) !== 0) {
      let s = '';
      for (let k = 0; k < n; k++) s += String.fromCharCode(u8[p + k]);
      return s;
    }
    return decoder.decode(copyIfShared(u8, p, n));
  }

  /** len(s): code points. */
  len(obj: Addr): number {
    const core = this.core;
    if (core.kindOf(obj) !== KIND_STR) core.wrongType('str.len', 'str', obj);
    return core.heap.u32[(obj >>> 2) + STR_LENGTH_IDX];
  }

  /** Bytes of UTF-8 the str holds. */
  byteLength(obj: Addr): number {
    const core = this.core;
    if (core.kindOf(obj) !== KIND_STR) core.wrongType('str.byteLength', 'str', obj);
    return core.heap.u32[(obj >>> 2) + OB_SIZE_IDX];
  }

  check(obj: Addr): boolean {
    return obj !== 0 && this.core.kindOf(obj) === KIND_STR;
  }

  /**
   * sys.intern(s): NEW reference to the one str of this text in the interned table, created
   * (and made immortal, as CPython 3.12 does) on first use. Returns 0 when out of memory.
   */
  intern(s: string): Addr {
    const core = this.core;
    const found = core.interned.get(s);
    if (found !== undefined) return found;
    const obj = this.new(s);
    if (obj === 0) return 0;
    core.heap.makeImmortal(obj);
    core.heap.u32[(obj >>> 2) + STR_STATE_IDX] |= STR_INTERNED;
    core.interned.set(s, obj);
    return obj;
  }

  /**
   * PyUnicode_InternInPlace for an existing str: NEW reference to the interned str equal to
   * `obj` (obj itself if it becomes the interned one). Returns 0 when out of memory.
   */
  internObj(obj: Addr): Addr {
    const core = this.core;
    if (core.kindOf(obj) !== KIND_STR) core.wrongType('str.intern', 'str', obj);
    if ((core.heap.u32[(obj >>> 2) + STR_STATE_IDX] & STR_INTERNED) !== 0) return obj;
    const s = this.value(obj);
    const found = core.interned.get(s);
    if (found !== undefined) return found;
    core.heap.makeImmortal(obj);
    core.heap.u32[(obj >>> 2) + STR_STATE_IDX] |= STR_INTERNED;
    core.interned.set(s, obj);
    return obj;
  }

  isInterned(obj: Addr): boolean {
    const core = this.core;
    if (core.kindOf(obj) !== KIND_STR) core.wrongType('str.isInterned', 'str', obj);
    return (core.heap.u32[(obj >>> 2) + STR_STATE_IDX] & STR_INTERNED) !== 0;
  }

  /** hash(s): cached FNV-1a of the UTF-8 bytes (hash.ts). */
  hash(obj: Addr): number {
    const core = this.core;
    if (core.kindOf(obj) !== KIND_STR) core.wrongType('str.hash', 'str', obj);
    return core.strHash(obj);
  }
}

/** bytes objects: rt.bytes. */
export class BytesApi {
  constructor(private readonly core: Core) {}

  /**
   * NEW reference to a bytes object with a copy of `data` (each element taken & 0xff).
   * Returns 0 when out of memory; the empty bytes is an immortal singleton.
   */
  new(data: ArrayLike<number>): Addr {
    const core = this.core;
    if (typeof data !== 'object' || data === null || typeof data.length !== 'number') {
      fail(
        'E_TYPE_ERROR',
        `bytes.new: expected a Uint8Array or array of numbers, got ${data === null ? 'null' : typeof data}`,
      );
    }
    const n = data.length;
    if (n === 0) return core.emptyBytes;
    const obj = core.heap.alloc(core.tBytes, n);
    if (obj === 0) return 0;
    const i = obj >>> 2;
    core.heap.u32[i + STR_LENGTH_IDX] = n;
    const u8 = core.u8;
    const p = obj + STR_DATA_OFF;
    if (data instanceof Uint8Array) u8.set(data, p);
    else for (let k = 0; k < n; k++) u8[p + k] = data[k] & 0xff;
    return obj;
  }

  /** A copy of the bytes. */
  value(obj: Addr): Uint8Array {
    const core = this.core;
    if (core.kindOf(obj) !== KIND_BYTES) core.wrongType('bytes.value', 'bytes', obj);
    const p = obj + STR_DATA_OFF;
    return core.u8.slice(p, p + core.heap.u32[(obj >>> 2) + OB_SIZE_IDX]);
  }

  len(obj: Addr): number {
    const core = this.core;
    if (core.kindOf(obj) !== KIND_BYTES) core.wrongType('bytes.len', 'bytes', obj);
    return core.heap.u32[(obj >>> 2) + OB_SIZE_IDX];
  }

  check(obj: Addr): boolean {
    return obj !== 0 && this.core.kindOf(obj) === KIND_BYTES;
  }
}

/** TextDecoder refuses views of a SharedArrayBuffer: copy those first. */
function copyIfShared(u8: Uint8Array, p: number, n: number): Uint8Array {
  const view = u8.subarray(p, p + n);
  return typeof SharedArrayBuffer !== 'undefined' && u8.buffer instanceof SharedArrayBuffer
    ? view.slice()
    : view;
}
