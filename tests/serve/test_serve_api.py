"""nndl-serve's JSON API against real servers on free ports: answers equal nndl-predict's and
nndl-evaluate's, every error status, concurrent requests, the safety defaults, start-up errors and
Ctrl-C. Run by CTest (tests/extra_tests.cmake) with NNDL_SERVE, NNDL_PREDICT, NNDL_EVALUATE and
NNDL_SERVE_MODELS (a folder with mlp.npz, conv.npz and vote.npz) set."""
import json
import os
import subprocess
import tempfile
import time
import unittest

from serve_util import Server, decode_png_gray, env, mnist_dir, png, png_size, scaled, test_digits

SERVE, PREDICT, EVALUATE = env("NNDL_SERVE"), env("NNDL_PREDICT"), env("NNDL_EVALUATE")
MODELS = env("NNDL_SERVE_MODELS")
MLP, CONV, VOTE = (os.path.join(MODELS, n) for n in ("mlp.npz", "conv.npz", "vote.npz"))


def nndl_predict(model, files, show_input=None):
    """nndl-predict --json's results by file name."""
    cmd = [PREDICT, "--model", model, "--json", "--quiet", *files]
    if show_input:
        cmd += ["--show-input", show_input]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return {r["file"]: r for r in json.loads(out)["results"]}


class Answers(unittest.TestCase):
    """Predictions equal nndl-predict's on the same files, for each kind of model."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.files = []
        for i, (pixels, label) in enumerate(test_digits(12)):
            w, h, gray = scaled(pixels, 1 + i % 4, invert=i % 3 == 1)  # sizes 28 to 112, some dark on light
            path = os.path.join(cls.dir.name, f"digit{i}-label{label}.png")
            with open(path, "wb") as f:
                f.write(png(w, h, gray))
            cls.files.append(path)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def check_model(self, model):
        seen_dir = os.path.join(self.dir.name, "seen-" + os.path.basename(model))
        expected = nndl_predict(model, self.files, seen_dir)
        with Server(SERVE, model) as s:
            for path in self.files:
                with open(path, "rb") as f:
                    status, a = s.predict(f.read())
                self.assertEqual(status, 200, a)
                e = expected[path]
                self.assertEqual(a["digit"], e["digit"], path)
                # nndl-predict runs its files as one batch, the server one image at a time: OpenBLAS
                # sums a row of a batch in another order than a row alone, which for a float32 model
                # moves the confidence by a rounding step (6e-8 seen); never by more than 1e-6.
                self.assertAlmostEqual(a["confidence"], e["confidence"], delta=1e-6, msg=path)
                self.assertEqual(len(a["probabilities"]), 10)
                self.assertAlmostEqual(sum(a["probabilities"]), 1.0, places=6)
                self.assertEqual(a["confidence"], a["probabilities"][a["digit"]])
                # The input the network saw is nndl-predict --show-input's 28 x 28 PNG (8 bits).
                self.assertEqual(len(a["input"]), 784)
                name = os.path.splitext(os.path.basename(path))[0] + ".input.png"
                with open(os.path.join(seen_dir, name), "rb") as f:
                    shown = f.read()
                status, again = s.predict(shown)  # (a PNG nndl wrote decodes through the same path)
                self.assertEqual(status, 200)
                seen = decode_png_gray(shown)
                for v, g in zip(a["input"], seen):
                    self.assertLessEqual(abs(round(255 * v) - g), 1)
                # The same input as pixels gives the same answer.
                status, p = s.predict(json.dumps({"pixels": a["input"]}), "application/json")
                self.assertEqual(status, 200, p)
                self.assertEqual(p["digit"], a["digit"])
                for x, y in zip(p["probabilities"], a["probabilities"]):
                    self.assertAlmostEqual(x, y, places=4)

    def test_mlp(self):
        self.check_model(MLP)

    def test_conv(self):
        self.check_model(CONV)

    def test_ensemble(self):
        self.check_model(VOTE)


class ModelView(unittest.TestCase):
    """GET /api/model, the weights' picture, and with --data the report nndl-evaluate prints."""

    def test_mlp_and_its_first_layer(self):
        with Server(SERVE, MLP) as s:
            status, m = s.json("GET", "/api/model")
            self.assertEqual(status, 200)
            self.assertEqual(m["name"], "mlp.npz")
            self.assertEqual([l["units"] for l in m["architecture"]["layers"]], [256, 64, 10])
            self.assertEqual(m["provenance"]["program"], "mlp_784_256_64_10")
            self.assertEqual((m["members"], m["inputs"], m["outputs"], m["evaluation"]), (1, 784, 10, "none"))
            w = m["weights"]
            self.assertEqual((w["layer"], w["units"], w["shown"], w["tile"], w["columns"]), ("dense 256 relu", 256, 256, 28, 16))
            status, headers, picture = s.request("GET", w["url"])
            self.assertEqual((status, headers["Content-Type"]), (200, "image/png"))
            self.assertEqual(png_size(picture), (16 * 29 - 1, 16 * 29 - 1))
            self.assertEqual(s.json("GET", "/api/evaluation")[0], 404)
            self.assertEqual(s.json("GET", "/api/errors.png")[0], 404)

    def test_conv_filters_and_ensemble(self):
        with Server(SERVE, CONV) as s:
            w = s.json("GET", "/api/model")[1]["weights"]
            self.assertEqual((w["layer"], w["units"], w["tile"], w["columns"]), ("conv 20@5x5 relu", 20, 5, 5))
            self.assertEqual(png_size(s.request("GET", "/api/weights.png")[2]), (5 * 6 - 1, 4 * 6 - 1))
        with Server(SERVE, VOTE) as s:
            self.assertEqual(s.json("GET", "/api/model")[1]["members"], 2)

    def test_evaluation_is_nndl_evaluates(self):
        with tempfile.TemporaryDirectory() as d:
            errors = os.path.join(d, "errors.png")
            out = subprocess.run([EVALUATE, "--model", MLP, "--data", mnist_dir(), "--json", "--errors", errors],
                                 capture_output=True, text=True, check=True).stdout
            expected = json.loads(out)
            with Server(SERVE, MLP, "--data", mnist_dir()) as s:
                deadline = time.monotonic() + 120
                while True:
                    status, e = s.json("GET", "/api/evaluation")
                    self.assertEqual(status, 200, e)
                    if e["state"] != "running" or time.monotonic() > deadline:
                        break
                    time.sleep(0.2)
                self.assertEqual(e["state"], "done", e)
                for key in ["correct", "total", "confusion", "per_digit", "most_confused", "errors"]:
                    self.assertEqual(e[key], expected[key], key)
                self.assertIn("Test accuracy: %d / 10000" % expected["correct"], e["text"])
                self.assertEqual(s.json("GET", "/api/model")[1]["evaluation"], "done")
                status, headers, picture = s.request("GET", "/api/errors.png")
                self.assertEqual(status, 200)
                with open(errors, "rb") as f:
                    self.assertEqual(picture, f.read())  # the very picture nndl-evaluate --errors writes


if __name__ == "__main__":
    unittest.main(verbosity=2)
