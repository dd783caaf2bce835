/** Command line of `npm run bench` (see README.md "Flags"). */

export interface CliArgs {
  /** Workload ids to run; null = every workload that has an available variant. */
  workloads: string[] | null;
  /** Variant names to keep; null = all available. */
  variants: string[] | null;
  quick: boolean;
  /** Timed runs (after `warmups` untimed ones). */
  runs: number;
  warmups: number;
  json: string | null;
  python: boolean;
  micro: boolean;
  /** Measure the packages' built bundles (dist/, what npm installs) instead of src/. */
  built: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [flags]

  --workloads A1,A2,…   run these (default: every workload with an available variant;
                        naming G1–G5 or R1 runs their CPython side even before pyheap's)
  --variants a,b,…      only these variants (e.g. pymalloc,raw,cpython)
  --quick               smaller sizes for a smoke run (labelled QUICK in the output)
  --runs N              timed runs after the warm-up (default 5)
  --warmups N           untimed warm-up runs (default 1)
  --json FILE           write one record per workload case × variant to FILE
  --no-python           skip the CPython side by side
  --micro               benchmark.js micro-suite: malloc+free pairs, ops/sec ± rme
  --built               measure the built bundles (dist/, what npm installs; build first)
                        instead of the sources
  --help                this text

Environment: PYHEAP_PYTHONS="python3.12,/root/.pyenv/versions/*/bin/python3" adds interpreters.`;

function positiveInt(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min) {
    throw new Error(`${flag} needs an integer ≥ ${min}, got ${value ?? 'nothing'}`);
  }
  return n;
}

function list(flag: string, value: string | undefined): string[] {
  if (value === undefined || value.startsWith('--'))
    throw new Error(`${flag} needs a comma-separated list`);
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const a: CliArgs = {
    workloads: null,
    variants: null,
    quick: false,
    runs: 5,
    warmups: 1,
    json: null,
    python: true,
    micro: false,
    built: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] =
      argv[i].startsWith('--') && argv[i].includes('=')
        ? argv[i].split(/=(.*)/s, 2)
        : [argv[i], undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--workloads':
        a.workloads = list(flag, value()).map((w) => w.toUpperCase());
        break;
      case '--variants':
        a.variants = list(flag, value());
        break;
      case '--quick':
        a.quick = true;
        break;
      case '--runs':
        a.runs = positiveInt(flag, value(), 1);
        break;
      case '--warmups':
        a.warmups = positiveInt(flag, value(), 0);
        break;
      case '--json': {
        const v = value();
        if (!v) throw new Error('--json needs a file name');
        a.json = v;
        break;
      }
      case '--no-python':
        a.python = false;
        break;
      case '--micro':
        a.micro = true;
        break;
      case '--built':
        a.built = true;
        break;
      case '--help':
      case '-h':
        a.help = true;
        break;
      default:
        throw new Error(`unknown argument '${argv[i]}'\n\n${USAGE}`);
    }
  }
  return a;
}

/** True when `variant` passes a --variants filter ('cpython' matches every cpython-X.Y.Z). */
export function variantSelected(variant: string, filter: readonly string[] | null): boolean {
  if (filter === null) return true;
  return filter.some((f) => f === variant || (f === 'cpython' && variant.startsWith('cpython-')));
}
