"""Downloads against a local HTTP server: a good file, a checksum mismatch, a truncated
transfer, a server that is down; in every failure the cache stays empty."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pytest

from nnexp.data import bundled, load_dataset, mnist
from nnexp.data.download import Checksum, DownloadError, cache_root, fetch
from nnexp.errors import DataError

LABELS = "t10k-labels-idx1-ubyte"


def genuine_labels() -> bytes:
    return (bundled.BUNDLED / f"{LABELS}.gz").read_bytes()


def real_sum() -> Checksum:
    return mnist.CHECKSUMS["mnist"][LABELS]


def test_cache_root_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("NNEXP_CACHE", str(tmp_path / "elsewhere"))
    assert cache_root() == tmp_path / "elsewhere"
    monkeypatch.delenv("NNEXP_CACHE")
    assert cache_root().parts[-2:] == (".cache", "nnexp")


def test_good_file_is_verified_and_moved_into_place(
    tmp_path, http_server, progress_log
):
    http_server.routes[f"/{LABELS}.gz"] = (genuine_labels(), "ok")
    calls, progress = progress_log
    dest = tmp_path / "cache" / "mnist"
    got = fetch(
        f"{LABELS}.gz",
        [http_server.url],
        dest,
        real_sum(),
        progress=progress,
        label="labels",
    )
    assert got == dest / f"{LABELS}.gz"
    assert got.read_bytes() == genuine_labels()
    size = len(genuine_labels())
    assert calls[0] == ("labels", 0, size) and calls[-1] == ("labels", size, size)
    assert [p.name for p in dest.iterdir()] == [f"{LABELS}.gz"]  # no temporary left


def test_gz_md5_check_for_files_with_only_an_md5(tmp_path, http_server, helpers):
    body = genuine_labels()
    http_server.routes["/f.gz"] = (body, "ok")
    md5 = hashlib.md5(body).hexdigest()
    fetch("f.gz", [http_server.url], tmp_path, Checksum(gz_md5=md5))
    assert (tmp_path / "f.gz").read_bytes() == body
    with pytest.raises(DownloadError, match=f"md5 is {md5}, expected 0{{32}}"):
        fetch("f.gz", [http_server.url], tmp_path / "x", Checksum(gz_md5="0" * 32))


def test_checksum_mismatch_leaves_nothing(tmp_path, http_server, helpers):
    raw = bytearray(gzip.decompress(genuine_labels()))
    raw[-1] = (raw[-1] + 1) % 10  # a valid file, but not the genuine one
    http_server.routes[f"/{LABELS}.gz"] = (gzip.compress(bytes(raw)), "ok")
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError) as err:
        fetch(f"{LABELS}.gz", [http_server.url], cache / "mnist", real_sum())
    ((url, why),) = err.value.attempts
    assert url == f"{http_server.url}{LABELS}.gz"
    assert "checksum mismatch" in why and real_sum().raw_sha256 in why
    assert helpers.files_in(cache) == []


def test_truncated_transfer_leaves_nothing(tmp_path, http_server, helpers):
    http_server.routes[f"/{LABELS}.gz"] = (genuine_labels(), "truncate")
    cache = tmp_path / "cache"
    with pytest.raises(
        DownloadError, match=r"transfer truncated: received 4,542 of 5,542"
    ):
        fetch(f"{LABELS}.gz", [http_server.url], cache / "mnist", real_sum())
    assert helpers.files_in(cache) == []


def test_server_down_leaves_nothing(tmp_path, dead_url, helpers):
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match=r"127\.0\.0\.1.*refused"):
        fetch(f"{LABELS}.gz", [dead_url], cache / "mnist", real_sum())
    assert helpers.files_in(cache) == []
    assert not (cache / "mnist").exists()


def test_mirrors_are_tried_in_order(tmp_path, http_server, dead_url):
    http_server.routes[f"/good/{LABELS}.gz"] = (genuine_labels(), "ok")
    mirrors = [dead_url, http_server.url + "missing", http_server.url + "good/"]
    fetch(f"{LABELS}.gz", mirrors, tmp_path, real_sum())
    assert http_server.hits == [f"/missing/{LABELS}.gz", f"/good/{LABELS}.gz"]
    with pytest.raises(DownloadError) as err:
        fetch(f"{LABELS}.gz", mirrors[:2], tmp_path / "other", real_sum())
    assert [why for _, why in err.value.attempts][1] == "HTTP 404 Not Found"


def test_interrupted_download_leaves_nothing(tmp_path, http_server, helpers):
    http_server.routes[f"/{LABELS}.gz"] = (genuine_labels(), "ok")

    def ctrl_c(label, done, total):
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch(
            f"{LABELS}.gz",
            [http_server.url],
            tmp_path / "c",
            real_sum(),
            progress=ctrl_c,
        )
    assert helpers.files_in(tmp_path / "c") == []


@pytest.fixture
def small_mnist_mirror(tmp_path, http_server, helpers, monkeypatch):
    """A mirror serving four small MNIST-format files, with their sums made official."""
    arrays = helpers.fake_mnist(tmp_path / "served", n_train=60, n_test=20)
    sums = {}
    for part in mnist.PARTS:
        body = (tmp_path / "served" / f"{part}.gz").read_bytes()
        http_server.routes[f"/{part}.gz"] = (body, "ok")
        sums[part] = Checksum(
            raw_sha256=hashlib.sha256(gzip.decompress(body)).hexdigest()
        )
    monkeypatch.setitem(mnist.CHECKSUMS, "mnist", sums)
    monkeypatch.setitem(mnist.MIRRORS, "mnist", [http_server.url])
    return arrays


def test_mnist_downloads_into_the_cache_then_works_offline(
    small_mnist_mirror, isolated, http_server, dead_url, monkeypatch, progress_log
):
    calls, progress = progress_log
    rng = np.random.default_rng(0)
    splits, info = load_dataset(
        {"name": "mnist", "validation": None},
        seed_rng=rng,
        dtype="float32",
        progress=progress,
    )
    assert info.sizes == {"train": 60, "val": 0, "test": 20}
    assert info.source == str(isolated / "mnist")
    np.testing.assert_array_equal(splits.test.labels, small_mnist_mirror["y_test"])
    np.testing.assert_allclose(
        splits.train.x, small_mnist_mirror["x_train"].reshape(60, -1) / 255
    )
    assert sorted(p.name for p in (isolated / "mnist").iterdir()) == sorted(
        p + ".gz" for p in mnist.PARTS
    )
    assert {c[0] for c in calls} == {f"mnist {p}.gz" for p in mnist.PARTS}
    monkeypatch.setitem(mnist.MIRRORS, "mnist", [dead_url])  # now offline
    n_hits = len(http_server.hits)
    again, _ = load_dataset(
        {"name": "mnist", "validation": None}, seed_rng=rng, dtype="float32"
    )
    np.testing.assert_array_equal(again.train.x, splits.train.x)
    assert len(http_server.hits) == n_hits


def test_only_missing_files_are_downloaded(
    small_mnist_mirror, isolated, tmp_path, http_server
):
    (isolated / "mnist").mkdir(parents=True)
    for part in mnist.PARTS[2:]:
        (isolated / "mnist" / f"{part}.gz").write_bytes(
            (tmp_path / "served" / f"{part}.gz").read_bytes()
        )
    load_dataset("mnist", seed_rng=np.random.default_rng(0), dtype="float64")
    assert http_server.hits == [f"/{p}.gz" for p in mnist.PARTS[:2]]


def test_offline_with_nothing_found_says_where_it_looked(isolated, dead_url, helpers):
    with pytest.raises(DataError) as err:
        load_dataset("mnist", seed_rng=np.random.default_rng(0), dtype="float32")
    msg = str(err.value)
    for expected in (
        "dataset.path (not given)",
        "$NNEXP_DATA (not set)",
        str(isolated / "mnist"),
        dead_url + "train-images-idx3-ubyte.gz",
        "refused",
        "dataset.path",
        "mnist_10k",
    ):
        assert expected in msg
    assert "\n" not in msg
    assert helpers.files_in(isolated) == []


def test_fashion_offline_message_names_the_debian_package(
    isolated, tmp_path, monkeypatch
):
    monkeypatch.setitem(mnist.SYSTEM_FOLDERS, "fashion_mnist", [tmp_path / "no-debian"])
    monkeypatch.setenv("NNEXP_DATA", str(tmp_path / "data"))
    with pytest.raises(DataError) as err:
        load_dataset(
            "Fashion-MNIST", seed_rng=np.random.default_rng(0), dtype="float32"
        )
    msg = str(err.value)
    assert (
        str(tmp_path / "no-debian") in msg
        and "apt-get install dataset-fashion-mnist" in msg
    )
    folder = tmp_path / "data" / "fashion_mnist"
    assert f"{folder} (no such folder; no fashion_mnist.npz)" in msg
    assert "Fashion-MNIST was not found" in msg
