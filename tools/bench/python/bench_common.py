"""Shared pieces of the CPython side of pyheap's bench (tools/bench/python).

Every script here is the Python version of one workload of shared/bench/WORKLOADS.md, with
the same parameters as the TypeScript side. Each one times only its "timed" region, runs
one warm-up and then 5 timed runs (``--runs``/``--warmups`` change that), checks its own
result and prints exactly one JSON line on stdout:

    {"workload": "G1", "python": "3.11.7", "unit": "s", "runs": 5, "warmups": 1,
     "samples": [...], "cpu_samples": [...], "median": ..., "min": ..., "max": ...,
     "cpu_median": ..., "params": {...}, "checks": [{...} per timed run], "extra": {...}}

Progress goes to stderr. A wrong result exits with status 1 and a message on stderr.
"""

import gc
import json
import platform
import sys
import time

MASK32 = 0xFFFFFFFF
SEED = 1


def xorshift32(x):
    """One xorshift32 step (13/17/5) on an unsigned 32-bit state: the workloads' PRNG."""
    x ^= (x << 13) & MASK32
    x ^= x >> 17
    x ^= (x << 5) & MASK32
    return x


def median(values):
    s = sorted(values)
    n = len(s)
    mid = n // 2
    return s[mid] if n % 2 == 1 else (s[mid - 1] + s[mid]) / 2.0


def parse_args(argv, defaults):
    """``--name value`` pairs for ints in ``defaults`` plus --runs/--warmups; strings stay strings."""
    opts = dict(defaults)
    opts.setdefault("runs", 5)
    opts.setdefault("warmups", 1)
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("--") or i + 1 >= len(argv):
            fail("bad argument %r (expected --name value)" % arg)
        key = arg[2:].replace("-", "_")
        if key not in opts:
            fail("unknown option --%s (known: %s)" % (key, ", ".join(sorted(opts))))
        value = argv[i + 1]
        opts[key] = int(value) if isinstance(opts[key], int) else value
        i += 2
    return opts


def fail(message):
    sys.stderr.write("FAILED: %s\n" % message)
    sys.exit(1)


def check(cond, message):
    if not cond:
        fail(message)


def progress(message):
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


class Timer:
    """Wall (perf_counter) and process CPU (process_time) seconds, accumulated over regions."""

    def __init__(self):
        self.wall = 0.0
        self.cpu = 0.0
        self._w = 0.0
        self._c = 0.0

    def start(self):
        self._c = time.process_time()
        self._w = time.perf_counter()

    def stop(self):
        w = time.perf_counter()
        c = time.process_time()
        self.wall += w - self._w
        self.cpu += c - self._c


def measure(workload, unit, params, opts, run_once, ops=1, extra=None):
    """Run ``run_once(timer)`` warm-up + timed times and print the JSON line.

    ``run_once`` times its own timed region with the timer it is given, checks its result
    (calling ``fail`` when wrong) and returns a dict of check values. Values are seconds
    divided by ``ops`` (50 loops → seconds per loop).
    """
    runs, warmups = opts["runs"], opts["warmups"]
    samples, cpu_samples, checks = [], [], []
    for r in range(warmups + runs):
        warm = r < warmups
        progress(
            "  %s cpython-%s: %s"
            % (workload, platform.python_version(),
               "warm-up %d/%d" % (r + 1, warmups) if warm else "run %d/%d" % (r - warmups + 1, runs))
        )
        gc.collect()
        timer = Timer()
        result = run_once(timer)
        if not warm:
            samples.append(timer.wall / ops)
            cpu_samples.append(timer.cpu / ops)
            checks.append(result)
    record = {
        "workload": workload,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "unit": unit,
        "runs": runs,
        "warmups": warmups,
        "samples": samples,
        "cpu_samples": cpu_samples,
        "median": median(samples),
        "min": min(samples),
        "max": max(samples),
        "cpu_median": median(cpu_samples),
        "params": params,
        "checks": checks,
        "gc_threshold": list(gc.get_threshold()),
    }
    if extra is not None:
        record["extra"] = extra(checks)
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()
