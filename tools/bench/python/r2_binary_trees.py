"""R2 binary-trees (WORKLOADS.md; the Benchmarks Game program), CPython side.

Single-threaded binary-trees at max depth 18 (min depth 4): a stretch tree of depth 19, a
long-lived tree of depth 18, then for every even depth d from 4 to 18, 2^(18 - d + 4) trees
of depth d built and checked (the check is the node count). Nodes are 2-slot objects
(left, right): tuples by default, as the Benchmarks Game's Python programs use, or a class
with __slots__ with --node slots. Collection stays at the interpreter's default.
Timed: the whole program. The check lines must match the Benchmarks Game output.

Also reported (``extra``): what one node takes from pymalloc. ``sys.getsizeof`` of a
GC-tracked object already includes its GC header (getsizeof = __sizeof__ + the PyGC_Head);
pymalloc hands out blocks in multiples of 16 bytes on 64-bit builds (ALIGNMENT, 3.8+), so
the block is getsizeof rounded up to 16: 56 -> 64 bytes for a 2-tuple.
"""

import sys

from bench_common import check, measure, parse_args


class Node(object):
    __slots__ = ("left", "right")

    def __init__(self, left, right):
        self.left = left
        self.right = right


def make_tuple_tree(depth):
    if depth == 0:
        return (None, None)
    depth -= 1
    return (make_tuple_tree(depth), make_tuple_tree(depth))


def check_tuple_tree(node):
    left, right = node
    if left is None:
        return 1
    return 1 + check_tuple_tree(left) + check_tuple_tree(right)


def make_slots_tree(depth):
    if depth == 0:
        return Node(None, None)
    depth -= 1
    return Node(make_slots_tree(depth), make_slots_tree(depth))


def check_slots_tree(node):
    if node.left is None:
        return 1
    return 1 + check_slots_tree(node.left) + check_slots_tree(node.right)


def binary_trees(max_depth, make, check_tree, min_depth=4):
    lines = []
    max_depth = max(min_depth + 2, max_depth)
    stretch = max_depth + 1
    lines.append("stretch tree of depth %d\t check: %d" % (stretch, check_tree(make(stretch))))
    long_lived = make(max_depth)
    for depth in range(min_depth, max_depth + 1, 2):
        iterations = 2 ** (max_depth - depth + min_depth)
        total = 0
        for _ in range(iterations):
            total += check_tree(make(depth))
        lines.append("%d\t trees of depth %d\t check: %d" % (iterations, depth, total))
    lines.append("long lived tree of depth %d\t check: %d" % (max_depth, check_tree(long_lived)))
    return lines


def expected_lines(max_depth, min_depth=4):
    max_depth = max(min_depth + 2, max_depth)
    out = ["stretch tree of depth %d\t check: %d" % (max_depth + 1, 2 ** (max_depth + 2) - 1)]
    for depth in range(min_depth, max_depth + 1, 2):
        iterations = 2 ** (max_depth - depth + min_depth)
        out.append("%d\t trees of depth %d\t check: %d" % (iterations, depth, iterations * (2 ** (depth + 1) - 1)))
    out.append("long lived tree of depth %d\t check: %d" % (max_depth, 2 ** (max_depth + 1) - 1))
    return out


def node_bytes(node):
    """getsizeof, the GC header inside it, and the pymalloc block of one node object."""
    sample = (None, None) if node == "tuple" else Node(None, None)
    size = sys.getsizeof(sample)
    return {
        "getsizeof": size,
        "gcHeaderBytes": size - sample.__sizeof__(),
        "objectBytes": (size + 15) & ~15,
    }


def main():
    opts = parse_args(sys.argv[1:], {"depth": 18, "node": "tuple"})
    depth, node = opts["depth"], opts["node"]
    check(node in ("tuple", "slots"), "R2: --node must be tuple or slots")
    make, check_tree = (
        (make_tuple_tree, check_tuple_tree) if node == "tuple" else (make_slots_tree, check_slots_tree)
    )
    want = expected_lines(depth)

    def run_once(timer):
        timer.start()
        lines = binary_trees(depth, make, check_tree)
        timer.stop()
        check(lines == want, "R2: check lines differ:\n%s" % "\n".join(lines))
        return {"lines": lines}

    sizes = node_bytes(node)
    measure("R2", "s", {"depth": depth, "node": node}, opts, run_once, extra=lambda checks: sizes)


if __name__ == "__main__":
    main()
