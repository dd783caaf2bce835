/**
 * Deterministic hashing, after CPython's Python/pyhash.c and Objects/tupleobject.c as built
 * for 32-bit platforms (Py_hash_t is 32 bits there, _PyHASH_BITS = 31). Hashes are int32.
 *
 * - Numbers (int, bool, float): CPython's numeric hash, reduction modulo the Mersenne prime
 *   P = 2^31 − 1, so that equal numbers hash alike across types: hash(1) == hash(1.0) ==
 *   hash(True) == 1. ±inf hash to ±314159; NaN hashes by identity (3.10+).
 * - str and bytes: 32-bit FNV-1a over the bytes (UTF-8 for str) instead of CPython's SipHash.
 *   There is no per-process key (no PYTHONHASHSEED randomisation): the same string hashes to
 *   the same value in every run, so dict layouts are reproducible. hash('') == 0 as in CPython.
 * - tuple: CPython's xxHash-based tuplehash with the 32-bit primes.
 * - identity (class instances, classes, other objects): CPython's _Py_HashPointer, the
 *   address rotated so that the always-zero alignment bits do not end up low.
 * - None: a constant (3.12+; CPython's value 0xFCA86420 truncated to 32 bits).
 *
 * As in CPython a hash is never −1 (−1 becomes −2), which keeps the invariant "−1 means
 * error" that ports of C code rely on.
 */

/** _PyHASH_BITS of a 32-bit build. */
export const HASH_BITS = 31;
/** _PyHASH_MODULUS: the Mersenne prime 2^31 − 1. */
export const HASH_MODULUS = 0x7fffffff;
/** hash(float('inf')); hash(-inf) is its negation. */
export const HASH_INF = 314159;
/** hash(None) (3.12+: a constant rather than the address). */
export const HASH_NONE = 0xfca86420 | 0;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The 32-bit xxHash primes of CPython's tuplehash (_PyHASH_XXPRIME_*). */
const XXPRIME_1 = 2654435761;
const XXPRIME_2 = 2246822519;
const XXPRIME_5 = 374761393;
/** Added with the length so that hash(()) keeps its historical value. */
const TUPLE_LEN_MANGLE = XXPRIME_5 ^ 3527539;
/** What a tuple hashing to −1 gets instead (CPython's constant). */
const TUPLE_HASH_MINUS_ONE = 1546275796;

// Scratch for frexp: one shared buffer, no allocation per call.
const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);
/** Index of the high word of a double in scratchU32 (platform endianness). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * CPython's numeric hash (_Py_HashDouble / long_hash) for any JS number except NaN, whose
 * hash is its object's identity hash (the caller's business).
 */
export function hashNumber(v: number): number {
  if (Number.isInteger(v)) {
    // Integral values, whatever their magnitude: |v| mod P with the sign of v. `%` on doubles
    // is exact, so this equals CPython's result for the int of the same value.
    let h = Math.abs(v) % HASH_MODULUS;
    if (v < 0) h = -h;
    return h === -1 ? -2 : h | 0;
  }
  if (v !== v) return 0; // NaN: callers hash NaN floats by identity
  if (v === Infinity) return HASH_INF;
  if (v === -Infinity) return -HASH_INF;
  return hashFraction(v);
}

/** _Py_HashDouble for finite, non-integral v: fold 28 mantissa bits at a time, mod P. */
function hashFraction(v: number): number {
  // frexp: v = m · 2^e with 0.5 ≤ |m| < 1, read from the bits (non-integral v is never 0).
  scratchF64[0] = v;
  let hi = scratchU32[HI];
  let biased = (hi >>> 20) & 0x7ff;
  let e = 0;
  if (biased === 0) {
    // Subnormal: scale into the normal range first.
    scratchF64[0] = v * 18446744073709551616; // 2^64
    hi = scratchU32[HI];
    biased = (hi >>> 20) & 0x7ff;
    e = -64;
  }
  e += biased - 1022;
  scratchU32[HI] = (hi & 0x800fffff) | (1022 << 20);
  let m = scratchF64[0];
  let sign = 1;
  if (m < 0) {
    sign = -1;
    m = -m;
  }
  let x = 0;
  while (m !== 0) {
    x = ((x << 28) & HASH_MODULUS) | (x >>> (HASH_BITS - 28));
    m *= 268435456; // 2^28
    e -= 28;
    const y = Math.floor(m);
    m -= y;
    x += y;
    if (x >= HASH_MODULUS) x -= HASH_MODULUS;
  }
  // Multiply by 2^e modulo P: a rotation of the 31-bit value.
  e = e >= 0 ? e % HASH_BITS : HASH_BITS - 1 - ((-1 - e) % HASH_BITS);
  x = ((x << e) & HASH_MODULUS) | (x >>> (HASH_BITS - e));
  const h = sign < 0 ? -x | 0 : x | 0;
  return h === -1 ? -2 : h;
}

/** FNV-1a over `len` bytes of `u8` from `start`; 0 for the empty string (as CPython). */
export function hashBytes(u8: Uint8Array, start: number, len: number): number {
  if (len === 0) return 0;
  let h = FNV_OFFSET;
  const end = start + len;
  for (let i = start; i < end; i++) {
    h = Math.imul(h ^ u8[i], FNV_PRIME);
  }
  h |= 0;
  return h === -1 ? -2 : h;
}

/** _Py_HashPointer: the address rotated right by 3 (object addresses are multiples of 8). */
export function hashPointer(addr: number): number {
  const h = (addr >>> 3) | (addr << 29) | 0;
  return h === -1 ? -2 : h;
}

/** Start value of tuplehash's accumulator. */
export const TUPLE_HASH_INIT = XXPRIME_5;

/** One tuplehash round: fold one item's hash (`lane`) into the accumulator. */
export function tupleHashStep(acc: number, lane: number): number {
  acc = (acc + Math.imul(lane, XXPRIME_2)) >>> 0;
  acc = ((acc << 13) | (acc >>> 19)) >>> 0;
  return Math.imul(acc, XXPRIME_1) >>> 0;
}

/** Final tuplehash step: mix in the length; returns the int32 hash. */
export function tupleHashFinish(acc: number, len: number): number {
  const h = (acc + (len ^ TUPLE_LEN_MANGLE)) | 0;
  return h === -1 ? TUPLE_HASH_MINUS_ONE : h;
}
