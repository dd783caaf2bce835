/**
 * CLI ↔ worker: the CLI starts `node --expose-gc --conditions=@pyheap/source --import tsx
 * worker.ts <job as JSON>`; the worker's stderr (progress) is passed through and its stdout
 * carries one line `RESULT_MARKER + JSON` with the results. Anything else on stdout is
 * forwarded to stderr so that it cannot corrupt the tables.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Mode } from './bench.js';

export const RESULT_MARKER = '@@pyheap-bench-result ';

export type WorkerJob =
  | { kind: 'bench'; workload: string; variant: string; mode: Mode; runs: number; warmups: number }
  | { kind: 'micro'; variant: string; quick: boolean };

export const WORKER_PATH = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** Node flags of the bench's processes: gc between runs, sources of the workspace, tsx. */
export function nodeFlags(): string[] {
  const source = builtPackages() ? [] : ['--conditions=@pyheap/source'];
  return ['--expose-gc', ...source, '--import', import.meta.resolve('tsx')];
}

/** Set by cli.ts for `--built`: processes it starts load the packages' dist/ bundles. */
export const BUILT_ENV = 'PYHEAP_BENCH_BUILT';

/** True when this bench measures the built bundles (`--built`) rather than the sources. */
export function builtPackages(): boolean {
  return process.env[BUILT_ENV] === '1';
}

export interface WorkerOutcome<T> {
  /** Parsed results, or null when the worker printed none (it crashed or threw). */
  readonly result: T | null;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Last lines the worker wrote to stderr (the reason when it failed). */
  readonly stderrTail: string[];
}

/** Pull the marked result out of a worker's stdout; other lines go to `other`. */
export function parseWorkerStdout<T>(stdout: string, other: (line: string) => void): T | null {
  let result: T | null = null;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(RESULT_MARKER)) result = JSON.parse(line.slice(RESULT_MARKER.length)) as T;
    else if (line !== '') other(line);
  }
  return result;
}

export function runWorker<T>(job: WorkerJob): Promise<WorkerOutcome<T>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags(), WORKER_PATH, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      process.stderr.write(d);
      stderr = (stderr + d).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      const stderrTail = stderr
        .split('\n')
        .filter((l) => l.trim() !== '' && !/: (run|warm-up) \d+\/\d+$/.test(l))
        .slice(-3);
      const result = parseWorkerStdout<T>(stdout, (l) =>
        process.stderr.write(`  [worker stdout] ${l}\n`),
      );
      resolve({ result, exitCode, signal, stderrTail });
    });
  });
}
