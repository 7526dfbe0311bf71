"""Fixtures for the data tests: isolated cache and environment, IDX writers, and a
local HTTP server on 127.0.0.1 standing in for the download mirrors."""

from __future__ import annotations

import gzip
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from nnexp.data import mnist

IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C, np.dtype(">f8"): 0x0E}


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dead_url: str) -> Path:
    """No test reads the user's data folders or reaches a real host."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("NNEXP_CACHE", str(cache))
    monkeypatch.delenv("NNEXP_DATA", raising=False)
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    for key in list(mnist.MIRRORS):
        monkeypatch.setitem(mnist.MIRRORS, key, [dead_url])
    return cache


def idx_bytes(arr: np.ndarray, dims: tuple[int, ...] | None = None) -> bytes:
    """IDX encoding of ``arr`` (header dims may be overridden to make it lie)."""
    big = arr.astype(arr.dtype.newbyteorder(">")) if arr.dtype.itemsize > 1 else arr
    code = IDX_CODES[big.dtype]
    dims = arr.shape if dims is None else dims
    head = bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)
    return head + big.tobytes()


def write_idx(path: Path, arr: np.ndarray, *, gz: bool | None = None) -> Path:
    """Write ``arr`` as IDX to ``path``, gzipped when the name ends in .gz."""
    data = idx_bytes(arr)
    gz = path.suffix == ".gz" if gz is None else gz
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def fake_mnist(
    folder: Path, n_train: int, n_test: int, seed: int = 0, gz: bool = True
) -> dict[str, np.ndarray]:
    """Write four small MNIST-format IDX files (random pixels, every class present)."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test) % 10).astype(np.uint8),
    }
    for role, part in zip(mnist.NPZ_KEYS, mnist.PARTS, strict=True):
        write_idx(folder / (part + (".gz" if gz else "")), arrays[role])
    return arrays


@pytest.fixture
def dead_url() -> str:
    """A URL on a local port that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def http_server() -> Iterator[SimpleNamespace]:
    """A threaded local server: ``routes["/name"] = (body, mode)``.

    mode "ok" serves the body; "truncate" announces 1,000 bytes more than it sends
    and closes the connection, as an interrupted transfer does.  Unknown paths: 404.
    """
    routes: dict[str, tuple[bytes, str]] = {}
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            hits.append(self.path)
            if self.path not in routes:
                self.send_error(404, "Not Found")
                return
            body, mode = routes[self.path]
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            extra = 1000 if mode == "truncate" else 0
            self.send_header("Content-Length", str(len(body) + extra))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield SimpleNamespace(
            url=f"http://127.0.0.1:{server.server_address[1]}/",
            routes=routes,
            hits=hits,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def files_in(folder: Path) -> list[Path]:
    """Every file below ``folder`` (hidden temporary files included)."""
    return (
        sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
    )


@pytest.fixture
def helpers() -> SimpleNamespace:
    return SimpleNamespace(
        idx_bytes=idx_bytes,
        write_idx=write_idx,
        fake_mnist=fake_mnist,
        files_in=files_in,
    )


Recorder = Callable[[str, int, "int | None"], None]


@pytest.fixture
def progress_log() -> tuple[list[tuple[str, int, int | None]], Recorder]:
    calls: list[tuple[str, int, int | None]] = []
    return calls, lambda label, done, total: calls.append((label, done, total))
