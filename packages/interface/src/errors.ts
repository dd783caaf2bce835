/**
 * The one error class of pyheap, with stable string codes.
 *
 * Check errors by `code` (see {@link isPyheapError}), not only with `instanceof`: an app may
 * load both the ESM and the CJS copy of a package, and then there are two classes.
 *
 * Python's own exception types map onto `pythonType` so that an interpreter built on pyheap
 * can raise the matching Python exception (DESIGN.md: ValueError → RangeError-like code,
 * TypeError → TypeError-like code). Messages keep CPython's text where CPython has one.
 */

/** Every stable error code, with the Python exception type it corresponds to. */
export const ERROR_CODES = {
  // ── arguments ──────────────────────────────────────────────────────────────────────
  /** A size, count or index that is not a number at all (TypeError in Python). */
  E_NOT_A_NUMBER: 'TypeError',
  /** A size that is negative, fractional, NaN, infinite or larger than the heap can hold. */
  E_INVALID_SIZE: 'ValueError',
  /** An address that is not a non-negative 32-bit integer. */
  E_INVALID_ADDRESS: 'ValueError',
  /** An option or argument outside its documented domain. */
  E_INVALID_ARGUMENT: 'ValueError',
  // ── allocator misuse ───────────────────────────────────────────────────────────────
  /** free/realloc/usableSize of an address this allocator never handed out (outside its memory). */
  E_FOREIGN_ADDRESS: 'ValueError',
  /** free/realloc of an address inside the allocator's memory that is not the start of a live block. */
  E_NOT_ALLOCATED: 'ValueError',
  /** free/realloc of a block that was already freed. */
  E_DOUBLE_FREE: 'ValueError',
  /** Debug mode: the guard bytes after a block were overwritten ("bad trailing pad byte"). */
  E_BUFFER_OVERRUN: 'RuntimeError',
  /** Debug mode: the guard bytes before a block were overwritten ("bad leading pad byte"). */
  E_BUFFER_UNDERRUN: 'RuntimeError',
  /** Debug mode: a freed block was written to before it was allocated again. */
  E_USE_AFTER_FREE: 'RuntimeError',
  /** A block freed through a different API than it was allocated with ("bad ID"). */
  E_API_MISMATCH: 'RuntimeError',
  /** An invariant check (`check()`) found the structure broken. */
  E_CORRUPT_HEAP: 'RuntimeError',
  /** The linear memory cannot grow any further (only where returning 0 is impossible). */
  E_OUT_OF_MEMORY: 'MemoryError',
  // ── objects and reference counts ───────────────────────────────────────────────────
  /** decref of an object whose reference count is already 0. */
  E_REFCOUNT_UNDERFLOW: 'RuntimeError',
  /** Use of an object that has been deallocated (debug mode, or where cheaply detectable). */
  E_FREED_OBJECT: 'RuntimeError',
  /** A type id that is not registered, or a type spec that is malformed. */
  E_BAD_TYPE: 'TypeError',
  /** An operation applied to an object of the wrong type (Python's TypeError). */
  E_TYPE_ERROR: 'TypeError',
  /** Python's ValueError raised by an object operation. */
  E_VALUE_ERROR: 'ValueError',
  /** Python's IndexError: a sequence index out of range. */
  E_INDEX_ERROR: 'IndexError',
  /** Python's KeyError: a missing mapping key. */
  E_KEY_ERROR: 'KeyError',
  /** Python's AttributeError: a missing attribute of an instance (or one it cannot have). */
  E_ATTRIBUTE_ERROR: 'AttributeError',
  /** Python's OverflowError: an integer outside the range an API accepts. */
  E_OVERFLOW: 'OverflowError',
  /** A safe handle used after it was disposed. */
  E_HANDLE_DISPOSED: 'RuntimeError',
  // ── collectors ─────────────────────────────────────────────────────────────────────
  /** A generation outside 0..2 ("invalid generation"). */
  E_BAD_GENERATION: 'ValueError',
  /** A threshold that is not a 32-bit signed integer. */
  E_BAD_THRESHOLD: 'OverflowError',
  /** track() of an object that is already tracked, or of a non-GC object. */
  E_ALREADY_TRACKED: 'RuntimeError',
  /** The collector does not have this capability (the facade reports it as Python would). */
  E_UNSUPPORTED: 'RuntimeError',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type PythonErrorType = (typeof ERROR_CODES)[ErrorCode];

export class PyheapError extends Error {
  /** Stable, machine-readable code; never changes between releases. */
  readonly code: ErrorCode;
  /** The Python exception type this error corresponds to. */
  readonly pythonType: PythonErrorType;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'PyheapError';
    this.code = code;
    this.pythonType = ERROR_CODES[code];
  }
}

/** True when `e` is a PyheapError (from any copy of this package), optionally with `code`. */
export function isPyheapError(e: unknown, code?: ErrorCode): e is PyheapError {
  if (typeof e !== 'object' || e === null) return false;
  const c = (e as { code?: unknown }).code;
  if (typeof c !== 'string' || !(c in ERROR_CODES)) return false;
  return code === undefined || c === code;
}

/** Throw a PyheapError. `never`-typed so that call sites narrow like `throw`. */
export function fail(code: ErrorCode, message: string): never {
  throw new PyheapError(code, message);
}

/** Hex form of an address, as CPython prints pointers in its messages (`0x1f40`). */
export function hexAddr(addr: number): string {
  return '0x' + (addr >>> 0).toString(16);
}
