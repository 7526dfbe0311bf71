"""IDX parsing (SPEC §9) on files the tests write: round trips and kinds of damage."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pytest

from nnexp.data.idx import file_digest, parse_idx, read_idx
from nnexp.errors import DataError


@pytest.mark.parametrize("gz", [True, False])
def test_uint8_images_round_trip(tmp_path, helpers, gz):
    images = np.random.default_rng(1).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    path = helpers.write_idx(tmp_path / ("imgs.gz" if gz else "imgs"), images)
    got = read_idx(path)
    assert got.dtype == np.uint8 and got.shape == (7, 28, 28)
    np.testing.assert_array_equal(got, images)


def test_gzip_is_detected_by_magic_not_by_name(tmp_path, helpers):
    labels = np.arange(10, dtype=np.uint8)
    path = helpers.write_idx(tmp_path / "labels-without-suffix", labels, gz=True)
    np.testing.assert_array_equal(read_idx(path), labels)


@pytest.mark.parametrize("dtype", [">i4", ">f8"])
def test_multibyte_big_endian_values(tmp_path, helpers, dtype):
    values = np.array([[1, -2, 300], [70000, 5, -6]]).astype(dtype)
    path = helpers.write_idx(tmp_path / "v.gz", values)
    got = read_idx(path)
    assert got.dtype.isnative
    np.testing.assert_array_equal(got, values.astype(got.dtype))


def test_header_that_overstates_its_size(tmp_path, helpers):
    labels = np.arange(9, dtype=np.uint8)
    data = helpers.idx_bytes(labels, dims=(10,))  # claims 10, holds 9
    (tmp_path / "l").write_bytes(data)
    with pytest.raises(DataError, match=r"header says 10 values.*truncated") as err:
        read_idx(tmp_path / "l")
    assert str(tmp_path / "l") in str(err.value)


def test_header_that_understates_its_size(tmp_path, helpers):
    images = np.zeros((3, 4, 4), dtype=np.uint8)
    (tmp_path / "i").write_bytes(helpers.idx_bytes(images, dims=(2, 4, 4)))
    with pytest.raises(DataError, match=r"2 × 4 × 4 values.*understates"):
        read_idx(tmp_path / "i")


def test_wrong_magic_number(tmp_path):
    (tmp_path / "x").write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(DataError, match=r"not an IDX file.*50 4b 03 04"):
        read_idx(tmp_path / "x")


def test_unknown_type_code_and_empty_file(tmp_path):
    with pytest.raises(DataError, match="not an IDX file"):
        parse_idx(bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 7]), "bad-type")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(DataError, match="empty"):
        read_idx(tmp_path / "empty")


def test_header_cut_short(tmp_path):
    with pytest.raises(DataError, match=r"3 dimensions.*only 8 bytes"):
        parse_idx(bytes([0, 0, 8, 3, 0, 0, 0, 1]), "short")


def test_truncated_gzip(tmp_path, helpers):
    full = helpers.write_idx(tmp_path / "full.gz", np.ones((50, 28, 28), np.uint8) * 7)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(DataError, match=r"cut\.gz.*truncated"):
        read_idx(cut)


def test_corrupt_gzip(tmp_path, helpers):
    rng = np.random.default_rng(0)
    path = helpers.write_idx(
        tmp_path / "c.gz", rng.integers(0, 256, (20, 28, 28), np.uint8)
    )
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)  # wipe part of the stream
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"c\.gz"):
        read_idx(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_idx(tmp_path / "nope.gz")


def test_checksum_is_of_the_decompressed_content(tmp_path, helpers):
    labels = np.arange(10, dtype=np.uint8)
    raw = helpers.idx_bytes(labels)
    good = hashlib.sha256(raw).hexdigest()
    plain = helpers.write_idx(tmp_path / "plain", labels)
    zipped = helpers.write_idx(tmp_path / "zipped.gz", labels)
    for path in (plain, zipped):  # the same sum holds for both encodings
        np.testing.assert_array_equal(read_idx(path, sha256=good), labels)
    assert file_digest(zipped, "sha256", decompress=True) == good
    assert file_digest(zipped, "md5") == hashlib.md5(zipped.read_bytes()).hexdigest()
    with pytest.raises(
        DataError, match=r"zipped\.gz: checksum mismatch.*expected 0{64}"
    ):
        read_idx(zipped, sha256="0" * 64)


def test_gzip_compress_helper_matches_stdlib(tmp_path, helpers):
    """The writer used by the other tests produces what gzip.decompress reads back."""
    labels = np.array([3, 1, 4], dtype=np.uint8)
    path = helpers.write_idx(tmp_path / "l.gz", labels)
    assert gzip.decompress(path.read_bytes())[:4] == bytes([0, 0, 8, 1])
