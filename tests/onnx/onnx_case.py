"""The ONNX interop tests, one CASE per CTest test (tests/onnx/onnx.cmake):

  /usr/bin/python3 onnx_case.py CASE [ARG]

  torch_fixture           PyTorch trains and exports its networks (torch_models.py) into WORK/torch
  nndl_fixture            nndl's programs train and save .onnx files into WORK/nndl: mlp_784_256_64_10 (mlp),
                          ch6_convnet --preset relu (relu), ch1_network (ch1, double), ch3_network2 --dropout
                          (dropout, double), and network2.py's own code writes book.json ([784, 30, 10]),
                          converted to book.onnx (double)
  check_nndl              onnx.checker (full_check) accepts every file nndl writes: WORK/nndl/*.onnx and
                          each PyTorch export rewritten by nndl-convert (.onnx -> .npz -> .onnx)
  ort FILE                ONNX Runtime scores FILE (WORK-relative; torch files go through nndl-convert first)
                          with nndl-evaluate's count, each of the 10,000 outputs within 1e-5
  torch FILE              nndl-evaluate on a PyTorch export: PyTorch's count within one image, the first 100
                          images' outputs within 1e-4 (relative above 1): a transposed layout fails here
  torch_serve             nndl-serve and nndl-predict on every PyTorch export nndl reads, one digit each,
                          against PyTorch's output for that input
  finetune                onnx_finetune: one epoch of nndl SGD on PyTorch's CNN keeps or improves its count;
                          ONNX Runtime scores the saved result as nndl does
  refused FILE            nndl-evaluate and nndl-convert refuse a PyTorch export nndl does not implement:
                          exit 2, a message naming the file, the node, its operation and the attribute
  convert                 nndl-convert round trips: .onnx -> .npz -> .onnx and .json -> .onnx -> .json keep
                          every output identical; a conv network -> .json is refused, saying why

Environment (set by CTest): ONNX_WORK (a folder), NNDL_CONVERT, NNDL_EVALUATE, NNDL_PREDICT, NNDL_SERVE,
NNDL_MLP, NNDL_CH6, NNDL_CH1, NNDL_CH3, NNDL_FINETUNE (programs), NODE (node, or empty when not found), NODE_PATH
(onnxruntime-node's node_modules, from scripts/deps_npm.sh). MNIST: NNDL_DATA, else the repository's copy.
A tool that is missing (node, onnxruntime-node, python3-torch, python3-onnx, python3-numpy) makes the
test say so loudly and exit 77 (CTest: skipped), or fail when NNDL_REQUIRE_TOOLS is set (scripts/test.sh).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "serve"))
SKIP = 77
NNDL_FILES = ("mlp", "relu", "ch1", "dropout", "book")  # what the fixture onnx.nndl_models writes


def fail(why):
    print(f"FAILED: {why}", file=sys.stderr)
    sys.exit(1)


def missing_tool(why):
    required = os.environ.get("NNDL_REQUIRE_TOOLS", "") not in ("", "0")
    banner = "*" * 78
    print(banner, file=sys.stderr)
    if required:
        print(f"FAILED: {why}; NNDL_REQUIRE_TOOLS is set (scripts/test.sh installs it)", file=sys.stderr)
    else:
        print(f"WARNING: this ONNX test did NOT run: {why}", file=sys.stderr)
    print(banner, file=sys.stderr)
    sys.exit(1 if required else SKIP)


def env(name):
    value = os.environ.get(name)
    if not value:
        fail(f"{name} is not set (run through ctest: tests/onnx/onnx.cmake)")
    return value


def work(*parts):
    path = os.path.join(env("ONNX_WORK"), *parts)
    return path


def data_dir():
    return os.environ.get("NNDL_DATA") or os.path.join(ROOT, "data", "mnist")


def need_numpy():
    try:
        import numpy  # noqa: F401
    except ImportError:
        missing_tool("python3-numpy is not installed (apt-get install python3-numpy)")


def need_onnx():
    try:
        import onnx  # noqa: F401
    except ImportError:
        missing_tool("python3-onnx is not installed (apt-get install python3-onnx)")


def need_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        missing_tool("python3-torch is not installed (apt-get install python3-torch)")


def need_ort():
    node = os.environ.get("NODE", "")
    if not node or not os.path.exists(node):
        missing_tool("node is not installed (Node 20 and npm; then scripts/deps_npm.sh)")
    r = subprocess.run([node, "-e", "require('onnxruntime-node')"], capture_output=True, text=True)
    if r.returncode != 0:
        missing_tool(f"onnxruntime-node is not installed in NODE_PATH={os.environ.get('NODE_PATH', '')} "
                     f"(scripts/deps_npm.sh installs it): "
                     + next((line for line in r.stderr.splitlines() if "Error" in line), r.stderr.strip()[:200]))
    return node


def need_fixture(path, what):
    if not os.path.exists(path):
        fail(f"{path} is missing: the fixture {what} did not run or failed (ctest runs it first)")


def run(cmd, expect=0, timeout=600, env_extra=None):
    """Runs cmd; its (stdout, stderr) when its exit status is `expect`, else the test fails showing both."""
    e = dict(os.environ, **(env_extra or {}))
    print("$ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e)
    if r.returncode != expect:
        fail(f"{os.path.basename(cmd[0])}: exit status {r.returncode}, expected {expect}\n"
             f"--- stdout\n{r.stdout[-4000:]}\n--- stderr\n{r.stderr[-4000:]}")
    return r.stdout, r.stderr


def torch_counts():
    path = work("torch", "torch_counts.json")
    if not os.path.exists(path):  # the fixture skipped for a missing tool: so does this test (or fails)
        need_numpy(), need_onnx(), need_torch()
    need_fixture(path, "onnx.torch_models")
    with open(path) as f:
        return json.load(f)


def evaluate(model, outputs=None, with_architecture=False):
    """nndl-evaluate's count on the test images (and its outputs as a NumPy array with outputs=path)."""
    cmd = [env("NNDL_EVALUATE"), "--model", model, "--data", data_dir(), "--json"]
    if outputs:
        cmd += ["--outputs", outputs]
    out, _ = run(cmd)
    j = json.loads(out)
    if j["total"] != 10000:
        fail(f"nndl-evaluate {model}: {j['total']} test images, expected 10,000")
    print(f"nndl-evaluate: {model}: {j['correct']} / {j['total']} ({j['architecture']})")
    if outputs:
        import numpy as np
        a = np.load(outputs)
        if a.dtype != np.float64 or a.shape[0] != 10000:
            fail(f"{outputs}: {a.dtype} {a.shape}, expected float64 {{10000, classes}}")
        return (j["correct"], a, j["architecture"]) if with_architecture else (j["correct"], a)
    return j["correct"]


def ort_score(model, out_json):
    node = need_ort()
    run([node, os.path.join(HERE, "ort_score.js"), model, data_dir(), out_json])
    with open(out_json) as f:
        return json.load(f)


def convert(src, dst, expect=0):
    return run([env("NNDL_CONVERT"), src, dst], expect=expect)


def nndl_readable(counts):
    """The PyTorch exports nndl must read (not the refused ones, nor the one it may refuse)."""
    return [n for n, f in counts["files"].items() if "either" not in f]


# ---------------------------------------------------------------------------------------------------------
def case_torch_fixture():
    need_numpy(), need_onnx(), need_torch()
    out = work("torch")
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "torch_models.py"), out, "--data", data_dir()],
                       timeout=900)
    if r.returncode != 0:
        fail(f"torch_models.py: exit status {r.returncode}")
    counts = torch_counts()
    for name, f in counts["files"].items():
        if f["correct"] < 9500:
            fail(f"PyTorch's {name} scores {f['correct']} / 10000: the training went wrong")


def case_nndl_fixture():
    out = work("nndl")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    run([env("NNDL_MLP"), "--epochs", "1", "--quiet", "--save", os.path.join(out, "mlp.onnx")])
    run([env("NNDL_CH6"), "--preset", "relu", "--standard-data", "--epochs", "1", "--train-size", "5000", "--quiet",
         "--save", os.path.join(out, "relu.onnx")])
    run([env("NNDL_CH1"), "--epochs", "1", "--quiet", "--save", os.path.join(out, "ch1.onnx")])
    run([env("NNDL_CH3"), "--dropout", "--epochs", "1", "--quiet", "--save", os.path.join(out, "dropout.onnx")])
    need_numpy()
    # network2.py's own save() (tests/network2_compat.py), read by nndl-convert into ONNX (double).
    run(["/usr/bin/python3", os.path.join(ROOT, "tests", "network2_compat.py"), "write", os.path.join(out, "book.json"),
         "3", "784", "30", "10"])
    convert(os.path.join(out, "book.json"), os.path.join(out, "book.onnx"))
    for name in NNDL_FILES:
        need_fixture(os.path.join(out, name + ".onnx"), "onnx.nndl_models")
    print("nndl_fixture: " + ", ".join(f"{n} {os.path.getsize(os.path.join(out, n))} bytes" for n in sorted(os.listdir(out))))


def case_check_nndl():
    need_onnx()
    files = [work("nndl", n + ".onnx") for n in NNDL_FILES]
    for f in files:
        need_fixture(f, "onnx.nndl_models")
    counts = torch_counts()
    tmp = work("check_nndl")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for name in nndl_readable(counts):
        stem = os.path.splitext(name)[0]
        convert(work("torch", name), os.path.join(tmp, stem + ".npz"))
        convert(os.path.join(tmp, stem + ".npz"), os.path.join(tmp, stem + ".onnx"))
        files.append(os.path.join(tmp, stem + ".onnx"))
    out, _ = run(["/usr/bin/python3", os.path.join(HERE, "check_model.py"), *files])
    print(out)
    passed = out.count("passed onnx.checker (full_check)")
    if passed != len(files):
        fail(f"check_model.py passed {passed} of {len(files)} files")
    # What the issue asks nndl's files to say: a named input with a symbolic batch, a named output, opset >= 13,
    # the producer and the architecture in the metadata.
    import onnx
    for f in files:
        m = onnx.load(f)
        opset = max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
        dim0 = m.graph.input[0].type.tensor_type.shape.dim[0]
        meta = {p.key: p.value for p in m.metadata_props}
        problems = []
        if opset < 13:
            problems.append(f"opset {opset}")
        if not dim0.dim_param:
            problems.append("no symbolic batch dimension")
        if not m.graph.input[0].name or not m.graph.output[0].name:
            problems.append("an unnamed input or output")
        if "nndl" not in m.producer_name:
            problems.append(f"producer {m.producer_name!r}")
        if not any("architecture" in k for k in meta):
            problems.append(f"no architecture in the metadata ({sorted(meta)})")
        if problems:
            fail(f"{f}: " + ", ".join(problems))
    print(f"check_nndl: {len(files)} files nndl wrote pass onnx.checker with full_check")


def case_ort(name):
    import numpy as np
    need_ort()
    if name.startswith("torch/"):  # a PyTorch export as nndl writes it again
        src = work(name)
        need_fixture(src, "onnx.torch_models")
        tmp = work("ort", os.path.splitext(os.path.basename(name))[0])
        os.makedirs(tmp, exist_ok=True)
        convert(src, os.path.join(tmp, "nndl.npz"))
        convert(os.path.join(tmp, "nndl.npz"), os.path.join(tmp, "nndl.onnx"))
        model = os.path.join(tmp, "nndl.onnx")
    else:
        model = work(name)
        need_fixture(model, "onnx.nndl_models")
        tmp = work("ort", os.path.splitext(os.path.basename(name))[0])
        os.makedirs(tmp, exist_ok=True)
    ours, a, architecture = evaluate(model, os.path.join(tmp, "nndl.npy"), with_architecture=True)
    theirs = ort_score(model, os.path.join(tmp, "ort.json"))
    b = np.array(theirs["outputs"], dtype=np.float64)
    if b.shape != a.shape:
        fail(f"ONNX Runtime's outputs are {b.shape}, nndl-evaluate's {a.shape}")
    # Outputs within 1e-5 (relative above 1: log-probabilities reach -30); for a log-softmax output the
    # probabilities (its exponentials) too.
    rel = np.abs(a - b) / np.maximum(1.0, np.abs(b))
    diff = float(rel.max())
    log_softmax = "log_softmax" in architecture  # (it can only be the output layer)
    pdiff = float(np.max(np.abs(np.exp(a) - np.exp(b)))) if log_softmax else diff
    print(f"ort: {model}: ONNX Runtime {theirs['correct']} / 10000 ({theirs['type']} input), nndl-evaluate {ours} / "
          f"10000; largest difference of the {a.size} outputs {diff:.3g} (relative above 1)"
          + (f", of the probabilities {pdiff:.3g}" if log_softmax else ""))
    if theirs["correct"] != ours:
        fail(f"ONNX Runtime counts {theirs['correct']}, nndl-evaluate {ours}")
    if not (diff <= 1e-5 and pdiff <= 1e-5):
        i = int(np.argmax(rel.max(axis=1)))
        fail(f"outputs differ by {max(diff, pdiff):.3g} > 1e-5 (image {i}: nndl {a[i].tolist()}, "
             f"ONNX Runtime {b[i].tolist()})")


def case_torch(name):
    import numpy as np
    counts = torch_counts()
    f = counts["files"].get(name)
    if f is None:
        fail(f"{name} is not in torch_counts.json")
    model = work("torch", name)
    tmp = work("torch_eval")
    os.makedirs(tmp, exist_ok=True)
    if "either" in f:  # nndl may refuse it (exit 2 naming a node and its operation) but not answer wrongly
        r = subprocess.run([env("NNDL_EVALUATE"), "--model", model, "--data", data_dir(), "--json"],
                           capture_output=True, text=True)
        if r.returncode == 2:
            if not re.search(r'nodes? "[^"]+" \(\w+\)', r.stderr) or model not in r.stderr:
                fail(f"refused without naming the file and a node with its operation: {r.stderr}")
            print(f"torch: {name}: refused, as it may be: {r.stderr.strip()}")
            return
        if r.returncode != 0:
            fail(f"nndl-evaluate: exit status {r.returncode}: {r.stderr}")
    ours, a = evaluate(model, os.path.join(tmp, os.path.splitext(name)[0] + ".npy"))
    b = np.array(f["outputs"], dtype=np.float64)
    diff = np.abs(a[:100] - b) / np.maximum(1.0, np.abs(b))
    print(f"torch: {name} ({' '.join(f['ops'])}): PyTorch {f['correct']} / 10000, nndl-evaluate {ours} / 10000; "
          f"first 100 images' outputs within {float(diff.max()):.3g} (relative above 1)")
    if abs(ours - f["correct"]) > 1:
        fail(f"nndl-evaluate counts {ours}, PyTorch {f['correct']}: more than one image apart")
    if not diff.max() <= 1e-4:
        i = int(np.argmax(diff.max(axis=1)))
        fail(f"outputs differ from PyTorch's by {float(diff.max()):.3g} (image {i}: nndl {a[i].tolist()}, "
             f"PyTorch {b[i].tolist()})")


def probabilities(outputs, last_op):
    """What nndl-serve and nndl-predict report for outputs of an output layer of the operation last_op."""
    import numpy as np
    z = np.asarray(outputs, dtype=np.float64)
    if last_op == "LogSoftmax":
        return np.exp(z)
    if last_op == "Softmax":
        return z
    e = np.exp(z - z.max())
    return e / e.sum()


def case_torch_serve():
    need_torch()
    import numpy as np
    import torch
    from serve_util import Server, png, test_digits
    sys.path.insert(0, HERE)
    import torch_models
    counts = torch_counts()
    nets = torch_models.modules(work("torch"))
    names = nndl_readable(counts)
    digits = test_digits(len(names))
    tmp = tempfile.mkdtemp(prefix="onnx_serve_")
    try:
        for k, name in enumerate(names):
            f = counts["files"][name]
            pixels, label = digits[k]
            model = work("torch", name)
            expected = probabilities(f["outputs"][k], f["ops"][-1])
            png_path = os.path.join(tmp, f"digit{k}.png")
            with open(png_path, "wb") as out:
                out.write(png(28, 28, pixels))
            with Server(env("NNDL_SERVE"), model) as s:
                # The test image itself (pixels / 255): PyTorch's output for it is in torch_counts.json.
                status, a = s.predict(json.dumps({"pixels": [v / 255 for v in pixels]}), "application/json")
                if status != 200:
                    fail(f"nndl-serve {name}: status {status}: {a}")
                got = np.array(a["probabilities"])
                if a["digit"] != int(np.argmax(expected)) or not np.max(np.abs(got - expected)) <= 1e-5:
                    fail(f"nndl-serve {name}, test image {k}: digit {a['digit']}, {got.tolist()}; PyTorch "
                         f"{int(np.argmax(expected))}, {expected.tolist()}")
                # The same digit as a PNG: nndl-serve and nndl-predict preprocess it as MNIST; PyTorch on that input.
                with open(png_path, "rb") as png_file:
                    status, p = s.predict(png_file.read())
                if status != 200:
                    fail(f"nndl-serve {name}: PNG: status {status}: {p}")
            out, _ = run([env("NNDL_PREDICT"), "--model", model, "--json", "--quiet", png_path])
            r = json.loads(out)["results"][0]
            x = torch.tensor(p["input"], dtype=torch.float32).reshape(1, 1, 28, 28)
            with torch.no_grad():
                t = probabilities(nets[f["module"]](x)[0].double().numpy(), f["ops"][-1])
            print(f"torch_serve: {name}, test image {k} (label {label}): nndl-serve {a['digit']} "
                  f"({a['confidence']:.6f}; PyTorch {expected.max():.6f}); its PNG: nndl-predict {r['digit']} "
                  f"({r['confidence']:.6f}), nndl-serve {p['digit']} ({p['confidence']:.6f}), PyTorch on that input "
                  f"{int(np.argmax(t))} ({t.max():.6f})")
            if r["digit"] != p["digit"] or abs(r["confidence"] - p["confidence"]) > 1e-9:
                fail(f"nndl-predict and nndl-serve disagree on {name}'s PNG")
            if r["digit"] != int(np.argmax(t)) or abs(r["confidence"] - float(t.max())) > 1e-4:
                fail(f"nndl-predict {name}: {r['digit']} ({r['confidence']}), PyTorch on the same input "
                     f"{int(np.argmax(t))} ({float(t.max())})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def case_finetune():
    counts = torch_counts()
    name = "cnn_op17.onnx"
    torch_count = counts["files"][name]["correct"]
    tmp = work("finetune")
    os.makedirs(tmp, exist_ok=True)
    tuned = os.path.join(tmp, "tuned.onnx")
    out, _ = run([env("NNDL_FINETUNE"), work("torch", name), tuned], timeout=900)
    print(out)
    before = re.search(r"^before: (\d+) / 10000", out, re.M)
    after = re.search(r"^after: (\d+) / 10000", out, re.M)
    if not before or not after:
        fail("onnx_finetune printed no 'before: N / 10000' and 'after: M / 10000'")
    before, after = int(before.group(1)), int(after.group(1))
    if out.count("refused as it should be") != 2:
        fail("onnx_finetune did not report both refused layouts")
    if abs(before - torch_count) > 1:
        fail(f"the typed network scores {before} before training, PyTorch {torch_count}")
    if after < before:
        fail(f"one epoch of SGD made it worse: {before} -> {after}")
    print(f"finetune: PyTorch {torch_count}, nndl before {before}, after one epoch {after}")
    theirs = ort_score(tuned, os.path.join(tmp, "ort.json"))
    if theirs["correct"] != after:
        fail(f"ONNX Runtime scores the saved network {theirs['correct']}, onnx_finetune {after}")


def case_refused(name):
    counts = torch_counts()
    r = counts["refused"].get(name)
    if r is None:
        fail(f"{name} is not among torch_counts.json's refused files")
    model = work("torch", name)
    want = [model, f'"{r["node"]}"', r["op"]] + ([r["attribute"]] if r["attribute"] else [])
    tmp = work("refused")
    os.makedirs(tmp, exist_ok=True)
    target = os.path.join(tmp, os.path.splitext(name)[0] + ".npz")
    if os.path.exists(target):
        os.remove(target)
    for cmd in ([env("NNDL_EVALUATE"), "--model", model, "--data", data_dir()], [env("NNDL_CONVERT"), model, target]):
        _, err = run(cmd, expect=2)
        missing = [w for w in want if w not in err]
        print(f"refused: {os.path.basename(cmd[0])}: {err.strip()}")
        if missing:
            fail(f"{os.path.basename(cmd[0])}'s message does not name {missing}: {err}")
    if os.path.exists(target):
        fail(f"nndl-convert refused but wrote {target}")


def case_convert():
    import numpy as np
    counts = torch_counts()
    tmp = work("convert")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)

    def outputs_of(model):
        return evaluate(model, os.path.join(tmp, os.path.basename(model) + ".npy"))[1]

    # .onnx -> .npz -> .onnx (PyTorch's CNN, and the MLP as MatMul + Add)
    for name in ("cnn_op13.onnx", "mlp_matmul_op13.onnx"):
        if name not in counts["files"]:
            fail(f"{name} is not in torch_counts.json")
        stem = os.path.splitext(name)[0]
        a, b, c = work("torch", name), os.path.join(tmp, stem + ".npz"), os.path.join(tmp, stem + ".onnx")
        convert(a, b)
        convert(b, c)
        oa, ob, oc = outputs_of(a), outputs_of(b), outputs_of(c)
        if not (np.array_equal(oa, ob) and np.array_equal(ob, oc)):
            fail(f"{name} -> .npz -> .onnx changed the outputs (by up to {np.max(np.abs(oa - oc)):.3g})")
        print(f"convert: {name} -> .npz -> .onnx: the 10,000 x {oa.shape[1]} outputs identical")
    # .json -> .onnx -> .json (network2.py's own file; double)
    book = work("nndl", "book.json")
    need_fixture(book, "onnx.nndl_models")
    onnx_file, again = os.path.join(tmp, "book.onnx"), os.path.join(tmp, "book_again.json")
    convert(book, onnx_file)
    convert(onnx_file, again)
    oa, ob, oc = outputs_of(book), outputs_of(onnx_file), outputs_of(again)
    if not (np.array_equal(oa, ob) and np.array_equal(ob, oc)):
        fail(f"book.json -> .onnx -> .json changed the outputs (by up to {np.max(np.abs(oa - oc)):.3g})")
    with open(book) as f1, open(again) as f2:
        j1, j2 = json.load(f1), json.load(f2)
    for key in ("sizes", "weights", "biases"):
        if j1[key] != j2[key]:
            fail(f"book.json -> .onnx -> .json changed its {key!r}")
    print("convert: book.json -> .onnx -> .json: outputs, sizes, weights and biases identical")
    # A conv network cannot be network2.py's JSON: refused, saying why, and nothing written (nndl's and PyTorch's).
    for conv_net in (work("torch", "cnn_op13.onnx"), work("nndl", "relu.onnx")):
        need_fixture(conv_net, "onnx.nndl_models")
        target = os.path.join(tmp, os.path.splitext(os.path.basename(conv_net))[0] + ".json")
        _, err = convert(conv_net, target, expect=2)
        print(f"convert: {os.path.basename(conv_net)} -> .json: {err.strip()}")
        if target not in err or not re.search(r"conv", err, re.I) or not re.search(r"network2|json", err, re.I):
            fail(f"the refusal does not name {target}, the conv layer and the format: {err}")
        if os.path.exists(target):
            fail(f"nndl-convert refused but wrote {target}")


def main():
    cases = {n[5:]: f for n, f in globals().items() if n.startswith("case_")}
    if len(sys.argv) < 2 or sys.argv[1] not in cases:
        print(__doc__, file=sys.stderr)
        return 2
    cases[sys.argv[1]](*sys.argv[2:])
    print(f"onnx_case {' '.join(sys.argv[1:])}: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
