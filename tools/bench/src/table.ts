/**
 * The end-of-run tables: one per group (workload case), median [min–max] in the group's
 * unit, CPU median, peak footprint, bytes held after freeing everything, and the ratio to
 * the reference variant (pymalloc for the allocator workloads, CPython for the collector and
 * refcount ones). Groups whose records have rows (A2's sizes) print as matrices: sizes down,
 * variants across, then the memory numbers in the same shape.
 */
import { unitScale, type Mode } from './bench.js';
import { fmtBytes, fmtNum, fmtRatio, renderColumns } from './format.js';
import type { BenchRecord } from './record.js';

/** Per-op time in ms, so records of different time units compare (null if the ops differ). */
function perOpMs(r: BenchRecord, like: BenchRecord): number | null {
  const op = (u: string): string => u.split('/').slice(1).join('/');
  if (op(r.unit) !== op(like.unit)) return null;
  return r.median / unitScale(r.unit);
}

/** The record the ratios of `records` divide by: the named variant, else the first that ran. */
export function referenceOf(
  records: readonly BenchRecord[],
  reference: string,
): BenchRecord | null {
  const ok = records.filter((r) => r.error === undefined);
  const named =
    reference === 'cpython'
      ? ok.find((r) => r.variant.startsWith('cpython-'))
      : ok.find((r) => r.variant === reference);
  return named ?? ok[0] ?? null;
}

export function ratioTo(r: BenchRecord, ref: BenchRecord | null): number | null {
  if (!ref || r.error !== undefined) return null;
  const a = perOpMs(r, ref);
  const b = perOpMs(ref, ref);
  return a === null || b === null || b === 0 ? null : a / b;
}

/**
 * The same ratio on CPU medians: on a loaded machine (other processes on the same cores) the
 * wall clock also counts time spent descheduled, CPU time does not.
 */
export function cpuRatioTo(r: BenchRecord, ref: BenchRecord | null): number | null {
  if (!ref || r.error !== undefined || r.cpuMedian === undefined || ref.cpuMedian === undefined) {
    return null;
  }
  const w = ratioTo(r, ref);
  if (w === null || ref.cpuMedian === 0 || r.median === 0 || ref.median === 0) return null;
  return (w * (r.cpuMedian / r.median)) / (ref.cpuMedian / ref.median);
}

function fmtExtra(extra: BenchRecord['extra']): string {
  if (!extra) return '';
  return Object.entries(extra)
    .map(
      ([k, v]) =>
        `${k}=${Array.isArray(v) ? `[${v.join(',')}]` : typeof v === 'number' ? fmtNum(v) : v}`,
    )
    .join(' ');
}

function cell(r: BenchRecord): string {
  return r.error !== undefined
    ? 'FAILED'
    : `${fmtNum(r.median)} [${fmtNum(r.min)}–${fmtNum(r.max)}]`;
}

function groupsOf(records: readonly BenchRecord[]): Map<string, BenchRecord[]> {
  const groups = new Map<string, BenchRecord[]>();
  for (const r of records) {
    const g = groups.get(r.group);
    if (g) g.push(r);
    else groups.set(r.group, [r]);
  }
  return groups;
}

function listTable(group: string, records: BenchRecord[], reference: string, mode: Mode): string {
  const ref = referenceOf(records, reference);
  const unit = records.find((r) => r.error === undefined)?.unit ?? records[0].unit;
  const rows: string[][] = [
    [
      'variant',
      `${unit} median [min–max]`,
      'cpu',
      'runs',
      'peak',
      'held',
      `×${ref?.variant ?? 'ref'}`,
      'cpu×',
      'note',
    ],
  ];
  for (const r of records) {
    rows.push([
      r.variant,
      cell(r),
      r.cpuMedian === undefined || r.error !== undefined ? '' : fmtNum(r.cpuMedian),
      r.error !== undefined ? '' : String(r.runs),
      fmtBytes(r.peakBytes),
      fmtBytes(r.heldBytes),
      fmtRatio(ratioTo(r, ref)),
      fmtRatio(cpuRatioTo(r, ref)),
      [r.error ? `ERROR: ${r.error}` : '', r.note ?? '', fmtExtra(r.extra)]
        .filter(Boolean)
        .join('; '),
    ]);
  }
  return `${title(group, mode)}\n${renderColumns(rows, [false, true, true, true, true, true, true, true, false])}`;
}

function title(group: string, mode: Mode): string {
  return mode === 'quick' ? `${group}   [QUICK MODE: reduced sizes, do not quote]` : group;
}

function matrixTable(group: string, records: BenchRecord[], reference: string, mode: Mode): string {
  const rowsOrder = [...new Set(records.map((r) => r.row!))];
  const variants = [...new Set(records.map((r) => r.variant))];
  const at = (row: string, v: string): BenchRecord | undefined =>
    records.find((r) => r.row === row && r.variant === v);
  const unit = records.find((r) => r.error === undefined)?.unit ?? records[0].unit;
  const refName = referenceOf(records, reference)?.variant ?? reference;
  const time: string[][] = [[`size`, ...variants.map((v) => (v === refName ? `${v} (ref)` : v))]];
  for (const row of rowsOrder) {
    const ref = referenceOf(
      records.filter((r) => r.row === row),
      reference,
    );
    time.push([
      row,
      ...variants.map((v) => {
        const r = at(row, v);
        if (!r) return '';
        const ratio = r.variant === ref?.variant ? '' : ` ${fmtRatio(ratioTo(r, ref))}`;
        return cell(r) + ratio;
      }),
    ]);
  }
  const parts = [
    `${title(group, mode)}  (${unit}: median [min–max], ×${refName})`,
    renderColumns(time, [false, ...variants.map(() => true)]),
  ];
  if (records.some((r) => r.heldBytes !== null || r.peakBytes !== null)) {
    const mem: string[][] = [['size', ...variants]];
    for (const row of rowsOrder) {
      mem.push([
        row,
        ...variants.map((v) => {
          const r = at(row, v);
          return !r || r.error ? '' : `${fmtBytes(r.heldBytes)} / ${fmtBytes(r.peakBytes)}`;
        }),
      ]);
    }
    parts.push(
      `footprint after the frees / peak footprint`,
      renderColumns(mem, [false, ...variants.map(() => true)]),
    );
  }
  const notes = matrixNotes(records);
  if (notes.length > 0) parts.push(notes.map((n) => `  * ${n}`).join('\n'));
  return parts.join('\n');
}

/** Notes of a matrix: once per variant when every row has it, else with the rows it is on. */
function matrixNotes(records: BenchRecord[]): string[] {
  const out: string[] = [];
  const byText = new Map<string, { variants: Set<string>; rows: Set<string> }>();
  for (const v of new Set(records.map((r) => r.variant))) {
    const mine = records.filter((r) => r.variant === v);
    const errors = new Map<string, string[]>();
    for (const r of mine)
      if (r.error) errors.set(r.error, [...(errors.get(r.error) ?? []), r.row!]);
    for (const [error, rows] of errors) {
      const where = rows.length === mine.length ? 'every size' : `size ${rows.join(', ')}`;
      out.push(`${v} ${where}: ERROR ${error}`);
    }
    const texts = new Set(mine.flatMap((r) => (r.note ? r.note.split('; ') : [])));
    for (const t of texts) {
      const on = mine.filter((r) => r.note?.split('; ').includes(t));
      const key = on.length === mine.length ? `${v}: ${t}` : t;
      const e = byText.get(key) ?? { variants: new Set(), rows: new Set() };
      e.variants.add(v);
      if (on.length !== mine.length) on.forEach((r) => e.rows.add(r.row!));
      byText.set(key, e);
    }
  }
  for (const [text, e] of byText) {
    out.push(
      e.rows.size === 0
        ? text
        : `size ${[...e.rows].join(', ')} (${[...e.variants].join(', ')}): ${text}`,
    );
  }
  return out;
}

/** Every group of `records` as text; `references` maps a workload id to its reference. */
export function renderTables(
  records: readonly BenchRecord[],
  references: ReadonlyMap<string, string>,
  mode: Mode,
): string {
  const out: string[] = [];
  for (const [group, recs] of groupsOf(records)) {
    const reference = references.get(recs[0].workload) ?? recs[0].variant;
    out.push(
      recs.some((r) => r.row !== undefined)
        ? matrixTable(group, recs, reference, mode)
        : listTable(group, recs, reference, mode),
    );
  }
  return out.join('\n\n');
}
