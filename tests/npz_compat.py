"""NumPy's side of the .npz model files (tests/test_npz.cpp runs it with Debian's python3-numpy).

  npz_compat.py predict MODEL.npz INPUTS.txt OUTPUTS.txt   # numpy.load + a NumPy forward pass
  npz_compat.py write MODEL.npz                            # numpy.savez of a model nndl must load
  npz_compat.py model MODEL.npz INPUTS.txt OUTPUTS.txt     # a self-describing model file (save_model):
                                                           # dense, conv, max-pool, dropout, any activation

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


def conv(a, w, b, out):
    """network3.py's valid convolution, stride 1: every (c, i, j) patch against each filter."""
    f, ho, wo = out
    k = int(round((w.shape[1] / a.shape[1]) ** 0.5))
    patches = np.lib.stride_tricks.sliding_window_view(a, (k, k), axis=(2, 3))  # n, c, ho, wo, k, k
    patches = patches.transpose(0, 2, 3, 1, 4, 5).reshape(a.shape[0], ho * wo, -1)  # n, positions, c*k*k
    z = patches @ w.T + b  # n, positions, f
    return z.transpose(0, 2, 1).reshape(a.shape[0], f, ho, wo)


def model_forward(model, inputs, outputs):
    """The forward pass of a self-describing model file, from its "model" record alone."""
    import json
    m = np.load(model)
    info = json.loads(bytes(m["model"]))
    assert info["format"] == "nndl model" and info["version"] == 1, info
    assert info["members"] == 1, "one network"
    arch = info["architecture"]
    dtype = np.float32 if arch["scalar"] == "float32" else np.float64
    a = np.loadtxt(inputs, ndmin=2).astype(dtype)
    a = a.reshape([a.shape[0]] + arch["input"])
    for k, layer in enumerate(arch["layers"]):
        kind = layer["kind"]
        if kind == "dense":
            w, b = m["l%d_w" % k], m["l%d_b" % k]
            assert w.dtype == dtype and w.shape == (layer["units"], int(np.prod(a.shape[1:]))), (w.dtype, w.shape)
            a = act(layer["activation"], a.reshape(a.shape[0], -1) @ w.T + b)
        elif kind == "conv":
            w, b = m["l%d_w" % k], m["l%d_b" % k]
            a = act(layer["activation"], conv(a, w, b, layer["output"]))
        elif kind == "max_pool":
            p = layer["pool"]
            n, c, h, wd = a.shape
            a = a.reshape(n, c, h // p, p, wd // p, p).max(axis=(3, 5))
        elif kind == "dropout":  # network3.py's inference: the inputs scaled by 1 - p
            a = a * dtype(1 - layer["p"])
        else:
            raise SystemExit("unknown layer kind " + kind)
        if kind != "dense":
            assert int(np.prod(a.shape[1:])) == int(np.prod(layer["output"])), (kind, a.shape, layer["output"])
    a = a.reshape(a.shape[0], -1)
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
    elif sys.argv[1] == "model":
        model_forward(*sys.argv[2:5])
    elif sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        raise SystemExit(__doc__)
