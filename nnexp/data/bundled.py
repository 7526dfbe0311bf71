"""``mnist_10k``: the genuine MNIST test split shipped inside nnexp, for offline runs.

The 10,000 digits (LeCun, Cortes, Burges; see ``bundled/README.md``) are split into
8,000 training and 2,000 test digits, stratified by class with largest-remainder
quotas and a *fixed* seed: the test set is part of the data set, the same for every
run and seed, so results stay comparable.  The run's ``validation`` (and ``limit``)
then come out of the 8,000 with the run's generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from nnexp.data.arrays import as_labels
from nnexp.data.base import (
    DatasetBase,
    Normalize,
    Progress,
    RawData,
)
from nnexp.data.checks import check_common
from nnexp.data.idx import read_idx
from nnexp.data.mnist import CHECKSUMS, DIGITS, PARTS
from nnexp.data.registry import DATASETS
from nnexp.data.sampling import complement, pick
from nnexp.errors import DataError

BUNDLED = Path(__file__).resolve().parent / "bundled"
SPLIT_SEED = 10_000  # fixed on purpose: the 8,000/2,000 split never depends on the run
N_TEST = 2_000


@cache
def bundled_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 verified digits: images (10000, 28, 28) uint8, labels (10000,) int64.

    Read once per process and returned read-only, so sweeps and tests share them.
    """
    sums = CHECKSUMS["mnist"]
    images_path = BUNDLED / f"{PARTS[2]}.gz"
    labels_path = BUNDLED / f"{PARTS[3]}.gz"
    for p in (images_path, labels_path):
        if not p.is_file():
            raise DataError(
                f"{p}: the MNIST digits bundled with nnexp are missing; the "
                f"installation is incomplete, reinstall nnexp."
            )
    x = read_idx(images_path, sums[PARTS[2]].raw_sha256, what="MNIST test images")
    y = as_labels(
        read_idx(labels_path, sums[PARTS[3]].raw_sha256, what="MNIST test labels"),
        labels_path,
        "labels",
        10,
    )
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


def fixed_split() -> tuple[np.ndarray, np.ndarray]:
    """(train, test) indices into the 10,000 digits: 8,000 / 2,000, stratified."""
    _, y = bundled_digits()
    test = pick(len(y), N_TEST, np.random.default_rng(SPLIT_SEED), y)
    return complement(len(y), test), test


@DATASETS.register(
    "mnist_10k",
    description="10,000 genuine MNIST digits shipped with nnexp: 8,000 train / 2,000 "
    "test, offline",
)
@dataclass(frozen=True, slots=True)
class Mnist10k(DatasetBase):
    """MNIST's 10,000 test digits, bundled: quick, offline runs and tests."""

    validation: float | int | None = 0.1
    normalize: Normalize = "scale"
    flatten: bool = True
    limit: int | None = None
    name: ClassVar[str] = "mnist_10k"
    task: ClassVar[str] = "classification"

    def __post_init__(self) -> None:
        check_common(
            self.name,
            validation=self.validation,
            normalize=self.normalize,
            limit=self.limit,
        )

    def read(
        self,
        *,
        rng: np.random.Generator,
        base_dir: Any = None,
        progress: Progress | None = None,
    ) -> RawData:
        x, y = bundled_digits()
        train, test = fixed_split()
        return RawData(
            x[train], y[train], x[test], y[test], task="classification",
            source=str(BUNDLED), n_classes=10, class_names=list(DIGITS),
            value_range=(0.0, 255.0),
            notes=["the genuine MNIST test split (10,000 digits by LeCun, Cortes and "
                   "Burges) bundled with nnexp, split 8,000 train / 2,000 test, "
                   "stratified, with a fixed seed (the same test set for every run)"],
        )  # fmt: skip
