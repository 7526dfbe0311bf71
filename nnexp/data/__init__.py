"""Data sets (docs/maths.md §8, §9): a registry of loaders returning train/val/test splits.

``load_dataset({"name": "mnist_10k"}, seed_rng=rng, dtype="float32")`` returns
``(Splits, DatasetInfo)``; a run passes the loader its spec built
(``spec.dataset.built``), so the data set is constructed once.  Importing this package registers the built-in data sets:
mnist, fashion_mnist, mnist_10k, logic_gates, sincos, spirals, circles, blobs, noisy_1d,
csv and npz.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from nnexp import types as protocols

# Registration order is the order of `nnexp list datasets`.
# isort: off
from nnexp.data import mnist, bundled, toy, csvfile, files  # noqa: F401

# isort: on
from nnexp.data.base import DatasetInfo, Progress, Split, Splits
from nnexp.data.registry import DATASETS

__all__ = ["DATASETS", "DatasetInfo", "Split", "Splits", "load_dataset"]


def load_dataset(
    ref: str | Mapping[str, Any] | protocols.Dataset,
    *,
    seed_rng: np.random.Generator,
    dtype: Any,
    one_hot: bool = True,
    base_dir: Path | None = None,
    progress: Progress | None = None,
) -> tuple[Splits, DatasetInfo]:
    """Load a data set with the run's split generator ``seed_rng`` in the run ``dtype``.

    ``ref`` is a data set already built (a validated spec's ``spec.dataset.built``,
    used as it is) or a reference to build, ``"sincos"`` or
    ``{"name": ..., **params}``.

    Raises RegistryError for an unknown name or parameter, DataError for data that
    cannot be found, read or trusted.
    """
    dataset = (
        DATASETS.build(ref, key="dataset", base_dir=base_dir)
        if isinstance(ref, str | Mapping)
        else ref
    )
    return dataset.load(
        rng=seed_rng, dtype=dtype, one_hot=one_hot, base_dir=base_dir, progress=progress
    )
