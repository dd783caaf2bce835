/*
 * Python's argument conventions for JS callers: CPython's argument parsing (Python/getargs.c,
 * the Argument Clinic helpers in Modules/clinic/gcmodule.c.h, Objects/methodobject.c) with
 * its exact error texts. JS has no keyword arguments, so a call that wants Python's keyword
 * form passes a `kwargs({...})` object as its last argument.
 *
 * Python → JS value mapping used for messages: integers are `number` (integral) or `bigint`;
 * `boolean` is Python's bool (an int); non-integral numbers are `float`; strings `str`;
 * null/undefined `NoneType`; arrays `list`; functions `function`; other objects `dict`.
 */
import { fail, pythonTypeName } from '@pyheap/interface';

/** Whose messages to reproduce where CPython releases differ. */
export type PythonVersion = '3.13' | '3.12';

const KWARGS = Symbol.for('@pyheap/gc.kwargs');

/** Keyword arguments for one call: `gc.collect(kwargs({ generation: 1 }))`. */
export interface Kwargs {
  readonly [KWARGS]: true;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Wrap keyword arguments (Python's `name=value`) to pass as the last argument of a call. */
export function kwargs(values: Record<string, unknown>): Kwargs {
  return { [KWARGS]: true, values: { ...values } };
}

export function isKwargs(v: unknown): v is Kwargs {
  return typeof v === 'object' && v !== null && (v as { [KWARGS]?: unknown })[KWARGS] === true;
}

/** Split a JS argument list into positional arguments and keyword arguments. */
export function splitArgs(args: readonly unknown[]): {
  positional: unknown[];
  keywords: Record<string, unknown> | null;
} {
  const n = args.length;
  if (n > 0 && isKwargs(args[n - 1])) {
    const kw = (args[n - 1] as Kwargs).values;
    return { positional: args.slice(0, n - 1), keywords: Object.keys(kw).length > 0 ? kw : null };
  }
  return { positional: args.slice(), keywords: null };
}

/** The Python int a JS value stands for, or null when it is not an int (bool counts). */
export function asPyInt(v: unknown): bigint | null {
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return null;
}

const C_INT_MIN = -(2n ** 31n);
const C_INT_MAX = 2n ** 31n - 1n;
const SSIZE_MIN = -(2n ** 63n);
const SSIZE_MAX = 2n ** 63n - 1n;
/** C long on the LP64 platforms (Linux, macOS) whose texts we reproduce: 64 bits. */
const C_LONG_MIN = SSIZE_MIN;
const C_LONG_MAX = SSIZE_MAX;

/** `'str' object cannot be interpreted as an integer` (PyNumber_Index's TypeError). */
function notAnInteger(v: unknown): never {
  fail('E_TYPE_ERROR', `'${pythonTypeName(v)}' object cannot be interpreted as an integer`);
}

/** _PyLong_AsInt (clinic `int`): TypeError for non-ints, OverflowError outside C int. */
export function toCInt(v: unknown): number {
  const i = asPyInt(v);
  if (i === null) notAnInteger(v);
  if (i < C_INT_MIN || i > C_INT_MAX)
    fail('E_OVERFLOW', 'Python int too large to convert to C int');
  return Number(i);
}

/**
 * PyArg_ParseTuple's "i" format (Python/getargs.c convertsimple): the value goes through
 * PyLong_AsLong first, so an int outside C long fails there with PyLong_AsLong's own text;
 * one inside C long but outside C int gets the "i" format's range texts.
 */
export function toCIntFormatI(v: unknown, code: 'E_OVERFLOW' | 'E_BAD_THRESHOLD'): number {
  const i = asPyInt(v);
  if (i === null) notAnInteger(v);
  if (i < C_LONG_MIN || i > C_LONG_MAX) fail(code, 'Python int too large to convert to C long');
  if (i > C_INT_MAX) fail(code, 'signed integer is greater than maximum');
  if (i < C_INT_MIN) fail(code, 'signed integer is less than minimum');
  return Number(i);
}

/** _Py_convert_optional_to_ssize_t: None → null, an int → its value (Py_ssize_t). */
export function toOptionalSsize(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const i = asPyInt(v);
  if (i === null)
    fail('E_TYPE_ERROR', `argument should be integer or None, not '${pythonTypeName(v)}'`);
  if (i < SSIZE_MIN || i > SSIZE_MAX)
    fail('E_OVERFLOW', "cannot fit 'int' into an index-sized integer");
  // Anything beyond ±2^53 is far outside every valid generation; keep its sign.
  return i > 2n ** 53n
    ? Number.MAX_SAFE_INTEGER
    : i < -(2n ** 53n)
      ? Number.MIN_SAFE_INTEGER
      : Number(i);
}

/** METH_NOARGS functions: `gc.enable() takes no arguments (1 given)`. */
export function noArgs(qualname: string, args: readonly unknown[]): void {
  const { positional, keywords } = splitArgs(args);
  if (keywords !== null) fail('E_TYPE_ERROR', `${qualname}() takes no keyword arguments`);
  if (positional.length !== 0) {
    fail('E_TYPE_ERROR', `${qualname}() takes no arguments (${positional.length} given)`);
  }
}

/** METH_O functions: exactly one positional argument, no keywords. */
export function oneArg(qualname: string, args: readonly unknown[]): unknown {
  const { positional, keywords } = splitArgs(args);
  if (keywords !== null) fail('E_TYPE_ERROR', `${qualname}() takes no keyword arguments`);
  if (positional.length !== 1) {
    fail('E_TYPE_ERROR', `${qualname}() takes exactly one argument (${positional.length} given)`);
  }
  return positional[0];
}

/**
 * Clinic functions with one optional positional-or-keyword parameter (`collect(generation=2)`,
 * `get_objects(generation=None)`). Returns the argument, or `undefined` when it is omitted.
 * The counts are checked before the names, and only the unknown-name text differs between
 * releases (Python/getargs.c's keyword-unpacking error for an unexpected name: 3.13 says
 * "got an unexpected keyword argument", 3.12 "is an invalid keyword argument for").
 */
export function optionalArg(
  fname: string,
  param: string,
  args: readonly unknown[],
  python: PythonVersion,
): unknown {
  const { positional, keywords } = splitArgs(args);
  const total = positional.length + (keywords === null ? 0 : Object.keys(keywords).length);
  if (total > 1) {
    // bpo-31229: "keyword" is added when no positional argument was given.
    const kind = positional.length === 0 ? 'keyword ' : '';
    fail('E_TYPE_ERROR', `${fname}() takes at most 1 ${kind}argument (${total} given)`);
  }
  if (keywords !== null) {
    const names = Object.keys(keywords);
    for (const name of names) {
      if (name === param) continue;
      fail(
        'E_TYPE_ERROR',
        python === '3.13'
          ? `${fname}() got an unexpected keyword argument '${name}'`
          : `'${name}' is an invalid keyword argument for ${fname}()`,
      );
    }
    return keywords[param];
  }
  return positional.length === 1 ? positional[0] : undefined;
}

/** `*objs` functions: positional only, any number. */
export function varArgs(noKeywordsMessage: string, args: readonly unknown[]): unknown[] {
  const { positional, keywords } = splitArgs(args);
  if (keywords !== null) fail('E_TYPE_ERROR', noKeywordsMessage);
  return positional;
}
