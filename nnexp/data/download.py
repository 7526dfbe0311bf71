"""Downloads into the user cache: mirrors in order, checksum, atomic move.

A file is streamed to a hidden temporary file in its final folder, checked (length
against Content-Length, then its checksum), and only then renamed into place with
``os.replace``, which is atomic on one file system.  Any failure, including Ctrl-C,
deletes the temporary file, so the cache never holds a half-written or unverified file
and two processes downloading at once cannot corrupt each other.  Progress goes
through a callback; this module never prints.
"""

from __future__ import annotations

import gzip
import http.client
import os
import socket
import tempfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from nnexp.data.base import Progress
from nnexp.data.idx import file_digest

TIMEOUT = 10.0  # seconds without an answer before a mirror counts as down
CHUNK = 1 << 16
USER_AGENT = "nnexp (https://pypi.org/project/nnexp) python-urllib"


def cache_root() -> Path:
    """``$NNEXP_CACHE``, or ``~/.cache/nnexp``: where downloads are kept."""
    env = os.environ.get("NNEXP_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "nnexp"


@dataclass(frozen=True)
class Checksum:
    """How to trust one downloaded .gz file.

    The sha256 of the *decompressed* payload is preferred: it holds whichever mirror
    or recompression the file came through.  Where only the md5 of the original .gz
    is published (MNIST's train images), that is checked instead.
    """

    raw_sha256: str | None = None
    gz_md5: str | None = None
    gz_sha256: str | None = None

    def problem(self, path: Path) -> str | None:
        """Why ``path`` fails the check, or None when it passes."""
        try:
            if self.raw_sha256 is not None:
                return _compare(
                    "sha256 of the decompressed content",
                    path,
                    "sha256",
                    self.raw_sha256,
                    decompress=True,
                )
            if self.gz_sha256 is not None:
                return _compare("sha256", path, "sha256", self.gz_sha256)
            if self.gz_md5 is not None:
                return _compare("md5", path, "md5", self.gz_md5)
        except (EOFError, gzip.BadGzipFile, zlib.error) as err:
            return f"not a valid gzip file ({err or type(err).__name__})"
        return None


def _compare(
    label: str, path: Path, algo: str, expected: str, *, decompress: bool = False
) -> str | None:
    got = file_digest(path, algo, decompress=decompress)
    if got == expected.lower():
        return None
    return f"checksum mismatch: {label} is {got}, expected {expected}"


class DownloadError(Exception):
    """Every mirror failed for one file; ``attempts`` lists (url, reason)."""

    def __init__(self, filename: str, attempts: list[tuple[str, str]]):
        self.filename = filename
        self.attempts = attempts
        super().__init__(
            f"{filename}: " + "; ".join(f"{url}: {why}" for url, why in attempts)
        )


def fetch(
    filename: str,
    mirrors: list[str],
    dest_dir: Path,
    checksum: Checksum,
    *,
    progress: Progress | None = None,
    label: str = "",
) -> Path:
    """Download ``filename`` from the first mirror that serves a verified copy.

    Parameters
    ----------
    filename : file name appended to each mirror URL (a trailing ``/`` is added)
    mirrors : base URLs, tried in order
    dest_dir : the cache folder; the file ends up as ``dest_dir / filename``
    checksum : what the file must match to be accepted
    progress : ``progress(label, bytes_done, bytes_total or None)`` while streaming

    Raises :class:`DownloadError` (with every URL and why it failed) when no mirror
    gives a good copy; nothing is left behind in ``dest_dir`` in that case.
    """
    dest = Path(dest_dir) / filename
    created = not dest.parent.exists()
    attempts: list[tuple[str, str]] = []
    for base in mirrors:
        url = base if base.endswith("/") else base + "/"
        url += filename
        try:
            _fetch_one(url, dest, checksum, progress, label or filename)
            return dest
        except _Failed as err:
            attempts.append((url, str(err)))
    if created and dest.parent.is_dir() and not any(dest.parent.iterdir()):
        dest.parent.rmdir()  # leave the cache as it was
    raise DownloadError(filename, attempts)


class _Failed(Exception):
    """One mirror did not give a good copy (the message says why)."""


def _fetch_one(
    url: str, dest: Path, checksum: Checksum, progress: Progress | None, label: str
) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        dir=dest.parent, prefix=f".{dest.name}.", suffix=".part"
    )
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            _stream(url, out, progress, label)
        why = checksum.problem(tmp)
        if why is not None:
            raise _Failed(why)
        os.replace(tmp, dest)
    finally:
        # Whatever happened (a failed check, a network error, Ctrl-C), no partial file
        # stays; after a successful os.replace the temporary name no longer exists.
        tmp.unlink(missing_ok=True)


def _stream(url: str, out: BinaryIO, progress: Progress | None, label: str) -> None:
    """Copy the body of ``url`` into ``out``; _Failed on any network problem."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as resp:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            if progress is not None:
                progress(label, 0, total)
            while chunk := resp.read(CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(label, done, total)
    except urllib.error.HTTPError as err:
        raise _Failed(f"HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        raise _Failed(_reason(err.reason)) from None
    except TimeoutError:
        raise _Failed(f"no answer within {TIMEOUT:g} s") from None
    except (http.client.HTTPException, OSError) as err:
        raise _Failed(f"transfer failed ({_reason(err)})") from None
    # http.client returns a short body without complaint when the server closes
    # early, so the length is checked here.
    if total is not None and done != total:
        raise _Failed(f"transfer truncated: received {done:,} of {total:,} bytes")


def _reason(err: object) -> str:
    if isinstance(err, TimeoutError | socket.timeout):
        return f"no answer within {TIMEOUT:g} s"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__
