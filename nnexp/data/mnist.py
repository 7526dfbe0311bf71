"""MNIST and Fashion-MNIST: find the files, download them if needed, trust no bad file.

Search order (the first complete set wins):

1. the spec's ``path``: a folder with the four IDX files (gzipped or not) or the
   course's ``.npz`` (x_train, y_train, x_test, y_test); an explicit path that does not
   hold the data is an error rather than a silent fallback to another copy;
2. ``$NNEXP_DATA/<name>/`` or ``$NNEXP_DATA/<name>.npz``;
3. the cache, ``$NNEXP_CACHE/<name>/`` (default ``~/.cache/nnexp/<name>/``);
4. for Fashion-MNIST, the Debian/Ubuntu package folder;
5. download of the missing files into the cache (:mod:`nnexp.data.download`).

Every IDX file whose decompressed sha256 is published (CHECKSUMS.md) is verified on
each load; the parser checks every header against the file size.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from nnexp.data.arrays import as_labels, read_npz, require_keys
from nnexp.data.base import (
    DatasetBase,
    Normalize,
    Progress,
    RawData,
)
from nnexp.data.checks import check_common
from nnexp.data.download import Checksum, DownloadError, cache_root, fetch
from nnexp.data.idx import read_idx
from nnexp.data.registry import DATASETS
from nnexp.errors import DataError

PARTS = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")

# Sums from /work/shared/data/CHECKSUMS.md.  For MNIST's train images only the md5 of
# the original .gz is published, so a download of that file is checked by md5 and a
# local copy only by its IDX header; every other file is checked by the sha256 of its
# decompressed content, which survives recompression by a mirror or a distribution.
CHECKSUMS: dict[str, dict[str, Checksum]] = {
    "mnist": {
        PARTS[0]: Checksum(gz_md5="f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        PARTS[1]: Checksum(
            raw_sha256="65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            gz_md5="d53e105ee54ea40749a09fcbcd1e9432",
        ),
        PARTS[2]: Checksum(
            raw_sha256="0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            gz_md5="9fb629c4189551a2d022fa330f9573f3",
        ),
        PARTS[3]: Checksum(
            raw_sha256="ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            gz_md5="ec29112dd5afa0611ce80d1b7f02629c",
        ),
    },
    "fashion_mnist": {
        PARTS[0]: Checksum(
            raw_sha256="c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
        ),
        PARTS[1]: Checksum(
            raw_sha256="bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
        ),
        PARTS[2]: Checksum(
            raw_sha256="5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
        ),
        PARTS[3]: Checksum(
            raw_sha256="0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
        ),
    },
}
# Tried in order; tests point these at a local server.
MIRRORS: dict[str, list[str]] = {
    "mnist": [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ],
    "fashion_mnist": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
}
SYSTEM_FOLDERS: dict[str, list[Path]] = {
    "fashion_mnist": [Path("/usr/share/datasets/fashion-mnist")],
}
FOLDER_NAMES = {
    "mnist": ("mnist",),
    "fashion_mnist": ("fashion_mnist", "fashion-mnist"),
}
DIGITS = [str(d) for d in range(10)]
FASHION_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]  # fmt: skip


@dataclass(frozen=True)
class Found:
    """A complete set of files: an npz, or the four IDX files by part name."""

    source: Path
    npz: Path | None = None
    idx: dict[str, Path] | None = None


def find_idx(folder: Path) -> tuple[dict[str, Path], list[str]]:
    """The IDX files present in ``folder`` (``.gz`` or plain, ``-idx`` or ``.idx``)."""
    found, missing = {}, []
    for part in PARTS:
        dotted = part.replace("-idx", ".idx")
        names = (part + ".gz", part, dotted + ".gz", dotted)
        hit = next((folder / n for n in names if (folder / n).is_file()), None)
        if hit is None:
            missing.append(part)
        else:
            found[part] = hit
    return found, missing


def _explicit(path: Path, title: str) -> Found:
    """The data at the spec's ``path``, which must be complete."""
    if path.is_file():
        return Found(path, npz=path)
    if path.is_dir():
        found, missing = find_idx(path)
        if not missing:
            return Found(path, idx=found)
        raise DataError(
            f"dataset.path {path}: the folder lacks {', '.join(missing)} (.gz or not) "
            f"of {title}; it needs the four IDX files {', '.join(PARTS)}, or point "
            f"dataset.path at the course's .npz file instead."
        )
    raise DataError(f"dataset.path {path}: no such file or folder (for {title}).")


def locate(
    key: str, title: str, path: str | None, base_dir: Any, progress: Progress | None
) -> Found:
    """Find (or download) the files of data set ``key`` in the search order above."""
    if path is not None:
        p = Path(path).expanduser()
        if not p.is_absolute() and base_dir is not None:
            p = Path(base_dir) / p
        return _explicit(p, title)
    looked = ["dataset.path (not given)"]
    found = _in_env(key, looked)
    if found is not None:
        return found
    cache = cache_root() / key
    cached, missing = find_idx(cache)
    if not missing:
        return Found(cache, idx=cached)
    looked.append(_why(cache, missing))
    for folder in SYSTEM_FOLDERS.get(key, []):
        files, lacking = find_idx(folder)
        if not lacking:
            return Found(folder, idx=files)
        looked.append(_why(folder, lacking))
    for part in missing:  # files already in the cache are kept, not fetched again
        try:
            cached[part] = fetch(
                part + ".gz",
                MIRRORS.get(key, []),
                cache,
                CHECKSUMS[key][part],
                progress=progress,
                label=f"{key} {part}.gz",
            )
        except DownloadError as err:
            raise _not_found(key, title, looked, err, cache) from None
    return Found(cache, idx=cached)


def _in_env(key: str, looked: list[str]) -> Found | None:
    """The data in ``$NNEXP_DATA`` (``<name>.npz`` or ``<name>/``), noting misses."""
    env = os.environ.get("NNEXP_DATA")
    if not env:
        looked.append("$NNEXP_DATA (not set)")
        return None
    root = Path(env).expanduser()
    for name in FOLDER_NAMES[key]:
        if (root / f"{name}.npz").is_file():
            return Found(root / f"{name}.npz", npz=root / f"{name}.npz")
        found, missing = find_idx(root / name)
        if not missing:
            return Found(root / name, idx=found)
        looked.append(f"{_why(root / name, missing)[:-1]}; no {name}.npz)")
    return None


def _why(folder: Path, missing: list[str]) -> str:
    if not folder.is_dir():
        return f"{folder} (no such folder)"
    if len(missing) == len(PARTS):
        return f"{folder} (none of the four files)"
    return f"{folder} (lacks {', '.join(missing)})"


def _not_found(
    key: str, title: str, looked: list[str], err: DownloadError, cache: Path
) -> DataError:
    tried = (
        "; ".join(f"{url} ({why})" for url, why in err.attempts) or "no mirror listed"
    )
    extra = {
        "mnist": " For digits that work offline, use the data set mnist_10k, which "
        "ships with nnexp.",
        "fashion_mnist": " On Debian or Ubuntu, `apt-get install "
        "dataset-fashion-mnist` installs the files in "
        "/usr/share/datasets/fashion-mnist.",
    }.get(key, "")
    return DataError(
        f"{title} was not found and could not be downloaded. Looked in: "
        f"{'; '.join(looked)}. Downloading {err.filename} failed from every mirror: "
        f"{tried}. To supply the data, copy the four files "
        f"({', '.join(p + '.gz' for p in PARTS)}) from a machine with internet access "
        f"into {cache}, or into a folder {FOLDER_NAMES[key][0]}/ inside $NNEXP_DATA, "
        f"or set dataset.path to their folder or to the course's "
        f"{FOLDER_NAMES[key][0]}.npz (keys {', '.join(NPZ_KEYS)}).{extra}"
    )


def read_found(found: Found, key: str, title: str) -> dict[str, np.ndarray]:
    """x_train, y_train, x_test, y_test as uint8 (n, 28, 28) images and int labels."""
    if found.npz is not None:
        arrays = read_npz(found.npz)
        require_keys(arrays, found.npz, [NPZ_KEYS])
        out = {k: arrays[k] for k in NPZ_KEYS}
    else:
        assert found.idx is not None
        sums = CHECKSUMS.get(key, {})
        out = {
            role: read_idx(
                found.idx[part],
                getattr(sums.get(part), "raw_sha256", None),
                what=f"{title} {part}",
            )
            for role, part in zip(NPZ_KEYS, PARTS, strict=True)
        }

    def where(role: str) -> Path:
        return found.npz or found.idx[PARTS[NPZ_KEYS.index(role)]]

    for split in ("train", "test"):
        x, y = out[f"x_{split}"], out[f"y_{split}"]
        out[f"x_{split}"] = _images(x, where(f"x_{split}"), f"x_{split}")
        out[f"y_{split}"] = as_labels(y, where(f"y_{split}"), f"y_{split}", 10)
        if len(out[f"y_{split}"]) != len(x):
            raise DataError(
                f"{where(f'y_{split}')}: {len(y):,} labels for {len(x):,} images in "
                f"{where(f'x_{split}')}; the {split} images and labels must match."
            )
    return out


def _images(x: np.ndarray, path: Path, role: str) -> np.ndarray:
    """(n, 28, 28) images; (n, 784) rows are reshaped, anything else is an error."""
    if x.ndim == 2 and x.shape[1] == 784:
        x = x.reshape(-1, 28, 28)
    if x.ndim != 3 or x.shape[1:] != (28, 28) or x.dtype.kind not in "uif":
        raise DataError(
            f"{path}: {role} has shape {x.shape} and dtype {x.dtype}; expected "
            f"28 × 28 images as (n, 28, 28) or (n, 784) numbers (uint8 0–255)."
        )
    return x


class ImageDataset(DatasetBase):
    """Shared reading of the 28 × 28 IDX data sets (``key``, ``title``, ``names``)."""

    __slots__ = ()
    key: ClassVar[str]
    title: ClassVar[str]
    names: ClassVar[list[str]]

    def read(
        self,
        *,
        rng: np.random.Generator,
        base_dir: Any = None,
        progress: Progress | None = None,
    ) -> RawData:
        found = locate(
            self.key, self.title, getattr(self, "path", None), base_dir, progress
        )
        a = read_found(found, self.key, self.title)
        scaled = (
            a["x_train"].dtype.kind == "f" and float(a["x_train"].max(initial=0)) <= 1
        )
        return RawData(
            a["x_train"], a["y_train"], a["x_test"], a["y_test"],
            task="classification", source=str(found.source), n_classes=10,
            class_names=list(self.names), value_range=(0.0, 1.0 if scaled else 255.0),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _IdxImages(ImageDataset):
    """The parameters and checks shared by mnist and fashion_mnist."""

    path: str | None = None
    validation: float | int | None = 0.1
    normalize: Normalize = "scale"
    flatten: bool = True
    limit: int | None = None

    def __post_init__(self) -> None:
        check_common(
            self.name,
            validation=self.validation,
            normalize=self.normalize,
            limit=self.limit,
        )


@DATASETS.register(
    "mnist", description="MNIST digits: 60,000 train / 10,000 test, 28×28, 10 classes"
)
@dataclass(frozen=True, slots=True)
class Mnist(_IdxImages):
    """The full MNIST (LeCun, Cortes, Burges), found locally or downloaded once."""

    name: ClassVar[str] = "mnist"
    key: ClassVar[str] = "mnist"
    title: ClassVar[str] = "MNIST"
    names: ClassVar[list[str]] = DIGITS
    task: ClassVar[str] = "classification"


@DATASETS.register(
    "fashion_mnist",
    description="Fashion-MNIST (Zalando): 60,000 train / 10,000 test, 28×28, "
    "10 classes",
)
@dataclass(frozen=True, slots=True)
class FashionMnist(_IdxImages):
    """Zalando's Fashion-MNIST: clothing images in MNIST's format, 10 named classes."""

    name: ClassVar[str] = "fashion_mnist"
    key: ClassVar[str] = "fashion_mnist"
    title: ClassVar[str] = "Fashion-MNIST"
    names: ClassVar[list[str]] = FASHION_CLASSES
    task: ClassVar[str] = "classification"
