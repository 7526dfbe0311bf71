"""IDX files (docs/maths.md §9) and the checksums that say a file can be trusted.

An IDX file is a big-endian header, ``0 0 <type code> <ndim>`` followed by one uint32
per dimension, and then the values in C order.  MNIST and Fashion-MNIST ship four of
them, usually gzipped.  The parser checks the header against the file's length, so a
truncated download or a header that lies about its size is an error, not a silently
shorter (or garbage) array.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import zlib
from pathlib import Path

import numpy as np

from nnexp.errors import DataError

IDX_TYPES: dict[int, str] = {
    0x08: ">u1",
    0x09: ">i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}
GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1 << 20


def is_gzip(path: Path) -> bool:
    """Whether the file starts with the gzip magic (names can lie, magic can't)."""
    with open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def read_payload(path: Path) -> bytes:
    """The file's content, decompressed when it is gzip; DataError when unreadable."""
    path = Path(path)
    try:
        if is_gzip(path):
            with gzip.open(path, "rb") as g:
                return g.read()
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found.") from None
    except EOFError:
        raise DataError(
            f"{path}: the gzip stream ends early, so the file is truncated (an "
            f"interrupted download or copy); delete it and fetch it again."
        ) from None
    except (gzip.BadGzipFile, zlib.error) as err:
        raise DataError(
            f"{path}: corrupt gzip file ({err}); delete it and fetch it again."
        ) from None
    except OSError as err:
        raise DataError(
            f"{path}: cannot read the file ({err.strerror or err})."
        ) from None


def parse_idx(data: bytes, path: Path | str) -> np.ndarray:
    """The array stored in IDX bytes ``data`` (already decompressed).

    Returns an array of shape ``dims`` from the header, in the native byte order.
    Raises DataError naming ``path`` for a wrong magic number, a truncated file, or a
    header whose dimensions do not match the number of bytes that follow it.
    """
    if (
        len(data) < 4
        or data[0:2] != b"\0\0"
        or data[2] not in IDX_TYPES
        or data[3] == 0
    ):
        raise DataError(
            f"{path}: not an IDX file: its first bytes are "
            f"{data[:4].hex(' ') or 'empty'},"
            f" while an IDX file starts with 00 00, a type code (08 for uint8, 09, 0b, "
            f"0c, 0d, 0e) and a dimension count."
        )
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(
            f"{path}: truncated IDX file: the header announces {ndim} dimensions "
            f"({header} header bytes) but the file has only {len(data)} bytes."
        )
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(IDX_TYPES[data[2]])
    expected = header + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        shape = " × ".join(str(d) for d in dims)
        problem = (
            "the file is truncated or the header overstates its size"
            if len(data) < expected
            else "the header understates its size (extra data follows)"
        )
        raise DataError(
            f"{path}: the IDX header says {shape} values of {dtype.name} "
            f"({expected:,} bytes with the header) but the content is {len(data):,} "
            f"bytes: {problem}."
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return arr if dtype.itemsize == 1 else arr.astype(dtype.newbyteorder("="))


def read_idx(path: Path, sha256: str | None = None, what: str = "") -> np.ndarray:
    """Read an IDX file (gzipped or plain); verify its content's sha256 if given."""
    data = read_payload(path)
    if sha256 is not None:
        check_sha256(data, sha256, path, what)
    return parse_idx(data, path)


def check_sha256(data: bytes, expected: str, path: Path | str, what: str = "") -> None:
    """DataError unless sha256(data) is ``expected``."""
    got = hashlib.sha256(data).hexdigest()
    if got != expected.lower():
        label = f" the genuine {what}" if what else " the expected file"
        raise DataError(
            f"{path}: checksum mismatch: the sha256 of its content is {got}, expected "
            f"{expected}; the file is corrupt or not{label}. Delete it and fetch it "
            f"again (see CHECKSUMS.md for the published sums)."
        )


def file_digest(path: Path, algorithm: str, *, decompress: bool = False) -> str:
    """Hex digest of a file, or of its gunzipped content with ``decompress``.

    Streams in 1 MiB chunks; a broken gzip stream raises EOFError or BadGzipFile.
    """
    h = hashlib.new(algorithm)
    opener = gzip.open if decompress else open
    with opener(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()
