/*
 * Argument handling where CPython 3.12 and 3.13 differ, and the C long step of set_threshold's
 * "i" format. Every text and every state below was measured with CPython 3.13.0 and 3.12.1.
 */
import { describe, expect, it } from 'vitest';
import type { CollectorCapabilities } from '@pyheap/interface';
import { GenerationalCollector } from '@pyheap/generational';
import { createPymalloc } from '@pyheap/pymalloc';
import { ObjectHeap } from '@pyheap/refcount';
import { createGc, kwargs, type GcModule, type GcModuleOpts } from '../src/index.js';
import { call, error } from './helpers.js';

type Profile = '3.13' | '3.12';

/**
 * A facade over a disabled generational collector of `profile`. `opts` go to createGc; by
 * default they name the profile's release, so only the python-option tests rely on item 10.
 */
function setup(
  profile: Profile,
  opts: GcModuleOpts = { python: profile },
  collector?: GenerationalCollector,
) {
  const c = collector ?? new GenerationalCollector({ enabled: false, profile });
  const heap = new ObjectHeap({ allocator: createPymalloc(), collector: c });
  return createGc(c, heap, opts);
}

const FLOAT = "'float' object cannot be interpreted as an integer";
const STR = "'str' object cannot be interpreted as an integer";
const NONE = "'NoneType' object cannot be interpreted as an integer";
const GT = 'signed integer is greater than maximum';
const LT = 'signed integer is less than minimum';
const LONG = 'Python int too large to convert to C long';

describe('set_threshold: an int outside C long fails in PyLong_AsLong', () => {
  const rows: [string, bigint, string][] = [
    ['2**63-1', 2n ** 63n - 1n, GT],
    ['2**63', 2n ** 63n, LONG],
    ['-2**63', -(2n ** 63n), LT],
    ['-2**63-1', -(2n ** 63n) - 1n, LONG],
    ['2**64', 2n ** 64n, LONG],
    ['-2**64', -(2n ** 64n), LONG],
  ];
  for (const profile of ['3.13', '3.12'] as const) {
    it.each(rows)(`${profile}: set_threshold(%s)`, (_, v, message) => {
      const gc = setup(profile);
      const before = gc.getThreshold();
      expect(error(() => gc.setThreshold(v))).toEqual(['E_BAD_THRESHOLD', message]);
      expect(error(() => call(gc, 'setThreshold', 1, 2, v))).toEqual(['E_BAD_THRESHOLD', message]);
      // threshold0 is the failing one in the first call; in the second, 3.12 keeps 1 and 2.
      expect(gc.getThreshold()).toEqual(profile === '3.13' ? before : [1, 2, before[2]]);
    });
  }

  it('collect / set_debug (clinic int) and get_objects (Py_ssize_t) have no C long step', () => {
    const gc = setup('3.13');
    const int = ['E_OVERFLOW', 'Python int too large to convert to C int'];
    for (const v of [2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n) - 1n, 2n ** 64n]) {
      expect(error(() => gc.collect(v))).toEqual(int);
      expect(error(() => gc.collect(kwargs({ generation: v })))).toEqual(int);
      expect(error(() => gc.setDebug(v))).toEqual(int);
    }
    const index = ['E_OVERFLOW', "cannot fit 'int' into an index-sized integer"];
    for (const v of [2n ** 63n, -(2n ** 63n) - 1n, 2n ** 64n])
      expect(error(() => gc.getObjects(v))).toEqual(index);
    expect(error(() => gc.getObjects(2n ** 63n - 1n))[0]).toBe('E_BAD_GENERATION');
    expect(error(() => gc.getObjects(-(2n ** 63n)))).toEqual([
      'E_BAD_GENERATION',
      'generation parameter cannot be negative',
    ]);
    expect(gc.getDebug()).toBe(0);
  });
});

describe('keyword errors of collect / get_objects', () => {
  it.each([
    ['3.13', "collect() got an unexpected keyword argument 'gen'"],
    ['3.12', "'gen' is an invalid keyword argument for collect()"],
  ] as [Profile, string][])('%s: collect(gen=1)', (profile, message) => {
    const gc = setup(profile);
    expect(error(() => gc.collect(kwargs({ gen: 1 })))).toEqual(['E_TYPE_ERROR', message]);
    expect(error(() => gc.collect(kwargs({ gen: 'x' })))).toEqual(['E_TYPE_ERROR', message]);
  });

  it.each([
    ['3.13', "get_objects() got an unexpected keyword argument 'g'"],
    ['3.12', "'g' is an invalid keyword argument for get_objects()"],
  ] as [Profile, string][])('%s: get_objects(g=1)', (profile, message) => {
    const gc = setup(profile);
    expect(error(() => gc.getObjects(kwargs({ g: 1 })))).toEqual(['E_TYPE_ERROR', message]);
  });

  it.each(['3.13', '3.12'] as Profile[])('%s: counts are checked first, with one text', (p) => {
    const gc = setup(p);
    const e = (name: keyof GcModule, ...args: unknown[]) => error(() => call(gc, name, ...args));
    const t = (text: string) => ['E_TYPE_ERROR', text];
    expect(e('collect', kwargs({ generation: 1, gen: 1 }))).toEqual(
      t('collect() takes at most 1 keyword argument (2 given)'),
    );
    expect(e('collect', kwargs({ gen: 1, generation: 1 }))).toEqual(
      t('collect() takes at most 1 keyword argument (2 given)'),
    );
    expect(e('collect', kwargs({ generation: 1, a: 1, b: 2 }))).toEqual(
      t('collect() takes at most 1 keyword argument (3 given)'),
    );
    expect(e('collect', 1, kwargs({ gen: 1 }))).toEqual(
      t('collect() takes at most 1 argument (2 given)'),
    );
    expect(e('collect', 1, 2, kwargs({ generation: 1 }))).toEqual(
      t('collect() takes at most 1 argument (3 given)'),
    );
    expect(e('getObjects', 1, kwargs({ g: 1 }))).toEqual(
      t('get_objects() takes at most 1 argument (2 given)'),
    );
    expect(e('getObjects', kwargs({ generation: 1, g: 2 }))).toEqual(
      t('get_objects() takes at most 1 keyword argument (2 given)'),
    );
    expect(e('setThreshold', 1, 2, 3, 4, kwargs({ x: 1 }))).toEqual(
      t('set_threshold() takes no keyword arguments'),
    );
  });
});

describe('set_threshold: state after a failed call', () => {
  // [Python arguments, JS arguments, code, message, 3.12.1's thresholds afterwards from
  // (700, 10, 10)]. 3.13.0 leaves (2000, 10, 10) every time.
  const T = 'E_TYPE_ERROR';
  const O = 'E_BAD_THRESHOLD';
  const rows: [string, unknown[], string, string, number[]][] = [
    ['7, 1.5', [7, 1.5], T, FLOAT, [7, 10, 10]],
    ["7, 'x'", [7, 'x'], T, STR, [7, 10, 10]],
    ['7, None', [7, null], T, NONE, [7, 10, 10]],
    ["'x', 8", ['x', 8], T, STR, [700, 10, 10]],
    ['1.5', [1.5], T, FLOAT, [700, 10, 10]],
    ['2**31', [2 ** 31], O, GT, [700, 10, 10]],
    ['2**64', [2n ** 64n], O, LONG, [700, 10, 10]],
    ['7, 2**31', [7, 2 ** 31], O, GT, [7, 10, 10]],
    ['7, -2**31-1', [7, -(2 ** 31) - 1], O, LT, [7, 10, 10]],
    ['7, 2**63', [7, 2n ** 63n], O, LONG, [7, 10, 10]],
    ['7, 8, 1.5', [7, 8, 1.5], T, FLOAT, [7, 8, 10]],
    ["7, 8, 'x'", [7, 8, 'x'], T, STR, [7, 8, 10]],
    ['7, 8, 2**31', [7, 8, 2 ** 31], O, GT, [7, 8, 10]],
    ['7, 8, 2**64', [7, 8, 2n ** 64n], O, LONG, [7, 8, 10]],
    ['7, 1.5, 9', [7, 1.5, 9], T, FLOAT, [7, 10, 10]],
    ['7, 2**31, 9', [7, 2 ** 31, 9], O, GT, [7, 10, 10]],
    ['7, 2**64, 9', [7, 2n ** 64n, 9], O, LONG, [7, 10, 10]],
    ["'x', 8, 9", ['x', 8, 9], T, STR, [700, 10, 10]],
    ['2**31, 8, 9', [2 ** 31, 8, 9], O, GT, [700, 10, 10]],
    ['True, 1.5', [true, 1.5], T, FLOAT, [1, 10, 10]],
    [
      '1, 2, 3, x=1',
      [1, 2, 3, kwargs({ x: 1 })],
      T,
      'set_threshold() takes no keyword arguments',
      [700, 10, 10],
    ],
  ];

  it.each(rows)('3.13: set_threshold(%s) changes nothing', (_, args, code, message) => {
    const gc = setup('3.13');
    expect(error(() => call(gc, 'setThreshold', ...args))).toEqual([code, message]);
    expect(gc.getThreshold()).toEqual([2000, 10, 10]);
  });

  it.each(rows)(
    '3.12: set_threshold(%s) keeps what was stored',
    (_, args, code, message, after) => {
      const gc = setup('3.12');
      expect(gc.getThreshold()).toEqual([700, 10, 10]);
      expect(error(() => call(gc, 'setThreshold', ...args))).toEqual([code, message]);
      expect(gc.getThreshold()).toEqual(after);
    },
  );

  it('too many arguments are refused before any value is converted', () => {
    const old = setup('3.12');
    const many = 'set_threshold() takes at most 3 arguments (4 given)';
    expect(error(() => call(old, 'setThreshold', 7, 8, 9, 10))).toEqual(['E_TYPE_ERROR', many]);
    expect(error(() => call(old, 'setThreshold', 7, 8, 9, 'x'))).toEqual(['E_TYPE_ERROR', many]);
    expect(old.getThreshold()).toEqual([700, 10, 10]);
    const gc = setup('3.13');
    const range = 'gc.set_threshold requires 1 to 3 arguments';
    expect(error(() => call(gc, 'setThreshold', 7, 8, 9, 'x'))).toEqual(['E_TYPE_ERROR', range]);
    expect(gc.getThreshold()).toEqual([2000, 10, 10]);
  });

  it('3.12 over collectors with fewer generations or no thresholds', () => {
    class Reduced extends GenerationalCollector {
      override readonly capabilities: CollectorCapabilities;
      constructor(caps: Partial<CollectorCapabilities>) {
        super({ enabled: false, profile: '3.12' });
        this.capabilities = { ...new GenerationalCollector().capabilities, ...caps };
      }
    }
    const one = new Reduced({ generations: 1 });
    const gc = setup('3.12', undefined, one);
    expect(error(() => call(gc, 'setThreshold', 7, 8, 'x'))).toEqual(['E_TYPE_ERROR', STR]);
    expect(one.getThreshold()).toEqual([7, 10, 10]); // only threshold0 reaches it
    const none = setup('3.12', undefined, new Reduced({ thresholds: false }));
    expect(error(() => call(none, 'setThreshold', 7, 'x'))).toEqual(['E_TYPE_ERROR', STR]);
  });
});

describe("the facade's python option", () => {
  it('follows the collector profile unless given', () => {
    const old = setup('3.12', {});
    expect(old.python).toBe('3.12');
    expect(error(() => call(old, 'setThreshold'))).toEqual([
      'E_TYPE_ERROR',
      'set_threshold() takes at least 1 argument (0 given)',
    ]);
    expect(setup('3.13', {}).python).toBe('3.13');
    expect(setup('3.12', { python: '3.13' }).python).toBe('3.13');
    expect(setup('3.13', { python: '3.12' }).python).toBe('3.12');
    const plain = new GenerationalCollector({ enabled: false, profile: '3.12' });
    const heap = new ObjectHeap({ allocator: createPymalloc(), collector: plain });
    expect(createGc(plain, heap).python).toBe('3.12'); // no options object at all
  });

  it('ignores a collector profile that names no release we reproduce', () => {
    class Odd extends GenerationalCollector {
      override readonly profile = 'fast' as unknown as '3.12';
    }
    expect(setup('3.13', {}, new Odd({ enabled: false })).python).toBe('3.13');
  });
});
