import { describe, expect, it } from 'vitest';
import { parseArgs, variantSelected } from '../src/args.js';
import { fmtBytes, fmtNum } from '../src/format.js';
import { parseWorkerStdout, RESULT_MARKER } from '../src/protocol.js';
import { failedRecord, type BenchRecord } from '../src/record.js';
import { cpuRatioTo, ratioTo, referenceOf, renderTables } from '../src/table.js';

function rec(variant: string, median: number, extra: Partial<BenchRecord> = {}): BenchRecord {
  return {
    workload: 'A1',
    group: 'A1 alloc-churn',
    variant,
    unit: 'ns/pair',
    median,
    min: median - 1,
    max: median + 1,
    runs: 5,
    warmups: 1,
    samples: [median - 1, median, median, median, median + 1],
    cpuMedian: median,
    peakBytes: 1 << 20,
    heldBytes: 0,
    params: {},
    mode: 'full',
    ...extra,
  };
}

describe('parseArgs', () => {
  it('reads every flag', () => {
    expect(
      parseArgs([
        '--workloads',
        'a1,A2',
        '--quick',
        '--runs',
        '3',
        '--json',
        'out.json',
        '--no-python',
        '--variants=raw,cpython',
      ]),
    ).toEqual({
      workloads: ['A1', 'A2'],
      variants: ['raw', 'cpython'],
      quick: true,
      runs: 3,
      warmups: 1,
      json: 'out.json',
      python: false,
      micro: false,
      built: false,
      help: false,
    });
    expect(parseArgs([]).runs).toBe(5);
    expect(parseArgs(['--micro']).micro).toBe(true);
    expect(parseArgs(['--built']).built).toBe(true);
  });

  it('rejects bad values and unknown flags', () => {
    expect(() => parseArgs(['--runs', '0'])).toThrow(/--runs needs an integer ≥ 1/);
    expect(() => parseArgs(['--runs'])).toThrow(/--runs/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown argument '--fast'/);
  });

  it('matches every CPython with the cpython filter', () => {
    expect(variantSelected('cpython-3.12.1', ['cpython'])).toBe(true);
    expect(variantSelected('raw', ['cpython'])).toBe(false);
    expect(variantSelected('raw', null)).toBe(true);
  });
});

describe('tables', () => {
  it('divides by the reference variant, or by CPython for G/R workloads', () => {
    const rs = [rec('raw', 60), rec('pymalloc', 30)];
    expect(referenceOf(rs, 'pymalloc')?.variant).toBe('pymalloc');
    expect(ratioTo(rs[0], rs[1])).toBe(2);
    // CPU ratio: raw used 30 ns of CPU for 60 ns of wall time, pymalloc all of its 30.
    expect(cpuRatioTo({ ...rs[0], cpuMedian: 30 }, rs[1])).toBe(1);
    const py = [rec('v8-objects', 1, { unit: 's' }), rec('cpython-3.11.7', 8, { unit: 's' })];
    expect(ratioTo(py[0], referenceOf(py, 'cpython'))).toBe(0.125);
    // Missing reference: the first variant that ran.
    expect(
      referenceOf([failedRecord({ ...rec('pymalloc', 0) }, 'x'), rs[0]], 'pymalloc')?.variant,
    ).toBe('raw');
  });

  it('prints median [min–max], memory, ratio, notes and failures', () => {
    const text = renderTables(
      [
        rec('pymalloc', 30),
        rec('raw', 60, { note: 'TLSF' }),
        failedRecord({ ...rec('x', 0) }, 'wrong checksum'),
      ],
      new Map([['A1', 'pymalloc']]),
      'quick',
    );
    expect(text).toContain('A1 alloc-churn   [QUICK MODE');
    expect(text).toMatch(
      /pymalloc\s+30\.0 \[29\.0–31\.0\]\s+30\.0\s+5\s+1\.0 MiB\s+0 B\s+1\.00×\s+1\.00×/,
    );
    expect(text).toMatch(/raw\s+60\.0 \[59\.0–61\.0\].*2\.00×\s+2\.00×\s+TLSF/);
    expect(text).toMatch(/x\s+FAILED.*ERROR: wrong checksum/);
  });

  it('prints row groups as a size × variant matrix', () => {
    const rows = [8, 16].flatMap((s) => [
      rec('pymalloc', s, { group: 'A2 LIFO', row: String(s) }),
      rec('raw', 2 * s, { group: 'A2 LIFO', row: String(s) }),
    ]);
    const text = renderTables(rows, new Map([['A1', 'pymalloc']]), 'full');
    const lines = text.split('\n');
    expect(lines[0]).toBe('A2 LIFO  (ns/pair: median [min–max], ×pymalloc)');
    expect(lines.find((l) => l.startsWith('16 '))).toMatch(
      /16\.0 \[15\.0–17\.0\]\s+32\.0 \[31\.0–33\.0\] 2\.00×/,
    );
    expect(text).toContain('footprint after the frees / peak footprint');
  });

  it('formats numbers and bytes', () => {
    expect([fmtNum(1234.5), fmtNum(45.12), fmtNum(3.14159), fmtNum(0.012345)]).toEqual([
      '1235',
      '45.1',
      '3.14',
      '0.0123',
    ]);
    expect([fmtBytes(0), fmtBytes(1536), fmtBytes(3 << 20), fmtBytes(null)]).toEqual([
      '0 B',
      '1.5 KiB',
      '3.0 MiB',
      'n/a',
    ]);
  });
});

describe('worker protocol', () => {
  it('takes the marked line and passes every other line on', () => {
    const other: string[] = [];
    const out = parseWorkerStdout<number[]>(`hello\n${RESULT_MARKER}[1,2,3]\n`, (l) =>
      other.push(l),
    );
    expect(out).toEqual([1, 2, 3]);
    expect(other).toEqual(['hello']);
    expect(parseWorkerStdout('crashed\n', () => {})).toBeNull();
  });
});
