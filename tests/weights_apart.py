#!/usr/bin/python3
"""The largest difference between the weights and biases of two network2.py JSON files.

    /usr/bin/python3 tests/weights_apart.py A.json B.json    # prints "max |a - b| = 1.2e-13 over N values"

Exit status 2 when a file cannot be read or the two networks differ in shape."""
import json
import sys


def flat(x):
    if isinstance(x, list):
        for v in x:
            yield from flat(v)
    else:
        yield float(x)


def values(path):
    with open(path) as f:
        d = json.load(f)
    return d["sizes"], list(flat(d["weights"])) + list(flat(d["biases"]))


try:
    (sa, a), (sb, b) = values(sys.argv[1]), values(sys.argv[2])
except (OSError, ValueError, KeyError, IndexError) as e:
    print(f"weights_apart: {e}", file=sys.stderr)
    sys.exit(2)
if sa != sb or len(a) != len(b) or not a:
    print(f"weights_apart: networks {sa} and {sb} differ ({len(a)} and {len(b)} values)", file=sys.stderr)
    sys.exit(2)
print(f"max |a - b| = {max(abs(x - y) for x, y in zip(a, b)):.3g} over {len(a)} values")
