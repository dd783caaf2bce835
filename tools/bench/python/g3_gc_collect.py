"""G3 pyperformance gc_collect (WORKLOADS.md), CPython side.

100 cycles of 21 nodes (a node has next and prev slots: a class with __slots__), each cycle
a doubly linked ring, built with automatic collection on at the default thresholds. One
loop = full collection, build, drop, timed full collection (must collect at least 2,100).
A run is 50 loops; the value is seconds per loop (timed collections only).
"""

import gc
import sys

from bench_common import check, measure, parse_args


class Node(object):
    __slots__ = ("next", "prev")


def make_ring(size):
    first = Node()
    last = first
    for _ in range(size - 1):
        node = Node()
        last.next = node
        node.prev = last
        last = node
    last.next = first
    first.prev = last
    return first


def main():
    opts = parse_args(sys.argv[1:], {"cycles": 100, "nodes": 21, "loops": 50})
    cycles, nodes, loops = opts["cycles"], opts["nodes"], opts["loops"]
    gc.enable()
    expected = cycles * nodes

    def run_once(timer):
        least = None
        for _ in range(loops):
            gc.collect()
            rings = [make_ring(nodes) for _ in range(cycles)]
            del rings
            timer.start()
            collected = gc.collect()
            timer.stop()
            check(collected >= expected, "G3: collected %d, expected >= %d" % (collected, expected))
            least = collected if least is None else min(least, collected)
        return {"minCollected": least}

    measure(
        "G3", "s/loop", {"cycles": cycles, "nodes": nodes, "loops": loops}, opts, run_once, ops=loops
    )


if __name__ == "__main__":
    main()
