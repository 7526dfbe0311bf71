"""The user's own arrays in an ``.npz`` file.

An npz holds either ``x`` and ``y`` (a test split is then held out, stratified and
seeded) or ``x_train, y_train, x_test, y_test`` (optionally ``x_val, y_val``), as the
course's ``mnist.npz`` does.  Classification labels are integers 0..K−1 or one-hot
rows; regression targets are (n,) or (n, k) numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from nnexp.data.arrays import (
    as_labels,
    holdout,
    read_npz,
    require_keys,
    resolve_path,
)
from nnexp.data.base import DatasetBase, Normalize, Progress, RawData, Task
from nnexp.data.checks import check_file_params
from nnexp.data.registry import DATASETS
from nnexp.errors import DataError

LAYOUTS = (("x_train", "y_train", "x_test", "y_test"), ("x", "y"))


@DATASETS.register(
    "npz",
    description="your arrays in an .npz: x, y or x_train, y_train, x_test, y_test",
)
@dataclass(frozen=True, slots=True)
class Npz(DatasetBase):
    """Arrays from an ``.npz`` file (module doc); ``test`` applies to x, y only."""

    path: str
    task: Task = "classification"
    classes: int | None = None
    class_names: tuple[str, ...] | None = None
    test: float | int | None = 0.2
    validation: float | int | None = None
    normalize: Normalize = "none"
    flatten: bool = True
    limit: int | None = None
    name: ClassVar[str] = "npz"

    def __post_init__(self) -> None:
        check_file_params(self)

    def read(
        self,
        *,
        rng: np.random.Generator,
        base_dir: Any = None,
        progress: Progress | None = None,
    ) -> RawData:
        path = resolve_path(self.path, base_dir)
        arrays = read_npz(path)
        keys = require_keys(arrays, path, LAYOUTS)
        roles = dict(
            zip(
                ("x_train", "y_train", "x_test", "y_test"),
                keys if len(keys) == 4 else ("x", "y", None, None),
                strict=True,
            )
        )
        if len(keys) == 4 and ("x_val" in arrays) != ("y_val" in arrays):
            raise DataError(
                f"{path}: has only one of x_val and y_val; give both or neither."
            )
        if len(keys) == 4 and "x_val" in arrays:
            roles.update(x_val="x_val", y_val="y_val")
        parts = {r: self._checked(arrays, k, path) for r, k in roles.items() if k}
        if len(keys) == 2:
            xtr, ytr, xte, yte = holdout(
                parts["x_train"],
                parts["y_train"],
                self.test,
                rng,
                self.task == "classification",
                path,
            )
            parts.update(x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
        return self._raw(parts, path)

    def _checked(
        self, arrays: dict[str, np.ndarray], key: str, path: Path
    ) -> np.ndarray:
        a = arrays[key]
        if key.startswith("x"):
            if a.dtype.kind not in "uifb" or a.ndim < 1:
                raise DataError(
                    f"{path}: {key} has dtype {a.dtype} and shape {a.shape};"
                    f" inputs must be numbers, one row per sample."
                )
            if a.dtype.kind == "f" and not np.isfinite(a).all():
                raise DataError(f"{path}: {key} contains NaN or infinite values.")
            return a.reshape(len(a), 1) if a.ndim == 1 else a
        if self.task == "classification":
            return as_labels(a, path, key, self.classes or self._n_names())
        if a.dtype.kind not in "uifb" or not np.isfinite(a.astype(np.float64)).all():
            raise DataError(
                f"{path}: {key} must hold finite numbers (regression targets)."
            )
        return a.reshape(len(a), -1)

    def _n_names(self) -> int | None:
        return len(self.class_names) if self.class_names else None

    def _raw(self, parts: dict[str, np.ndarray | None], path: Path) -> RawData:
        for x, y in (("x_train", "y_train"), ("x_test", "y_test"), ("x_val", "y_val")):
            if parts.get(x) is not None and len(parts[x]) != len(parts[y]):
                raise DataError(
                    f"{path}: {x} has {len(parts[x]):,} rows but {y} has "
                    f"{len(parts[y]):,}; they must match."
                )
            if (
                parts.get(x) is not None
                and parts[x].shape[1:] != parts["x_train"].shape[1:]
            ):
                raise DataError(
                    f"{path}: {x} samples have shape {parts[x].shape[1:]} but "
                    f"x_train samples {parts['x_train'].shape[1:]}."
                )
        classify = self.task == "classification"
        names = self.class_names
        return RawData(
            parts["x_train"], parts["y_train"], parts.get("x_test"),
            parts.get("y_test"), task=self.task, source=str(path),
            n_classes=(self.classes or self._n_names()) if classify else None,
            class_names=list(names) if classify and names else None,
            x_val=parts.get("x_val"), y_val=parts.get("y_val"),
        )  # fmt: skip
