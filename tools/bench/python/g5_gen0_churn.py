"""G5 gen0-churn (WORKLOADS.md), CPython side.

10,000,000 containers that die young: 5,000,000 iterations that each make a 2-cycle of
1-slot lists (a = [None]; b = [a]; a[0] = b) and drop it, with automatic collection on at
the default thresholds. Timed: the whole loop. Also reported: the time spent inside
collections (measured with gc.callbacks) and the collections per generation (gc.get_stats).
After the loop an untimed full collection frees the last young cycles; the collected totals
must add up to every container made.
"""

import gc
import sys
import time

from bench_common import check, measure, parse_args


def churn(iterations):
    for _ in range(iterations):
        a = [None]
        b = [a]
        a[0] = b


def main():
    opts = parse_args(sys.argv[1:], {"iterations": 5000000})
    iterations = opts["iterations"]
    made = 2 * iterations

    def run_once(timer):
        gc.enable()
        gc.collect()
        in_gc = [0.0, 0.0]

        def on_gc(phase, info):
            if phase == "start":
                in_gc[1] = time.perf_counter()
            else:
                in_gc[0] += time.perf_counter() - in_gc[1]

        before = gc.get_stats()
        gc.callbacks.append(on_gc)
        timer.start()
        churn(iterations)
        timer.stop()
        gc.callbacks.remove(on_gc)
        during = gc.get_stats()
        final = gc.collect()
        collections = [during[g]["collections"] - before[g]["collections"] for g in range(3)]
        collected = sum(during[g]["collected"] - before[g]["collected"] for g in range(3)) + final
        check(collected == made, "G5: %d collected in all, expected %d" % (collected, made))
        return {"collected": collected, "collections": collections, "gcSeconds": in_gc[0]}

    def extra(checks):
        gc_seconds = sorted(c["gcSeconds"] for c in checks)
        return {
            "gcSecondsMedian": gc_seconds[len(gc_seconds) // 2],
            "collections": checks[-1]["collections"],
        }

    measure("G5", "s", {"iterations": iterations}, opts, run_once, extra=extra)


if __name__ == "__main__":
    main()
