"""The load check of nndl-serve: for each model, a server on a free port, then nndl_serve_load
(C concurrent clients, N requests of POST /api/predict with one 280 x 280 PNG of a drawn-size MNIST
test digit, as the page's pad sends) must see no error; prints requests per second and latency.
CTest runs it on the test MLP; scripts/serve_load.sh runs it for the README's figures.

  serve_load.py --serve nndl-serve --load nndl_serve_load --requests 2000 --clients 8 mlp.npz relu.npz
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from serve_util import Server, png, scaled, test_digits


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--serve", required=True, help="the nndl-serve program")
    p.add_argument("--load", required=True, help="the nndl_serve_load program")
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--threads", type=int, default=4, help="nndl-serve --threads (its default)")
    p.add_argument("models", nargs="+")
    a = p.parse_args()

    pixels, _ = test_digits(1)[0]
    failed = False
    with tempfile.TemporaryDirectory() as d:
        image = os.path.join(d, "digit.png")
        with open(image, "wb") as f:
            f.write(png(*scaled(pixels, 10)))  # 280 x 280, the pad's size
        for model in a.models:
            with Server(a.serve, model, "--threads", str(a.threads)) as s:
                r = subprocess.run([a.load, "--port", str(s.port), "--image", image, "--requests", str(a.requests),
                                    "--clients", str(a.clients), "--json"], capture_output=True, text=True)
                if r.returncode != 0:
                    print(f"serve_load: {model}: {r.stderr.strip()}", file=sys.stderr)
                    failed = True
                    continue
                f = json.loads(r.stdout)
                print(f"{os.path.basename(model)}: {f['requests']} requests from {f['clients']} clients in "
                      f"{f['seconds']:.2f} s: {f['requests_per_second']:.0f} requests/s, latency p50 {f['p50_ms']:.2f} ms, "
                      f"p99 {f['p99_ms']:.2f} ms, max {f['max_ms']:.2f} ms; {f['failed']} failed", flush=True)
                status, out, err, _ = s.stop()
                if status != 0:
                    print(f"serve_load: {model}: the server did not stop cleanly ({status}): {err}", file=sys.stderr)
                    failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
