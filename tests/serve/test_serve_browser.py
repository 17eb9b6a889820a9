"""nndl-serve's page in a real browser: headless Chromium driven by Selenium draws MNIST test digits
on #pad with pointer strokes (a mouse, then a finger), uploads a file and clears, and checks that
the page shows what the API answers for exactly that drawing: #prediction, the ten bars and the
28 x 28 image in #seen; that the model view and the evaluation are shown; and that the browser
logged no error. Run by CTest with NNDL_SERVE and NNDL_SERVE_MODELS set.

Without Chromium, chromedriver or python3-selenium the test says so loudly and exits 77 (CTest:
skipped); with NNDL_REQUIRE_TOOLS set (scripts/test.sh) it fails instead."""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

from serve_util import Server, env, mnist_dir, png, scaled, test_digits

CHROMIUM = os.environ.get("NNDL_CHROMIUM", "/usr/bin/chromium")  # Debian's chromium and chromium-driver
CHROMEDRIVER = os.environ.get("NNDL_CHROMEDRIVER", "/usr/bin/chromedriver")


def tools_or_exit():
    missing = [p for p, f in [("chromium", CHROMIUM), ("chromium-driver", CHROMEDRIVER)] if not os.path.exists(f)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("python3-selenium")
    if not missing:
        return
    why = (f"NOT TESTED: nndl-serve's page in a real browser, because {', '.join(missing)} "
           f"{'is' if len(missing) == 1 else 'are'} missing (apt-get install chromium chromium-driver python3-selenium, "
           "or scripts/deps.sh)")
    required = os.environ.get("NNDL_REQUIRE_TOOLS", "") not in ("", "0")
    print(("FAILED: " + why + "; NNDL_REQUIRE_TOOLS is set") if required else ("WARNING: " + why), file=sys.stderr)
    sys.exit(1 if required else 77)


tools_or_exit()
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.actions import interaction  # noqa: E402
from selenium.webdriver.common.actions.action_builder import ActionBuilder  # noqa: E402
from selenium.webdriver.common.actions.pointer_input import PointerInput  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SERVE, PREDICT, MODELS = env("NNDL_SERVE"), env("NNDL_PREDICT"), env("NNDL_SERVE_MODELS")
MLP = os.path.join(MODELS, "mlp.npz")
PAD = 280  # the pad's size in CSS pixels: 10 per MNIST pixel


def strokes(pixels, threshold=128):
    """The ink of a 28 x 28 digit as horizontal strokes, one per run of ink in a row, in pad
    pixels: what a hand tracing the digit row by row would draw."""
    out = []
    for y in range(28):
        x = 0
        while x < 28:
            if pixels[y * 28 + x] >= threshold:
                start = x
                while x + 1 < 28 and pixels[y * 28 + x + 1] >= threshold:
                    x += 1
                out.append(((start * 10 + 5, y * 10 + 5), (x * 10 + 5, y * 10 + 5)))
            x += 1
    return out


class Page(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when setUpClass fails half way: no server or browser is left behind.
        cls.server = Server(SERVE, MLP, "--data", mnist_dir())
        cls.addClassCleanup(cls.stop_server)
        cls.profile = tempfile.TemporaryDirectory()
        cls.addClassCleanup(cls.profile.cleanup)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,1400", f"--user-data-dir={cls.profile.name}"]:
            options.add_argument(a)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        cls.addClassCleanup(cls.driver.quit)
        cls.driver.get(cls.server.url + "/")
        cls.wait = WebDriverWait(cls.driver, 30)
        cls.wait.until(lambda d: "mlp.npz" in d.find_element(By.ID, "model-summary").text)

    @classmethod
    def stop_server(cls):
        status, out, err, _ = cls.server.stop()
        assert status == 0, (status, out, err)

    def tearDown(self):
        errors = [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        self.assertEqual(errors, [], "the browser logged errors")

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def idle_answer(self):
        """Waits until the page shows the answer to its latest drawing, and returns the digit shown."""
        self.wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "idle")
        return self.driver.find_element(By.ID, "prediction").text

    def draw(self, pixels, kind):
        pad = self.driver.find_element(By.ID, "pad")
        actions = ActionBuilder(self.driver, mouse=PointerInput(kind, kind), duration=0)
        for (x0, y0), (x1, y1) in strokes(pixels):
            actions.pointer_action.move_to(pad, x0 - PAD // 2, y0 - PAD // 2)  # (offsets from the centre)
            actions.pointer_action.pointer_down()
            actions.pointer_action.move_to(pad, x1 - PAD // 2, y1 - PAD // 2)
            actions.pointer_action.pointer_up()
        actions.perform()

    def check_page_shows(self, answer):
        """#prediction, the bars and #seen are the API's answer."""
        self.assertEqual(self.driver.find_element(By.ID, "prediction").text, str(answer["digit"]))
        for d in range(10):
            shown = float(self.driver.find_element(By.ID, f"p{d}").get_attribute("data-p"))
            self.assertAlmostEqual(shown, answer["probabilities"][d], places=12)
        seen = self.js("const c = document.getElementById('seen');"
                       "return Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data);")
        gray = seen[0::4]
        for v, g in zip(answer["input"], gray):
            self.assertLessEqual(abs(round(255 * v) - g), 1)
        mass = sum(gray)
        cx = sum((i % 28) * g for i, g in enumerate(gray)) / mass
        cy = sum((i // 28) * g for i, g in enumerate(gray)) / mass
        self.assertLess(abs(cx - 14), 1.0, "not centred")  # centred by its centre of mass, as MNIST
        self.assertLess(abs(cy - 14), 1.0, "not centred")

    def drawn_answer(self):
        """What POST /api/predict answers for the pad's current drawing as PNG bytes, checked against
        what nndl-predict answers for the same PNG file."""
        url = self.js("return document.getElementById('pad').toDataURL('image/png');")
        drawing = base64.b64decode(url.split(",", 1)[1])
        status, answer = self.server.predict(drawing)
        self.assertEqual(status, 200, answer)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "drawing.png")
            with open(path, "wb") as f:
                f.write(drawing)
            out = subprocess.run([PREDICT, "--model", MLP, "--json", "--quiet", path], capture_output=True, text=True,
                                 check=True).stdout
        expected = json.loads(out)["results"][0]
        self.assertEqual(answer["digit"], expected["digit"])
        self.assertAlmostEqual(answer["confidence"], expected["confidence"], places=12)
        return answer

    def test_1_draw_with_a_mouse_and_a_finger(self):
        digits = test_digits(3, start=0)  # 7, 2, 1
        hits = 0
        for i, (pixels, label) in enumerate(digits):
            self.driver.find_element(By.ID, "clear").click()
            self.draw(pixels, interaction.POINTER_MOUSE if i % 2 == 0 else interaction.POINTER_TOUCH)
            shown = self.idle_answer()
            answer = self.drawn_answer()
            self.assertEqual(shown, str(answer["digit"]))
            self.check_page_shows(answer)
            hits += answer["digit"] == label
            print(f"drew test digit {i} (a {label}) as {'mouse' if i % 2 == 0 else 'finger'} strokes: "
                  f"the network says {answer['digit']} ({100 * answer['confidence']:.1f}%)", file=sys.stderr)
        self.assertGreaterEqual(hits, 2, "the drawings of MNIST digits were mostly misread")

    def test_2_upload_a_file_then_clear(self):
        pixels, label = test_digits(1, start=3)[0]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "upload.png")
            with open(path, "wb") as f:
                f.write(png(*scaled(pixels, 3, invert=True)))  # dark ink on light paper, 84 x 84
            with open(path, "rb") as f:
                status, answer = self.server.predict(f.read())
            self.assertEqual(status, 200)
            self.driver.find_element(By.ID, "clear").click()
            self.driver.find_element(By.ID, "upload").send_keys(path)
            self.wait.until(lambda d: d.find_element(By.ID, "prediction").text != "")
            self.assertEqual(self.idle_answer(), str(answer["digit"]))
            self.check_page_shows(answer)
        self.driver.find_element(By.ID, "clear").click()
        self.assertEqual(self.driver.find_element(By.ID, "prediction").text, "")
        self.assertEqual([self.driver.find_element(By.ID, f"p{d}").get_attribute("data-p") for d in range(10)], ["0"] * 10)
        ink = self.js("const c = document.getElementById('pad');"
                      "return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)"
                      ".filter((v, i) => i % 4 != 3 && v > 0).length;")
        self.assertEqual(ink, 0, "the pad is not blank after Clear")
        seen = self.js("return Array.from(document.getElementById('seen').getContext('2d')"
                       ".getImageData(0, 0, 28, 28).data).filter(v => v > 0).length;")
        self.assertEqual(seen, 0, "#seen is not blank after Clear")

    def test_3_model_view_and_evaluation(self):
        self.wait.until(lambda d: d.find_element(By.ID, "weights").get_attribute("hidden") is None)
        self.assertGreater(self.js("return document.getElementById('weights').naturalWidth;"), 0)
        self.assertIn("784 -> 256 -> 64 -> 10", self.driver.find_element(By.ID, "architecture").text)
        self.assertIn("mlp_784_256_64_10", self.driver.find_element(By.ID, "provenance").text)
        status, e = self.server.json("GET", "/api/evaluation")
        deadline = time.monotonic() + 60
        while e.get("state") == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
            status, e = self.server.json("GET", "/api/evaluation")
        self.assertEqual(e.get("state"), "done", e)
        self.wait.until(lambda d: "Test accuracy" in d.find_element(By.ID, "accuracy").text)
        self.assertIn(f"Test accuracy: {e['correct']} / 10000", self.driver.find_element(By.ID, "accuracy").text)
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#confusion tr")
        self.assertEqual(len(rows), 11)
        self.assertEqual(rows[1].find_elements(By.TAG_NAME, "td")[0].text, str(e["confusion"][0][0]))
        self.wait.until(lambda d: d.execute_script("const i = document.getElementById('errors');"
                                                   "return !i.hidden && i.complete && i.naturalWidth > 0;"))

    def test_4_screenshot(self):
        """The page with a drawn digit and its answer, for the README (NNDL_SERVE_SCREENSHOT)."""
        pixels, _ = test_digits(1, start=0)[0]
        self.driver.find_element(By.ID, "clear").click()
        self.draw(pixels, interaction.POINTER_MOUSE)
        self.assertNotEqual(self.idle_answer(), "")
        shot = os.environ.get("NNDL_SERVE_SCREENSHOT")
        if shot:
            self.driver.set_window_size(1100, 720)
            self.js("window.scrollTo(0, 0);")
            self.assertTrue(self.driver.save_screenshot(shot))


if __name__ == "__main__":
    unittest.main(verbosity=2)
