"""G2 gc-garbage-cycles (WORKLOADS.md), CPython side.

500,000 pairs a = [b], b = [a] (two 1-slot lists pointing at each other), built with
automatic collection off and held by one list that is then dropped, so the pairs live on
only through their cycles. Timed: one full collection, which must report 1,000,000
collected, freeing included. Rebuilt for every run.
"""

import gc
import sys

from bench_common import check, measure, parse_args, progress


def build(pairs):
    hold = []
    for _ in range(pairs):
        a = [None]
        b = [a]
        a[0] = b
        hold.append(a)
    return hold


def main():
    opts = parse_args(sys.argv[1:], {"pairs": 500000})
    pairs = opts["pairs"]
    gc.disable()

    def run_once(timer):
        gc.collect()
        hold = build(pairs)
        del hold
        timer.start()
        collected = gc.collect()
        timer.stop()
        check(
            collected == 2 * pairs,
            "G2: the collection reported %d collected, expected %d" % (collected, 2 * pairs),
        )
        return {"collected": collected}

    progress("  G2: %d pairs per run" % pairs)
    measure("G2", "s", {"pairs": pairs}, opts, run_once)
    gc.enable()


if __name__ == "__main__":
    main()
