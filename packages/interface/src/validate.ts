import { MAX_HEAP_BYTES, type Addr } from './addr.js';
import { fail } from './errors.js';

/*
 * Argument checks shared by every package. Each costs a typeof and a comparison or two, so
 * they stay on in release mode (STYLE.md: one-comparison checks are always on).
 */

/**
 * A byte size: a non-negative integer below 4 GiB. Non-numbers throw E_NOT_A_NUMBER;
 * negative, fractional, NaN, infinite or too-large sizes throw E_INVALID_SIZE.
 */
export function checkSize(size: unknown, what = 'size'): number {
  if (typeof size !== 'number') {
    fail('E_NOT_A_NUMBER', `${what} must be a number, not ${typeof size}`);
  }
  if (!(size >= 0 && size < MAX_HEAP_BYTES && Math.floor(size) === size)) {
    fail('E_INVALID_SIZE', `${what} must be an integer in 0..2^32-1, got ${String(size)}`);
  }
  return size;
}

/** An address argument: a non-negative 32-bit integer (0 is allowed: the null address). */
export function checkAddr(addr: unknown, what = 'address'): Addr {
  if (typeof addr !== 'number') {
    fail('E_NOT_A_NUMBER', `${what} must be a number, not ${typeof addr}`);
  }
  if (addr >>> 0 !== addr) {
    fail('E_INVALID_ADDRESS', `${what} must be an integer in 0..2^32-1, got ${String(addr)}`);
  }
  return addr;
}

/**
 * tp_name of the Python type a JS value stands for in pyheap's Python-facing APIs (for TypeError
 * texts such as "'NoneType' object is not callable"): null/undefined → NoneType, booleans →
 * bool, integral numbers and bigints → int, arrays → list, other objects → dict.
 */
export function pythonTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'string':
      return 'str';
    case 'function':
      return 'function';
    case 'symbol':
      return 'symbol';
    default:
      return Array.isArray(v) ? 'list' : 'dict';
  }
}
