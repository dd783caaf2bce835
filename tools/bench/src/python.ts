/**
 * The CPython side by side: finds Python interpreters and runs the scripts of
 * tools/bench/python, each of which prints one JSON line (see python/bench_common.py).
 *
 * Interpreters: `python3` on the PATH, plus every entry of PYHEAP_PYTHONS (comma-separated
 * command names or paths; `*` and `?` match inside one path segment, so a segment
 * `3.1*` under /root/.pyenv/versions picks several versions). The same interpreter reached twice
 * (a pyenv shim and its target) runs once. With none found, the CPython side is skipped with
 * a message and the bench goes on (WORKLOADS.md "CPython side by side").
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory of the Python scripts. */
export const PYTHON_DIR = fileURLToPath(new URL('../python/', import.meta.url));

export interface PythonInfo {
  /** What was run: a command name or a path. */
  readonly command: string;
  /** sys.executable, resolved. */
  readonly executable: string;
  /** '3.11.7'. */
  readonly version: string;
  /** 'CPython', 'PyPy'. */
  readonly implementation: string;
  /** Variant name in tables: 'cpython-3.11.7'. */
  readonly label: string;
}

/** The JSON line a script prints (python/bench_common.py `measure`). */
export interface PythonResult {
  readonly workload: string;
  readonly python: string;
  readonly implementation: string;
  readonly executable: string;
  /** 's' or 's/loop'. */
  readonly unit: string;
  readonly runs: number;
  readonly warmups: number;
  readonly samples: number[];
  readonly cpu_samples: number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly cpu_median: number;
  readonly params: Record<string, number | string>;
  /** One object of check values per timed run. */
  readonly checks: Record<string, unknown>[];
  readonly gc_threshold: number[];
  readonly extra?: Record<string, number | string | number[]>;
}

export type PythonRun =
  | { readonly python: PythonInfo; readonly result: PythonResult }
  | { readonly python: PythonInfo; readonly error: string };

export interface FindPythonsOpts {
  /** Environment to read PATH and PYHEAP_PYTHONS from. Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where messages go. Default console.error. */
  readonly log?: (line: string) => void;
}

export interface RunPythonOpts extends FindPythonsOpts {
  /** Interpreters to use; default findPythons(opts). */
  readonly pythons?: readonly PythonInfo[];
  /** Kill a script after this long. Default 30 minutes. */
  readonly timeoutMs?: number;
  /** Progress lines of the script (its stderr). Default: `log`. */
  readonly progress?: (line: string) => void;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable called `name` on `path` (a PATH string), or null. */
export function whichOnPath(name: string, path: string | undefined): string | null {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** Paths matching a pattern whose segments may hold `*` and `?` (sorted). */
export function expandPathPattern(pattern: string): string[] {
  if (!/[*?]/.test(pattern)) return [pattern];
  const absolute = pattern.startsWith('/');
  let bases = [absolute ? '/' : '.'];
  for (const segment of pattern.split('/').filter((s) => s !== '')) {
    const next: string[] = [];
    if (!/[*?]/.test(segment)) {
      for (const b of bases) next.push(join(b, segment));
    } else {
      const re = new RegExp(
        '^' +
          segment
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '.*')
            .replace(/\?/g, '.') +
          '$',
      );
      for (const b of bases) {
        let names: string[];
        try {
          names = readdirSync(b);
        } catch {
          continue;
        }
        for (const n of names.sort()) if (re.test(n)) next.push(join(b, n));
      }
    }
    bases = next;
  }
  return bases;
}

const PROBE =
  'import platform, sys; print(platform.python_implementation(), platform.python_version(), sys.executable)';

function probe(command: string, env: NodeJS.ProcessEnv): PythonInfo | null {
  const r = spawnSync(command, ['-c', PROBE], { env, encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0 || typeof r.stdout !== 'string') return null;
  const [implementation, version, ...exe] = r.stdout.trim().split(' ');
  if (!implementation || !version || exe.length === 0) return null;
  let executable = exe.join(' ');
  try {
    executable = realpathSync(executable);
  } catch {
    // keep what the interpreter said
  }
  return {
    command,
    executable,
    version,
    implementation,
    label: `${implementation.toLowerCase()}-${version}`,
  };
}

/** Interpreters to compare against, deduplicated; logs and returns [] when there are none. */
export function findPythons(opts: FindPythonsOpts = {}): PythonInfo[] {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => console.error(line));
  const commands: string[] = [];
  const onPath = whichOnPath('python3', env.PATH);
  if (onPath) commands.push(onPath);
  for (const entry of (env.PYHEAP_PYTHONS ?? '').split(',').map((s) => s.trim())) {
    if (entry === '') continue;
    if (entry.includes('/')) {
      const found = expandPathPattern(entry).filter(isExecutable);
      if (found.length === 0) log(`PYHEAP_PYTHONS: nothing executable at ${entry}`);
      commands.push(...found);
    } else {
      const found = whichOnPath(entry, env.PATH);
      if (found) commands.push(found);
      else log(`PYHEAP_PYTHONS: ${entry} is not on the PATH`);
    }
  }
  const seen = new Set<string>();
  const out: PythonInfo[] = [];
  for (const c of commands) {
    const info = probe(c, env);
    if (!info) {
      log(`${c} does not run as Python; skipped`);
      continue;
    }
    if (seen.has(info.executable)) continue;
    seen.add(info.executable);
    out.push(info);
  }
  if (out.length === 0) {
    log(
      'CPython side by side skipped: no python3 on the PATH (PYHEAP_PYTHONS can name interpreters).',
    );
  }
  return out;
}

/** Parse the last JSON line of a script's stdout; throws when it is not a result. */
export function parsePythonOutput(stdout: string): PythonResult {
  const lines = stdout.split('\n').filter((l) => l.trim().startsWith('{'));
  if (lines.length === 0) throw new Error('the script printed no JSON line');
  const r = JSON.parse(lines[lines.length - 1]) as PythonResult;
  for (const key of ['workload', 'unit', 'median', 'min', 'max', 'samples', 'checks'] as const) {
    if (!(key in r)) throw new Error(`the script's JSON lacks '${key}'`);
  }
  return r;
}

function runOne(
  python: PythonInfo,
  scriptPath: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  progress: (line: string) => void,
): Promise<PythonRun> {
  return new Promise((resolve) => {
    const child = spawn(python.executable, [scriptPath, ...args], {
      cwd: PYTHON_DIR,
      // No __pycache__ next to the scripts (bench_common is imported by every one).
      env: { ...env, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderrTail: string[] = [];
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      pending += d;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        progress(line);
        stderrTail = [...stderrTail.slice(-19), line];
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ python, error: e.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pending) stderrTail.push(pending);
      if (code !== 0) {
        const why = signal ? `killed by ${signal}` : `exit status ${code}`;
        resolve({ python, error: `${why}: ${stderrTail.slice(-5).join(' | ')}` });
        return;
      }
      try {
        resolve({ python, result: parsePythonOutput(stdout) });
      } catch (e) {
        resolve({ python, error: e instanceof Error ? e.message : String(e) });
      }
    });
  });
}

/**
 * Run `script` (a file name in tools/bench/python) with `args` on every interpreter found
 * (or given), one after the other. Returns one entry per interpreter — a result or an error —
 * and [] (after a printed message) when there is no interpreter at all.
 */
export async function runPython(
  script: string,
  args: readonly string[],
  opts: RunPythonOpts = {},
): Promise<PythonRun[]> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => console.error(line));
  const pythons = opts.pythons ?? findPythons({ env, log });
  const out: PythonRun[] = [];
  for (const py of pythons) {
    out.push(
      await runOne(
        py,
        join(PYTHON_DIR, script),
        args,
        env,
        opts.timeoutMs ?? 30 * 60_000,
        opts.progress ?? log,
      ),
    );
  }
  return out;
}
