"""The user's own arrays in an ``.npz`` file, and the checks shared with the CSV reader.

An npz holds either ``x`` and ``y`` (a test split is then held out, stratified and
seeded) or ``x_train, y_train, x_test, y_test`` (optionally ``x_val, y_val``), as the
course's ``mnist.npz`` does.  Classification labels are integers 0..K−1 or one-hot
rows; regression targets are (n,) or (n, k) numbers.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from nnexp.data.base import (
    DatasetBase,
    Normalize,
    Progress,
    RawData,
    Task,
    check_common,
    complement,
    pick,
)
from nnexp.data.registry import DATASETS
from nnexp.errors import DataError

LAYOUTS = (("x_train", "y_train", "x_test", "y_test"), ("x", "y"))


def resolve_path(path: str, base_dir: Any) -> Path:
    """``path`` with ``~`` expanded, relative to ``base_dir`` (the spec's folder)."""
    p = Path(path).expanduser()
    return Path(base_dir) / p if not p.is_absolute() and base_dir is not None else p


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of an npz file (no pickles); DataError when it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise DataError(f"{path}: a .npy file with one array, not an .npz.")
            return {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise DataError(f"{path}: file not found.") from None
    except AttributeError:  # np.load returned a bare array: no context manager
        raise DataError(f"{path}: a .npy file with one array, not an .npz.") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as err:
        raise DataError(
            f"{path}: not a readable .npz file ({err}); it may be truncated or "
            f"corrupt, or hold pickled objects, which nnexp does not load."
        ) from None


def require_keys(
    arrays: dict[str, np.ndarray], path: Path, layouts: Sequence[Sequence[str]]
) -> tuple[str, ...]:
    """The first layout whose keys are all in ``arrays``; DataError listing both sides."""
    for keys in layouts:
        if all(k in arrays for k in keys):
            return tuple(keys)
    expected = " or ".join("(" + ", ".join(keys) + ")" for keys in layouts)
    found = ", ".join(sorted(arrays)) or "none"
    raise DataError(f"{path}: missing keys: found {found}; expected {expected}.")


def as_labels(
    y: np.ndarray, path: Path | str, role: str, n_classes: int | None
) -> np.ndarray:
    """Class indices (n,) int64 from integer labels or one-hot rows.

    Raises DataError naming the file, the array and the first bad row for labels that
    are not whole numbers, negative, or not below ``n_classes`` (when known).
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        ok = np.isin(y, (0, 1)).all(axis=1) & (y.sum(axis=1) == 1)
        if not ok.all():
            row = int(np.flatnonzero(~ok)[0])
            raise DataError(
                f"{path}: {role} has rows of {y.shape[1]} values, read as one-hot "
                f"labels, but row {row} is {y[row].tolist()[:12]}; give class indices "
                f"(n,) or one-hot rows."
            )
        return y.argmax(axis=1).astype(np.int64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.dtype.kind not in "uifb":
        raise DataError(
            f"{path}: {role} has shape {y.shape} and dtype {y.dtype}; classification "
            f"labels must be numbers, one per sample (n,) or one-hot rows (n, K)."
        )
    if y.dtype.kind == "f":
        bad = ~np.isfinite(y) | (y != np.round(y))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"{path}: {role} row {row} is {y[row]!r}; classification labels must be "
                f"whole numbers 0..K-1 (use task: regression for real-valued targets)."
            )
    labels = y.astype(np.int64)
    out = labels < 0
    if n_classes is not None:
        out |= labels >= n_classes
    if out.any():
        row = int(np.flatnonzero(out)[0])
        allowed = (
            f"0..{n_classes - 1} for {n_classes} classes" if n_classes else "0 or more"
        )
        raise DataError(
            f"{path}: labels out of range: {role} row {row} is {labels[row]}, but labels "
            f"must be {allowed}."
        )
    return labels


def holdout(
    x: np.ndarray, y: np.ndarray, test: float | int | None, rng: np.random.Generator,
    classify: bool, path: Path,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(x_train, y_train, x_test, y_test) with ``test`` held out (stratified, seeded)."""
    if test is None:
        return x, y, None, None
    n = len(x)
    k = max(1, round(test * n)) if isinstance(test, float) else int(test)
    if k >= n:
        raise DataError(
            f"{path}: test={test!r} holds out {k} of its {n} samples and leaves none "
            f"to train on; use a smaller fraction or count."
        )
    t = pick(n, k, rng, y if classify else None)
    keep = complement(n, t)
    return x[keep], y[keep], x[t], y[t]


def check_file_params(obj: Any) -> None:
    """Parameter checks shared by the csv and npz data sets."""
    check_common(obj.name, validation=obj.validation, normalize=obj.normalize,
                 limit=obj.limit)
    if obj.task not in ("classification", "regression"):
        raise ValueError(f"task must be classification or regression, got {obj.task!r}")
    test = obj.test
    if test is not None and (
        isinstance(test, bool)
        or not ((isinstance(test, int) and test >= 1)
                or (isinstance(test, float) and 0 < test < 1))
    ):
        raise ValueError(f"test must be a fraction in (0, 1), a count >= 1 or null, got {test!r}")
    if obj.classes is not None and (isinstance(obj.classes, bool)
                                    or not isinstance(obj.classes, int) or obj.classes < 1):
        raise ValueError(f"classes must be a count >= 1, got {obj.classes!r}")
    if obj.class_names is not None:
        object.__setattr__(obj, "class_names", tuple(str(c) for c in obj.class_names))
        if obj.classes is not None and len(obj.class_names) != obj.classes:
            raise ValueError(
                f"class_names has {len(obj.class_names)} names but classes is {obj.classes}"
            )


@DATASETS.register(
    "npz", description="your arrays in an .npz: x, y or x_train, y_train, x_test, y_test"
)
@dataclass(frozen=True, slots=True)
class Npz(DatasetBase):
    """Arrays from an ``.npz`` file (module doc); ``test`` applies to the x, y layout."""

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

    def read(self, *, rng: np.random.Generator, base_dir: Any = None,
             progress: Progress | None = None) -> RawData:
        path = resolve_path(self.path, base_dir)
        arrays = read_npz(path)
        keys = require_keys(arrays, path, LAYOUTS)
        roles = dict(zip(("x_train", "y_train", "x_test", "y_test"),
                         keys if len(keys) == 4 else ("x", "y", None, None), strict=True))
        if len(keys) == 4 and ("x_val" in arrays) != ("y_val" in arrays):
            raise DataError(f"{path}: has only one of x_val and y_val; give both or neither.")
        if len(keys) == 4 and "x_val" in arrays:
            roles.update(x_val="x_val", y_val="y_val")
        parts = {r: self._checked(arrays, k, path) for r, k in roles.items() if k}
        if len(keys) == 2:
            xtr, ytr, xte, yte = holdout(parts["x_train"], parts["y_train"], self.test,
                                         rng, self.task == "classification", path)
            parts.update(x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
        return self._raw(parts, path)

    def _checked(self, arrays: dict[str, np.ndarray], key: str, path: Path) -> np.ndarray:
        a = arrays[key]
        if key.startswith("x"):
            if a.dtype.kind not in "uifb" or a.ndim < 1:
                raise DataError(f"{path}: {key} has dtype {a.dtype} and shape {a.shape};"
                                f" inputs must be numbers, one row per sample.")
            if a.dtype.kind == "f" and not np.isfinite(a).all():
                raise DataError(f"{path}: {key} contains NaN or infinite values.")
            return a.reshape(len(a), 1) if a.ndim == 1 else a
        if self.task == "classification":
            return as_labels(a, path, key, self.classes or self._n_names())
        if a.dtype.kind not in "uifb" or not np.isfinite(a.astype(np.float64)).all():
            raise DataError(f"{path}: {key} must hold finite numbers (regression targets).")
        return a.reshape(len(a), -1)

    def _n_names(self) -> int | None:
        return len(self.class_names) if self.class_names else None

    def _raw(self, parts: dict[str, np.ndarray | None], path: Path) -> RawData:
        for x, y in (("x_train", "y_train"), ("x_test", "y_test"), ("x_val", "y_val")):
            if parts.get(x) is not None and len(parts[x]) != len(parts[y]):
                raise DataError(f"{path}: {x} has {len(parts[x]):,} rows but {y} has "
                                f"{len(parts[y]):,}; they must match.")
            if parts.get(x) is not None and parts[x].shape[1:] != parts["x_train"].shape[1:]:
                raise DataError(f"{path}: {x} samples have shape {parts[x].shape[1:]} but "
                                f"x_train samples {parts['x_train'].shape[1:]}.")
        classify = self.task == "classification"
        n_classes = self.classes or self._n_names()
        return RawData(
            parts["x_train"], parts["y_train"], parts.get("x_test"), parts.get("y_test"),
            task=self.task, source=str(path), n_classes=n_classes if classify else None,
            class_names=list(self.class_names) if classify and self.class_names else None,
            x_val=parts.get("x_val"), y_val=parts.get("y_val"),
        )  # fmt: skip
