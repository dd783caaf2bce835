import { describe, expect, it } from 'vitest';
import { unitScale, type Bench } from '../src/bench.js';
import { assertRecord, failedRecord, type BenchRecord } from '../src/record.js';
import { runBench } from '../src/runner.js';

function counterBench(calls: string[], opts: { failVerify?: boolean } = {}): Bench<{ n: number }> {
  let run = 0;
  return {
    workload: 'T1',
    variant: 'test',
    unit: 'ns/op',
    ops: 1000,
    params: { size: 8 },
    note: 'synthetic',
    setup() {
      calls.push('setup');
      return { n: ++run };
    },
    timed(s) {
      calls.push('timed');
      let x = 0;
      for (let i = 0; i < 1000; i++) x += i;
      s.n += x > 0 ? 0 : 1;
    },
    verify() {
      calls.push('verify');
      if (opts.failVerify) throw new Error('wrong checksum');
    },
    teardown(s) {
      calls.push('teardown');
      return { peakBytes: 4096 * s.n, heldBytes: s.n === 4 ? 8 : 0 };
    },
  };
}

describe('runBench', () => {
  it('runs warm-ups then timed runs as setup → timed → verify → teardown', () => {
    const calls: string[] = [];
    const r = runBench(counterBench(calls), { runs: 3, warmups: 1, mode: 'quick' });
    expect(calls).toEqual(Array(4).fill(['setup', 'timed', 'verify', 'teardown']).flat());
    expect(r.runs).toBe(3);
    expect(r.warmups).toBe(1);
    expect(r.samples).toHaveLength(3);
  });

  it('produces a record of the documented shape', () => {
    const r = runBench(counterBench([]), { runs: 5, warmups: 1, mode: 'full' });
    assertRecord(r);
    expect(Object.keys(r).sort()).toEqual(
      [
        'cpuMedian',
        'group',
        'heldBytes',
        'max',
        'median',
        'min',
        'mode',
        'note',
        'params',
        'peakBytes',
        'runs',
        'samples',
        'unit',
        'variant',
        'warmups',
        'workload',
      ].sort(),
    );
    expect(r).toMatchObject({
      workload: 'T1',
      group: 'T1',
      variant: 'test',
      unit: 'ns/op',
      mode: 'full',
      params: { size: 8 },
      note: 'synthetic',
    });
    expect(r.min).toBeLessThanOrEqual(r.median);
    expect(r.median).toBeLessThanOrEqual(r.max);
    // Memory: the worst timed run (runs 2..6 → peak 6 × 4096; run 4 held 8 bytes).
    expect(r.peakBytes).toBe(6 * 4096);
    expect(r.heldBytes).toBe(8);
    const back = JSON.parse(JSON.stringify(r)) as BenchRecord;
    assertRecord(back);
    expect(back).toEqual(r);
  });

  it('lets a failed verification propagate', () => {
    expect(() =>
      runBench(counterBench([], { failVerify: true }), { runs: 1, warmups: 0, mode: 'quick' }),
    ).toThrow('wrong checksum');
  });

  it('times only the stopwatch laps when a bench uses them', () => {
    const busy = (ms: number): void => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    const bench: Bench<null> = {
      workload: 'T2',
      variant: 'laps',
      unit: 'ms/loop',
      ops: 2,
      params: {},
      setup: () => null,
      timed(_s, watch) {
        for (let loop = 0; loop < 2; loop++) {
          busy(20); // not timed
          watch.start();
          busy(5);
          watch.stop();
        }
      },
      verify: () => {},
      teardown: () => ({ peakBytes: null, heldBytes: null }),
    };
    const r = runBench(bench, { runs: 1, warmups: 0, mode: 'quick' });
    // Two laps of ~5 ms over 2 ops: ~5 ms per loop, far from the ~25 ms of a whole loop.
    expect(r.median).toBeGreaterThanOrEqual(5);
    expect(r.median).toBeLessThan(15);
  });

  it('combines extras: numbers as the median of the timed runs, arrays as the last run', () => {
    let run = 0;
    const values = [100, 3, 1, 2];
    const bench: Bench<number> = {
      workload: 'T3',
      variant: 'extra',
      unit: 'ns',
      ops: 1,
      params: {},
      setup: () => run++,
      timed: () => {},
      verify: () => {},
      extra: (r) => ({ seconds: values[r], collections: [r, r], label: `run ${r}` }),
      teardown: () => ({ peakBytes: null, heldBytes: null }),
    };
    const r = runBench(bench, { runs: 3, warmups: 1, mode: 'quick' });
    // The warm-up's 100 is left out: median of 3, 1, 2.
    expect(r.extra).toEqual({ seconds: 2, collections: [3, 3], label: 'run 3' });
  });

  it('scales milliseconds into the unit', () => {
    expect(unitScale('ns/pair')).toBe(1e6);
    expect(unitScale('ms')).toBe(1);
    expect(unitScale('s/loop')).toBe(1e-3);
    expect(() => unitScale('parsecs')).toThrow(RangeError);
  });
});

describe('record shape checks', () => {
  it('rejects records that lack fields or break min ≤ median ≤ max', () => {
    const good = runBench(counterBench([]), { runs: 1, warmups: 0, mode: 'quick' });
    const { median: _m, ...noMedian } = good;
    expect(() => assertRecord(noMedian)).toThrow("lacks 'median'");
    expect(() => assertRecord({ ...good, min: good.max + 1 })).toThrow('min ≤ median ≤ max');
    expect(() => assertRecord({ ...good, peakBytes: '1' })).toThrow('peakBytes');
    expect(() => assertRecord({ ...good, samples: [] })).toThrow('samples');
  });

  it('keeps failures as records with an error', () => {
    const f = failedRecord(
      { workload: 'A1', group: 'A1', variant: 'raw', unit: 'ns/pair', params: {}, mode: 'full' },
      'boom',
    );
    assertRecord(f);
    expect(f.error).toBe('boom');
    expect(f.runs).toBe(0);
  });
});
