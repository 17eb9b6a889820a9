"""PyTorch's side of the ONNX tests: trains two networks whose layouts and activations are not
nndl's presets, exports them as real exporters write them, and records PyTorch's own answers.

  /usr/bin/python3 torch_models.py OUT_DIR [--data MNIST_DIR] [--seconds-check]

Debian's python3-torch (1.13) and python3-onnx (1.12). Writes into OUT_DIR:

  cnn_op13.onnx, cnn_op17.onnx   Conv(1,6,5) ReLU MaxPool2 Conv(6,12,3) Tanh MaxPool2 Flatten
                                 Linear(300,50) Sigmoid Linear(50,10) LogSoftmax; input [N,1,28,28]
  cnn_float_data_op17.onnx       the same, every initializer rewritten into float_data (not raw_data)
  mlp_op13.onnx, mlp_op17.onnx   Flatten Linear(784,128) ReLU Linear(128,64) Tanh Linear(64,10), logits
  mlp_matmul_op13.onnx           the MLP's weights as x @ W + b: MatMul + Add, input [N,784]
  mlp_reshape_constant_op13.onnx x.reshape(-1, 784) instead of Flatten: Reshape, its shape a Constant node
  mlp_reshape_initializer_op17.onnx  the same with the shape an initializer (the Constant node moved)
  mlp_softmax_op17.onnx          the MLP + Dropout(0.3) after the ReLU + Softmax, exported in eval mode
                                 (torch writes no Dropout node; the script checks it)
  mlp_dropout_identity_op13.onnx that file at opset 13 with a Dropout node (ratio 0.3, no training_mode:
                                 inference) and an Identity node put in after the ReLU with the onnx API
  mlp_view_dynamic_op13.onnx     x.view(x.size(0), -1): the shape computed by Shape, Gather, Unsqueeze,
                                 Concat (nndl may read it or refuse it, but must not answer wrongly)
  refused_*.onnx                 operations or attributes nndl does not implement (untrained): a Conv with
                                 pads 1, a Conv with strides 2, BatchNormalization, a Dropout in training mode
  torch_counts.json              per file: PyTorch's count on the 10,000 test images, its outputs for the
                                 first 100 test images, the input/output names and shapes; for the refused
                                 files, the node, operation and attribute nndl must name
  torch_models.pt                the two trained networks' state_dicts (modules() rebuilds them)

Pixels are scaled by 1/255 in float32 (as nndl's IDX reader does). The training is fixed: seed 1, one
thread (more is slower here: OpenMP spins against OpenBLAS and the other processes), a fixed number
of Adam steps (about 25 s for the CNN, 6 s for the MLP on the development machine).
"""
import argparse
import copy
import gzip
import json
import os
import sys
import time

import warnings

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper
from torch import nn

STEPS = {"cnn": 2000, "mlp": 3000}  # mini-batches of 64: about 2 and 3 epochs of the 60,000 training images
BATCH = 64


def read_idx(path):
    """An IDX file (gzip or not) as a NumPy array of its declared dimensions."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 8:
        raise SystemExit(f"torch_models: {path}: not an unsigned-byte IDX file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise SystemExit(f"torch_models: {path}: {body.size} bytes of data for dimensions {dims}")
    return body.reshape(dims)


def find(folder, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            return path
    raise SystemExit(f"torch_models: {name}(.gz) not found in {folder}")


def load(folder, part):
    images = read_idx(find(folder, f"{part}-images-idx3-ubyte"))
    labels = read_idx(find(folder, f"{part}-labels-idx1-ubyte"))
    x = images.astype(np.float32) / np.float32(255)  # float32 division, as nndl's reader
    return torch.from_numpy(x.reshape(-1, 1, 28, 28)), torch.from_numpy(labels.astype(np.int64))


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 12, 3), nn.Tanh(),
                                      nn.MaxPool2d(2), nn.Flatten())
        self.classifier = nn.Sequential(nn.Linear(300, 50), nn.Sigmoid(), nn.Linear(50, 10), nn.LogSoftmax(dim=1))

    def forward(self, x):
        return self.classifier(self.features(x))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.Tanh(),
                                 nn.Linear(64, 10))

    def forward(self, x):
        return self.net(x)


class MatMulMLP(nn.Module):
    """The MLP's weights as parameters W (in x out) and b: the export writes MatMul + Add."""

    def __init__(self, mlp):
        super().__init__()
        lin = [m for m in mlp.net if isinstance(m, nn.Linear)]
        self.w = nn.ParameterList([nn.Parameter(m.weight.detach().t().contiguous()) for m in lin])
        self.b = nn.ParameterList([nn.Parameter(m.bias.detach().clone()) for m in lin])

    def forward(self, x):  # x: [N, 784]
        x = torch.relu(x @ self.w[0] + self.b[0])
        x = torch.tanh(x @ self.w[1] + self.b[1])
        return x @ self.w[2] + self.b[2]


class ReshapeMLP(nn.Module):
    """The MLP with x.reshape(-1, 784) (view=False) or x.view(x.size(0), -1) (view=True) for Flatten."""

    def __init__(self, mlp, view):
        super().__init__()
        self.layers = copy.deepcopy(mlp.net[1:])
        self.view = view

    def forward(self, x):
        x = x.view(x.size(0), -1) if self.view else x.reshape(-1, 784)
        return self.layers(x)


class SoftmaxMLP(nn.Module):
    """The MLP with a Dropout after its first ReLU and a Softmax at the end (eval mode: dropout is the identity)."""

    def __init__(self, mlp):
        super().__init__()
        n = copy.deepcopy(mlp.net)
        self.net = nn.Sequential(n[0], n[1], n[2], nn.Dropout(0.3), n[3], n[4], n[5], nn.Softmax(dim=1))

    def forward(self, x):
        return self.net(x)


def modules(folder):
    """The trained networks by family ("cnn", "mlp", "mlp_softmax"), rebuilt from torch_models.pt, in eval mode."""
    state = torch.load(os.path.join(folder, "torch_models.pt"))
    cnn, mlp = CNN(), MLP()
    cnn.load_state_dict(state["cnn"])
    mlp.load_state_dict(state["mlp"])
    out = {"cnn": cnn, "mlp": mlp, "mlp_softmax": SoftmaxMLP(mlp)}
    for m in out.values():
        m.eval()
    return out


def train(model, x, y, steps, seed):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    loss_fn = nn.NLLLoss() if isinstance(model, CNN) else nn.CrossEntropyLoss()
    model.train()
    t0 = time.monotonic()
    order = torch.randperm(len(x), generator=g)
    at = 0
    for step in range(steps):
        if at + BATCH > len(x):
            order, at = torch.randperm(len(x), generator=g), 0
        idx = order[at:at + BATCH]
        at += BATCH
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
    model.eval()
    return time.monotonic() - t0


def answers(model, x, y):
    """(correct of the test images, outputs of the first 100 as lists of floats)."""
    model.eval()
    with torch.no_grad():
        out = torch.cat([model(x[i:i + 1000]) for i in range(0, len(x), 1000)])
    correct = int((out.argmax(dim=1) == y).sum())
    return correct, [[float(v) for v in row] for row in out[:100].double()]


def export(model, example, path, opset, output_name):
    model.eval()
    torch.onnx.export(model, example, path, opset_version=opset, input_names=["pixels"], output_names=[output_name],
                      dynamic_axes={"pixels": {0: "batch"}, output_name: {0: "batch"}}, do_constant_folding=True)


def shape_of(value_info):
    return [d.dim_param if d.dim_param else d.dim_value for d in value_info.type.tensor_type.shape.dim]


def describe(path):
    m = onnx.load(path)
    g = m.graph
    return {"opset": m.opset_import[0].version, "ir_version": m.ir_version,
            "input": g.input[0].name, "input_shape": shape_of(g.input[0]),
            "output": g.output[0].name, "output_shape": shape_of(g.output[0]),
            "ops": [n.op_type for n in g.node]}


def save(model_proto, path):
    onnx.checker.check_model(model_proto, full_check=True)
    onnx.save(model_proto, path)


def constant_to_initializer(src, dst):
    """The Reshape's shape moved from its Constant node into an initializer of the same name."""
    m = onnx.load(src)
    g = m.graph
    moved = 0
    for node in list(g.node):
        if node.op_type == "Constant":
            value = numpy_helper.to_array(node.attribute[0].t)
            g.initializer.append(numpy_helper.from_array(value, node.output[0]))
            g.node.remove(node)
            moved += 1
    assert moved == 1, f"{src}: {moved} Constant nodes, expected the Reshape's shape alone"
    save(m, dst)


def to_float_data(src, dst):
    """Every float initializer stored in float_data instead of raw_data."""
    m = onnx.load(src)
    n = 0
    for init in m.graph.initializer:
        if init.data_type == onnx.TensorProto.FLOAT and init.HasField("raw_data"):
            values = numpy_helper.to_array(init).astype(np.float32).ravel()
            init.ClearField("raw_data")
            init.float_data.extend(values.tolist())
            n += 1
    assert n >= 8 and all(not i.HasField("raw_data") for i in m.graph.initializer), n
    save(m, dst)


def insert_dropout_identity(src, dst):
    """A Dropout node (inference: ratio 0.3, no training_mode input) and an Identity node after the first Relu."""
    m = onnx.load(src)
    g = m.graph
    relu = next(i for i, n in enumerate(g.node) if n.op_type == "Relu")
    old = g.node[relu].output[0]
    g.initializer.append(numpy_helper.from_array(np.array(0.3, dtype=np.float32), "dropout_ratio"))
    drop = helper.make_node("Dropout", [old, "dropout_ratio"], ["dropped"], name="/dropout/Dropout")
    ident = helper.make_node("Identity", ["dropped"], ["identity_out"], name="/identity/Identity")
    for n in g.node[relu + 1:]:
        for k, name in enumerate(n.input):
            if name == old:
                n.input[k] = "identity_out"
    g.node.insert(relu + 1, ident)
    g.node.insert(relu + 1, drop)
    save(m, dst)


def refusals(out, x_example):
    """Untrained networks with what nndl does not implement, and the node, op and attribute to name."""
    torch.manual_seed(2)
    cases = {}

    def add(name, model, opset, op, attribute, example=x_example, **kw):
        path = os.path.join(out, name)
        model.eval()
        torch.onnx.export(model, example, path, opset_version=opset, input_names=["pixels"], output_names=["scores"],
                          dynamic_axes={"pixels": {0: "batch"}, "scores": {0: "batch"}}, **kw)
        m = onnx.load(path)
        onnx.checker.check_model(m, full_check=True)
        node = next(n for n in m.graph.node if n.op_type == op and
                    (attribute is None or attribute in [a.name for a in n.attribute] or op == "Dropout"))
        cases[name] = {"node": node.name, "op": op, "attribute": attribute, **describe(path)}

    add("refused_conv_pads_op13.onnx", nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                                                      nn.Linear(4 * 28 * 28, 10)), 13, "Conv", "pads")
    add("refused_conv_strides_op17.onnx", nn.Sequential(nn.Conv2d(1, 4, 4, stride=2), nn.ReLU(), nn.Flatten(),
                                                         nn.Linear(4 * 13 * 13, 10)), 17, "Conv", "strides")
    bn = nn.Sequential(nn.Flatten(), nn.Linear(784, 20), nn.BatchNorm1d(20), nn.ReLU(), nn.Linear(20, 10))
    with torch.no_grad():  # statistics of its own: untrained, equal tensors would be written once (and Identity)
        bn[2].weight.uniform_(0.5, 1.5), bn[2].bias.uniform_(-0.1, 0.1)
        bn[2].running_mean.uniform_(-0.1, 0.1), bn[2].running_var.uniform_(0.5, 1.5)
    add("refused_batchnorm_op13.onnx", bn, 13, "BatchNormalization", None)
    # A training-mode export: Dropout(x, ratio, training_mode=true) would drop units at inference too.
    add("refused_dropout_training_op13.onnx", nn.Sequential(nn.Flatten(), nn.Linear(784, 20), nn.ReLU(),
                                                             nn.Dropout(0.5), nn.Linear(20, 10)),
        13, "Dropout", "training_mode", training=torch.onnx.TrainingMode.TRAINING)
    return cases


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out")
    p.add_argument("--data", default=os.environ.get("NNDL_DATA") or os.path.join(here, "..", "..", "data", "mnist"))
    p.add_argument("--threads", type=int, default=1)  # two spin against each other on a busy machine
    a = p.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)  # the exporter's notes on training-mode dropout
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    xtr, ytr = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    print(f"torch_models: torch {torch.__version__}, onnx {onnx.__version__}, {a.threads} thread(s), "
          f"{len(xtr)} training and {len(xte)} test images from {a.data}", flush=True)
    files = {}

    def record(name, module, x, y, **extra):
        path = os.path.join(a.out, name)
        onnx.checker.check_model(onnx.load(path), full_check=True)
        correct, outputs = answers(module, x, y)
        family = "cnn" if name.startswith("cnn") else "mlp_softmax" if isinstance(module, SoftmaxMLP) else "mlp"
        files[name] = {"correct": correct, "outputs": outputs, "module": family, **describe(path), **extra}
        print(f"torch_models: {name}: {correct} / {len(y)} ({' '.join(files[name]['ops'])})", flush=True)

    example4 = xte[:2]
    cnn = CNN()
    s = train(cnn, xtr, ytr, STEPS["cnn"], 1)
    print(f"torch_models: CNN trained, {STEPS['cnn']} steps of {BATCH} in {s:.1f} s", flush=True)
    for opset in (13, 17):
        export(cnn, example4, os.path.join(a.out, f"cnn_op{opset}.onnx"), opset, "log_probs")
        record(f"cnn_op{opset}.onnx", cnn, xte, yte)
    to_float_data(os.path.join(a.out, "cnn_op17.onnx"), os.path.join(a.out, "cnn_float_data_op17.onnx"))
    record("cnn_float_data_op17.onnx", cnn, xte, yte)

    mlp = MLP()
    s = train(mlp, xtr, ytr, STEPS["mlp"], 2)
    print(f"torch_models: MLP trained, {STEPS['mlp']} steps of {BATCH} in {s:.1f} s", flush=True)
    for opset in (13, 17):
        export(mlp, example4, os.path.join(a.out, f"mlp_op{opset}.onnx"), opset, "logits")
        record(f"mlp_op{opset}.onnx", mlp, xte, yte)

    mm = MatMulMLP(mlp)
    flat = xte.reshape(-1, 784)
    export(mm, flat[:2], os.path.join(a.out, "mlp_matmul_op13.onnx"), 13, "logits")
    record("mlp_matmul_op13.onnx", mm, flat, yte)
    assert "MatMul" in files["mlp_matmul_op13.onnx"]["ops"] and "Gemm" not in files["mlp_matmul_op13.onnx"]["ops"]

    rs = ReshapeMLP(mlp, view=False)
    export(rs, example4, os.path.join(a.out, "mlp_reshape_constant_op13.onnx"), 13, "logits")
    record("mlp_reshape_constant_op13.onnx", rs, xte, yte)
    export(rs, example4, os.path.join(a.out, "reshape_op17.tmp.onnx"), 17, "logits")
    constant_to_initializer(os.path.join(a.out, "reshape_op17.tmp.onnx"),
                            os.path.join(a.out, "mlp_reshape_initializer_op17.onnx"))
    os.remove(os.path.join(a.out, "reshape_op17.tmp.onnx"))
    record("mlp_reshape_initializer_op17.onnx", rs, xte, yte)
    assert files["mlp_reshape_constant_op13.onnx"]["ops"][:2] == ["Constant", "Reshape"]
    assert files["mlp_reshape_initializer_op17.onnx"]["ops"][0] == "Reshape"

    sm = SoftmaxMLP(mlp)
    export(sm, example4, os.path.join(a.out, "mlp_softmax_op17.onnx"), 17, "probabilities")
    record("mlp_softmax_op17.onnx", sm, xte, yte)
    assert "Dropout" not in files["mlp_softmax_op17.onnx"]["ops"], "torch wrote an eval-mode Dropout node"
    export(sm, example4, os.path.join(a.out, "softmax_op13.tmp.onnx"), 13, "probabilities")
    insert_dropout_identity(os.path.join(a.out, "softmax_op13.tmp.onnx"),
                            os.path.join(a.out, "mlp_dropout_identity_op13.onnx"))
    os.remove(os.path.join(a.out, "softmax_op13.tmp.onnx"))
    record("mlp_dropout_identity_op13.onnx", sm, xte, yte)

    vw = ReshapeMLP(mlp, view=True)
    export(vw, example4, os.path.join(a.out, "mlp_view_dynamic_op13.onnx"), 13, "logits")
    record("mlp_view_dynamic_op13.onnx", vw, xte, yte, either="read correctly or refused")

    torch.save({"cnn": cnn.state_dict(), "mlp": mlp.state_dict()}, os.path.join(a.out, "torch_models.pt"))
    refused = refusals(a.out, example4)
    for name, r in refused.items():
        print(f"torch_models: {name}: node {r['node']}, {r['op']}, attribute {r['attribute']}", flush=True)
    with open(os.path.join(a.out, "torch_counts.json.tmp"), "w") as f:
        json.dump({"test_images": len(yte), "files": files, "refused": refused}, f, indent=1)
    os.replace(os.path.join(a.out, "torch_counts.json.tmp"), os.path.join(a.out, "torch_counts.json"))
    print(f"torch_models: wrote {len(files) + len(refused)} .onnx files and torch_counts.json in {a.out}")


if __name__ == "__main__":
    sys.exit(main())
