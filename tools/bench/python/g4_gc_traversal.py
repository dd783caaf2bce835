"""G4 pyperformance gc_traversal (WORKLOADS.md), CPython side.

1,000 nested lists: list n holds n references to list n-1 (about 500,000 references), built
once. One loop = full collection, then the timed full collection (returns 0). A run is 50
loops; the value is seconds per loop.
"""

import gc
import sys

from bench_common import check, measure, parse_args


def build(levels):
    current = []
    for n in range(levels):
        new = [current] * n
        current = new
    return current


def main():
    opts = parse_args(sys.argv[1:], {"levels": 1000, "loops": 50})
    levels, loops = opts["levels"], opts["loops"]
    root = build(levels)
    refs = 0
    node = root
    while node:
        refs += len(node)
        node = node[0]
    check(refs == levels * (levels - 1) // 2, "G4: %d references, expected %d" % (refs, levels * (levels - 1) // 2))

    def run_once(timer):
        for _ in range(loops):
            gc.collect()
            timer.start()
            collected = gc.collect()
            timer.stop()
            check(collected == 0, "G4: the timed collection returned %d, expected 0" % collected)
        return {"collected": 0, "references": refs}

    measure("G4", "s/loop", {"levels": levels, "loops": loops}, opts, run_once, ops=loops)
    del root


if __name__ == "__main__":
    main()
