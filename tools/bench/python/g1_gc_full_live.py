"""G1 gc-full-live (WORKLOADS.md), CPython side.

N container objects with two reference slots (a class with __slots__ = ('a', 'b')), all held
by one root list. Slot k of node i points to node j = draw % N (j + 1 when j == i), drawn in
the order node 0 slot 0, node 0 slot 1, node 1 slot 0, ... Automatic collection is off while
building and stays off. The graph is built once; each run does two untimed full collections
and then the timed one, which must find nothing to free (gc.collect() returns 0).
"""

import gc
import sys

from bench_common import SEED, check, measure, parse_args, progress, xorshift32


class Node(object):
    __slots__ = ("a", "b")


def build(n):
    nodes = [Node() for _ in range(n)]
    x = SEED
    for i in range(n):
        node = nodes[i]
        x = xorshift32(x)
        j = x % n
        if j == i:
            j = (j + 1) % n
        node.a = nodes[j]
        x = xorshift32(x)
        j = x % n
        if j == i:
            j = (j + 1) % n
        node.b = nodes[j]
    return nodes, x


def main():
    opts = parse_args(sys.argv[1:], {"n": 1000000})
    n = opts["n"]
    gc.disable()
    gc.collect()
    progress("  G1: building %d nodes" % n)
    root, final_state = build(n)
    tracked = len(gc.get_objects())
    # Spot checks of the graph against the PRNG: node 0's slots are the first two draws.
    x1 = xorshift32(SEED)
    x2 = xorshift32(x1)
    j1 = x1 % n if x1 % n != 0 else 1 % n
    j2 = x2 % n if x2 % n != 0 else 1 % n
    check(root[0].a is root[j1] and root[0].b is root[j2], "G1: node 0's slots do not match the PRNG")

    def run_once(timer):
        gc.collect()
        gc.collect()
        timer.start()
        collected = gc.collect()
        timer.stop()
        check(collected == 0, "G1: the timed collection freed %d objects, expected 0" % collected)
        return {"collected": collected, "tracked": tracked}

    measure(
        "G1",
        "s",
        {"n": n, "seed": SEED},
        opts,
        run_once,
        extra=lambda checks: {"tracked": tracked, "prngFinal": final_state},
    )
    del root
    gc.enable()


if __name__ == "__main__":
    main()
