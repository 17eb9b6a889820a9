"""NumPy's side of the .npz model files (tests/test_npz.cpp runs it with Debian's python3-numpy).

  npz_compat.py predict MODEL.npz INPUTS.txt OUTPUTS.txt   # numpy.load + a NumPy forward pass
  npz_compat.py write MODEL.npz                            # numpy.savez of a model nndl must load

predict writes, per input row, the argmax and then the output activations. The activations come
from the file's own "architecture" string, "[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost".
"""
import sys

import numpy as np


def act(name, z):
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "tanh":
        return np.tanh(z)
    if name == "identity":
        return z
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise SystemExit("unknown activation " + name)


def predict(model, inputs, outputs):
    m = np.load(model)
    arch = bytes(m["architecture"]).decode("utf-8")
    sizes = [int(s) for s in m["sizes"]]
    assert m["sizes"].dtype == np.int64, m["sizes"].dtype
    acts = arch.split("] ")[1].split(",")[0].split("/")
    assert len(acts) == len(sizes) - 1, (arch, sizes)
    a = np.loadtxt(inputs, ndmin=2)
    for k, name in enumerate(acts):
        w, b = m["w%d" % k], m["b%d" % k]
        assert w.shape == (sizes[k + 1], sizes[k]) and b.shape == (sizes[k + 1],), (w.shape, b.shape)
        a = act(name, a @ w.T + b)
    with open(outputs, "w") as f:
        for row in a:
            f.write(" ".join([str(int(np.argmax(row)))] + [repr(float(v)) for v in row]) + "\n")


def write(model):
    rng = np.random.default_rng(5)
    arch = "[784, 30, 10] sigmoid/sigmoid, CrossEntropyCost"
    np.savez(model, w0=rng.normal(size=(30, 784)) / 28, b0=rng.normal(size=30),
             w1=np.asfortranarray(rng.normal(size=(10, 30))), b1=rng.normal(size=10).astype(np.float32),
             sizes=np.array([784, 30, 10], dtype=np.int64),
             architecture=np.frombuffer(arch.encode(), dtype=np.uint8))


if __name__ == "__main__":
    if sys.argv[1] == "predict":
        predict(*sys.argv[2:5])
    elif sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        raise SystemExit(__doc__)
