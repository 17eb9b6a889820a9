"""ONNX's own checker on model files (Debian's python3-onnx):

  /usr/bin/python3 check_model.py FILE.onnx...

For each file: onnx.checker.check_model(onnx.load(file), full_check=True) (full_check also runs
ONNX's shape inference and fails on shapes that do not chain), then prints the IR version, the opsets,
the producer, the graph's inputs and outputs with their element types and shapes, the operations, and
the metadata. Exit status: 0 every file passed, 1 any failed (each failure said on stderr), 2 no files.
"""
import sys

import onnx


def shape(value_info):
    t = value_info.type.tensor_type
    dims = [d.dim_param if d.dim_param else (str(d.dim_value) if d.HasField("dim_value") else "?") for d in t.shape.dim]
    return f"{onnx.TensorProto.DataType.Name(t.elem_type)} [{', '.join(dims)}]"


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    g = model.graph
    opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import)
    print(f"{path}: passed onnx.checker (full_check); IR version {model.ir_version}, opset {opsets}, "
          f"producer {model.producer_name!r} {model.producer_version!r}")
    initializers = {i.name for i in g.initializer}
    for v in g.input:
        if v.name not in initializers:
            print(f"  input  {v.name}: {shape(v)}")
    for v in g.output:
        print(f"  output {v.name}: {shape(v)}")
    print(f"  {len(g.node)} nodes: {' '.join(n.op_type for n in g.node)}; {len(g.initializer)} initializers")
    for p in model.metadata_props:
        value = p.value if len(p.value) <= 300 else p.value[:300] + f"... ({len(p.value)} characters)"
        print(f"  metadata {p.key}: {value}")


def main(paths):
    if not paths:
        print("usage: check_model.py FILE.onnx...", file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        try:
            check(path)
        except Exception as e:  # the checker's, or a file that does not parse
            print(f"{path}: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
            failed += 1
    if failed:
        print(f"check_model: {failed} of {len(paths)} files failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
