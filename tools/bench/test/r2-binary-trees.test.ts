import { describe, expect, it } from 'vitest';
import {
  binaryTrees,
  expectedR2Lines,
  JS_TREES,
  R2_REFERENCE_18,
  verifyR2Lines,
  type TreeOps,
} from '../src/workloads/r2-binary-trees.js';

describe('R2 binary-trees', () => {
  it('the formula gives the Benchmarks Game reference output at depth 18', () => {
    expect(expectedR2Lines({ maxDepth: 18, minDepth: 4 })).toEqual(R2_REFERENCE_18);
  });

  it('the plain JS program prints the expected lines at depth 10', () => {
    const p = { maxDepth: 10, minDepth: 4 };
    const lines = binaryTrees(JS_TREES, p);
    expect(lines).toEqual([
      'stretch tree of depth 11\t check: 4095',
      '1024\t trees of depth 4\t check: 31744',
      '256\t trees of depth 6\t check: 32512',
      '64\t trees of depth 8\t check: 32704',
      '16\t trees of depth 10\t check: 32752',
      'long lived tree of depth 10\t check: 2047',
    ]);
    expect(() => verifyR2Lines(lines, p, 'R2')).not.toThrow();
  });

  it('drops every tree it makes exactly once (what a refcounted variant relies on)', () => {
    let live = 0;
    let made = 0;
    const counting: TreeOps<number> = {
      make: (d) => {
        live++;
        made++;
        return d;
      },
      check: (d) => 2 ** (d + 1) - 1,
      drop: () => {
        live--;
      },
    };
    binaryTrees(counting, { maxDepth: 8, minDepth: 4 });
    expect(live).toBe(0);
    // stretch + long-lived + 2^(8−d+4) trees for d = 4, 6, 8.
    expect(made).toBe(1 + 1 + 256 + 64 + 16);
  });

  it('a wrong check line fails verification', () => {
    const bad = [...R2_REFERENCE_18];
    bad[3] = '16384\t trees of depth 8\t check: 8372223';
    expect(() => verifyR2Lines(bad, { maxDepth: 18, minDepth: 4 }, 'R2 test')).toThrow(/differ/);
  });
});
