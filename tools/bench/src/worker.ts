/**
 * Worker process: runs one variant of one workload (or the micro-suite of one allocator) and
 * hands its records to the CLI as one marked JSON line on stdout; progress goes to stderr.
 * Started by main.ts with --expose-gc and the @pyheap/source condition; never run by hand.
 */
import { loadEnv } from './env.js';
import { runMicro } from './micro.js';
import { failedRecord, type BenchRecord } from './record.js';
import { runBench } from './runner.js';
import { workloadById } from './workloads/index.js';
import { RESULT_MARKER, type WorkerJob } from './protocol.js';

const progress = (line: string): void => {
  process.stderr.write(line + '\n');
};

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as WorkerJob;
  const env = await loadEnv();
  if (job.kind === 'micro') {
    const results = runMicro(job.variant, env, job.quick, progress);
    process.stdout.write(RESULT_MARKER + JSON.stringify(results) + '\n');
    return;
  }
  const w = workloadById(job.workload);
  if (!w) throw new Error(`no workload ${job.workload}`);
  const records: BenchRecord[] = [];
  for (const bench of w.benches(job.variant, env, { mode: job.mode })) {
    try {
      records.push(
        runBench(bench, { runs: job.runs, warmups: job.warmups, mode: job.mode, progress }),
      );
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      progress(
        `  FAILED ${bench.group ?? bench.workload} ${bench.row ?? ''} ${bench.variant}: ${message}`,
      );
      if (e instanceof Error && e.stack) progress(e.stack.split('\n').slice(1, 6).join('\n'));
      const base = {
        workload: bench.workload,
        group: bench.group ?? bench.workload,
        variant: bench.variant,
        unit: bench.unit,
        params: bench.params,
        mode: job.mode,
      };
      records.push(
        failedRecord(bench.row === undefined ? base : { ...base, row: bench.row }, message),
      );
    }
  }
  process.stdout.write(RESULT_MARKER + JSON.stringify(records) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(
    `worker failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});
