import { mkdirSync, mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  expandPathPattern,
  findPythons,
  parsePythonOutput,
  runPython,
  whichOnPath,
} from '../src/python.js';
import { R2 } from '../src/workloads/r2-binary-trees.js';

const hasPython = whichOnPath('python3', process.env.PATH) !== null;

describe('runPython skip path', () => {
  it('returns no runs and says why when no python3 is on the PATH', async () => {
    const lines: string[] = [];
    const empty = mkdtempSync(join(tmpdir(), 'pyheap-bench-nopy-'));
    const runs = await runPython('r2_binary_trees.py', ['--depth', '6'], {
      env: { PATH: empty },
      log: (l) => lines.push(l),
    });
    expect(runs).toEqual([]);
    expect(lines.join('\n')).toMatch(/CPython side by side skipped: no python3 on the PATH/);
  });

  it('reports PYHEAP_PYTHONS entries that are not there', () => {
    const lines: string[] = [];
    const found = findPythons({
      env: { PATH: '', PYHEAP_PYTHONS: '/nonexistent/*/bin/python3,python9.99' },
      log: (l) => lines.push(l),
    });
    expect(found).toEqual([]);
    expect(lines).toContain('PYHEAP_PYTHONS: nothing executable at /nonexistent/*/bin/python3');
    expect(lines).toContain('PYHEAP_PYTHONS: python9.99 is not on the PATH');
  });
});

describe('path patterns', () => {
  it('expands * and ? inside path segments, sorted', () => {
    const root = mkdtempSync(join(tmpdir(), 'pyheap-bench-glob-'));
    for (const v of ['3.11.7', '3.12.1', '2.7.18']) {
      mkdirSync(join(root, v, 'bin'), { recursive: true });
      writeFileSync(join(root, v, 'bin', 'python3'), '#!/bin/sh\n');
      chmodSync(join(root, v, 'bin', 'python3'), 0o755);
    }
    expect(expandPathPattern(`${root}/3.1*/bin/python3`)).toEqual([
      join(root, '3.11.7', 'bin', 'python3'),
      join(root, '3.12.1', 'bin', 'python3'),
    ]);
    expect(expandPathPattern(`${root}/?.7.18/bin/python3`)).toEqual([
      join(root, '2.7.18', 'bin', 'python3'),
    ]);
    expect(expandPathPattern('/no/pattern')).toEqual(['/no/pattern']);
  });
});

describe('script output', () => {
  it('parses the last JSON line and rejects output without one', () => {
    const line = JSON.stringify({
      workload: 'R2',
      unit: 's',
      median: 1,
      min: 1,
      max: 1,
      samples: [1],
      checks: [{}],
    });
    expect(parsePythonOutput(`noise\n${line}\n`).workload).toBe('R2');
    expect(() => parsePythonOutput('no json here')).toThrow(/no JSON line/);
    expect(() => parsePythonOutput('{"workload": "R2"}')).toThrow(/lacks 'unit'/);
  });
});

describe.skipIf(!hasPython)('with python3 on the PATH', () => {
  it('runs R2 at depth 6 and its check lines verify', async () => {
    const runs = await runPython(
      'r2_binary_trees.py',
      ['--depth', '6', '--runs', '1', '--warmups', '0'],
      {
        log: () => {},
      },
    );
    expect(runs.length).toBeGreaterThanOrEqual(1);
    const run = runs[0];
    if ('error' in run) throw new Error(run.error);
    expect(run.result.workload).toBe('R2');
    expect(run.result.runs).toBe(1);
    expect((run.result.checks[0].lines as string[])[0]).toBe(
      'stretch tree of depth 7\t check: 255',
    );
    // A 2-tuple: getsizeof 56 (GC header included), a 64-byte pymalloc block.
    expect(run.result.extra).toMatchObject({ getsizeof: 56, gcHeaderBytes: 16, objectBytes: 64 });
    // The depth-6 result is not the depth-12 quick run: R2's verify must refuse it.
    expect(() => R2.python!.verify(run.result, { mode: 'quick' })).toThrow(/check lines differ/);
  });

  it('a failing script comes back as an error, not a result', async () => {
    const runs = await runPython('r2_binary_trees.py', ['--node', 'nonsense', '--depth', '6'], {
      log: () => {},
    });
    expect('error' in runs[0]).toBe(true);
  });
});
