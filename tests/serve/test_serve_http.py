"""nndl-serve over HTTP: every error status as JSON, the limits, what may be requested at all
(nothing outside the embedded page), concurrent requests, the address it binds to, start-up
errors and Ctrl-C. Run by CTest with NNDL_SERVE and NNDL_SERVE_MODELS set (see test_serve_api.py)."""
import gzip
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from serve_util import Server, env, mnist_dir, png, scaled, test_digits

SERVE = env("NNDL_SERVE")
MLP = os.path.join(env("NNDL_SERVE_MODELS"), "mlp.npz")


def raw_request(s, data):
    """Sends bytes as they are (no client library to tidy the request) and returns the first
    answer: its headers and as much body as its Content-Length says, or all until the server
    closes. (The request keeps its side open: a half-closed connection looks gone to the server,
    which then writes no answer.)"""
    with socket.create_connection((s.host, s.port), timeout=10) as c:
        c.sendall(data)
        out = b""
        while chunk := c.recv(65536):
            out += chunk
            head, _, body = out.partition(b"\r\n\r\n")
            length = re.search(rb"(?i)\r\nContent-Length: *(\d+)", head)
            if _ and length and len(body) >= int(length.group(1)):
                break
    return out


def refused(s, head, body=b""):
    """Sends a request's head and the start of its body, and returns the first answer (as
    raw_request does), which must come although the body is not all there."""
    with socket.create_connection((s.host, s.port), timeout=10) as c:
        try:
            c.sendall(head + body)
        except (BrokenPipeError, ConnectionResetError):  # refused while the body was still going out
            pass
        out = b""
        try:
            while chunk := c.recv(65536):  # (socket.timeout: no answer)
                out += chunk
                head_part, sep, rest = out.partition(b"\r\n\r\n")
                length = re.search(rb"(?i)\r\nContent-Length: *(\d+)", head_part)
                if sep and length and len(rest) >= int(length.group(1)):
                    break
        except ConnectionResetError:
            pass
    return out


class Errors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(SERVE, MLP)
        pixels, _ = test_digits(1)[0]
        cls.digit = png(*scaled(pixels, 2))

    @classmethod
    def tearDownClass(cls):
        status, out, err, _ = cls.server.stop()
        assert status == 0, (status, out, err)

    def error(self, expected, method, path, body=None, headers=None):
        status, j = self.server.json(method, path, body, headers)
        self.assertEqual(status, expected, j)
        self.assertIsInstance(j.get("error"), str)
        self.assertTrue(j["error"])
        return j["error"]

    def test_400_bad_images(self):
        good = self.digit
        blank = png(28, 28, [0] * 784)
        for body, why in [(b"hello, not an image", "not an image"), (good[:len(good) // 2], "truncated PNG"),
                          (blank, "no ink"), (b"P2\n2 2\n255\n0 0 0 0\n", "ASCII PGM"), (b"", "empty request body")]:
            self.assertIn(why, self.error(400, "POST", "/api/predict", body, {"Content-Type": "image/png"}))

    def test_400_bad_pixels(self):
        post = lambda body: self.error(400, "POST", "/api/predict", body, {"Content-Type": "application/json"})
        self.assertIn("must hold 784 numbers, found 783", post(json.dumps({"pixels": [0.5] * 783})))
        self.assertIn("outside 0..1", post(json.dumps({"pixels": [0.5] * 783 + [1.5]})))
        self.assertIn("is not a number", post(json.dumps({"pixels": ["a"] * 784})))
        self.assertIn("expected {\"pixels\"", post(json.dumps({"pictures": []})))
        self.assertIn("not valid JSON", post("{\"pixels\": [0.1, "))

    def test_413_body_over_the_limit(self):
        # (Sent raw: the server answers from the head and closes without reading the body, so a client
        # that insists on sending all of it first, as http.client does, sees a broken pipe.)
        body = b"\x89PNG\r\n\x1a\n" + bytes(4 * 1024 * 1024)  # 4 MB + 8 bytes
        for path in [b"/api/predict", b"/api/model"]:  # the limit is the whole body's, also on other paths
            out = refused(self.server, b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                                       b"Content-Length: %d\r\n\r\n" % len(body), body)
            self.assertTrue(out.startswith(b"HTTP/1.1 413"), out[:200])
            self.assertIn(b"larger than the limit of 4194304 bytes", out)

    def test_404_and_no_file_system(self):
        for path in ["/nope", "/api", "/api/predict/x", "/index.html", "/app.js.map", "/tools/serve/page/app.js",
                     "/api/evaluation"]:  # (no --data: nothing to evaluate)
            self.error(404, "GET", path)
        # Paths that would leave a folder if anything read files: all unknown, none has a file's bytes.
        for path in [b"/../../../../etc/passwd", b"/..%2f..%2f..%2fetc%2fpasswd", b"/%2e%2e/%2e%2e/etc/passwd",
                     b"//etc/passwd", b"/CMakeLists.txt", b"/page/app.js"]:
            out = raw_request(self.server, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            self.assertTrue(out.startswith(b"HTTP/1.1 404") or out.startswith(b"HTTP/1.1 400"), out[:200])
            self.assertNotIn(b"root:", out)
            self.assertNotIn(b"cmake_minimum_required", out)

    def test_405_known_paths_other_methods(self):
        for method, path, allow in [("GET", "/api/predict", "POST"), ("PUT", "/api/predict", "POST"),
                                    ("POST", "/api/model", "GET, HEAD"), ("DELETE", "/", "GET, HEAD"),
                                    ("POST", "/app.js", "GET, HEAD"), ("PATCH", "/api/weights.png", "GET, HEAD")]:
            status, headers, data = self.server.request(method, path, b"{}" if method != "GET" else None)
            self.assertEqual(status, 405, (method, path, data))
            self.assertEqual(headers.get("Allow"), allow)
            self.assertIn("not allowed", json.loads(data)["error"])

    def test_411_chunked_body(self):
        out = raw_request(self.server, b"POST /api/predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       b"5\r\nhello\r\n0\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 411"), out[:200])
        self.assertIn(b'"error"', out)

    def test_bodies_that_would_be_read_without_bound_are_refused_first(self):
        cases = [
            # No Content-Length: the body could only be read until the connection closes.
            (411, b"POST /api/predict HTTP/1.1\r\nHost: x\r\n\r\n", bytes(65536)),
            # A compressed body: 4 MB of gzip would inflate to gigabytes.
            (415, b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 100000\r\n\r\n",
             gzip.compress(bytes(64 << 20))[:65536]),
            # A length over the limit is refused at once, not read through to be skipped.
            (413, b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000000\r\n\r\n", bytes(1000)),
            (400, b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n", b"")]
        for status, head, body in cases:
            out = refused(self.server, head, body)
            self.assertTrue(out.startswith(b"HTTP/1.1 %d" % status), out[:200])
            self.assertIn(b"\r\nConnection: close\r\n", out)
            self.assertIn(b'{"error":', out)
        self.assertEqual(self.server.predict(self.digit)[0], 200)  # and it goes on serving

    def test_400_malformed_request_line(self):
        out = raw_request(self.server, b"NONSENSE\r\nConnection: close\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 400"), out[:200])

    def test_page_and_its_files(self):
        status, headers, html = self.server.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn("default-src 'self'", headers["Content-Security-Policy"])
        for element in [b'id="pad"', b'id="clear"', b'id="prediction"', b'id="probabilities"', b'id="seen"', b'id="upload"']:
            self.assertIn(element, html)
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "tools", "serve", "page", "app.js"), "rb") as f:
            self.assertEqual(self.server.request("GET", "/app.js")[2], f.read())  # byte for byte what the repository holds
        self.assertTrue(self.server.request("GET", "/app.js")[1]["Content-Type"].startswith("text/javascript"))
        self.assertTrue(self.server.request("GET", "/style.css")[1]["Content-Type"].startswith("text/css"))
        status, headers, body = self.server.request("HEAD", "/")
        self.assertEqual((status, body), (200, b""))

    def test_concurrent_requests(self):
        digits = test_digits(16, start=100)
        bodies = [png(*scaled(p, 1 + i % 3)) for i, (p, _) in enumerate(digits)]
        expected = [self.server.predict(b)[1] for b in bodies]
        failures, lock = [], threading.Lock()

        def client(k):
            for r in range(20):
                i = (k * 7 + r) % len(bodies)
                status, a = self.server.predict(bodies[i])
                if status != 200 or a["digit"] != expected[i]["digit"] or a["probabilities"] != expected[i]["probabilities"]:
                    with lock:
                        failures.append((k, r, status, a.get("error")))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])


class Lifecycle(unittest.TestCase):
    def test_binds_to_loopback_by_default(self):
        with Server(SERVE, MLP) as s:
            self.assertEqual(s.host, "127.0.0.1")
            listening = set()
            with open("/proc/net/tcp") as f:
                for line in f.readlines()[1:]:
                    local, state = line.split()[1], line.split()[3]
                    if state == "0A":
                        listening.add(local)
            self.assertIn(f"0100007F:{s.port:04X}", listening)  # 127.0.0.1, and not 0.0.0.0
            self.assertNotIn(f"00000000:{s.port:04X}", listening)

    def test_ctrl_c_and_sigterm_stop_it_cleanly(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            s = Server(SERVE, MLP)
            # A browser's open keep-alive connection does not keep it running.
            c = socket.create_connection((s.host, s.port))
            c.sendall(b"GET /api/model HTTP/1.1\r\nHost: x\r\n\r\n")
            c.recv(65536)
            status, out, err, seconds = s.stop(sig)
            c.close()
            self.assertEqual(status, 0, err)
            self.assertIn("stopped", out)
            self.assertLess(seconds, 15)  # it stops, rather than hang (not a speed target: a busy CI machine is slow)

    def test_ctrl_c_while_evaluating(self):
        s = Server(SERVE, MLP, "--data", mnist_dir())
        status, out, err, seconds = s.stop()
        self.assertEqual(status, 0, err)
        self.assertLess(seconds, 15)  # it stops with the evaluation running, rather than hang

    def test_bad_model_is_an_error_before_listening(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.npz")
            with open(bad, "wb") as f:
                f.write(b"PK\x03\x04 this is not a model")
            fifo = os.path.join(d, "fifo.npz")
            os.mkfifo(fifo)  # no writer: reading it would wait forever
            for model, why in [(bad, "bad.npz"), (os.path.join(d, "missing.npz"), "missing.npz"),
                               (fifo, "is a pipe (FIFO), not a regular file"), ("/dev/zero", "is a device")]:
                r = subprocess.run([SERVE, "--model", model, "--port", "0"], capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(why, r.stderr)
                self.assertNotIn("http://", r.stdout)
            r = subprocess.run([SERVE, "--model", MLP, "--port", "0", "--data", os.path.join(d, "no-mnist")],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("no-mnist", r.stderr)

    def test_help_and_bad_command_lines(self):
        r = subprocess.run([SERVE, "--help"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        for default in ["--host TEXT=127.0.0.1", "=8080", "--max-body UINT:UINT in [1024 - 1073741824]=4194304",
                        "--threads UINT:INT in [1 - 256]=4", "--max-line UINT:UINT in [256 - 1048576]=8192",
                        "--max-headers UINT:UINT in [8 - 10000]=100", "--max-header-bytes UINT:UINT in [1024 - 16777216]=65536",
                        "--header-timeout FLOAT:FLOAT in [0.05 - 3600]=10", "--body-timeout FLOAT:FLOAT in [0.05 - 3600]=30",
                        "--idle-timeout FLOAT:FLOAT in [0.05 - 3600]=5", "--max-connections UINT:UINT in [1 - 100000]=512",
                        "--max-per-client UINT:UINT in [1 - 100000]=64", "--pixel-budget UINT:UINT in [1 - 4294967296]=67108864",
                        "Exit status"]:
            self.assertIn(default, r.stdout)
        for args in [[], ["--model", MLP, "--port", "70000"], ["--model", MLP, "--no-such-flag"], ["--model", MLP, "extra"],
                     ["--model", MLP, "--pixel-budget", "100", "--max-pixels", "1000"], ["--model", MLP, "--max-line", "10"]]:
            r = subprocess.run([SERVE, *args], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertNotIn("http://", r.stdout)

    def test_port_in_use(self):
        with Server(SERVE, MLP) as s:
            r = subprocess.run([SERVE, "--model", MLP, "--port", str(s.port)], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(f"cannot listen on 127.0.0.1:{s.port}", r.stderr)
            self.assertIn("in use", r.stderr)
            self.assertEqual(s.predict(png(28, 28, [0] * 300 + [255] * 100 + [0] * 384))[0], 200)  # the first goes on

    def test_limits_from_the_command_line(self):
        pixels, _ = test_digits(1)[0]
        big = png(*scaled(pixels, 4))  # 112 x 112
        with Server(SERVE, MLP, "--max-pixels", "10000", "--max-body", "4096") as s:
            status, a = s.predict(png(*scaled(pixels, 3)))  # 84 x 84: 7,056 pixels
            self.assertEqual(status, 200, a)
            self.assertLess(len(big), 4096)
            status, a = s.predict(big)
            self.assertEqual(status, 400, a)
            self.assertIn("112 x 112 pixels is too large (limit 10000 pixels)", a["error"])
            status, a = s.predict(bytes(5000))
            self.assertEqual(status, 413, a)


if __name__ == "__main__":
    unittest.main(verbosity=2)
