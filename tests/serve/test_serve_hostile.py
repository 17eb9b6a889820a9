"""nndl-serve against hostile clients (issue 22), on 127.0.0.1 with clients written on the socket
module: no hostile request gets a 500 or an answer that is not JSON; a refused body is not read
(the server's memory stays bounded while a client pushes 200 MB); endless request and header lines
are refused early with bounded memory; slow clients, more of them than worker threads, do not stop
service and are closed at their deadline; connections are limited in all and per address; the log
holds one escaped line per answer; request smuggling, Expect, Content-Encoding, Range; the pixel
budget across requests. Memory is the server's VmRSS and VmHWM (peak) from /proc/<pid>/status.
Run by CTest with NNDL_SERVE and NNDL_SERVE_MODELS set (see test_serve_api.py)."""
import json
import os
import re
import socket
import struct
import threading
import time
import unittest
import zlib

from serve_util import Server, env, png, scaled, test_digits

SERVE = env("NNDL_SERVE")
MLP = os.path.join(env("NNDL_SERVE_MODELS"), "mlp.npz")
MB = 1 << 20


def memory(pid):
    """(VmRSS, VmHWM) of a process in bytes."""
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024


def answers(data):
    """The answers in what a connection received: [(status, headers, body)] (bodies by Content-Length)."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        status = int(head.split(b" ", 2)[1])
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        n = int(length.group(1)) if length else 0
        out.append((status, head, rest[:n]))
        data = rest[n:]
    return out


def exchange(s, data, timeout=10, until_close=True):
    """Sends bytes as they are and returns all the connection received until the server closed it
    (or, until_close=False, the first complete answer)."""
    with socket.create_connection((s.host, s.port), timeout=timeout) as c:
        try:
            c.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        out = b""
        try:
            while chunk := c.recv(65536):
                out += chunk
                if not until_close and answers(out):
                    break
        except (ConnectionResetError, socket.timeout):
            pass
    return out


def only_answer(test, out):
    got = answers(out)
    test.assertEqual(len(got), 1, out[:300])
    return got[0]


def png16(width, height):
    """A 16-bit grayscale PNG of zeros (small on disk, width x height x 2 bytes decoded)."""
    row = b"\x00" + bytes(2 * width)
    raw = zlib.compress(row * height, 9)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 0, 0, 0, 0)) +
            chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def post(path, body, content_type="image/png", extra=b""):
    return (b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: " + content_type.encode() + b"\r\n" + extra +
            b"Content-Length: %d\r\n\r\n" % len(body) + body)


class Hostile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(SERVE, MLP, "--log")
        pixels, _ = test_digits(1)[0]
        cls.digit = png(*scaled(pixels, 2))

    @classmethod
    def tearDownClass(cls):
        status, out, err, _ = cls.server.stop()
        assert status == 0, (status, out, err)
        cls.log = err

    def json_error(self, out, expected):
        status, head, body = only_answer(self, out)
        self.assertEqual(status, expected, out[:300])
        self.assertIn(b"Content-Type: application/json", head)
        message = json.loads(body)["error"]
        self.assertTrue(message)
        return message

    def test_no_hostile_request_gets_a_500(self):
        pgm0 = b"P5\n0 0\n255\n"
        cases = [
            (400, post(b"/api/predict", b'{"pixels":[1e999]}', "application/json")),
            (400, post(b"/api/predict", b'{"pixels":[' + b"0.5," * 783 + b'1e999]}', "application/json")),
            (400, post(b"/api/predict", self.digit, "application/json")),  # a PNG said to be JSON
            (400, post(b"/api/predict", b'{"pixels": "\xff\xfe"}', "application/json")),  # not UTF-8
            (400, post(b"/api/predict", b"[" * 100000, "application/json")),
            (400, post(b"/api/predict", pgm0)),
            (400, post(b"/api/predict", png16(8192, 8192))),  # 16-bit: counts twice, over the limit
            (404, b"GET /%ff HTTP/1.1\r\nHost: x\r\n\r\n"),
            (404, b"GET /%c0%ae%c0%ae/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
            (404, b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n"),
            (400, b"GET / HTTP/1.1\r\nHost: x\r\nBad\x00Header: 1\r\n\r\n"),
            (400, b"GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n"),
            (400, b"GET / HTTP/9.9\r\nHost: x\r\n\r\n"),
            (400, b"GET /\r\n\r\n"),  # HTTP/0.9
            (400, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
            (400, b"\r\n\r\n"),
            (405, b"BREW /api/model HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
            (417, b"POST /api/predict HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 10\r\n\r\n"),
        ]
        for expected, data in cases:
            out = exchange(self.server, data, until_close=False)
            message = self.json_error(out, expected)
            self.assertNotIn("\xff", message)
            self.assertNotIn("\x00", message)
        self.assertIn("too large for a double", self.json_error(exchange(self.server, cases[0][1], until_close=False), 400))
        pgm = self.json_error(exchange(self.server, post(b"/api/predict", pgm0), until_close=False), 400)
        self.assertNotIn("too large", pgm)
        self.assertIn("0 x 0", pgm)
        self.assertIn("16 bits", self.json_error(exchange(self.server, cases[6][1], until_close=False), 400))
        self.assertEqual(self.server.predict(self.digit)[0], 200)  # and it goes on serving

    def test_smuggling_is_refused(self):
        two = b"GET /api/model HTTP/1.1\r\nHost: x\r\n\r\n"
        for head in [b"Content-Length: 5\r\nContent-Length: 40\r\n", b"Content-Length: 5\r\nContent-Length: 5\r\n",
                     b"Content-Length: 5, 40\r\n", b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                     b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", b"Content-Length: +5\r\n"]:
            out = exchange(self.server, b"POST /api/predict HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n" + two)
            message = self.json_error(out, 400)  # one answer only: what followed the head is not read as a request
            self.assertIn("Content-Length", message)
            if head.count(b"\r\n") == 2:
                self.assertIn("ambiguous", message)
            self.assertIn(b"Connection: close", out)

    def test_refused_request_closes_without_reading_on(self):
        """A request refused before its body gets one answer, and its body (here another request)
        is never read as a request."""
        inner = b"GET /api/model HTTP/1.1\r\nHost: x\r\n\r\n"
        for head in [b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n",
                     b"POST /api/predict HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"POST /api/predict HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Encoding: gzip\r\n"
                     b"Content-Length: 40\r\n\r\n"]:
            out = exchange(self.server, head + inner * 3)
            status, h, _ = only_answer(self, out)
            self.assertIn(status, (411, 413, 415))
            self.assertIn(b"Connection: close", h)

    def test_expect_continue(self):
        big = b"POST /api/predict HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 999999999\r\n\r\n"
        out = exchange(self.server, big)
        self.assertTrue(out.startswith(b"HTTP/1.1 413"), out[:100])
        self.assertNotIn(b"100 Continue", out)
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as c:
            c.sendall(b"POST /api/predict HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: image/png\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(self.digit))
            self.assertTrue(c.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n"))
            c.sendall(self.digit)
            out = b""
            while not answers(out):
                out += c.recv(65536)
            self.assertEqual(answers(out)[0][0], 200)

    def test_identity_encoding_and_range(self):
        for value in [b"identity", b"Identity", b"IDENTITY"]:
            out = exchange(self.server, post(b"/api/predict", self.digit, extra=b"Content-Encoding: " + value + b"\r\n"),
                           until_close=False)
            self.assertEqual(only_answer(self, out)[0], 200, out[:300])
        full = self.server.request("GET", "/app.js")[2]
        for r in [b"bytes=99999999-", b"bytes=0-10", b"bytes=-5", b"nonsense"]:
            status, head, body = only_answer(self, exchange(self.server, b"GET /app.js HTTP/1.1\r\nHost: x\r\nRange: " + r +
                                                             b"\r\nConnection: close\r\n\r\n"))
            self.assertEqual((status, body), (200, full))  # Range is ignored: the whole file

    def test_refused_200_mb_body_is_not_read(self):
        rss0, _ = memory(self.server.proc.pid)
        sent, answer = 0, b""
        with socket.create_connection((self.server.host, self.server.port), timeout=5) as c:
            c.sendall(b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: %d\r\n\r\n"
                      % (200 * MB))
            block = bytes(MB)
            t0 = time.monotonic()
            try:
                while sent < 200 * MB and time.monotonic() - t0 < 20:
                    sent += c.send(block)
            except (BrokenPipeError, ConnectionResetError, socket.timeout):
                pass
            try:
                while chunk := c.recv(65536):
                    answer += chunk
            except (ConnectionResetError, socket.timeout):
                pass
        rss1, _ = memory(self.server.proc.pid)
        self.assertLess(sent, 100 * MB, "the server read the body it refused")
        self.assertLess(rss1 - rss0, 20 * MB, (rss0, rss1))
        if answer:  # (the answer may be lost to the reset of a connection closed with bytes unread)
            self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:100])

    def endless(self, start, fill, limit=100 * MB):
        """Sends `start` and then `fill` bytes until the server answers or closes; returns
        (answer, bytes sent, seconds)."""
        sent, out = 0, b""
        t0 = time.monotonic()
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as c:
            c.sendall(start)
            block = fill * (MB // len(fill))
            try:
                while sent < limit:
                    sent += c.send(block)
            except (BrokenPipeError, ConnectionResetError, socket.timeout):
                pass
            try:
                while chunk := c.recv(65536):
                    out += chunk
            except (ConnectionResetError, socket.timeout):
                pass
        return out, sent, time.monotonic() - t0

    def test_endless_lines_are_refused_early(self):
        _, hwm0 = memory(self.server.proc.pid)
        for start, fill, status in [(b"GET / HTTP/1.1\r\nX-Long: ", b"a", 431), (b"GET /", b"a", 414),
                                    (b"GET / HTTP/1.1\r\nX-Long: ", b"a", 431), (b"GET / HTTP/1.1\r\n", b"X: 1\r\n", 431),
                                    (b"GET / HTTP/1.1\r\n", b"X-Long: " + b"a" * 4000 + b"\r\n", 431)]:
            out, sent, seconds = self.endless(start, fill)
            self.assertLess(sent, 100 * MB, (start, "read on"))
            self.assertLess(seconds, 30)
            if out:
                self.assertTrue(out.startswith(b"HTTP/1.1 %d" % status), out[:200])
        rss, hwm = memory(self.server.proc.pid)
        self.assertLess(hwm - hwm0, 30 * MB, (hwm0, hwm))
        # The answer itself, when the client stops at a line one byte over the limit.
        out = exchange(self.server, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n")
        self.assertIn("request line is longer than the limit of 8192 bytes", self.json_error(out, 414))
        out = exchange(self.server, b"GET / HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n")
        self.assertIn("header line is longer than the limit of 8192 bytes", self.json_error(out, 431))
        out = exchange(self.server, b"GET / HTTP/1.1\r\n" + b"X: 1\r\n" * 101 + b"\r\n")
        self.assertIn("more than the limit of 100 header lines", self.json_error(out, 431))
        ok = exchange(self.server, b"GET /api/model HTTP/1.1\r\nHost: x\r\n" + b"X: 1\r\n" * 98 + b"\r\n", until_close=False)
        self.assertEqual(only_answer(self, ok)[0], 200)

    def test_log_is_one_escaped_line_per_answer(self):
        s = Server(SERVE, MLP, "--log")
        try:
            exchange(s, b"GET /a%0aFAKE%0d%0aLINE HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            exchange(s, b"GET /\x1b[31mred\x9b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            exchange(s, b"GET /\x80\x9b\\\" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            exchange(s, b"GET /api/model HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        finally:
            status, out, err, _ = s.stop()
        self.assertEqual(status, 0, err)
        raw = err.encode("utf-8", "surrogateescape")
        self.assertNotIn(b"\x1b", raw)
        self.assertNotIn(b"\x9b", raw)
        lines = [line for line in err.splitlines() if line.startswith("127.0.0.1 ")]
        self.assertEqual(len(lines), 4, err)
        for line in lines:
            self.assertRegex(line, r"^127\.0\.0\.1 [!-~]+ [!-~]+ \d{3} \d+$")
        self.assertIn("/a%0aFAKE%0d%0aLINE 404", lines[0])
        self.assertIn("\\x80\\x9B\\x5C\\x22 404", lines[2])
        self.assertTrue(lines[3].endswith(" 200 " + lines[3].split()[-1]))
        self.assertFalse(any(line.startswith("FAKE") or line.startswith("LINE") for line in err.splitlines()))


class Slow(unittest.TestCase):
    def test_slow_clients_do_not_stop_service(self):
        """20 connections sending one header byte every 0.4 s, with 2 worker threads: other requests
        are still answered at once, and the slow ones are closed at the header deadline."""
        with Server(SERVE, MLP, "--threads", "2", "--header-timeout", "3") as s:
            stop, closed_after = threading.Event(), []
            lock = threading.Lock()

            def slow():
                with socket.create_connection((s.host, s.port), timeout=20) as c:
                    t0 = time.monotonic()
                    try:
                        c.sendall(b"GET / HTTP/1.1\r\n")
                        while not stop.is_set():
                            c.sendall(b"X")
                            time.sleep(0.4)
                            c.setblocking(False)
                            try:
                                if c.recv(1) == b"":
                                    break
                            except BlockingIOError:
                                pass
                            finally:
                                c.setblocking(True)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    with lock:
                        closed_after.append(time.monotonic() - t0)

            threads = [threading.Thread(target=slow) for _ in range(20)]
            for t in threads:
                t.start()
            time.sleep(0.5)
            pixels, _ = test_digits(1)[0]
            digit = png(*scaled(pixels, 2))
            for _ in range(10):
                t0 = time.monotonic()
                self.assertEqual(s.predict(digit)[0], 200)
                self.assertLess(time.monotonic() - t0, 2.0)
            for t in threads:
                t.join(timeout=15)
            stop.set()
            self.assertEqual(len(closed_after), 20)
            self.assertTrue(all(2.5 < t < 8 for t in closed_after), closed_after)

    def test_idle_keep_alive_is_closed(self):
        with Server(SERVE, MLP, "--idle-timeout", "1") as s:
            with socket.create_connection((s.host, s.port), timeout=10) as c:
                c.sendall(b"GET /api/model HTTP/1.1\r\nHost: x\r\n\r\n")
                out = b""
                while not answers(out):
                    out += c.recv(65536)
                t0 = time.monotonic()
                self.assertEqual(c.recv(100), b"")  # closed by the server
                self.assertLess(time.monotonic() - t0, 5)

    def test_connection_limits(self):
        with Server(SERVE, MLP, "--max-connections", "12", "--max-per-client", "8") as s:
            held = [socket.create_connection((s.host, s.port), timeout=10) for _ in range(8)]
            try:
                time.sleep(0.2)
                out = exchange(s, b"GET /api/model HTTP/1.1\r\nHost: x\r\n\r\n")
                status, _, body = only_answer(self, out)
                self.assertEqual(status, 503)
                self.assertIn("from this address", json.loads(body)["error"])
                for c in held[:4]:
                    c.close()
                time.sleep(0.3)
                self.assertEqual(s.request("GET", "/api/model")[0], 200)  # room again
            finally:
                for c in held:
                    c.close()


class Pixels(unittest.TestCase):
    def test_pixel_budget_is_shared_by_all_requests(self):
        """Three 4096 x 4096 images at once with a budget of one: one or more are decoded (400: no
        ink), the others get 503, and the server's peak memory grows by at most one image's decoding."""
        side = 4096
        blank = png(side, side, bytes(side * side))
        with Server(SERVE, MLP, "--threads", "3", "--max-pixels", str(side * side), "--pixel-budget", str(side * side)) as s:
            _, hwm0 = memory(s.proc.pid)
            statuses, lock, go = [], threading.Lock(), threading.Barrier(3)

            def client():
                go.wait()
                out = exchange(s, post(b"/api/predict", blank) , timeout=60, until_close=False)
                with lock:
                    statuses.append(only_answer(self, out)[0])

            threads = [threading.Thread(target=client) for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            _, hwm1 = memory(s.proc.pid)
            self.assertTrue(set(statuses) <= {400, 503}, statuses)
            self.assertIn(400, statuses)
            self.assertIn(503, statuses)
            # One 16 Mi-pixel image: its bytes (1 each) and its floats (4 each), with room for the rest.
            self.assertLess(hwm1 - hwm0, 6 * side * side + 40 * MB, (hwm0, hwm1))


if __name__ == "__main__":
    unittest.main(verbosity=2)
