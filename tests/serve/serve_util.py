"""What the nndl-serve tests share: starting a server on a free port, MNIST test digits from the
IDX files, and PNG files written with the standard library alone (zlib)."""
import gzip
import http.client
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def env(name):
    """A path the CTest definition passes (tests/extra_tests.cmake)."""
    value = os.environ.get(name)
    if not value:
        sys.exit(f"serve test: {name} is not set (run through ctest)")
    return value


def mnist_dir():
    """The MNIST folder as the programs find it when nothing else is said: NNDL_DATA, else the
    repository's copy."""
    return os.environ.get("NNDL_DATA") or os.path.join(ROOT, "data", "mnist")


def test_digits(count, start=0):
    """(pixels, label) of MNIST test digits: pixels a list of 784 values in 0..255."""
    folder = mnist_dir()

    def read(name):
        for candidate in (name + ".gz", name):
            path = os.path.join(folder, candidate)
            if os.path.exists(path):
                opener = gzip.open if path.endswith(".gz") else open
                with opener(path, "rb") as f:
                    return f.read()
        raise FileNotFoundError(f"{name} in {folder}")

    images, labels = read("t10k-images-idx3-ubyte"), read("t10k-labels-idx1-ubyte")
    out = []
    for i in range(start, start + count):
        pixels = list(images[16 + 784 * i: 16 + 784 * (i + 1)])
        out.append((pixels, labels[8 + i]))
    return out


def png(width, height, gray):
    """An 8-bit grayscale PNG of width x height values in 0..255, row-major."""
    raw = b"".join(b"\x00" + bytes(gray[y * width:(y + 1) * width]) for y in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def png_size(data):
    """(width, height) from a PNG's header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def decode_png_gray(data):
    """The pixels of an 8-bit grayscale PNG without interlacing or filters other than None/Sub/Up
    (what stb_image_write writes for nndl)."""
    w, h = png_size(data)
    at, idat = 8, b""
    while at < len(data):
        n = int.from_bytes(data[at:at + 4], "big")
        if data[at + 4:at + 8] == b"IDAT":
            idat += data[at + 8:at + 8 + n]
        at += 12 + n
    raw, out, prev = zlib.decompress(idat), [], [0] * w
    for y in range(h):
        f, row = raw[y * (w + 1)], list(raw[y * (w + 1) + 1:(y + 1) * (w + 1)])
        for x in range(w):
            a, b, c = (row[x - 1] if x else 0), prev[x], (prev[x - 1] if x else 0)
            if f == 1:
                row[x] = (row[x] + a) & 255
            elif f == 2:
                row[x] = (row[x] + b) & 255
            elif f == 3:
                row[x] = (row[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[x] = (row[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += row
        prev = row
    return out


def scaled(pixels, k, invert=False):
    """A 28 x 28 digit scaled up k times (each pixel a k x k block), optionally dark on light."""
    side = 28 * k
    out = []
    for y in range(side):
        for x in range(side):
            v = pixels[(y // k) * 28 + x // k]
            out.append(255 - v if invert else v)
    return side, side, out


class Server:
    """nndl-serve on a free port (--port 0), stopped with Ctrl-C (SIGINT) at the end."""

    def __init__(self, binary, model, *extra):
        self.proc = subprocess.Popen([binary, "--model", model, "--port", "0", *extra], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        found = re.search(r"http://([\d.]+):(\d+)/", line)
        if not found:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise RuntimeError(f"nndl-serve did not start: {line}{out}{err}")
        self.host, self.port = found.group(1), int(found.group(2))
        self.url = f"http://{self.host}:{self.port}"
        self.banner = line

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body bytes) of one request on a fresh connection."""
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def json(self, method, path, body=None, headers=None):
        status, h, data = self.request(method, path, body, headers)
        assert h.get("Content-Type", "").startswith("application/json"), f"{path}: {h.get('Content-Type')}: {data[:200]}"
        return status, json.loads(data)

    def predict(self, body, content_type="image/png"):
        return self.json("POST", "/api/predict", body, {"Content-Type": content_type})

    def stop(self, sig=signal.SIGINT, timeout=10):
        """Sends the signal and returns (exit status, stdout, stderr, seconds it took)."""
        if self.proc.poll() is not None:
            out, err = self.proc.communicate()
            return self.proc.returncode, out, err, 0.0
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            return None, out, err, timeout
        return self.proc.returncode, out, err, time.monotonic() - t0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
