import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  PyheapError,
  checkAddr,
  checkSize,
  fail,
  hexAddr,
  isImmortalRefcnt,
  isPyheapError,
  IMMORTAL_REFCNT,
  type ErrorCode,
} from '../src/index.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isPyheapError(e) ? e.code : `not a PyheapError: ${String(e)}`;
  }
  return undefined;
}

describe('PyheapError', () => {
  it('carries a stable code and the Python exception type', () => {
    const e = new PyheapError('E_BAD_GENERATION', 'invalid generation');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('E_BAD_GENERATION');
    expect(e.pythonType).toBe('ValueError');
    expect(e.message).toBe('invalid generation');
    expect(e.name).toBe('PyheapError');
  });

  it('is recognised by code even when it comes from another copy of the package', () => {
    const foreign = Object.assign(new Error('x'), { code: 'E_DOUBLE_FREE' });
    expect(isPyheapError(foreign)).toBe(true);
    expect(isPyheapError(foreign, 'E_DOUBLE_FREE')).toBe(true);
    expect(isPyheapError(foreign, 'E_FOREIGN_ADDRESS')).toBe(false);
    expect(isPyheapError(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(false);
    expect(isPyheapError(null)).toBe(false);
    expect(isPyheapError('E_DOUBLE_FREE')).toBe(false);
  });

  it('maps every code to a Python exception type', () => {
    const types = new Set(Object.values(ERROR_CODES));
    expect([...types].sort()).toEqual([
      'AttributeError',
      'IndexError',
      'KeyError',
      'MemoryError',
      'OverflowError',
      'RuntimeError',
      'TypeError',
      'ValueError',
    ]);
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      expect(code).toMatch(/^E_[A-Z_]+$/);
    }
  });

  it('fail throws the code it is given', () => {
    expect(codeOf(() => fail('E_KEY_ERROR', "'k'"))).toBe('E_KEY_ERROR');
  });

  it('hexAddr prints addresses as CPython prints pointers', () => {
    expect(hexAddr(0x1f40)).toBe('0x1f40');
    expect(hexAddr(0xffffffff)).toBe('0xffffffff');
  });
});

describe('checkSize', () => {
  it('accepts integers in 0..2^32-1', () => {
    expect(checkSize(0)).toBe(0);
    expect(checkSize(512)).toBe(512);
    expect(checkSize(2 ** 32 - 1)).toBe(2 ** 32 - 1);
  });

  it.each([-1, 1.5, NaN, Infinity, -Infinity, 2 ** 32, -0.5])(
    'rejects %s with E_INVALID_SIZE',
    (n) => {
      expect(codeOf(() => checkSize(n))).toBe('E_INVALID_SIZE');
    },
  );

  it.each(['8', undefined, null, 8n, {}])('rejects %s with E_NOT_A_NUMBER', (n) => {
    expect(codeOf(() => checkSize(n))).toBe('E_NOT_A_NUMBER');
  });
});

describe('checkAddr', () => {
  it('accepts 0 (null) and 32-bit addresses', () => {
    expect(checkAddr(0)).toBe(0);
    expect(checkAddr(0xfffffff8)).toBe(0xfffffff8);
  });

  it.each([-8, 8.5, NaN, 2 ** 32])('rejects %s with E_INVALID_ADDRESS', (a) => {
    expect(codeOf(() => checkAddr(a))).toBe('E_INVALID_ADDRESS');
  });

  it('rejects non-numbers with E_NOT_A_NUMBER', () => {
    expect(codeOf(() => checkAddr('16'))).toBe('E_NOT_A_NUMBER');
  });
});

describe('immortal reference counts', () => {
  it('treat the immortal value and above as immortal, as CPython 3.12+ on 32-bit', () => {
    expect(IMMORTAL_REFCNT).toBe(1073741823);
    expect(isImmortalRefcnt(IMMORTAL_REFCNT)).toBe(true);
    expect(isImmortalRefcnt(IMMORTAL_REFCNT + 5)).toBe(true);
    expect(isImmortalRefcnt(IMMORTAL_REFCNT - 1)).toBe(false);
    expect(isImmortalRefcnt(1)).toBe(false);
  });
});
