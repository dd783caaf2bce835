/**
 * The bench's main process: picks the workloads, runs every available variant in its own
 * worker, runs the CPython side, then prints the tables (stdout) and writes --json. Progress
 * goes to stderr while it runs. Exit status 1 when any variant failed (threw, crashed or
 * produced a wrong result).
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs, USAGE, variantSelected, type CliArgs } from './args.js';
import type { Bench, Mode, Workload } from './bench.js';
import { loadEnv, type BenchEnv } from './env.js';
import { fmtNum, renderColumns } from './format.js';
import { MICRO_VARIANTS, type MicroResult } from './micro.js';
import { runWorker } from './protocol.js';
import { findPythons, runPython, type PythonInfo, type PythonResult } from './python.js';
import { failedRecord, type BenchRecord } from './record.js';
import { renderTables } from './table.js';
import { WORKLOADS, workloadById } from './workloads/index.js';

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};

function selectWorkloads(args: CliArgs, env: BenchEnv): Workload<BenchEnv>[] {
  if (args.workloads === null) {
    return WORKLOADS.filter((w) => w.variants(env).some((v) => v.available));
  }
  return args.workloads.map((id) => {
    const w = workloadById(id);
    if (!w)
      throw new Error(`unknown workload '${id}' (known: ${WORKLOADS.map((x) => x.id).join(', ')})`);
    return w;
  });
}

async function runVariant(
  w: Workload<BenchEnv>,
  variant: string,
  env: BenchEnv,
  mode: Mode,
  args: CliArgs,
): Promise<BenchRecord[]> {
  const outcome = await runWorker<BenchRecord[]>({
    kind: 'bench',
    workload: w.id,
    variant,
    mode,
    runs: args.runs,
    warmups: args.warmups,
  });
  if (outcome.result && outcome.exitCode === 0) return outcome.result;
  const why = [
    outcome.signal
      ? `worker killed by ${outcome.signal}`
      : `worker exit status ${outcome.exitCode}`,
    ...outcome.stderrTail,
  ].join(': ');
  log(`  FAILED ${w.id} ${variant}: ${why}`);
  // Every case the worker did not report becomes a failed row in its own table.
  const done = outcome.result ?? [];
  const failed: BenchRecord[] = [];
  let benches: Bench[] = [];
  try {
    benches = w.benches(variant, env, { mode });
  } catch {
    // Not even constructible here: one row for the whole variant, below.
  }
  for (const b of benches) {
    if (done.some((r) => r.group === (b.group ?? b.workload) && r.row === b.row)) continue;
    const base = {
      workload: b.workload,
      group: b.group ?? b.workload,
      variant,
      unit: b.unit,
      params: b.params,
      mode,
    };
    failed.push(failedRecord(b.row === undefined ? base : { ...base, row: b.row }, why));
  }
  if (benches.length === 0) {
    failed.push(
      failedRecord(
        { workload: w.id, group: `${w.id} ${w.title}`, variant, unit: '?', params: {}, mode },
        why,
      ),
    );
  }
  return [...done, ...failed];
}

function pythonRecord(
  w: Workload<BenchEnv>,
  py: PythonInfo,
  r: PythonResult,
  mode: Mode,
  requested: number,
): BenchRecord {
  const notes = [`${r.implementation} ${r.python}`];
  if (r.runs < requested)
    notes.push(`${r.runs} timed runs, not ${requested} (≈${fmtNum(r.median)} ${r.unit} each)`);
  const params = { ...r.params };
  const extra: Record<string, number | string | number[]> = {
    ...(r.extra ?? {}),
    gcThreshold: r.gc_threshold,
  };
  return {
    workload: w.id,
    group: w.python?.group ?? `${w.id} ${w.title}`,
    variant: py.label,
    unit: r.unit,
    median: r.median,
    min: r.min,
    max: r.max,
    runs: r.runs,
    warmups: r.warmups,
    samples: r.samples,
    cpuMedian: r.cpu_median,
    peakBytes: null,
    heldBytes: null,
    params,
    mode,
    note: notes.join('; '),
    extra,
  };
}

async function runCPython(
  w: Workload<BenchEnv>,
  pythons: readonly PythonInfo[],
  mode: Mode,
  args: CliArgs,
): Promise<BenchRecord[]> {
  const spec = w.python!;
  const runs = spec.runs?.({ mode }, args.runs) ?? args.runs;
  const argv = [...spec.args({ mode }), '--runs', String(runs), '--warmups', String(args.warmups)];
  const out: BenchRecord[] = [];
  for (const run of await runPython(spec.script, argv, { pythons, log })) {
    if (!variantSelected(run.python.label, args.variants)) continue;
    const group = spec.group ?? `${w.id} ${w.title}`;
    if ('error' in run) {
      log(`  FAILED ${w.id} ${run.python.label}: ${run.error}`);
      out.push(
        failedRecord(
          { workload: w.id, group, variant: run.python.label, unit: '?', params: {}, mode },
          run.error,
        ),
      );
      continue;
    }
    try {
      spec.verify(run.result, { mode });
      out.push(pythonRecord(w, run.python, run.result, mode, args.runs));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      log(`  FAILED ${w.id} ${run.python.label}: ${message}`);
      out.push(
        failedRecord(
          {
            workload: w.id,
            group,
            variant: run.python.label,
            unit: run.result.unit,
            params: {},
            mode,
          },
          message,
        ),
      );
    }
  }
  return out;
}

async function runMicroSuite(args: CliArgs, env: BenchEnv): Promise<number> {
  const results: MicroResult[] = [];
  let failed = false;
  for (const variant of MICRO_VARIANTS) {
    if (!variantSelected(variant, args.variants)) continue;
    const why = env.allocators.missing.get(variant);
    if (why !== undefined) {
      log(`micro: ${variant} not available (${why})`);
      continue;
    }
    log(`micro: ${variant}`);
    const o = await runWorker<MicroResult[]>({ kind: 'micro', variant, quick: args.quick });
    if (o.result && o.exitCode === 0) results.push(...o.result);
    else {
      failed = true;
      log(`micro: ${variant} FAILED (exit ${o.exitCode ?? o.signal})`);
    }
  }
  const rows = [['variant', 'size', 'ops/sec', '± rme', 'ns/pair', 'samples']];
  for (const r of results) {
    rows.push([
      r.variant,
      String(r.size),
      Math.round(r.hz).toLocaleString('en-US'),
      `±${r.rme.toFixed(2)}%`,
      fmtNum(1e9 / r.hz),
      String(r.samples),
    ]);
  }
  process.stdout.write(
    `benchmark.js micro-suite: one malloc+free pair${args.quick ? '   [QUICK MODE]' : ''}\n` +
      renderColumns(rows, [false, true, true, true, true, true]) +
      '\n',
  );
  return failed ? 1 : 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const mode: Mode = args.quick ? 'quick' : 'full';
  const env = await loadEnv();
  for (const [name, why] of env.allocators.missing)
    log(`note: variant ${name} unavailable: ${why}`);
  if (args.micro) return runMicroSuite(args, env);

  const workloads = selectWorkloads(args, env);
  const wantPython =
    args.python &&
    workloads.some((w) => w.python) &&
    variantSelected('cpython-', args.variants ?? ['cpython']);
  const pythons = wantPython ? findPythons({ log }) : [];
  if (!args.python) log('CPython side by side: off (--no-python)');
  log(
    `pyheap bench: ${mode === 'quick' ? 'QUICK MODE (reduced sizes)' : 'full parameters'}; packages from ${args.built ? 'their built bundles (dist/)' : 'src/'}; workloads ${workloads.map((w) => w.id).join(', ')}; ${args.runs} timed runs after ${args.warmups} warm-up`,
  );

  const records: BenchRecord[] = [];
  for (const w of workloads) {
    log(`▶ ${w.id} ${w.title}`);
    const variants = w.variants(env);
    for (const v of variants) {
      if (!variantSelected(v.name, args.variants)) continue;
      if (!v.available) {
        log(`  ${w.id} ${v.name}: not available (${v.reason})`);
        continue;
      }
      log(`  ${w.id} ${v.name}: worker started`);
      records.push(...(await runVariant(w, v.name, env, mode, args)));
    }
    if (w.python && pythons.length > 0) records.push(...(await runCPython(w, pythons, mode, args)));
  }

  const header = [
    `pyheap bench — ${mode === 'quick' ? 'QUICK MODE: reduced sizes, for smoke runs only; do not quote these numbers' : 'full parameters (shared/bench/WORKLOADS.md)'}`,
    `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${new Date().toISOString()}; ${args.runs} timed runs after ${args.warmups} warm-up; each variant in its own process`,
    `ratios: × the reference (A*: pymalloc, G*/R*: CPython); compare only within one run (shared, noisy machine)`,
  ].join('\n');
  const references = new Map(WORKLOADS.map((w) => [w.id, w.reference]));
  process.stdout.write(
    `\n${header}\n\n${records.length > 0 ? renderTables(records, references, mode) : '(no results)'}\n`,
  );
  if (args.json) {
    writeFileSync(args.json, JSON.stringify(records, null, 2) + '\n');
    log(`wrote ${records.length} records to ${args.json}`);
  }
  const failures = records.filter((r) => r.error !== undefined);
  if (failures.length > 0) {
    const names = failures.map((r) => `${r.group}${r.row ? ' ' + r.row : ''} ${r.variant}`);
    log(
      `${failures.length} case(s) FAILED: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`,
    );
    return 1;
  }
  return 0;
}
