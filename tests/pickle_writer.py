"""Writes the pickles tests/test_pickle.cpp reads (run with Debian's python3-numpy).

  pickle_writer.py book IDX_DIR OUT FORM           the book's mnist.pkl layout from the four IDX files
  pickle_writer.py tiny OUT FORM [VARIANT]         the same layout with 3, 2 and 2 made-up images
  pickle_writer.py evil OUT KIND MARKER            a pickle that runs `touch MARKER` when Python loads it
  pickle_writer.py load FILE                       Python's own pickle.load (runs whatever FILE says)

The book's layout: ((training images, labels), (validation ...), (test ...)), images float32
{N, 784} = byte / 256 (as the book's file has them), labels int64; training = the first 50,000
images of the training file, validation = the last 10,000, test = the t10k file.

FORM: "py2" writes what Python 2's cPickle wrote with protocol 2 (the book's file): byte strings as
SHORT_BINSTRING/BINSTRING, arrays as _reconstruct + BUILD, dtypes with the integer arguments of the
NumPy of that time; a number 1 to 5 is Python 3's pickle with that protocol; "default" and
"highest" are pickle.DEFAULT_PROTOCOL and pickle.HIGHEST_PROTOCOL. OUT ending in .gz is gzipped.

tiny image i of set s (0, 1, 2) has pixel j = ((101 s + 31 i + 7 j) % 256) / 256, label (s + 3 i) % 10.
VARIANT changes one thing: fortran, types, label10, label-1, features783, counts, pixel2, nan,
two-sets, lie, deep, list, object-labels (see variant() below).
"""
import gzip
import os
import pickle
import struct
import sys

import numpy as np

try:
    from numpy.core.multiarray import _reconstruct
    from numpy.core.numeric import _frombuffer
except ImportError:  # NumPy 2
    from numpy._core.multiarray import _reconstruct
    from numpy._core.numeric import _frombuffer

LIE = set()  # ids of arrays whose pickle claims one row more than the data holds


class Raw:
    """An array's bytes, written as one Python 2 str without copying them first."""

    def __init__(self, array):
        self.array = np.ascontiguousarray(array)


class Py2Pickler(pickle._Pickler):
    """What Python 2's cPickle wrote with protocol 2 for NumPy arrays (the pure-Python pickler of
    Python 3, told to write bytes as Python 2's str and arrays the way the NumPy of then did)."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_str(self, obj):
        data = memoryview(obj.array if isinstance(obj, Raw) else obj).cast("B")  # no copy of the array
        n = len(data)
        self.write(pickle.SHORT_BINSTRING + bytes([n]) if n < 256 else pickle.BINSTRING + struct.pack("<i", n))
        self.write(data)
        self.memoize(obj)

    dispatch[bytes] = dispatch[Raw] = save_str

    def reducer_override(self, obj):
        if isinstance(obj, np.ndarray):
            shape = (obj.shape[0] + 1,) + obj.shape[1:] if id(obj) in LIE else obj.shape
            return (_reconstruct, (np.ndarray, (0,), b"b"), (1, shape, obj.dtype, False, Raw(obj)))
        if isinstance(obj, np.dtype):
            return (np.dtype, (obj.str[1:].encode(), 0, 1), (3, obj.str[:1].encode(), None, None, None, -1, -1, 0))
        return NotImplemented


class LyingPickler(pickle.Pickler):
    """Python 3's pickler, except that arrays in LIE claim one row more than their data."""

    def __init__(self, file, protocol):
        super().__init__(file, protocol=protocol)
        self.protocol = protocol

    def reducer_override(self, obj):
        if isinstance(obj, np.ndarray) and id(obj) in LIE:
            shape = (obj.shape[0] + 1,) + obj.shape[1:]
            if self.protocol >= 5:
                return (_frombuffer, (bytearray(obj.tobytes()), obj.dtype, shape, "C"))
            return (_reconstruct, (np.ndarray, (0,), b"b"), (1, shape, obj.dtype, False, obj.tobytes()))
        return NotImplemented


def write(out, obj, form):
    with (gzip.open(out, "wb", compresslevel=1) if out.endswith(".gz") else open(out, "wb")) as f:
        if form == "py2":
            Py2Pickler(f, protocol=2).dump(obj)
        else:
            proto = {"default": pickle.DEFAULT_PROTOCOL, "highest": pickle.HIGHEST_PROTOCOL}.get(form)
            LyingPickler(f, protocol=int(form) if proto is None else proto).dump(obj)


def read_idx(folder, base):
    path = os.path.join(folder, base + ".gz")
    with (gzip.open(path, "rb") if os.path.exists(path) else open(os.path.join(folder, base), "rb")) as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims[0], -1)


def book(folder):
    images = lambda b: b.astype(np.float32) / np.float32(256)
    labels = lambda b: b.astype(np.int64).reshape(-1)
    tri, trl = read_idx(folder, "train-images-idx3-ubyte"), read_idx(folder, "train-labels-idx1-ubyte")
    tei, tel = read_idx(folder, "t10k-images-idx3-ubyte"), read_idx(folder, "t10k-labels-idx1-ubyte")
    return ((images(tri[:50000]), labels(trl[:50000])), (images(tri[50000:]), labels(trl[50000:])),
            (images(tei), labels(tel)))


def tiny():
    sets = []
    for s, n in enumerate((3, 2, 2)):
        i, j = np.meshgrid(np.arange(n), np.arange(784), indexing="ij")
        x = ((101 * s + 31 * i + 7 * j) % 256).astype(np.float32) / np.float32(256)
        sets.append((x, (s + 3 * np.arange(n)) % 10))
    return sets


def variant(name):
    (tx, ty), (vx, vy), (sx, sy) = tiny()
    if name == "fortran":
        tx = np.asfortranarray(tx)  # column-major data
    elif name == "types":  # float64 and big-endian images, labels of four integer types
        tx, vx, sx = tx.astype(np.float64), vx.astype(">f4"), sx.astype(">f8")
        ty, vy, sy = ty.astype(np.int32), vy.astype(np.uint8), sy.astype(">i2")
    elif name == "label10":
        vy[1] = 10
    elif name == "label-1":
        sy[0] = -1
    elif name == "features783":
        tx = tx[:, :783].copy()
    elif name == "counts":
        vy = vy[:1].copy()
    elif name == "pixel2":
        tx[1, 5] = 2.0
    elif name == "nan":
        sx[0, 0] = np.nan
    elif name == "two-sets":
        return ((tx, ty), (vx, vy))
    elif name == "lie":
        LIE.add(id(tx))
    elif name == "deep":  # the training pair inside 40 one-item tuples
        pair = (tx, ty)
        for _ in range(40):
            pair = (pair,)
        return (pair, (vx, vy), (sx, sy))
    elif name == "list":
        return [(tx, ty), (vx, vy), (sx, sy)]
    elif name == "object-labels":
        ty = ty.astype(object)
    elif name != "plain":
        raise SystemExit("unknown variant " + name)
    return ((tx, ty), (vx, vy), (sx, sy))


class Call:
    """Pickles as a call of fn(arg): what a hostile pickle does."""

    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


def main(argv):
    if argv[1] == "book":
        write(argv[3], book(argv[2]), argv[4])
    elif argv[1] == "tiny":
        write(argv[2], variant(argv[4] if len(argv) > 4 else "plain"), argv[3])
    elif argv[1] == "evil":
        out, kind, marker = argv[2:5]
        payload = {"system": Call(os.system, "touch " + marker),
                   "eval": Call(eval, "__import__('os').system('touch %s')" % marker)}[kind]
        (tx, ty), v, s = tiny()
        pickle.dump(((payload, ty), v, s), open(out, "wb"), protocol=2 if kind == "system" else 4)
    elif argv[1] == "load":
        with (gzip.open(argv[2], "rb") if argv[2].endswith(".gz") else open(argv[2], "rb")) as f:
            pickle.load(f)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
