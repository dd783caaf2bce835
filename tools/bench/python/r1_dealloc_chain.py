"""R1 dealloc-chain (WORKLOADS.md), CPython side.

A singly linked chain of 1,000,000 1-slot containers (a class with __slots__ = ('next',)),
held only by its head. Timed: dropping the head, which frees the whole chain by reference
counting (CPython's trashcan keeps the C stack flat). The number of tracked objects must
drop by exactly 1,000,000. Automatic collection is off, so only reference counting frees.
"""

import gc
import sys

from bench_common import check, measure, parse_args


class Link(object):
    __slots__ = ("next",)


def build(n):
    head = None
    for _ in range(n):
        link = Link()
        link.next = head
        head = link
    return head


def main():
    opts = parse_args(sys.argv[1:], {"n": 1000000})
    n = opts["n"]
    gc.disable()

    def run_once(timer):
        holder = [build(n)]
        before = len(gc.get_objects())
        timer.start()
        holder[0] = None
        timer.stop()
        freed = before - len(gc.get_objects())
        check(freed == n, "R1: %d objects freed, expected %d" % (freed, n))
        return {"freed": freed}

    measure("R1", "s", {"n": n}, opts, run_once)
    gc.enable()


if __name__ == "__main__":
    main()
